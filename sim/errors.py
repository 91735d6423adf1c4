"""The errors every command reports in one line, and the exit codes they map to.

This module imports nothing from ``sim``: every layer may raise these.

=====  ==========================================================================================
code   meaning
=====  ==========================================================================================
0      finished; every run ok
1      finished, but some runs failed (``python -m sim``: listed in the summary and in runs.parquet)
2      bad input (a file, path, folder, key or value): nothing was run or written
3      stopped: the results folder could not be written, or the executor was lost; rerun to resume
70     an internal error (a bug): one line; ``--debug`` shows the traceback
130    interrupted (Ctrl-C): finished chunks are kept; rerun to resume
143    terminated (SIGTERM; 129 for SIGHUP): finished chunks are kept; rerun to resume
=====  ==========================================================================================
"""

from __future__ import annotations

import signal

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RUNS_FAILED",
    "EXIT_STOPPED",
    "ConfigError",
    "Interrupted",
    "RunTimeout",
    "Stopped",
    "Terminated",
    "UserError",
    "exit_code_of_signal",
]

EXIT_OK = 0
EXIT_RUNS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_STOPPED = 3
EXIT_INTERNAL = 70  # sysexits.h EX_SOFTWARE
EXIT_INTERRUPTED = 130  # 128 + SIGINT


class UserError(ValueError):
    """Bad input (a file, path, folder, key or value); the message is one line naming it (exit 2)."""


class ConfigError(UserError):
    """A configuration value is not allowed; the message is one line naming the key."""


class Stopped(Exception):
    """The experiment could not go on (folder unwritable, executor lost); saved chunks are kept (exit 3)."""


class RunTimeout(TimeoutError):
    """A run went over its time limit (``executor.run_timeout_s``); it is recorded as a failed run."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread so it is handled like Ctrl-C (chunks saved)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


class Interrupted(KeyboardInterrupt):
    """An experiment stopped by Ctrl-C, SIGTERM or SIGHUP after saving its finished chunks.

    Raised by :func:`sim.runner.pipeline.execute` (so also :func:`sim.run`); the command that ran it says
    how to resume it.
    """

    def __init__(self, folder: object, saved: int, signum: int = signal.SIGINT) -> None:
        super().__init__(f"{saved} finished chunks saved in {folder}")
        self.folder, self.saved, self.signum = folder, saved, signum

    @property
    def what(self) -> str:
        """``interrupted`` (Ctrl-C) or ``terminated`` (a signal to stop)."""
        return "interrupted" if self.signum == signal.SIGINT else "terminated"


def exit_code_of_signal(exc: BaseException) -> int:
    """128 + the signal number of an interruption (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))
