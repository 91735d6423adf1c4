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

from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.faults import HANG_ENV
from sim.runner.pipeline import execute

MARKER = "SIM_TEST_MARKER"
#: Twelve one-run chunks on two workers; runs 10 and 11 hang, so once ten chunks are saved both
#: workers are busy (stuck) for ever: a kill then surely lands mid-experiment.
ARGS = ["mc.runs=12", "horizon_days=20", "mc.seed=7", "executor=processes", "executor.workers=2",
        "executor.chunk=1", "mc.progress=false", "analysis.report=false"]  # fmt: skip
HUNG = {HANG_ENV: "10,11"}
#: A Dask experiment long enough to be killed after its first chunks (Dask runs chunks in any order).
DASK_ARGS = ["mc.runs=200", "horizon_days=365", "mc.seed=7", "executor=dask", "executor.workers=2",
             "executor.chunk=2", "mc.progress=false", "analysis.report=false"]  # fmt: skip


class Command:
    """A command started in its own session (like a terminal's foreground job) with a fresh marker.

    Its output goes to files, not pipes: workers that outlive it could hold pipes open for ever.
    """

    def __init__(self, argv: list[str], cwd, env: dict | None = None) -> None:
        self.marker = uuid.uuid4().hex
        self.out, self.err = cwd / f"{self.marker}.out", cwd / f"{self.marker}.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen(
                argv, cwd=cwd, env={**os.environ, **(env or {}), MARKER: self.marker},
                stdout=out, stderr=err, text=True, start_new_session=True,
            )  # fmt: skip

    def wait(self, timeout: float = 300) -> tuple[int, str, str]:
        """Its exit code, stdout and stderr."""
        code = self.proc.wait(timeout)
        return code, self.out.read_text(), self.err.read_text()

    def processes(self) -> list[psutil.Process]:
        """The live processes carrying its marker (zombies count as gone: nothing left of them)."""
        found = []
        for p in psutil.process_iter():
            try:
                if p.environ().get(MARKER) == self.marker and p.status() != psutil.STATUS_ZOMBIE:
                    found.append(p)
            except psutil.Error:  # gone meanwhile, or not ours to read
                pass
        return found

    def workers(self) -> list[psutil.Process]:
        """Its children, but the resource tracker."""
        children = psutil.Process(self.proc.pid).children()
        return [c for c in children if "resource_tracker" not in " ".join(c.cmdline())]


@pytest.fixture
def command(tmp_path):
    """Start commands; whatever a failed test leaves behind is killed afterwards."""
    started = []

    def start(argv: list[str], env: dict | None = None) -> Command:
        started.append(Command(argv, tmp_path, env))
        return started[-1]

    yield start
    for c in started:
        for p in c.processes():
            p.kill()


def sim_command(args: list[str], folder) -> list[str]:
    return [sys.executable, "-m", "sim", *args, f"hydra.run.dir={folder}"]


def saved(folder) -> int:
    return len(list((folder / ".parts").glob("runs-*.parquet")))


@pytest.mark.parametrize(
    ("args", "env", "chunks"),
    [(ARGS, HUNG, 10), pytest.param(DASK_ARGS, {}, 2, marks=pytest.mark.slow)],
    ids=["processes", "dask"],
)
def test_sigkill_leaves_no_process_of_the_experiment(command, tmp_path, args, env, chunks):
    run = command(sim_command(args, tmp_path / "exp"), env)
    wait_for(lambda: saved(tmp_path / "exp") >= chunks, 180, f"{chunks} chunks saved")
    assert len(run.workers()) >= 2  # there are workers to outlive it
    run.proc.kill()
    run.wait()
    wait_for(lambda: not run.processes(), 5, "every process of the experiment to end")


