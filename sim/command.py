"""One error path for every ``python -m sim.*`` command.

:func:`run_command` runs a command's ``main(argv) -> exit code`` and turns whatever stops it into one line
on stderr and the exit code of :mod:`sim.errors`: bad input (:class:`~sim.errors.UserError`) exits 2, a
stop that can be resumed (:class:`~sim.errors.Stopped`) 3, Ctrl-C 130, SIGTERM 143 (SIGTERM and SIGHUP
are raised in the main thread as :class:`~sim.errors.Terminated`, a ``KeyboardInterrupt``, so they are
handled like Ctrl-C), and anything else, a bug, 70. ``--debug`` (or ``SIM_DEBUG=1`` or
``HYDRA_FULL_ERROR=1``) shows the traceback instead. :class:`ArgumentParser` reports a bad command line
in one line too.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import NoReturn

from sim.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_STOPPED,
    Interrupted,
    Stopped,
    Terminated,
    UserError,
    exit_code_of_signal,
)

__all__ = ["ArgumentParser", "debugging", "install_signal_handlers", "one_line", "run_command"]

DEBUG_FLAG = "--debug"
DEBUG_ENV = ("SIM_DEBUG", "HYDRA_FULL_ERROR")


def debugging(argv: Sequence[str] = ()) -> bool:
    """True when tracebacks are wanted: ``--debug`` in ``argv``, ``SIM_DEBUG=1`` or ``HYDRA_FULL_ERROR=1``."""
    return DEBUG_FLAG in argv or any(os.environ.get(k) == "1" for k in DEBUG_ENV)


def one_line(text: str) -> str:
    """The text on one line (line breaks become "; ")."""
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


class ArgumentParser(argparse.ArgumentParser):
    """``argparse`` with a ``--debug`` flag and one-line errors (exit 2)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument(DEBUG_FLAG, action="store_true", help="show the traceback of an error")

    def error(self, message: str) -> NoReturn:  # noqa: D102
        print(f"error: {one_line(message)} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second signal ends the process at once
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """Raise :class:`~sim.errors.Terminated` in the main thread on SIGTERM and SIGHUP (like Ctrl-C)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)


def report_error(exc: BaseException) -> int:
    """Print the one-line message of what stopped a command; return its exit code."""
    if isinstance(exc, Interrupted):
        print(f"{exc.what}: {exc}; to resume, run the same command", file=sys.stderr)
        return exit_code_of_signal(exc)
    if isinstance(exc, KeyboardInterrupt):
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        detail = one_line(str(exc)) if isinstance(exc, Terminated) else ""
        print(f"{what}{f' ({detail})' if detail else ''}", file=sys.stderr)
        return exit_code_of_signal(exc)
    if isinstance(exc, UserError):
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, Stopped):
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_STOPPED
    message = one_line(str(exc))
    print(
        f"error: internal error ({type(exc).__name__}{f': {message}' if message else ''}); "
        f"rerun with {DEBUG_FLAG} to see the traceback",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def run_command(main: Callable[[list[str]], int | None], argv: Sequence[str] | None = None) -> NoReturn:
    """Run ``main(argv)`` and exit with its code; whatever stops it is one line and an exit code.

    Args:
        main: the command; returns its exit code (None counts as 0).
        argv: the arguments (default: ``sys.argv[1:]``).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = debugging(args)
    install_signal_handlers()
    try:
        code = main(args)
    except SystemExit:
        raise
    except BrokenPipeError:  # the reader of stdout has gone (python -m sim.params | head): nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    except BaseException as exc:
        if debug:
            raise
        code = report_error(exc)
    sys.exit(code or 0)
