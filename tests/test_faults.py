"""Faults in workers: a worker process or a Dask worker that dies loses no run silently."""

import pandas as pd
import pytest

from sim.cli import execute
from sim.experiment import compose, prepare
from sim.results import load
from sim.runner import EXIT_ENV, EXIT_ONCE_ENV, run_experiment, run_seed

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


def test_a_dask_worker_lost_mid_experiment_costs_no_run(exp, serial, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv(EXIT_ENV, "4")
    monkeypatch.setenv(EXIT_ONCE_ENV, str(tmp_path))
    runs, series = run_experiment(exp, executor="dask", workers=2)
    assert (tmp_path / "exited-4").exists()
    pd.testing.assert_frame_equal(runs, serial[0])
    pd.testing.assert_frame_equal(series, serial[1])
