"""The analysis commands' one error path: damaged results, bad inputs and paths, Ctrl-C, large inputs.

``python -m sim.report``, ``sim.score``, ``sim.forecast``, ``sim.validate``, ``sim.calibrate`` and
``sim.check_claims`` run through ``sim.command.run_command``: bad input is one line on stderr naming the
file (and entry and field), exit code 2, no traceback and nothing written; figures, tables and printed
output stay bounded however many questions, observations or claims come in.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from analysis_inputs import command, resolutions_for, small_experiment, snapshot, with_questions
from PIL import Image

from sim import calibrate, check_claims, forecast, report, score, validate
from sim.command import run_command
from sim.config import ConfigError, read_entries
from sim.results import ResultsError, load

ROOT = Path(__file__).resolve().parents[1]
MAX_PNG_PX = 6000  # figures are drawn at dpi 120: 40 rows stay well below this


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """One small finished experiment with uncertain parameters (8 runs, 20 days); tests damage copies."""
    return small_experiment(tmp_path_factory.mktemp("commands") / "exp", "uncertain=june2020")


def copy(experiment: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(experiment, tmp_path / "exp"))


def parquet(change):
    def damage(path: Path) -> None:
        frame = change(pd.read_parquet(path))
        frame.to_parquet(path)

    return damage


def text(change):
    def damage(path: Path) -> None:
        path.write_text(change(path.read_text()))

    return damage


def summary(change):
    def damage(path: Path) -> None:
        doc = json.loads(path.read_text())
        change(doc)
        path.write_text(json.dumps(doc))

    return damage


def truncate(share):
    def damage(path: Path) -> None:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * share)])

    return damage


def garbage(data):
    return lambda path: path.write_bytes(data)


def _set(doc, path, value):
    *head, last = path
    for k in head:
        doc = doc[k]
    doc[last] = value


CONFIG = ".hydra/config.yaml"
DAMAGE = {
    "runs truncated": ("runs.parquet", truncate(0.5), "not a readable Parquet file"),
    "runs garbage": ("runs.parquet", garbage(b"PAR1 not really"), "not a readable Parquet file"),
    "runs empty": ("runs.parquet", garbage(b""), "not a readable Parquet file"),
    "runs without status": ("runs.parquet", parquet(lambda f: f.drop(columns="status")),
                            "missing column 'status'; needed: run_id, status"),
    "runs without run_id": ("runs.parquet", parquet(lambda f: f.drop(columns="run_id")),
                            "missing column 'run_id'"),
    "status as numbers": ("runs.parquet", parquet(lambda f: f.assign(status=1)),
                          "column 'status' holds int64; allowed: string"),
    "a run twice": ("runs.parquet", parquet(lambda f: f.assign(run_id=[0, 0, *f["run_id"][2:]])),
                    "run_id 0 appears twice"),
    "runs missing": ("runs.parquet", parquet(lambda f: f.iloc[:4]), "4 runs, but .*summary.json counts 8"),
    "outcome column missing": ("runs.parquet", parquet(lambda f: f.drop(columns="sirte_captured_day")),
                               "missing column 'sirte_captured_day' \\(the outcome of question gna_takes"),
    "outcome column as text": ("runs.parquet", parquet(lambda f: f.assign(front_km_final="far")),
                               "column 'front_km_final' \\(the outcome of question .*\\) holds text"),
    "parameter column missing": ("runs.parquet",
                                 parquet(lambda f: f.drop(columns="mechanisms.combat.kill_rate")),
                                 "missing column 'mechanisms.combat.kill_rate' \\(an uncertain parameter"),
    "series truncated": ("series.parquet", truncate(0.7), "not a readable Parquet file"),
    "series without value": ("series.parquet", parquet(lambda f: f.drop(columns="value")),
                             "missing column 'value'; needed: run_id, day, variable, value"),
    "series day as text": ("series.parquet", parquet(lambda f: f.assign(day=f["day"].astype(str))),
                           "column 'day' holds .*string; allowed: integer"),
    "series day negative": ("series.parquet", parquet(lambda f: f.assign(day=f["day"] - 2**30)),
                            "day -1073741824 outside the experiment's days 0-"),
    "series day past the horizon": ("series.parquet", parquet(lambda f: f.assign(day=f["day"] + 10**6)),
                                    "day 1000000 outside the experiment's days 0-"),
    "series of another run": ("series.parquet", parquet(lambda f: f.assign(run_id=f["run_id"] + 99)),
                              "run_id 99 is not a run of the runs file"),
    "summary truncated": ("summary.json", truncate(0.5), "not valid JSON"),
    "summary series fan": ("summary.json", summary(lambda d: _set(d, ["series", "front_km", "fan"], "yes")),
                           "series.front_km.fan: got 'yes'; allowed: true or false"),
    "summary garbage": ("summary.json", garbage(b"\xff\xfe\x00"), "not UTF-8 text"),
    "summary a list": ("summary.json", garbage(b"[]"), "got \\[\\]; allowed: a JSON object"),
    "summary NaN": ("summary.json", text(lambda t: t.replace('"k": ', '"k": NaN, "x": ')),
                    "not valid JSON \\(NaN is not JSON\\)"),
    "summary bad date": ("summary.json", summary(lambda d: _set(d, ["experiment", "start_date"], "June")),
                         "experiment.start_date: got 'June'; allowed: a date YYYY-MM-DD"),
    "summary probability 2": ("summary.json",
                              summary(lambda d: _set(d, ["questions", "gna_takes_sirte", "probability"], 2)),
                              "gna_takes_sirte.probability: got 2; allowed: a finite number in \\[0, 1\\]"),
    "summary question text": ("summary.json",
                              summary(lambda d: _set(d, ["questions", "gna_takes_sirte", "text"], 7)),
                              "questions.gna_takes_sirte.text: got 7; allowed: text"),
    "config truncated": (CONFIG, truncate(0.4), ""),
    "config garbage": (CONFIG, garbage(b"a: [1,\n"), "not valid YAML"),
    "config empty": (CONFIG, garbage(b""), "got None; allowed: a mapping"),
    "config key twice": (CONFIG, text(lambda t: t + "horizon_days: 5\n"),
                         "key 'horizon_days' given twice \\(first on line 1\\)"),
    "config question op": (CONFIG, text(lambda t: t.replace("op: happened", "op: equals", 1)),
                           "questions.gna_takes_sirte.op: got 'equals'"),
    "config another experiment": (CONFIG, text(lambda t: t.replace("  gna_takes_sirte:", "  other:", 1)),
                                  "its questions differ from .*summary.json's \\(e.g. 'gna_takes_sirte'\\)"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(DAMAGE))
def test_load_names_the_damaged_file_in_one_line(experiment, tmp_path, case):
    name, damage, message = DAMAGE[case]
    folder = copy(experiment, tmp_path)
    damage(folder / name)
    with pytest.raises(ResultsError) as err:
        load(folder)
    text = str(err.value)
    assert text.startswith(f"{folder / name}: ") and "\n" not in text, text
    assert re.search(message, text), text


@pytest.mark.parametrize("name", ["runs.parquet", "series.parquet", "summary.json", ".hydra/config.yaml"])
def test_load_refuses_a_folder_missing_a_file(experiment, tmp_path, name):
    folder = copy(experiment, tmp_path)
    (folder / name).unlink()
    with pytest.raises(ResultsError, match=f"not a finished experiment \\(missing {name}\\)"):
        load(folder)


def test_every_command_reports_a_damaged_folder_in_one_line_and_writes_nothing(experiment, tmp_path, capsys):
    folder = copy(experiment, tmp_path)
    (folder / "runs.parquet").write_bytes(b"garbage")
    before = snapshot(folder)
    obs = tmp_path / "o.yaml"
    obs.write_text(
        "observations: [{id: a, outcome: front_km_final, op: ge, value: 0, date: 2020-06-10, source: s}]"
    )
    resolved = tmp_path / "r.yaml"
    resolved.write_text(
        "resolutions: [{question: gna_takes_sirte, outcome: false, date: 2020-07-01, source: s}]"
    )
    runs = [
        (report.main, [folder]),
        (score.main, [folder, resolved]),
        (calibrate.main, [obs, "--name", "x", "--results", folder, "--config-dir", tmp_path / "configs"]),
    ]
    for main, args in runs:
        code, out, err = command(main, args, capsys)
        assert code == 2 and out == "", (main, err)
        assert (
            err == f"error: {folder / 'runs.parquet'}: not a readable Parquet file (" + err.split(" (", 1)[1]
        )
        assert err.count("\n") == 1 and "Traceback" not in err
    assert snapshot(folder) == before and not (tmp_path / "configs").exists()


# -- paths -------------------------------------------------------------------------------------------------


def test_out_that_is_a_file_or_below_one_is_refused_before_any_work(
    experiment, tmp_path, capsys, monkeypatch
):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    never = pytest.fail  # loading or composing anything would be work done before the check
    monkeypatch.setattr(report, "load_experiments", lambda *a: never("loaded"))
    monkeypatch.setattr(score, "load", lambda *a: never("loaded"))
    monkeypatch.setattr(calibrate, "load", lambda *a: never("loaded"))
    monkeypatch.setattr("sim.runner.pipeline.prepare_overrides", lambda *a: never("composed"))
    obs = ROOT / "seeds" / "observations_2020.yaml"
    cases = [
        (report.main, [experiment, "--out", blocker], f"--out: {blocker} is a file"),
        (report.main, [experiment, "--out", blocker / "sub"], f"--out: {blocker / 'sub'} is below the file"),
        (score.main, [experiment, obs, "--out", blocker], f"--out: {blocker} is a file"),
        (score.main, [experiment, obs, "--out", blocker / "a"], f"--out: {blocker / 'a'} is below the file"),
        (calibrate.main, [obs, "--name", "x", "--results", experiment, "--config-dir", blocker],
         f"--config-dir: {blocker / 'calibrated'} is below the file {blocker}"),
        (check_claims.main, ["--out", tmp_path], f"--out: {tmp_path} is a folder; allowed: a file name"),
        (check_claims.main, ["--out", blocker / "x.json"], f"--out: {blocker / 'x.json'} is below the file"),
    ]  # fmt: skip
    for main, args, message in cases:
        code, _, err = command(main, args, capsys)
        assert code == 2 and err.startswith(f"error: {message}") and err.count("\n") == 1, err
    assert blocker.read_text() == "x"


def test_calibrate_refuses_a_prior_folder_below_a_file_before_running(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    obs = ROOT / "seeds" / "observations_2020.yaml"
    args = [obs, "--name", "x", "--folder", blocker / "p", "--config-dir", tmp_path, "uncertain=june2020",
            "horizon_days=120", "mc.runs=4"]  # fmt: skip
    code, _, err = command(calibrate.main, args, capsys)
    assert code == 2 and err == f"error: --folder: {blocker / 'p'} is below the file {blocker}; allowed: " \
        "a folder, or a path that does not exist yet\n"  # fmt: skip


def test_report_target_naming_nothing_is_refused_before_drawing(experiment, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = command(report.main, [experiment, "--out", out, "--target", "nothing"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(
        "error: --target: got 'nothing'; allowed: a question id or an outcome (gna_takes_sirte,"
    )
    assert not out.exists()
    code, _, err = command(report.main, [experiment, "--out", out, "--target", "status"], capsys)
    assert code == 2, "status is a runs column, but no outcome"


# -- YAML inputs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["resolutions", "observations", "claims"])
def test_yaml_inputs_refuse_a_key_twice_and_alias_bombs(tmp_path, key):
    path = tmp_path / "in.yaml"
    path.write_text(f"{key}:\n  - id: a\n    source: s\n    id: b\n")
    with pytest.raises(ConfigError, match=r"in\.yaml: line 4: key 'id' given twice \(first on line 2\)"):
        read_entries(path, key)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )  # 10^9 values once expanded; line 7 (g) already holds 10^7
    path.write_text(f"{bomb}{key}: *i\n")
    with pytest.raises(ConfigError, match="line 7: aliases expand the document beyond 2,000,000 values"):
        read_entries(path, key)
    path.write_text(f"{key}: &x [*x]\n")
    with pytest.raises(ConfigError, match="line 1: an alias refers to itself"):
        read_entries(path, key)
    path.write_text(f"{key}:\n  - &x {{id: a}}\n  - *x\n")  # PyYAML writes shared objects like this
    assert read_entries(path, key) == [{"id": "a"}, {"id": "a"}]
    path.write_text(f"{key}: []\n{key}: [{{id: a}}]\n")
    with pytest.raises(ConfigError, match=f"line 2: key '{key}' given twice"):
        read_entries(path, key)


def test_an_observation_id_twice_is_refused(tmp_path):
    path = tmp_path / "o.yaml"
    entry = {"id": "a", "outcome": "x", "op": "ge", "value": 0, "date": "2020-06-10", "source": "s"}
    path.write_text(yaml.safe_dump({"observations": [entry, entry]}))
    with pytest.raises(calibrate.CalibrationError) as err:
        calibrate.load_observations(path, "2020-06-07", 20, ["x"], [])
    assert (
        str(err.value)
        == f"{path}: observations[1].id: 'a' again (first in observations[0]); allowed: each one once"
    )


def test_a_claim_id_twice_is_refused(tmp_path):
    from sim.runner.compose import compose
    from sim.runner.experiment import prepare

    path = tmp_path / "c.yaml"
    check = {
        "days": [0, 1],
        "window": "w",
        "conditions": [{"test": "held_by", "place": "sirte", "faction": "LNA"}],
    }
    path.write_text(yaml.safe_dump({"claims": [{"id": "a", "check": check}, {"id": "b"}, {"id": "a"}]}))
    with pytest.raises(ConfigError) as err:
        check_claims.load_checks(path, prepare(compose(["mc.runs=2", "horizon_days=5"])))
    assert str(err.value) == f"{path}: claims[2].id: 'a' again (first in claims[0]); allowed: each one once"


# -- Ctrl-C and --debug -------------------------------------------------------------------------------------


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("main", "patch", "args"),
    [
        (report.main, "sim.analysis.report_tables.load_experiment", ["{exp}", "--out", "{tmp}/o"]),
        (score.main, "sim.score.load", ["{exp}", "r.yaml", "--out", "{tmp}/o"]),
        (forecast.main, "sim.forecast.load_experiment", ["{exp}", "{obs}", "--out", "{tmp}/o"]),
        (validate.main, "sim.validate.load_experiment", ["{exp}", "{obs}", "--out", "{tmp}/o"]),
        (calibrate.main, "sim.calibrate.load", ["{obs}", "--name=x", "--results={exp}", "--config-dir=c"]),
        (check_claims.main, "sim.check_claims.check", ["mc.runs=2", "horizon_days=8"]),
    ],
)  # fmt: skip
def test_ctrl_c_is_one_line_and_exit_130(experiment, tmp_path, capsys, monkeypatch, main, patch, args):
    monkeypatch.setattr(patch, _interrupt)
    obs = ROOT / "seeds" / "observations_2020.yaml"
    args = [a.format(exp=experiment, tmp=tmp_path, obs=obs) for a in args]
    monkeypatch.chdir(tmp_path)
    code, _, err = command(main, args, capsys)
    assert (code, err) == (130, "interrupted\n")


def test_debug_shows_the_error_itself(experiment, tmp_path):
    folder = copy(experiment, tmp_path)
    (folder / "summary.json").write_text("{")
    with pytest.raises(ResultsError, match="not valid JSON"):
        run_command(score.main, [str(folder), "r.yaml", "--debug"])


# -- the real commands, as subprocesses -----------------------------------------------------------------


def test_the_modules_run_through_the_one_error_path(experiment, tmp_path):
    folder = copy(experiment, tmp_path)
    (folder / "series.parquet").write_bytes(b"nothing")
    nan = tmp_path / "r.yaml"
    nan.write_text("resolutions:\n  - {question: front_line_km, value: .nan, date: 2020-07-01, source: s}\n")
    claims = tmp_path / "c.yaml"
    claims.write_text(
        "claims:\n  - {id: a, check: {days: [0, 1], window: w, conditions: [{test: producing, system: x}]}}\n"
    )
    cases = [
        (["sim.report", folder], f"error: {folder / 'series.parquet'}: not a readable Parquet file"),
        (["sim.score", experiment, nan], f"error: {nan}: resolutions[0].value: got nan; allowed: a finite"),
        (["sim.forecast", experiment, nan], f"error: {nan}: needs a non-empty list 'observations'"),
        (["sim.validate", experiment, nan], f"error: {nan}: needs a non-empty list 'patterns'"),
        (["sim.calibrate", nan, "--name", "x", "--results", experiment, "--config-dir", tmp_path],
         f"error: {nan}: needs a non-empty list 'observations'"),
        (["sim.check_claims", "--claims", claims, "mc.runs=2", "horizon_days=3"],
         f"error: {claims}: claims[0].check.conditions[0].system: got 'x'; allowed: "),
    ]  # fmt: skip
    for args, message in cases:
        p = subprocess.run(
            [sys.executable, "-m", *map(str, args)], capture_output=True, text=True, cwd=tmp_path, timeout=300
        )
        assert p.returncode == 2, (args, p.stderr)
        assert p.stderr.startswith(message) and p.stderr.count("\n") == 1, p.stderr
        assert "Traceback" not in p.stdout + p.stderr
    p = subprocess.run(
        [sys.executable, "-m", "sim.score", str(experiment), str(nan), "--debug"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert p.returncode == 1 and "Traceback" in p.stderr and "ScoreError" in p.stderr


# -- large inputs --------------------------------------------------------------------------------------------


def _bounded_pngs(folder: Path) -> list[Path]:
    pngs = sorted(folder.rglob("*.png"))
    for png in pngs:
        width, height = Image.open(png).size
        assert width < 2000 and height < MAX_PNG_PX, (png, width, height)  # 9-12 inches wide at dpi 120
    return pngs


def many_questions(experiment: Path, tmp_path: Path, capsys, n: int) -> None:
    """Score and report an experiment asking ``n`` questions, all resolved: bounded figures and output."""
    folder = with_questions(experiment, tmp_path / "many", n)
    resolutions = resolutions_for(load(folder).config["questions"], tmp_path / "r.yaml")
    code, out, err = command(score.main, [folder, resolutions, "--out", tmp_path / "scores"], capsys)
    assert code == 0, err
    assert len(out.splitlines()) < 50 and "more (see scores.json)" in out
    scores = json.loads((tmp_path / "scores" / "scores.json").read_text())
    assert len(scores["questions"]) == n  # the file holds them all
    assert {p.name for p in _bounded_pngs(tmp_path / "scores")} == {"scores.png", "reliability.png"}
    code, out, err = command(report.main, [folder, "--out", tmp_path / "report"], capsys)
    assert code == 0, err
    md = (tmp_path / "report" / "report.md").read_text()
    assert len(md.splitlines()) < 300 and "more (see summary.json)" in md
    assert len(_bounded_pngs(tmp_path / "report")) >= 5


@pytest.mark.slow
def test_3000_questions_give_bounded_figures_tables_and_output(experiment, tmp_path, capsys):
    many_questions(experiment, tmp_path, capsys, 3000)


@pytest.mark.slow
def test_30000_questions_give_bounded_figures_tables_and_output(experiment, tmp_path, capsys):
    many_questions(experiment, tmp_path, capsys, 30_000)


@pytest.mark.slow
def test_3000_observations_and_claims_give_bounded_output(experiment, tmp_path, capsys):
    folder = copy(experiment, tmp_path)
    obs = tmp_path / "o.yaml"
    entries = [
        {
            "id": f"o{i}",
            "outcome": "front_km_final",
            "op": "ge",
            "value": -i,
            "date": "2020-06-20",
            "source": "s",
        }
        for i in range(3000)
    ]
    obs.write_text(yaml.dump({"observations": entries}, Dumper=yaml.CSafeDumper))
    args = [obs, "--name", "many", "--results", folder, "--config-dir", tmp_path / "configs"]
    code, out, err = command(calibrate.main, args, capsys)
    assert code == 0, err
    assert len(out.splitlines()) < 80 and "more (see calibration-many.json)" in out
    assert len(json.loads((folder / "calibration-many.json").read_text())["observations"]) == 3000
    assert len(_bounded_pngs(folder / "figures")) == 1
    claims = tmp_path / "c.yaml"
    check = {
        "days": [0, 1],
        "window": "w",
        "conditions": [{"test": "held_by", "place": "sirte", "faction": "LNA"}],
    }
    claims.write_text(yaml.dump({"claims": [{"id": f"c{i}", "check": check} for i in range(3000)]},
                                Dumper=yaml.CSafeDumper))  # fmt: skip
    args = [
        "--claims",
        claims,
        "--out",
        tmp_path / "c.json",
        "mc.runs=2",
        "horizon_days=2",
        "executor=serial",
    ]
    code, out, err = command(check_claims.main, args, capsys)
    assert code == 0, err
    assert len(out.splitlines()) < 30 and f"more (see {tmp_path / 'c.json'})" in out
    assert len(json.loads((tmp_path / "c.json").read_text())["claims"]) == 3000


@pytest.mark.slow
def test_a_report_of_many_experiments_draws_the_first_eight(experiment, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from sim import plots

    drawn: dict[str, list] = {}

    def stub(name):
        def draw(*args, **kwargs):
            drawn.setdefault(name, []).append(args)
            fig = plt.figure(figsize=(1, 1))
            return fig, None

        return draw

    for name in ("plot_map", "plot_sensitivity", "plot_prim", "plot_distribution"):
        monkeypatch.setattr(plots, name, stub(name))
    loaded = load(experiment, variables=report.report_series)
    results = {f"scenario {i}": loaded for i in range(12)}
    done = report.build_report(results, tmp_path, target="front_km_final")
    assert len(drawn["plot_map"]) == 8 and len(drawn["plot_sensitivity"]) == 8
    assert all(len(args[0]) == 12 for args in drawn["plot_distribution"])  # capped inside the figure
    assert any("showing 8 of 12 experiments (the first, in the order given)" in n for n in done.notes)
    md = done.path.read_text()
    assert "| question | " + " | ".join(f"scenario {i}" for i in range(8)) + " |\n" in md  # 8 columns
    assert md.count("| scenario 11 |") == 1  # a row of the experiments table (12 rows, below 40)
    assert "Tables: showing 8 of 12 scenarios (the first, in the order given)" in md


def test_a_failed_write_is_one_line_and_exit_3(experiment, tmp_path, capsys, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "scores.json"))

    monkeypatch.setattr(score, "write_json", full)
    resolved = tmp_path / "r.yaml"
    resolved.write_text(
        "resolutions: [{question: gna_takes_sirte, outcome: false, date: 2020-07-01, source: s}]"
    )
    code, _, err = command(score.main, [experiment, resolved, "--out", tmp_path / "out"], capsys)
    assert code == 3
    assert (
        err
        == f"error: {tmp_path / 'out'}: cannot write {tmp_path / 'out' / 'scores.json'}: the disk is full\n"
    )


def test_an_output_file_is_never_written_over_a_device_pipe_or_link(tmp_path):
    """The file is written to a temporary name and renamed: a pipe is refused, a link's target written."""
    from sim.inputs import InputError, output_file

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(
        InputError, match=rf"--out: {pipe} is not a regular file \(a device, pipe or socket\)"
    ):
        output_file(pipe, "--out")
    with pytest.raises(InputError, match="is not a regular file"):
        output_file("/dev/null", "--out")
    target = tmp_path / "target.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert output_file(link, "--out") == target.resolve()
    assert output_file(tmp_path / "new.json", "--out") == tmp_path / "new.json"
