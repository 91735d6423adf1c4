"""Executors: where the runs of an experiment are computed.

One small interface (STYLE lesson 5): an executor is a context manager whose :meth:`Executor.map_chunks`
applies a function to chunks of tasks and yields each chunk's result as soon as it is done (in any
order), or :class:`Lost` for tasks given up. Every run is a pure function of the experiment and its run
id, so results are identical whichever executor and however many workers; the runner sorts them by run id.

* ``serial``: in this process; for tests and debugging.
* ``processes``: a small pool of local worker processes (``spawn``), managed here (below) with the
  worker processes of :mod:`sim.workers`.
* ``dask``: a ``distributed`` cluster at ``address``, or a ``LocalCluster`` started for the experiment.
  Dask is imported only here and only when chosen (``pip install -e ".[distributed]"``).

Local workers (``processes`` and a local Dask cluster) are ``min(executor.workers or all, usable cores,
chunks)``; a request above that is capped, with one line on stderr.

**The process pool.** Each worker is a ``multiprocessing`` (spawn) process with one duplex pipe to the
parent, which waits (:func:`multiprocessing.connection.wait`) on the pipes and the processes' sentinels
at once. The parent sends a chunk; the worker says ``("start", i)`` as the chunk function takes its task
``i`` (the function goes through the chunk once, in order) and answers with the chunk's result. At most
``workers`` chunks are in flight, and the rest wait here. So:

* nothing outlives the experiment: a worker has a thread waiting on its parent's sentinel that ends the
  process when the parent is gone, and on Linux the kernel kills it too (``PR_SET_PDEATHSIG``), even if
  it is stuck in compiled code; the ``multiprocessing`` resource tracker exits once they are gone.
  Workers ignore Ctrl-C (the parent decides), and on any exception or interruption in the parent they
  are killed at once, without waiting for chunks in flight;
* a worker that dies (killed, out of memory, a crash in compiled code) costs only its chunk, and the
  parent knows which task killed it: that task is rerun on its own and given up (:class:`Lost`,
  ``WorkerLost``) if it kills its worker a second time; the other tasks of the chunk are rerun. A worker
  that dies before it starts a task costs nothing (its chunk is rerun), but three such deaths in a row
  stop the experiment (:class:`WorkerError`: workers that cannot start);
* a run over the hard time limit (``executor.run_timeout_s`` plus a grace period; the model stops
  itself at the limit between days, so this is for a run stuck inside one day) gets its worker killed and
  is given up (``RunTimeout``); the rest of its chunk is rerun. The serial executor interrupts such a run
  with ``SIGALRM`` when it runs in the main thread; Dask has the model's own check only;
* a worker is replaced after ``max_tasks_per_child`` chunks, so per-process caches cannot pile up.

Dask reschedules the tasks of a lost worker itself and gives a task up after
``distributed.scheduler.allowed-failures`` deaths. Its local cluster's worker processes end themselves
when the main process dies (``distributed`` watches a parent-alive pipe; checked by
``tests/test_signals.py``) and ignore Ctrl-C (:func:`dask_setup`). A malformed or unreachable
``address`` is refused before anything runs (:func:`check_executor`); a scheduler that goes away
mid-experiment stops it (:class:`~sim.errors.Stopped`, exit code 3; finished chunks are kept).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import wait
from typing import Any

from sim.errors import RunTimeout, Stopped
from sim.workers import Tracked, WorkerProcess

__all__ = [
    "DaskExecutor",
    "Executor",
    "Lost",
    "ProcessExecutor",
    "SerialExecutor",
    "WorkerError",
    "check_executor",
    "dask_setup",
    "hard_limit",
    "local_workers",
    "make_executor",
    "over_limit",
    "usable_cores",
]

Chunk = Sequence[Any]

#: A task that killed its worker this many times is given up.
MAX_DEATHS = 2
#: Worker processes dying this many times in a row before they start a task stop the experiment.
MAX_START_DEATHS = 3
#: Dask schemes accepted in ``executor.address`` (``host:port`` after them).
SCHEMES = ("tcp", "tls", "ws", "wss")
#: Seconds to wait for the Dask scheduler to accept a TCP connection in :func:`check_executor`.
CONNECT_TIMEOUT_S = 3.0


class Lost:
    """Tasks given up (yielded instead of a chunk's result): their worker died, or a run ran too long."""

    def __init__(self, chunk: Chunk, reason: str, error: str = "WorkerLost") -> None:
        """Keep the tasks, why they were lost, and the error to record (``WorkerLost``, ``RunTimeout``)."""
        self.chunk = list(chunk)
        self.reason = reason
        self.error = error

    def __repr__(self) -> str:
        return f"Lost({len(self.chunk)} tasks: {self.error}: {self.reason})"


class WorkerError(RuntimeError):
    """The chunk function raised in a worker process (a bug: a run's own errors are recorded, not raised)."""


class _RemoteTraceback(Exception):
    """The traceback of an error in a worker process (the cause of a :class:`WorkerError`)."""

    def __str__(self) -> str:
        return f"\n{self.args[0]}"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the platform tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def local_workers(requested: int, chunks: int) -> int:
    """Local workers to start: ``min(requested or all, usable cores, chunks)``; one stderr line if capped."""
    cores = usable_cores()
    n = max(1, min(requested or cores, cores, chunks))
    if requested > n:
        print(
            f"executor.workers={requested}: using {n} (usable cores: {cores}, chunks to run: {chunks})",
            file=sys.stderr,
        )
    return n


def hard_limit(run_timeout_s: float) -> float:
    """Seconds after which a run still going is stopped by force: the limit + 10 % (at least 1 s); 0: none."""
    return run_timeout_s + max(1.0, 0.1 * run_timeout_s) if run_timeout_s > 0 else 0.0


def over_limit(run_timeout_s: float, detail: str) -> str:
    """The text of a ``RunTimeout`` error: the limit, then how the run was stopped."""
    return f"over the {run_timeout_s:g} s limit (executor.run_timeout_s); {detail}"


class Executor:
    """Base class: run ``fn(payload, chunk)`` for each chunk; yield results as they finish."""

    workers = 1

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release workers (also called on interruption)."""

    def map_chunks(self, fn: Callable[[Any, Chunk], Any], payload: Any, chunks: list[Chunk]) -> Iterator[Any]:
        """Yield ``fn(payload, chunk)`` for every chunk, or :class:`Lost` tasks, in completion order.

        ``fn`` is a module-level function that goes through its chunk once, in order (``for task in
        chunk``), doing a task's work before taking the next: that is how executors know which task runs.
        """
        raise NotImplementedError


class SerialExecutor(Executor):
    """Runs every chunk in this process, in order; a run over the hard time limit is interrupted."""

    def __init__(self, run_timeout_s: float = 0.0) -> None:
        """Keep the time limit (0: none); the hard one needs the main thread (``SIGALRM``)."""
        self.hard = hard_limit(run_timeout_s)
        self._since = 0.0

    def map_chunks(self, fn, payload, chunks):  # noqa: D102
        if not self.hard or threading.current_thread() is not threading.main_thread():
            yield from (fn(payload, chunk) for chunk in chunks)
            return
        previous = signal.signal(signal.SIGALRM, self._alarm)
        try:
            for chunk in chunks:
                try:
                    result = fn(payload, Tracked(chunk, self._arm))
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                yield result
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _arm(self, task: int | None) -> None:
        self._since = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, self.hard if task is not None else 0)

    def _alarm(self, signum: int, frame: object) -> None:
        raise RunTimeout(f"stuck inside a day; interrupted after {time.monotonic() - self._since:.1f} s")


class _Job:
    """Tasks to run as one chunk; ``deaths``: how often its (single) task killed its worker."""

    def __init__(self, tasks: list[Any], deaths: int = 0) -> None:
        self.tasks, self.deaths = tasks, deaths


class ProcessExecutor(Executor):
    """Local worker processes managed here (see the module docstring); the payload goes once per worker."""

    def __init__(self, workers: int = 0, max_tasks_per_child: int = 200, run_timeout_s: float = 0.0) -> None:
        """Start nothing yet; workers start as :meth:`map_chunks` needs them."""
        import multiprocessing

        self.requested = workers
        self.workers = min(workers or usable_cores(), usable_cores())
        self.max_tasks_per_child = max_tasks_per_child
        self.run_timeout_s = run_timeout_s
        self._ctx = multiprocessing.get_context("spawn")  # the only start method that is safe with threads
        self._payload: Any = None
        self._idle: list[WorkerProcess] = []
        self._busy: list[WorkerProcess] = []
        self._leaving: list[WorkerProcess] = []  # recycled, exiting on their own
        self._start_deaths = 0  # workers in a row that died before they started a task

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:  # an error or an interruption: kill, no waiting for chunks in flight
            self._kill_all()
        self.close()

    def map_chunks(self, fn, payload, chunks):  # noqa: D102
        if payload is not self._payload:  # idle workers hold the previous payload
            self._retire(self._idle)
            self._idle, self._payload = [], payload
        todo = deque(_Job(list(c)) for c in chunks)
        slots = local_workers(self.requested, len(todo))
        hard = hard_limit(self.run_timeout_s)
        self._start_deaths = 0
        try:
            while todo or self._busy:
                while todo and len(self._busy) < slots:
                    job = todo.popleft()
                    self._busy.append(self._worker().give(fn, job, job.tasks))
                wait([x for w in self._busy for x in w.waitables], self._next_limit(hard))
                for w in list(self._busy):
                    job, task = w.job, w.task
                    event = w.receive(hard)
                    if event is not None:
                        self._busy.remove(w)
                        yield from self._after(w, job, task, event, todo)
        except BaseException:  # an error or an interruption here: no worker goes on
            self._kill_all()
            raise

    def _after(
        self, w: WorkerProcess, job: _Job, task: int | None, event: tuple, todo: deque
    ) -> Iterator[Any]:
        """What follows an event of a worker that was running ``job`` (its task ``task`` if not None)."""
        if event[0] == "done":
            self._start_deaths = 0
            self._done(w)
            yield event[1]
            return
        if event[0] == "error":
            self._idle.append(w)
            raise WorkerError(event[1]) from _RemoteTraceback(event[2])
        w.stop(kill=True)  # it died, or ran out of time
        code = w.reap(5.0)
        if task is not None:
            self._start_deaths = 0
            yield from self._lost(job, task, event, todo)
            return
        self._start_deaths += 1  # it died before it started a task of the chunk: nothing to blame
        if self._start_deaths >= MAX_START_DEATHS:
            raise WorkerError(f"worker processes keep dying as they start (exit code {code})")
        todo.appendleft(job)

    def _lost(self, job: _Job, task: int, event: tuple, todo: deque) -> Iterator[Lost]:
        """The worker of ``job`` died (or was killed) running ``job.tasks[task]``: rerun the others."""
        rest = job.tasks[:task] + job.tasks[task + 1 :]
        if rest:
            todo.appendleft(_Job(rest))
        culprit = [job.tasks[task]]
        if event[0] == "timeout":
            detail = f"stuck inside a day; its worker process was killed after {event[1]:.1f} s"
            yield Lost(culprit, over_limit(self.run_timeout_s, detail), error="RunTimeout")
        elif job.deaths + 1 >= MAX_DEATHS:
            yield Lost(culprit, "its worker process died running it, twice")
        else:  # on its own, so that a second death costs no other run
            todo.appendleft(_Job(culprit, job.deaths + 1))

    def _worker(self) -> WorkerProcess:
        """An idle worker, or a new one."""
        leaving, self._leaving = self._leaving, []
        for w in leaving:  # reap the recycled workers that have exited
            if w.process.exitcode is None:
                self._leaving.append(w)
            else:
                w.reap(0)
        return self._idle.pop() if self._idle else WorkerProcess(self._ctx, self._payload)

    def _done(self, w: WorkerProcess) -> None:
        if w.chunks < self.max_tasks_per_child:
            self._idle.append(w)
        else:
            self._retire([w])

    def _retire(self, workers: list[WorkerProcess]) -> None:
        for w in workers:
            w.stop()
        self._leaving += workers

    def _next_limit(self, hard: float) -> float | None:
        """Seconds until the first running task reaches the hard limit (None: nothing to watch)."""
        started = [w.since for w in self._busy if w.task is not None]
        if not hard or not started:
            return None
        return max(0.0, min(started) + hard - time.monotonic()) + 0.01

    def _kill_all(self) -> None:
        for w in self._idle + self._busy + self._leaving:
            w.stop(kill=True)
        self.close()

    def close(self) -> None:
        """Stop the workers: idle ones are asked to exit, busy ones are killed; wait for them to go."""
        for w in self._busy:
            w.stop(kill=True)
        workers, self._idle, self._busy, self._leaving = self._idle + self._busy + self._leaving, [], [], []
        for w in workers:
            w.stop()
        for w in workers:
            w.reap(5.0)


class DaskExecutor(Executor):
    """A Dask ``distributed`` cluster: an existing scheduler at ``address`` or a ``LocalCluster``."""

    def __init__(self, address: str | None = None, workers: int = 0) -> None:
        """Connect (or start a local cluster) lazily, on the first :meth:`map_chunks`."""
        self.address = address
        self.requested = workers
        self.workers = min(workers or usable_cores(), usable_cores())
        self._client = None
        self._cluster = None

    def _connect(self, chunks: int):
        import logging

        # Dask's own log (cluster start, workers lost, connections closed) is not the analyst's: this
        # executor reports lost and failed runs itself (failed rows, the resume line).
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError('executor=dask needs Dask: pip install -e ".[distributed]"') from exc
        if self.address:
            _check_address(self.address)
            try:
                self._client = Client(self.address)
            except OSError:  # gone since the check
                raise Stopped(_lost_scheduler(self.address)) from None
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        else:
            self.workers = local_workers(self.requested, chunks)
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
                preload=[__name__],  # dask_setup below: the workers ignore Ctrl-C
            )
            self._client = Client(self._cluster)
        return self._client

    def map_chunks(self, fn, payload, chunks):  # noqa: D102
        try:
            yield from self._map_chunks(fn, payload, chunks)
        except (OSError, TimeoutError):  # the scheduler is gone (CommClosedError is an OSError)
            if self._client is not None and self._client.status != "running":
                raise Stopped(_lost_scheduler(self.address or "the local cluster")) from None
            raise

    def _map_chunks(self, fn, payload, chunks):
        from concurrent.futures import CancelledError

        import dask
        from distributed import KilledWorker, as_completed

        client = self._client or self._connect(len(chunks))
        # The payload as a task (not scattered data): a worker that dies with it is no loss, the scheduler
        # recomputes it elsewhere.
        remote = client.submit(_identity, payload, pure=False)
        futures = {client.submit(fn, remote, chunk, pure=False): (chunk, 0) for chunk in chunks}
        pending = as_completed(list(futures))
        try:
            for future in pending:
                chunk, tries = futures.pop(future)
                try:
                    yield future.result()
                except KilledWorker:  # rescheduled after each death, then given up by the scheduler
                    if len(chunk) == 1:
                        deaths = 1 + int(dask.config.get("distributed.scheduler.allowed-failures"))
                        yield Lost(chunk, f"its Dask worker died running it, {deaths} times")
                    else:  # find the run that kills: each task of the chunk on its own
                        for task in chunk:
                            alone = client.submit(fn, remote, [task], pure=False)
                            futures[alone] = ([task], tries)
                            pending.add(alone)
                except CancelledError:  # its inputs were lost with a worker: submit it again, once
                    if client.status != "running":
                        raise Stopped(_lost_scheduler(self.address or "the local cluster")) from None
                    if tries:
                        yield Lost(chunk, "cancelled twice after losing Dask workers")
                    else:
                        again = client.submit(fn, remote, chunk, pure=False)
                        futures[again] = (chunk, tries + 1)
                        pending.add(again)
                future.release()
        finally:
            if client.status == "running":
                client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:  # noqa: D102
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def dask_setup(worker: Any) -> None:
    """Dask preload hook, run in each local-cluster worker process: Ctrl-C is for the main process.

    The main process closes the cluster on Ctrl-C; a worker that took the signal too would print tracebacks.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _identity(x: Any) -> Any:
    return x


def _lost_scheduler(address: str) -> str:
    lost = f"executor.address: lost the Dask scheduler at {address}"
    return f"{lost}; finished chunks are kept; rerun to resume"


def _check_address(address: str) -> None:
    """Refuse a Dask address that is not ``scheme://host:port`` or cannot be reached (a TCP connect).

    Raises:
        sim.config.ConfigError: one line naming ``executor.address`` and what is allowed or wrong.
    """
    import socket
    from urllib.parse import urlsplit

    from sim.config import ConfigError

    try:
        parts = urlsplit(address)
        scheme, host, port = parts.scheme, parts.hostname, parts.port
        rest = parts.path + parts.query + parts.fragment
    except ValueError:  # a port out of range, a broken IPv6 address
        scheme = host = port = rest = None
    if scheme not in SCHEMES or not host or not port or rest:
        allowed = ", ".join(f"{s}://host:port" for s in SCHEMES)
        raise ConfigError(f"executor.address: got {address!r}; allowed: {allowed}")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        if isinstance(exc, ConnectionRefusedError):
            why = "connection refused"
        elif isinstance(exc, TimeoutError):
            why = f"no answer within {CONNECT_TIMEOUT_S:g} s"
        elif isinstance(exc, socket.gaierror):
            why = "unknown host"
        else:
            why = exc.strerror or type(exc).__name__
        raise ConfigError(f"executor.address: cannot reach {address} ({why})") from None


def check_executor(config: Any) -> None:
    """Check an ``executor`` config before anything runs: a Dask address must be well formed and reachable.

    Args:
        config: the experiment's :class:`sim.config.ExecutorConfig`.

    Raises:
        sim.config.ConfigError: one line naming ``executor.address`` and what is allowed or wrong.
    """
    if config.kind == "dask" and config.address:
        _check_address(config.address)


def make_executor(
    kind: str,
    workers: int = 0,
    address: str | None = None,
    max_tasks_per_child: int = 200,
    run_timeout_s: float = 0.0,
) -> Executor:
    """The executor named ``kind`` (``serial``, ``processes`` or ``dask``).

    Args:
        kind: ``serial``, ``processes`` or ``dask``.
        workers: requested workers (0: all usable cores); local workers are capped (:func:`local_workers`).
        address: dask: the scheduler's address (None: a local cluster).
        max_tasks_per_child: processes: chunks a worker runs before it is replaced.
        run_timeout_s: a run's time limit in seconds (0: none); the hard layer (serial, processes) stops
            a run still going after :func:`hard_limit` seconds.
    """
    if kind == "serial":
        return SerialExecutor(run_timeout_s)
    if kind == "processes":
        return ProcessExecutor(workers, max_tasks_per_child, run_timeout_s)
    if kind == "dask":
        return DaskExecutor(address, workers)
    raise ValueError(f"executor.kind: got {kind!r}; allowed: serial, processes, dask")
