"""The Monte Carlo runner: determinism across executors, failures, streaming and resume after a kill."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.faults import FAULT_ENV
from sim.runner.pipeline import execute
from sim.runner.runs import plan, run_experiment, run_seed

SMALL = ["mc.runs=6", "horizon_days=20", "mc.seed=3", "mc.progress=false"]


@pytest.fixture(scope="module")
def exp():
    return prepare(compose([*SMALL, "scenario=combined"]))


@pytest.fixture(scope="module")
def serial(exp):
    return run_experiment(exp, executor="serial")


def test_processes_give_the_same_numbers_as_serial(exp, serial):
    for workers in (1, 2):
        runs, series = run_experiment(exp, executor="processes", workers=workers)
        pd.testing.assert_frame_equal(runs, serial[0])
        pd.testing.assert_frame_equal(series, serial[1])


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_numbers_as_serial(exp, serial):
    pytest.importorskip("distributed")
    runs, series = run_experiment(exp, executor="dask", workers=2)
    pd.testing.assert_frame_equal(runs, serial[0])
    pd.testing.assert_frame_equal(series, serial[1])


def test_every_row_carries_its_seed_and_design_coordinates(exp, serial):
    runs = serial[0]
    assert list(runs["run_id"]) == list(range(6))
    assert list(runs["seed"]) == [run_seed(3, i) for i in range(6)]
    assert runs["seed"].is_unique
    assert {"design_point", "replication", "scenario", "status"} <= set(runs.columns)


def test_run_ids_and_seeds_do_not_depend_on_the_run_count():
    small = plan(prepare(compose(["mc.runs=5"])))
    large = plan(prepare(compose(["mc.runs=50"])))
    assert [(t.run_id, t.seed) for t in small] == [(t.run_id, t.seed) for t in large[:5]]


def test_replications_multiply_the_runs():
    tasks = plan(prepare(compose(["mc.runs=4", "mc.replications=3"])))
    assert len(tasks) == 12
    assert [(t.design_point, t.replication) for t in tasks[:4]] == [(0, 0), (0, 1), (0, 2), (1, 0)]


def test_a_failing_run_is_recorded_and_the_experiment_carries_on(monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "1,4")
    e = prepare(compose(SMALL))
    runs, _ = run_experiment(e, executor="serial")
    failed = runs[runs["status"] == "failed"]
    assert list(failed["run_id"]) == [1, 4]
    assert failed["error"].str.contains("fault injected").all()
    assert list(failed["seed"]) == [run_seed(3, 1), run_seed(3, 4)]
    assert (runs.loc[runs["status"] == "ok", "error"] == "").all()
    assert failed["sirte_captured_day"].isna().all() and not failed["ceasefire_pretext"].any()


def cli(*args, cwd, env=None):
    """``python -m sim`` without the report (tested in test_report.py and test_cli.py)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args, "analysis.report=false"],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_exit_code_is_nonzero_when_runs_fail(tmp_path):
    proc = cli(
        *SMALL, "executor=serial", f"hydra.run.dir={tmp_path / 'x'}", cwd=tmp_path, env={FAULT_ENV: "2"}
    )
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert "some runs failed" in err
    summary = pd.read_json(tmp_path / "x" / "summary.json", typ="series")
    assert summary["experiment"]["failed"] == 1


