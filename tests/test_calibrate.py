"""Rejection ABC (sim.calibrate): a known posterior recovered, observations checked, posteriors reused."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from analysis_inputs import command
from scipy import stats

from sim.calibrate import (
    CalibrationError,
    Observation,
    calibrate,
    distances,
    load_observations,
    main,
    statistics,
    write_posterior,
)
from sim.config import ConfigError
from sim.results import Results
from sim.runner.compose import compose
from sim.runner.design import design_table
from sim.runner.experiment import prepare
from sim.runner.runs import plan, run_seed
from sim.runner.uncertainty import UncertainParameter

SEED_OBSERVATIONS = Path(__file__).resolve().parents[1] / "seeds" / "observations_2020.yaml"
RATE = "mechanisms.ceasefire.pretext_prob"  # any probability field serves as the toy's binomial rate


def toy_results(prior_a, prior_b, trials, runs, seed=7):
    """A toy 'experiment': rate ~ Beta(a, b) from the design, then k ~ Binomial(trials, rate) per run."""
    spec = {"dist": "beta", "a": prior_a, "b": prior_b}
    table = design_table([UncertainParameter.from_spec(RATE, spec)], "monte_carlo", runs, seed)
    k = [np.random.default_rng(run_seed(seed, i)).binomial(trials, p) for i, p in enumerate(table[RATE])]
    frame = pd.DataFrame({"run_id": table.index, "status": "ok", RATE: table[RATE], "k": k})
    config = {
        "uncertain": {"mechanisms": {"ceasefire": {"pretext_prob": spec}}},
        "mc": {"design": "monte_carlo"},
    }
    summary = {"experiment": {"uncertain_parameters": [RATE], "scenario": "toy"}}
    return Results(
        Path("toy"), frame, pd.DataFrame(columns=["run_id", "day", "variable", "value"]), summary, config
    )


def exact(k_obs, tol=0.0):
    return Observation(
        id="k",
        text="k successes",
        source="toy",
        date="2020-06-07",
        day=0,
        op="near",
        value=k_obs,
        tolerance=tol,
        outcome="k",
    )


def test_beta_binomial_posterior_is_recovered():
    a, b, n, k = 2.0, 3.0, 10, 7
    res = toy_results(a, b, n, runs=20_000)
    node, report = calibrate(res, [exact(k)], "toy")
    draws = np.asarray(node["parameters"][0]["values"], dtype=float)
    post = stats.beta(a + k, b + n - k)  # conjugate posterior: Beta(9, 6), mean 0.6, sd 0.122
    # acceptance = the beta-binomial probability of k (~0.078): ~1,560 draws
    expected = stats.betabinom(n, a, b).pmf(k)
    assert report["acceptance_rate"] == pytest.approx(expected, abs=0.006)
    se = post.std() / math.sqrt(len(draws))
    assert abs(draws.mean() - post.mean()) < 4 * se
    assert draws.std(ddof=1) == pytest.approx(post.std(), rel=0.08)
    assert stats.kstest(draws, post.cdf).pvalue > 0.001
    # and the prior was not: the same draws are far from Beta(2, 3)
    assert stats.kstest(draws, stats.beta(a, b).cdf).pvalue < 1e-10


def test_posterior_config_draws_the_posterior_in_a_later_experiment(tmp_path):
    a, b, n, k = 2.0, 3.0, 10, 2
    node, _ = calibrate(toy_results(a, b, n, runs=10_000), [exact(k)], "toy")
    write_posterior(node, tmp_path / "calibrated" / "toy.yaml", "python -m sim +calibrated=toy")
    overrides = ["+calibrated=toy", f"hydra.searchpath=[file://{tmp_path}]", "mc.runs=1500"]
    exp = prepare(compose(overrides))
    assert exp.posterior.keys == (RATE,) and exp.parameter_keys == [RATE]
    values = np.array([t.values[RATE] for t in plan(exp)])
    assert set(values) <= set(node["parameters"][0]["values"])
    post = stats.beta(a + k, b + n - k)  # Beta(4, 11): mean 0.267
    assert values.mean() == pytest.approx(post.mean(), abs=0.015)
    # a joint posterior is one factor: variance-based designs would split it by parameter
    with pytest.raises(ConfigError, match=r"mc\.design: sobol .* allowed: monte_carlo, lhs"):
        prepare(compose([*overrides, "mc.design=sobol"]))


def test_posterior_replaces_the_prior_of_its_keys_and_keeps_the_others(tmp_path):
    node = {"name": "two", "parameters": [{"key": "mechanisms.combat.kill_rate", "values": [0.0021, 0.0039]}]}
    (tmp_path / "calibrated").mkdir()
    (tmp_path / "calibrated" / "two.yaml").write_text("# @package calibrated\n" + yaml.safe_dump(node))
    exp = prepare(compose(["uncertain=june2020", "+calibrated=two", f"hydra.searchpath=[file://{tmp_path}]"]))
    keys = [p.key for p in exp.uncertain]
    assert "mechanisms.combat.kill_rate" not in keys and "mechanisms.oil.resolve_span" in keys
    tasks = plan(exp)
    assert {t.values["mechanisms.combat.kill_rate"] for t in tasks} == {0.0021, 0.0039}
    lift = [t.values["mechanisms.oil.resolve_span"] for t in tasks]
    assert 0.3 <= min(lift) and max(lift) <= 0.9 and len(set(lift)) == len(lift)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            [{"key": "mechanisms.combat.kill_rte", "values": [0.1]}],
            r"parameters\[0\]\.key: .*unknown key 'kill_rte'",
        ),
        (
            [{"key": "mechanisms.combat.killed_share", "values": [0.2, 1.5]}],
            r"parameters\[0\]\.values\[1\] \(mechanisms\.combat\.killed_share\): "
            r"got 1\.5; allowed range \[0, 1\]",
        ),
        (
            [
                {"key": "mechanisms.combat.kill_rate", "values": [0.001]},
                {"key": "mechanisms.air.loss_per_sortie", "values": [0.1, 0.2]},
            ],
            r"parameters\[1\]\.values: got 2 draws",
        ),
        (
            [{"key": "mechanisms.combat.kill_rate", "values": ["x"]}],
            r"values\[0\]: got 'x'; expected a number",
        ),
    ],
)
def test_bad_posterior_files_fail_in_one_line(tmp_path, parameters, message):
    (tmp_path / "calibrated").mkdir()
    (tmp_path / "calibrated" / "bad.yaml").write_text(
        "# @package calibrated\n" + yaml.safe_dump({"name": "bad", "parameters": parameters})
    )
    with pytest.raises(ConfigError, match=message) as err:
        prepare(compose(["+calibrated=bad", f"hydra.searchpath=[file://{tmp_path}]"]))
    assert "\n" not in str(err.value)


# --- observations --------------------------------------------------------------------------------


def runs_and_series():
    runs = pd.DataFrame(
        {"run_id": [0, 1, 2], "status": "ok", "x_day": [5.0, np.nan, 40.0], "v": [1.0, 2.0, 3.0]}
    )
    rows = []
    for r, path in enumerate(([0, 10, 20, 30], [0, 0, 0, 0], [0, -5, 100, 60])):
        rows += [{"run_id": r, "day": d, "variable": "front", "value": float(v)} for d, v in enumerate(path)]
    return runs, pd.DataFrame(rows)


def obs(**kw):
    base = {"id": "o", "text": "", "source": "s", "date": "2020-06-10", "day": 3, "op": "le", "value": 0.0}
    return Observation(**{**base, **kw})


def test_statistics_and_distances_by_hand():
    runs, series = runs_and_series()
    observations = [
        obs(id="rng", variable="front", stat="range", value=25),  # ranges 30, 0, 105
        obs(id="at2", variable="front", stat="value", day=2, op="ge", value=20),  # 20, 0, 100
        obs(
            id="mean", variable="front", stat="mean", since_day=1, op="near", value=10, tolerance=2
        ),  # 20, 0, 155/3
        obs(id="when", outcome="x_day", op="ge", value=30),  # 5, never (inf), 40
    ]
    s = statistics(observations, runs, series)
    assert s["rng"].tolist() == [30, 0, 105]
    assert s["at2"].tolist() == [20, 0, 100]
    assert s["mean"].tolist() == pytest.approx([20, 0, 155 / 3])
    assert s["when"].tolist() == [5, math.inf, 40]
    d = distances(observations, s)
    assert d["rng"].tolist() == [5, 0, 80]
    assert d["at2"].tolist() == [0, 20, 0]
    assert d["mean"].tolist() == pytest.approx([10, 10, 155 / 3 - 10])
    assert d["when"].tolist() == [25, 0, 0]


def test_a_missing_statistic_never_matches():
    runs, series = runs_and_series()
    s = statistics([obs(id="v", outcome="v", op="near", value=2)], runs, series)
    s.loc[1, "v"] = np.nan
    assert np.isinf(distances([obs(id="v", outcome="v", op="near", value=2)], s).loc[1, "v"])


def write_obs(tmp_path, entries):
    path = tmp_path / "o.yaml"
    path.write_text(yaml.safe_dump({"observations": entries}))
    return path


GOOD = {
    "id": "f",
    "variable": "front_km",
    "stat": "range",
    "op": "le",
    "value": 50,
    "date": "2020-08-06",
    "source": "s",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"op": "eq"}, r"observations\[0\]\.op: got 'eq'; allowed: le, ge, near"),
        ({"date": "2021-06-07"}, r"observations\[0\]\.date: 2021-06-07 is day 365; allowed: day 0"),
        ({"date": "June"}, r"observations\[0\]\.date: got 'June'; allowed: a date YYYY-MM-DD"),
        ({"variable": "front"}, r"observations\[0\]\.variable: got 'front'; allowed: .*front_km"),
        ({"stat": "median"}, r"observations\[0\]\.stat: got 'median'; allowed: value, min, max, mean, range"),
        ({"value": float("nan")}, r"observations\[0\]\.value: got nan; allowed: a finite number"),
        ({"tolerance": -1}, r"observations\[0\]\.tolerance: got -1; allowed: a finite number >= 0"),
        ({"value": True}, r"observations\[0\]\.value: got True; allowed: a finite number"),
        ({"tolerance": float("inf")}, r"observations\[0\]\.tolerance: got inf; allowed: a finite number"),
        ({"id": ["f"]}, r"observations\[0\]\.id: got \['f'\]; allowed: a unique non-empty name"),
        ({"text": {"a": 1}}, r"observations\[0\]\.text: got \{'a': 1\}; allowed: text"),
        ({"source": ""}, r"observations\[0\]\.source: missing"),
        ({"outcome": "sirte_captured_day"}, r"observations\[0\]: give exactly one of outcome"),
        ({"since": "2020-09-01"}, r"observations\[0\]\.since: day 86; allowed: day 0 to the date's day 60"),
        ({"colour": "red"}, r"observations\[0\]\.colour: unknown field"),
    ],
)
def test_bad_observations_fail_in_one_line(tmp_path, change, message):
    path = write_obs(tmp_path, [{**GOOD, **change}])
    with pytest.raises(CalibrationError, match=message) as err:
        load_observations(path, "2020-06-07", 180, ["run_id", "sirte_captured_day"], ["front_km"])
    assert "\n" not in str(err.value)


def test_seed_observations_are_sourced_and_valid():
    runs_columns = ["blockade_lifted_day"]
    found = load_observations(SEED_OBSERVATIONS, "2020-06-07", 180, runs_columns, ["front_km"])
    assert [o.id for o in found] == ["front_holds_60", "blockade_lifted"]
    assert found[1].day == 103 and all(len(o.source) > 20 for o in found)


# --- the command on the real model -----------------------------------------------------------------


@pytest.fixture(scope="module")
def prior(tmp_path_factory):
    import sim

    folder = tmp_path_factory.mktemp("abc") / "prior"
    sim.run(
        [
            "uncertain=june2020",
            "mc.runs=40",
            "horizon_days=105",
            "executor=serial",
            "mc.progress=false",
            "analysis.report=false",
        ],
        folder,
        quiet=True,
    )
    return folder


def test_calibrate_command_writes_a_usable_posterior(prior, tmp_path, capsys):
    configs = tmp_path / "configs"
    code = main(
        [str(SEED_OBSERVATIONS), "--name", "june", "--results", str(prior), "--config-dir", str(configs)]
    )
    assert code == 0, capsys.readouterr().err
    written = yaml.safe_load((configs / "calibrated" / "june.yaml").read_text())
    assert written["accepted"] >= 1 and written["prior_runs"] == 40
    assert [o["id"] for o in written["observations"]] == ["front_holds_60", "blockade_lifted"]
    assert all(o["source"] for o in written["observations"])
    # the facts it was fitted to: sim.score counts them in-sample for experiments that use the posterior
    events = [o["event"] for o in written["observations"]]
    assert events == ["front_holds_summer_2020", "blockade_lifted_2020-09-18"]
    lift = next(p for p in written["parameters"] if p["key"] == "mechanisms.oil.resolve_span")
    assert lift["prior"] == {"dist": "uniform", "low": 0.3, "high": 0.9}
    assert len(lift["values"]) == written["accepted"]
    assert (prior / "figures" / "calibration-june.png").stat().st_size > 10_000
    report = yaml.safe_load((prior / "calibration-june.json").read_text())
    # the accepted runs are exactly those matching both observations
    from sim.results import load

    runs = load(prior).runs
    s = load(prior, variables=["front_km"]).series.query("day <= 60").groupby("run_id")["value"]
    matched = (s.max() - s.min() <= 50) & (
        (runs.set_index("run_id")["blockade_lifted_day"] - 103).abs() <= 21
    )
    assert sorted(report["accepted_runs"]) == sorted(matched[matched].index)
    # the file is a config group: a later experiment draws accepted runs' values
    exp = prepare(compose(["+calibrated=june", f"hydra.searchpath=[file://{configs}]", "mc.runs=50"]))
    accepted = runs.set_index("run_id").loc[report["accepted_runs"]]
    draws = {
        tuple(round(t.values[k], 4) for k in ("mechanisms.oil.resolve_span", "mechanisms.combat.kill_rate"))
        for t in plan(exp)
    }
    rows = {
        (round(a, 4), round(b, 4))
        for a, b in accepted[["mechanisms.oil.resolve_span", "mechanisms.combat.kill_rate"]].itertuples(
            index=False
        )
    }
    assert draws <= rows  # parameters drawn together, from one accepted run
    # refusing to overwrite without --force
    again = [SEED_OBSERVATIONS, "--name", "june", "--results", prior, "--config-dir", configs]
    code, _, err = command(main, again, capsys)
    assert code == 2 and err.count("\n") == 1
    assert "exists; pass --force" in err


def test_no_match_is_an_error_and_writes_no_posterior(prior, tmp_path, capsys):
    path = write_obs(tmp_path, [{**GOOD, "value": -1}])  # a range is never negative
    configs = tmp_path / "configs"
    code, _, err = command(
        main, [path, "--name", "none", "--results", prior, "--config-dir", configs], capsys
    )
    assert code == 2
    assert err.startswith("error: no run of 40 matched every observation (least matched: f, 0% of runs)")
    assert not (configs / "calibrated" / "none.yaml").exists()


def test_an_experiment_without_uncertain_parameters_is_refused(tmp_path, capsys):
    import sim

    folder = tmp_path / "plain"
    sim.run(["mc.runs=2", "horizon_days=5", "executor=serial", "analysis.report=false"], folder, quiet=True)
    path = write_obs(tmp_path, [{**GOOD, "date": "2020-06-10"}])
    code, _, err = command(main, [path, "--name", "x", "--results", folder, "--config-dir", tmp_path], capsys)
    assert code == 2 and "no uncertain parameters to calibrate (run it with uncertain=<group>)" in err
    code, _, err = command(main, [path, "--name", "Bad Name", "--results", folder], capsys)
    assert code == 2 and "--name: got 'Bad Name'" in err


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["uncertain=nope"],
            "error: uncertain: unknown option 'nope'; allowed: decisions, june2020, karabakh2020, none",
        ),
        (["mc.runs=5"], "error: the prior has no uncertain parameters to calibrate; add uncertain=<group>"),
        (
            ["uncertain=june2020", "mc.design=sobol"],
            "error: mc.design: sobol does not draw independent prior",
        ),
        (
            ["uncertain=june2020", "horizon_days=50"],
            f"error: {SEED_OBSERVATIONS}: observations[0].date: 2020-08-06 is day 60; allowed",
        ),
    ],
)
def test_a_bad_prior_is_refused_before_anything_runs(tmp_path, capsys, overrides, message):
    folder = tmp_path / "prior"
    args = [str(SEED_OBSERVATIONS), "--name", "x", "--folder", str(folder), "--config-dir", str(tmp_path)]
    code, _, err = command(main, [*args, *overrides], capsys)
    assert code == 2
    assert err.startswith(message) and err.count("\n") == 1
    assert not folder.exists()


def test_a_folder_holding_another_prior_is_refused_before_anything_runs(prior, tmp_path, capsys):
    import hashlib
    import shutil

    folder = tmp_path / "prior"
    shutil.copytree(prior, folder)  # 40 runs of the june2020 prior, finished

    def tree():
        return {p: hashlib.sha256(p.read_bytes()).digest() for p in folder.rglob("*") if p.is_file()}

    before = tree()
    args = [str(SEED_OBSERVATIONS), "--name", "x", "--folder", str(folder), "--config-dir", str(tmp_path)]
    overrides = ["uncertain=june2020", "mc.runs=8", "horizon_days=105", "executor=serial"]
    for resume in ("true", "false"):
        code, _, err = command(main, [*args, *overrides, f"mc.resume={resume}"], capsys)
        assert code == 2
        assert err.startswith(f"error: --folder: {folder}: holds a different experiment"), err
        assert err.count("\n") == 1
    assert tree() == before
    assert not (tmp_path / "calibrated").exists()


def test_an_interrupted_prior_says_how_to_resume_in_one_line(tmp_path, capsys, monkeypatch):
    import signal

    import sim
    from sim.errors import Interrupted

    def interrupted(overrides, folder, quiet=False):
        raise Interrupted(folder, 3, signal.SIGTERM)

    monkeypatch.setattr(sim, "run", interrupted)
    path = write_obs(tmp_path, [{**GOOD, "date": "2020-06-10"}])
    folder = tmp_path / "prior"
    args = [path, "--name", "x", "--folder", folder, "--config-dir", tmp_path, "uncertain=june2020"]
    code, _, err = command(main, args, capsys)
    assert code == 143
    assert (
        err.splitlines()[-1]
        == f"terminated: 3 finished chunks saved in {folder}; to resume, rerun this command"
    )
    assert "Traceback" not in err and not (tmp_path / "calibrated" / "x.yaml").exists()
