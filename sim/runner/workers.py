"""Worker processes of the ``processes`` executor: the worker's loop, and the parent's handle on a worker.

A worker is a ``multiprocessing`` (spawn) process with one duplex pipe to its parent. It receives
``(fn, tasks)``, says ``("start", i)`` as ``fn`` takes task ``i`` (see :class:`Tracked`), and answers
``("done", result)`` or ``("error", text, traceback)``; ``None`` tells it to exit. It ignores Ctrl-C (the
parent decides) and ends itself when the parent is gone, whatever killed the parent: a thread waits on
the parent's sentinel and calls ``os._exit``, and on Linux the kernel sends it SIGKILL
(``PR_SET_PDEATHSIG``), which works even while it is stuck in compiled code. Scheduling (which chunk
goes where, what a death or a timeout means) is :class:`sim.runner.executors.ProcessExecutor`'s.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

__all__ = ["ORPHANED", "Tracked", "WorkerProcess"]

#: Exit code of a worker that ended itself because its parent was gone.
ORPHANED = 70


class Tracked(Sequence):
    """A chunk that calls ``on_task(i)`` as its task ``i`` is taken, and ``on_task(None)`` after the last."""

    def __init__(self, tasks: Sequence[Any], on_task: Callable[[int | None], None]) -> None:
        """Wrap ``tasks``; nothing is called until the chunk is iterated."""
        self._tasks, self._on_task = list(tasks), on_task

    def __len__(self) -> int:
        return len(self._tasks)

    def __getitem__(self, i):
        return self._tasks[i]

    def __iter__(self) -> Iterator[Any]:
        for i, task in enumerate(self._tasks):
            self._on_task(i)
            yield task
        self._on_task(None)


# --- in the worker ---------------------------------------------------------------------------------


def _exit_with_parent() -> None:
    """End this process when its parent is gone, whatever killed the parent."""
    with contextlib.suppress(Exception):  # Linux only; the thread below works everywhere
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the kernel kills us with the parent
    parent = multiprocessing.parent_process()

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(ORPHANED)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _send(conn: Connection, message: tuple) -> None:
    try:
        conn.send(message)
    except (BrokenPipeError, ConnectionResetError):  # the parent is gone: nobody to report to
        os._exit(ORPHANED)


def _work(conn: Connection, payload: Any) -> None:
    """The worker's loop: run each chunk it is sent, saying which task it starts; exit on ``None``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops the workers
    _exit_with_parent()

    def started(i: int | None) -> None:
        if i is not None:
            _send(conn, ("start", i))

    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        fn, tasks = job
        try:
            _send(conn, ("done", fn(payload, Tracked(tasks, started))))
        except Exception as exc:  # as text: an exception may not survive pickling
            _send(conn, ("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))


# --- in the parent ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while a worker starts: the child inherits that from its first instruction on.

    Only a handler of ``SIG_IGN`` survives the child's ``exec``. A Ctrl-C in those few milliseconds of
    ``Process.start`` is lost to the parent too (press it again).
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class WorkerProcess:
    """The parent's handle on a worker: its process, its pipe, and the job and task it is running.

    Args:
        ctx: a ``spawn`` multiprocessing context.
        payload: sent once, with the process.
    """

    def __init__(self, ctx: Any, payload: Any) -> None:
        """Start the worker process."""
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_work, args=(theirs, payload), name="sim-worker", daemon=True)
        with _sigint_ignored():
            self.process.start()
        theirs.close()
        self.job: Any = None  # what it was given (None: idle)
        self.task: int | None = None  # index in the job's tasks of the task it runs
        self.since = 0.0  # when the parent heard that task start (time.monotonic)
        self.chunks = 0  # chunks done

    @property
    def waitables(self) -> tuple:
        """What :func:`multiprocessing.connection.wait` watches: its pipe and its sentinel."""
        return self.conn, self.process.sentinel

    def give(self, fn: Callable, job: Any, tasks: list[Any]) -> WorkerProcess:
        """Send it ``fn`` and the tasks of ``job`` to run."""
        self.job, self.task = job, None
        with contextlib.suppress(OSError):  # already dead: its sentinel tells
            self.conn.send((fn, tasks))
        return self

    def receive(self, hard_limit: float) -> tuple | None:
        """What happened: ``("done", result)``, ``("error", text, tb)``, ``("died",)``, ``("timeout", s)``.

        None while its job goes on. ``timeout``: its task has run for more than ``hard_limit`` seconds
        (0: no limit); the caller kills it.
        """
        try:
            while self.conn.poll():
                message = self.conn.recv()
                if message[0] != "start":
                    self.job, self.task = None, None
                    self.chunks += message[0] == "done"
                    return message
                self.task, self.since = message[1], time.monotonic()
        except (EOFError, OSError):
            return ("died",)
        if self.process.exitcode is not None:
            return ("died",)
        running = time.monotonic() - self.since
        if hard_limit and self.task is not None and running > hard_limit:
            return ("timeout", running)
        return None

    def stop(self, kill: bool = False) -> None:
        """Kill it, or ask it to exit once its chunk is done."""
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)

    def reap(self, timeout: float) -> int:
        """Wait for it to end (killed after ``timeout`` seconds), release it; its exit code."""
        self.process.join(timeout)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        code = self.process.exitcode
        self.conn.close()
        self.process.close()
        return code