@pytest.mark.parametrize(
    ("signum", "code", "what"),
    [
        (signal.SIGTERM, 143, "terminated"),
        pytest.param(signal.SIGINT, 130, "interrupted", marks=pytest.mark.slow),
    ],
    ids=["SIGTERM", "Ctrl-C"],
)
def test_sigterm_or_ctrl_c_stops_the_workers_says_how_to_resume_and_the_rerun_resumes(
    command, tmp_path, signum, code, what
):
    folder = tmp_path / "exp"
    run = command(sim_command(ARGS, folder), HUNG)
    wait_for(lambda: saved(folder) >= 10, 180, "ten chunks saved")
    assert len(run.workers()) >= 2
    if signum == signal.SIGINT:
        os.killpg(run.proc.pid, signum)  # Ctrl-C in a terminal: the whole foreground group, workers too
    else:
        run.proc.send_signal(signum)
    returncode, _, err = run.wait(60)
    assert returncode == code, err
    resume = f"to resume, run the same command with hydra.run.dir={folder}"
    assert err.strip() == f"{what}: 10 finished chunks saved in {folder}; {resume}"  # no traceback anywhere
    wait_for(lambda: not run.processes(), 5, "every process of the experiment to end")

    returncode, out, err = command(sim_command(ARGS, folder)).wait()  # the same command, nothing hangs
    assert returncode == 0, err
    assert "resumed: 10 were already saved" in out
    cfg = compose(ARGS)
    execute(prepare(cfg), tmp_path / "whole", cfg)  # the uninterrupted reference, in this process
    for name in ("runs.parquet", "series.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(folder / name), pd.read_parquet(tmp_path / "whole" / name)
        )


@pytest.mark.slow
def test_sigterm_stops_a_local_dask_cluster(command, tmp_path):
    pytest.importorskip("distributed")
    folder = tmp_path / "exp"
    run = command(sim_command(DASK_ARGS, folder))
    wait_for(lambda: saved(folder) >= 2, 180, "two chunks saved")
    run.proc.send_signal(signal.SIGTERM)
    returncode, _, err = run.wait(60)
    assert returncode == 143, err
    assert "Traceback" not in err
    resume = f"; to resume, run the same command with hydra.run.dir={folder}"
    assert [line for line in err.splitlines() if line.startswith("terminated: ") and line.endswith(resume)]
    wait_for(lambda: not run.processes(), 10, "every process of the experiment to end")


@pytest.mark.slow
def test_a_terminated_multirun_names_its_sweep_folder_and_resumes_from_it(command, tmp_path):
    sweep = tmp_path / "sweep"
    argv = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        "scenario=baseline,combined",
        *ARGS,
        f"hydra.sweep.dir={sweep}",
    ]
    run = command(argv, HUNG)
    wait_for(lambda: saved(sweep / "0_baseline") >= 10, 180, "ten chunks of the first job saved")
    run.proc.send_signal(signal.SIGTERM)
    returncode, _, err = run.wait(60)
    assert returncode == 143, err
    assert err.strip() == (
        f"terminated: 10 finished chunks saved in {sweep / '0_baseline'}; to resume, run the same command "
        f"with hydra.sweep.dir={sweep}"
    )
    wait_for(lambda: not run.processes(), 5, "every process of the experiment to end")
    returncode, out, err = command(argv).wait()
    assert returncode == 0, err
    assert "resumed: 10 were already saved" in out
    assert (sweep / "0_baseline" / "summary.json").exists() and (
        sweep / "1_combined" / "summary.json"
    ).exists()


WATCHED = """
import multiprocessing, sys, time

def child():
    sys.modules["ctypes"] = None  # no PR_SET_PDEATHSIG: the watchdog thread alone must end this process
    from sim.runner.workers import _exit_with_parent

    _exit_with_parent()
    time.sleep(600)

if __name__ == "__main__":
    multiprocessing.get_context("spawn").Process(target=child).start()
    time.sleep(600)
"""


def test_without_the_kernel_a_workers_own_watchdog_ends_it_with_its_parent(command, tmp_path):
    """The portable layer (macOS has no PR_SET_PDEATHSIG): a thread waiting on the parent's sentinel."""
    script = tmp_path / "watched.py"
    script.write_text(WATCHED)
    run = command([sys.executable, str(script)])
    wait_for(lambda: len(run.workers()) >= 1, 60, "the child to start")
    run.proc.kill()
    run.wait()
    wait_for(lambda: not run.processes(), 5, "the child to end")
