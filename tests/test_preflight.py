"""Everything that can be checked before the first run is checked before it (``sim.cli.preflight``).

Questions' outcomes and operators, ``analysis.target``, unknown keys, the primary config, Hydra's flags,
sweeps (every job, sweep parameters from a config file, two jobs into one folder): one line naming the
key, before any run and before anything is written.
"""

import subprocess
import sys

import pytest

import sim
from sim.cli import preflight
from sim.config import ConfigError
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import check_before_run, outcome_columns


def _refused(args: list[str], tmp_path) -> str:
    folder = tmp_path / "results"
    with pytest.raises(ConfigError) as err:
        preflight([*args, f"hydra.run.dir={folder}"])
    assert "\n" not in str(err.value)
    assert not folder.exists()
    return str(err.value)


@pytest.mark.parametrize(
    ("override", "start"),
    [
        (
            "questions.gna_takes_sirte.outcome=sirte_taken_day",
            "questions.gna_takes_sirte.outcome: 'sirte_taken",
        ),
        ("questions.gna_takes_sirte.op=true", "questions.gna_takes_sirte.op: 'true' needs a flag outcome"),
        (
            "questions.gna_takes_sirte.outcome=holder_sirte",
            "questions.gna_takes_sirte.op: 'happened' needs a num",
        ),
        (
            "questions.front_line_km.outcome=ceasefire_pretext",
            "questions.front_line_km.op: 'quantiles' needs a num",
        ),
        (
            "questions.gna_takes_sirte.requires=[oil_economy]",
            "questions.gna_takes_sirte.requires: 'oil_economy'",
        ),
        ("analysis.target=sirte_falls", "analysis.target: 'sirte_falls' names no question or outcome"),
        ("analysis.target=holder_sirte", "analysis.target: 'holder_sirte' names no question or outcome"),
        ("+no_such_key=3", "no_such_key: unknown key; known keys here: horizon_days"),
        (
            "+mechanisms.combat.kill_rates=0.1",
            "mechanisms.combat.kill_rates: unknown key; known keys here: law,",
        ),
    ],
)
def test_a_question_target_or_key_that_names_nothing_is_refused_before_any_run(tmp_path, override, start):
    assert _refused([override], tmp_path).startswith(start)


def test_a_question_on_a_mechanism_that_is_off_is_not_checked_but_reported_not_modelled():
    exp = prepare(compose(["scenario=baseline"]))
    columns = outcome_columns(exp)
    assert "ceasefire_duration_days" not in columns  # the ceasefire is off in the baseline ...
    assert exp.config.questions["ceasefire_broken_30"].requires == ["ceasefire"]
    check_before_run(exp)  # ... so its question is "not modelled", not an error


def test_outcome_columns_match_what_the_runs_write(tmp_path):
    for scenario in ("combined",):  # every mechanism on: every outcome column
        exp = prepare(compose([f"scenario={scenario}", "uncertain=june2020"]))
        res = sim.run(
            [f"scenario={scenario}", "uncertain=june2020", "mc.runs=2", "horizon_days=5", "executor=serial",
             "mc.progress=false", "analysis.report=false"],
            tmp_path / scenario,
            quiet=True,
        )  # fmt: skip
        columns = outcome_columns(exp)
        assert set(columns) == set(res.runs.columns), set(columns) ^ set(res.runs.columns)
        for name, kind in columns.items():
            if kind == "flag":
                assert res.runs[name].dtype == bool, name
            elif kind == "label":
                assert res.runs[name].map(lambda v: isinstance(v, str)).all(), name


def test_every_job_of_a_sweep_is_checked_and_sweep_parameters_from_a_file_too(tmp_path):
    assert _refused(["-m", "horizon_days=10,5000"], tmp_path).startswith("horizon_days: got 5000")
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "sweeping.yaml").write_text(
        "# @package _global_\nscenario:\n  name: sweeping\nhydra:\n  sweeper:\n    params:\n"
        "      mc.runs: 5,-1\n"
    )
    message = _refused(["-m", "scenario=sweeping", f"hydra.searchpath=[file://{tmp_path}]"], tmp_path)
    assert message.startswith("mc.runs: got -1")


def test_two_jobs_into_one_folder_are_refused(tmp_path):
    message = _refused(
        ["-m", "scenario=baseline,combined", "hydra.sweep.subdir=same", f"hydra.sweep.dir={tmp_path}/s"],
        tmp_path,
    )
    assert message == f"hydra.sweep.subdir: jobs 0 and 1 would write the same folder {tmp_path}/s/same"


