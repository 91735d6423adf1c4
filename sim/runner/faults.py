"""Test-only fault hooks of the runner: runs that raise, hang or kill their worker, chosen by run id.

Nothing happens unless one of these environment variables is set (the tests of failed runs, lost workers,
time limits and signals set them); :func:`inject` is called at the start of every run.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["EXIT_ENV", "EXIT_ONCE_ENV", "FAULT_ENV", "HANG_ENV", "HANG_S_ENV", "inject"]

#: Test-only fault hook: run ids listed here (comma-separated) raise instead of running.
FAULT_ENV = "SIM_TEST_FAULT_RUNS"
#: Test-only fault hook: a worker process (never the main one) running one of these run ids exits at once.
EXIT_ENV = "SIM_TEST_EXIT_RUNS"
#: With this set to a folder, each listed run id kills its worker only the first time (a marker file).
EXIT_ONCE_ENV = "SIM_TEST_EXIT_ONCE_DIR"
#: Test-only fault hook: run ids listed here hang (sleep), as if stuck inside one day, until stopped...
HANG_ENV = "SIM_TEST_HANG_RUNS"
#: ... or for this many seconds, then fail (so that a test of the time limit fails instead of hanging).
HANG_S_ENV = "SIM_TEST_HANG_S"


def _listed(env: str, run_id: int) -> bool:
    ids = os.environ.get(env, "")
    return bool(ids) and str(run_id) in ids.split(",")


def _hang_or_fault(run_id: int) -> bool:
    if _listed(HANG_ENV, run_id):
        end = time.monotonic() + float(os.environ.get(HANG_S_ENV, "inf"))
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 3600))
        raise RuntimeError(f"run {run_id} hung for {os.environ[HANG_S_ENV]} s ({HANG_ENV})")
    return _listed(FAULT_ENV, run_id)


def _exit(run_id: int) -> None:
    import multiprocessing

    if not _listed(EXIT_ENV, run_id) or multiprocessing.parent_process() is None:
        return
    once = os.environ.get(EXIT_ONCE_ENV)
    if once:
        marker = Path(once) / f"exited-{run_id}"
        if marker.exists():
            return
        marker.touch()
    os._exit(70)  # as abrupt as an out-of-memory kill: no cleanup, no exception


def inject(run_id: int) -> None:
    """Do what the hooks say to run ``run_id``: exit its worker, hang, or raise.

    Raises:
        RuntimeError: the run is listed in :data:`FAULT_ENV` (or hung for :data:`HANG_S_ENV` seconds).
    """
    _exit(run_id)
    if _hang_or_fault(run_id):
        raise RuntimeError(f"fault injected for run {run_id} ({FAULT_ENV})")
