"""Faults: a worker process or a Dask worker that dies, or a run that hangs, loses no run silently."""

import itertools
import types

import pandas as pd
import pytest

import sim.model.model
from sim.errors import RunTimeout
from sim.model import ConflictModel
from sim.results import load
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.faults import EXIT_ENV, EXIT_ONCE_ENV, HANG_ENV, HANG_S_ENV
from sim.runner.pipeline import execute
from sim.runner.runs import run_experiment, run_seed

SMALL = ["mc.runs=12", "horizon_days=10", "mc.seed=3", "executor.chunk=3", "mc.progress=false"]


@pytest.fixture(scope="module")
def exp():
    return prepare(compose(SMALL))


@pytest.fixture(scope="module")
def serial(exp):
    return run_experiment(exp, executor="serial")


def same_ok_runs(runs, reference):
    ok = runs["status"] == "ok"
    pd.testing.assert_frame_equal(runs[ok].reset_index(drop=True), reference[ok].reset_index(drop=True))


def test_a_worker_killed_once_is_replaced_and_its_runs_rerun(exp, serial, tmp_path, monkeypatch):
    monkeypatch.setenv(EXIT_ENV, "4")  # the worker running run 4 exits abruptly, the first time only
    monkeypatch.setenv(EXIT_ONCE_ENV, str(tmp_path))
    runs, series = run_experiment(exp, executor="processes", workers=2)
    assert (tmp_path / "exited-4").exists()  # the fault did happen
    pd.testing.assert_frame_equal(runs, serial[0])
    pd.testing.assert_frame_equal(series, serial[1])


def test_a_run_that_always_kills_its_worker_is_recorded_as_failed_with_its_seed(
    serial, monkeypatch, tmp_path
):
    monkeypatch.setenv(EXIT_ENV, "4")
    cfg = compose([*SMALL, "executor=processes", "executor.workers=2", "analysis.report=false"])
    summary = execute(prepare(cfg), tmp_path / "exp", cfg)
    runs = load(tmp_path / "exp").runs
    failed = runs[runs["status"] != "ok"]
    assert failed["run_id"].tolist() == [4]  # only the killer: its chunk-mates were rerun one by one
    assert failed["seed"].tolist() == [run_seed(3, 4)]
    error = "WorkerLost: its worker process died running it, twice"
    assert failed["error"].iloc[0] == error
    assert runs["run_id"].tolist() == list(range(12))
    same_ok_runs(runs, serial[0])
    # the summary says so
    assert summary["experiment"]["failed"] == 1
    assert summary["experiment"]["failed_runs"] == [{"run_id": 4, "seed": run_seed(3, 4), "error": error}]


@pytest.mark.slow
def test_a_dask_worker_lost_mid_experiment_costs_no_run(exp, serial, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv(EXIT_ENV, "4")
    monkeypatch.setenv(EXIT_ONCE_ENV, str(tmp_path))
    runs, series = run_experiment(exp, executor="dask", workers=2)
    assert (tmp_path / "exited-4").exists()
    pd.testing.assert_frame_equal(runs, serial[0])
    pd.testing.assert_frame_equal(series, serial[1])


# --- runs over their time limit ---------------------------------------------------------------------


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_a_hung_run_is_stopped_and_recorded_failed_while_the_others_finish(serial, monkeypatch, executor):
    monkeypatch.setenv(HANG_ENV, "4")  # run 4 sleeps, as if stuck inside one day...
    monkeypatch.setenv(HANG_S_ENV, "120")  # ...far beyond the limit, but not for ever if the limit fails
    runs, series = run_experiment(
        prepare(compose([*SMALL, "executor.run_timeout_s=1"])), executor=executor, workers=2
    )
    failed = runs[runs["status"] != "ok"]
    assert failed["run_id"].tolist() == [4]
    assert failed["seed"].tolist() == [run_seed(3, 4)]
    assert (
        failed["error"]
        .iloc[0]
        .startswith("RunTimeout: over the 1 s limit (executor.run_timeout_s); stuck inside a day")
    )
    assert runs["run_id"].tolist() == list(range(12))
    same_ok_runs(runs, serial[0])
    others = serial[1][serial[1]["run_id"] != 4].reset_index(drop=True)
    pd.testing.assert_frame_equal(series, others)


@pytest.mark.parametrize("executor", ["serial", "processes", pytest.param("dask", marks=pytest.mark.slow)])
def test_the_time_limit_reaches_the_model_on_every_executor(executor):
    if executor == "dask":
        pytest.importorskip("distributed")
    exp = prepare(compose([*SMALL, "executor.run_timeout_s=1e-9"]))  # over before the first day
    runs, _ = run_experiment(exp, executor=executor, workers=2)
    assert runs["seed"].tolist() == [run_seed(3, i) for i in range(12)]
    assert (runs["status"] == "failed").all()
    error = "RunTimeout: over the 1e-09 s limit (executor.run_timeout_s); stopped on day 0 of 10"
    assert (runs["error"] == error).all()


def test_the_model_checks_its_deadline_before_each_day(exp, monkeypatch):
    clock = types.SimpleNamespace(monotonic=itertools.count().__next__)  # one tick per look at the clock
    monkeypatch.setattr(sim.model.model, "time", clock)
    model = ConflictModel(exp.theatre, exp.config.mechanisms, 10, rng=1)
    with pytest.raises(RunTimeout, match=r"^stopped on day 5 of 10$"):
        model.run(deadline=4.5)  # ticks 0-4 let days 1-5 run; tick 5 is past it
    assert model.steps == 5
    whole = ConflictModel(exp.theatre, exp.config.mechanisms, 10, rng=1)
    whole.run(deadline=float("inf"))
    plain = ConflictModel(exp.theatre, exp.config.mechanisms, 10, rng=1)
    plain.run()
    assert whole.steps == 10
    pd.testing.assert_frame_equal(pd.DataFrame(whole.series), pd.DataFrame(plain.series))


def test_the_time_limit_is_not_part_of_the_experiment(exp):
    """Like all of ``executor``, it decides whether runs finish, not their numbers: a folder resumes."""
    assert prepare(compose([*SMALL, "executor.run_timeout_s=5"])).fingerprint() == exp.fingerprint()
    assert prepare(compose([*SMALL, "mc.seed=4"])).fingerprint() != exp.fingerprint()