def test_hydra_flags_are_checked_too(tmp_path):
    assert _refused(["--config-name", "nope"], tmp_path) == (
        "--config-name: no primary config 'nope' in the config folders"
    )
    assert _refused(["--config-path", str(tmp_path / "none")], tmp_path).startswith("--config-path: ")
    assert _refused(["--no-such-flag"], tmp_path).startswith("command line: unrecognized arguments")
    assert _refused([f"hydra.searchpath=[file://{tmp_path}/none]"], tmp_path) == (
        f"hydra.searchpath: {tmp_path}/none is not available (no such folder)"
    )


def test_the_command_refuses_a_bad_question_with_exit_2_before_anything_runs(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "sim", "questions.gna_takes_sirte.outcome=nope",
         f"hydra.run.dir={tmp_path}/x"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert p.returncode == 2
    assert p.stderr.startswith("error: questions.gna_takes_sirte.outcome: 'nope' is not an outcome")
    assert p.stderr.count("\n") == 1 and not (tmp_path / "x").exists()


@pytest.mark.parametrize("value", ["2", "'true'"])
def test_a_switch_in_a_config_file_takes_only_true_or_false(tmp_path, value):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "odd.yaml").write_text(
        f"# @package _global_\nscenario:\n  name: odd\nmechanisms:\n  combat:\n    stochastic: {value}\n"
    )
    message = _refused(["scenario=odd", f"hydra.searchpath=[file://{tmp_path}]"], tmp_path)
    assert message.startswith("mechanisms.combat.stochastic: ")
    for value in ("true", "false"):
        (tmp_path / "scenario" / "odd.yaml").write_text(
            f"# @package _global_\nscenario:\n  name: odd\nmechanisms:\n  combat:\n    stochastic: {value}\n"
        )
        exp = prepare(compose(["scenario=odd", f"hydra.searchpath=[file://{tmp_path}]"]))
        assert exp.config.mechanisms.combat.stochastic is (value == "true")


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (
            ["--cfg", "job", "--resolve", "mc.seed=${oc.env:SIM_TEST_NOT_SET}"],
            "mc.seed: KeyError raised while",
        ),
        (
            ["--cfg", "hydra", "--resolve", "hydra.sweep.dir=${oc.env:SIM_TEST_NOT_SET}"],
            "hydra.sweep.dir: KeyError",
        ),
        (
            ["--cfg", "job", "--resolve", "scenario.name=${scenario.name}"],
            "scenario.name: Recursive interpolation",
        ),
        (["hydra.sweeper.params={x: 1}"], "hydra.sweeper.params: cannot be set on the command line"),
        (["+questions.q={text: x}"], "questions.q.outcome: missing; a new question needs text and outcome"),
    ],
)
def test_printing_and_hydra_settings_are_one_line_too(tmp_path, args, start):
    assert _refused(args, tmp_path).startswith(start)


def test_shell_completion_and_glob_sweeps_pass(tmp_path):
    preflight(["-sc", "install=bash"])
    preflight(["-m", "mc=smoke", "scenario=glob(base*)", f"hydra.sweep.dir={tmp_path / 's'}"])


def test_a_sweep_folder_holds_one_sweep(tmp_path):
    """A sweep may not write into an experiment's folder, nor into another sweep's; the same sweep resumes."""
    base = ["mc=smoke", "executor=serial", "horizon_days=3", "analysis.report=false"]
    sim.run(base, tmp_path / "exp", quiet=True)
    before = {p: p.read_bytes() for p in (tmp_path / "exp").rglob("*") if p.is_file()}
    with pytest.raises(ConfigError, match="is an experiment's results folder"):
        preflight(["-m", *base, f"hydra.sweep.dir={tmp_path / 'exp'}", "hydra.sweep.subdir=sub"])
    assert {p: p.read_bytes() for p in (tmp_path / "exp").rglob("*") if p.is_file()} == before
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "multirun.yaml").write_text(
        "hydra:\n  overrides:\n    task: [mc=smoke, 'scenario=baseline,combined']\n"
    )
    preflight(["-m", "mc=smoke", "scenario=baseline,combined", f"hydra.sweep.dir={sweep}"])  # the same sweep
    with pytest.raises(ConfigError, match="holds another sweep"):
        preflight(["-m", "mc=smoke", "scenario=combined", f"hydra.sweep.dir={sweep}"])
