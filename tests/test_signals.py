"""Kill or interrupt ``python -m sim`` mid-experiment: no process of the experiment outlives it.

Every command runs with a unique marker in its environment; children inherit the environment, so the
experiment's processes (the main one, its workers, the ``multiprocessing`` resource tracker, Dask's
nannies and workers) are the processes carrying the marker.
"""

import os
import signal
import subprocess
import sys
import uuid

import pandas as pd
import psutil
import pytest
from helpers import wait_for

from sim.cli import execute
from sim.experiment import compose, prepare
from sim.runner import HANG_ENV

MARKER = "SIM_TEST_MARKER"
#: Twelve one-run chunks on two workers; runs 10 and 11 hang, so once ten chunks are saved both
#: workers are busy (stuck) for ever: a kill then surely lands mid-experiment.
ARGS = ["mc.runs=12", "horizon_days=20", "mc.seed=7", "executor=processes", "executor.workers=2",
        "executor.chunk=1", "mc.progress=false", "analysis.report=false"]  # fmt: skip
HUNG = {HANG_ENV: "10,11"}
#: A Dask experiment long enough to be killed after its first chunks (Dask runs chunks in any order).
DASK_ARGS = ["mc.runs=200", "horizon_days=365", "mc.seed=7", "executor=dask", "executor.workers=2",
             "executor.chunk=2", "mc.progress=false", "analysis.report=false"]  # fmt: skip


def start(args: list[str], folder, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """``python -m sim`` in its own session (like a terminal's foreground job), with a fresh marker."""
    marker = uuid.uuid4().hex
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args, f"hydra.run.dir={folder}"],
        cwd=folder.parent,
        env={**os.environ, **(env or {}), MARKER: marker},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    return proc, marker


def experiment_processes(marker: str) -> list[psutil.Process]:
    """The live processes carrying ``marker`` (zombies have nothing left to scan: they count as gone)."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get(MARKER) == marker and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.Error:  # gone meanwhile, or not ours to read
            pass
    return found


def saved(folder) -> int:
    return len(list((folder / ".parts").glob("runs-*.parquet")))


def workers_of(proc: subprocess.Popen) -> list[psutil.Process]:
    return [c for c in psutil.Process(proc.pid).children() if "resource_tracker" not in " ".join(c.cmdline())]


@pytest.mark.parametrize(
    ("args", "env", "chunks"),
    [(ARGS, HUNG, 10), pytest.param(DASK_ARGS, {}, 2, marks=pytest.mark.slow)],
    ids=["processes", "dask"],
)
def test_sigkill_leaves_no_process_of_the_experiment(tmp_path, args, env, chunks):
    proc, marker = start(args, tmp_path / "exp", env)
    wait_for(lambda: saved(tmp_path / "exp") >= chunks, 180, f"{chunks} chunks saved")
    assert len(workers_of(proc)) >= 2  # there are workers to outlive it
    proc.kill()
    proc.communicate()
    wait_for(lambda: not experiment_processes(marker), 5, "every process of the experiment to end")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code", "what"),
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")],
    ids=["SIGTERM", "Ctrl-C"],
)
def test_sigterm_or_ctrl_c_stops_the_workers_says_how_to_resume_and_the_rerun_resumes(
    tmp_path, signum, code, what
):
    folder = tmp_path / "exp"
    proc, marker = start(ARGS, folder, HUNG)
    wait_for(lambda: saved(folder) >= 10, 180, "ten chunks saved")
    assert len(workers_of(proc)) >= 2
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)  # Ctrl-C in a terminal: the whole foreground group, workers too
    else:
        proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    resume = f"to resume, run the same command with hydra.run.dir={folder}"
    assert err.strip() == f"{what}: 10 finished chunks saved in {folder}; {resume}"  # no traceback anywhere
    wait_for(lambda: not experiment_processes(marker), 5, "every process of the experiment to end")

    again, _ = start(ARGS, folder)  # the same command, nothing hangs this time
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert "resumed: 10 were already saved" in out
    cfg = compose(ARGS)
    execute(prepare(cfg), tmp_path / "whole", cfg)  # the uninterrupted reference, in this process
    for name in ("runs.parquet", "series.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(folder / name), pd.read_parquet(tmp_path / "whole" / name)
        )


@pytest.mark.slow
def test_sigterm_stops_a_local_dask_cluster(tmp_path):
    folder = tmp_path / "exp"
    proc, marker = start(DASK_ARGS, folder)
    wait_for(lambda: saved(folder) >= 2, 180, "two chunks saved")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    resume = f"; to resume, run the same command with hydra.run.dir={folder}"
    assert [line for line in err.splitlines() if line.startswith("terminated: ") and line.endswith(resume)]
    wait_for(lambda: not experiment_processes(marker), 10, "every process of the experiment to end")


WATCHED = """
import multiprocessing, sys, time

def child():
    sys.modules["ctypes"] = None  # no PR_SET_PDEATHSIG: the watchdog thread alone must end this process
    from sim.workers import _exit_with_parent

    _exit_with_parent()
    time.sleep(600)

if __name__ == "__main__":
    multiprocessing.get_context("spawn").Process(target=child).start()
    time.sleep(600)
"""


def test_without_the_kernel_a_workers_own_watchdog_ends_it_with_its_parent(tmp_path):
    """The portable layer (macOS has no PR_SET_PDEATHSIG): a thread waiting on the parent's sentinel."""
    script = tmp_path / "watched.py"
    script.write_text(WATCHED)
    marker = uuid.uuid4().hex
    parent = subprocess.Popen([sys.executable, str(script)], env={**os.environ, MARKER: marker})
    try:
        wait_for(lambda: len(psutil.Process(parent.pid).children()) >= 2, 60, "the child to start")
    finally:
        parent.kill()
        parent.wait()
    wait_for(lambda: not experiment_processes(marker), 5, "the child to end")