def test_killed_at_random_points_then_resumed_equals_an_uninterrupted_run(tmp_path):
    """SIGKILL the CLI three times at random moments (start-up, runs, compaction), resume until done."""
    import random

    seed = random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    why = f"kill-point seed {seed}"
    args = ["mc.runs=48", "horizon_days=120", "mc.seed=5", "executor=serial", "executor.chunk=2",
            "mc.progress=false"]  # fmt: skip
    cfg = compose([*args, "analysis.report=false"])
    whole = tmp_path / "whole"
    execute(prepare(cfg), whole, cfg)  # the uninterrupted reference, in this process

    cut = tmp_path / "cut"
    p = cli(*args, f"hydra.run.dir={cut}", cwd=tmp_path)  # first kill: surely mid-experiment
    parts, after = cut / ".parts", rng.randint(2, 12)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("runs-*.parquet"))) < after:
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    saved = len(list(parts.glob("runs-*.parquet")))
    assert after <= saved < 24 and not (cut / "summary.json").exists(), why
    kills = [f"after {saved} chunks"]
    for _ in range(2):  # then at random moments: start-up, runs, compaction, summary
        p = cli(*args, f"hydra.run.dir={cut}", cwd=tmp_path)
        delay = rng.uniform(0.5, 8.0)
        try:
            p.wait(timeout=delay)  # finished before the kill: nothing to kill this time
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills.append(f"{delay:.2f} s")
    p = cli(*args, f"hydra.run.dir={cut}", cwd=tmp_path)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, f"{why}; kills {kills}: {err}"
    for name in ("runs.parquet", "series.parquet"):
        got, want = pd.read_parquet(cut / name), pd.read_parquet(whole / name)
        pd.testing.assert_frame_equal(got, want, obj=f"{name} ({why}; kills {kills})")
    runs = pd.read_parquet(cut / "runs.parquet")
    assert runs["run_id"].tolist() == list(range(48)), why  # none lost, none duplicated
    assert not (cut / ".parts").exists() and not list(cut.rglob("*.tmp")), why
    assert (cut / "summary.json").exists()


def test_a_folder_holding_another_experiment_is_refused(tmp_path):
    import sim

    folder = tmp_path / "exp"
    sim.run([*SMALL, "executor=serial"], folder, quiet=True)  # what the CLI writes, in this process
    before = (folder / ".hydra" / "config.yaml").read_text()
    p = cli(*SMALL, "executor=serial", "mc.seed=99", f"hydra.run.dir={folder}", cwd=tmp_path)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 2
    assert err.strip().startswith("error: hydra.run.dir:") and "holds a different experiment" in err
    assert (folder / ".hydra" / "config.yaml").read_text() == before  # the old record is untouched
    assert (folder / "summary.json").exists()


def test_compaction_sorts_parts_saved_out_of_order_and_overlapping(tmp_path, exp):
    """Parts from a resumed experiment can straddle each other's run-id ranges; the final files are sorted."""
    from sim.runner.runs import run_chunk
    from sim.runner.store import ResultStore

    tasks = plan(exp)
    chunks = [tasks[4:6], [tasks[0], tasks[2]], [tasks[1], tasks[3]]]  # run ids 0-2 and 1-3 overlap
    store = ResultStore(tmp_path, "fp", len(tasks))
    for chunk in chunks:
        store.save_chunk(*run_chunk(exp, chunk))
    assert store.done_ids() == set(range(6))
    runs = store.compact(tmp_path / "runs.parquet", tmp_path / "series.parquet", rows_per_group=100)
    _, whole_series = run_chunk(exp, tasks)
    series = pd.read_parquet(tmp_path / "series.parquet")
    pd.testing.assert_frame_equal(series, whole_series)
    assert runs["run_id"].tolist() == list(range(6))
    assert not (tmp_path / ".parts").exists()


def test_series_rows_are_laid_out_by_run_variable_and_day_and_a_short_series_is_refused():
    import numpy as np

    from sim.runner.tasks import RunResult, Task, series_frame

    def result(run_id, series):
        return RunResult(Task(run_id, seed=run_id), "ok", {}, series)

    two = [
        result(3, {"b": np.array([1.0, 2.0, 3.0]), "a": np.array([4.0, 5.0, 6.0])}),
        result(1, {"a": np.array([7.0, 8.0, 9.0])}),
        RunResult(Task(2, seed=2), "failed", {}, {}, "boom"),  # a failed run has no series rows
    ]
    df = series_frame(two, horizon=2)
    assert list(df.itertuples(index=False, name=None)) == [
        (3, 0, "a", 4.0), (3, 1, "a", 5.0), (3, 2, "a", 6.0),
        (3, 0, "b", 1.0), (3, 1, "b", 2.0), (3, 2, "b", 3.0),
        (1, 0, "a", 7.0), (1, 1, "a", 8.0), (1, 2, "a", 9.0),
    ]  # fmt: skip
    empty = series_frame([two[2]], horizon=2)
    assert len(empty) == 0 and df.dtypes.equals(empty.dtypes)  # the same columns, with or without rows
    assert [str(df[c].dtype) for c in ("run_id", "day", "value")] == ["int64", "int32", "float64"]
    with pytest.raises(ValueError, match="series 'a' of run 1: 3 values, not 4"):
        series_frame([two[1]], horizon=3)
