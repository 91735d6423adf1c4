"""Executors: where the runs of an experiment are computed.

One small interface (STYLE lesson 5): an executor is a context manager whose :meth:`Executor.map_chunks`
applies a function to chunks of tasks and yields each chunk's results as soon as it is done (in any
order). Every run is a pure function of the experiment and its run id, so results are identical
whichever executor and however many workers; the runner sorts them by run id.

* ``serial``: in this process; for tests and debugging.
* ``processes``: local worker processes (``spawn``), recycled every ``max_tasks_per_child`` chunks so
  per-process caches cannot pile up.
* ``dask``: a ``distributed`` cluster at ``address``, or a ``LocalCluster`` started for the experiment.
  Dask is imported only here and only when chosen (``pip install -e ".[distributed]"``).

A worker that dies (killed, out of memory, a crash in compiled code) loses the chunks it held, not the
experiment. ``processes`` restarts its pool and reruns the chunks that were in flight, one at a time so
the one that kills its worker is found; that one is rerun task by task, and a task that kills its
worker on its own is given up. Dask reschedules the tasks of a lost worker itself and gives a task up
after ``distributed.scheduler.allowed-failures`` deaths. A chunk given up is yielded as :class:`Lost`
(the runner records its runs as failed, with their seeds).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

__all__ = ["DaskExecutor", "Executor", "Lost", "ProcessExecutor", "SerialExecutor", "make_executor"]

Chunk = Sequence[Any]


class Lost:
    """A chunk given up because its worker died running it (yielded instead of the chunk's result)."""

    def __init__(self, chunk: Chunk, reason: str) -> None:
        """Keep the chunk's tasks and why they were lost."""
        self.chunk = list(chunk)
        self.reason = reason

    def __repr__(self) -> str:
        return f"Lost({len(self.chunk)} tasks: {self.reason})"


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
        """Yield ``fn(payload, chunk)`` for every chunk, in completion order."""
        raise NotImplementedError


class SerialExecutor(Executor):
    """Runs every chunk in this process, in order."""

    def map_chunks(self, fn, payload, chunks):  # noqa: D102
        for chunk in chunks:
            yield fn(payload, chunk)


_PAYLOAD: dict[str, Any] = {}


def _init_worker(payload: Any) -> None:
    _PAYLOAD["payload"] = payload


def _identity(x: Any) -> Any:
    return x


def _call_in_worker(fn: Callable, chunk: Chunk) -> Any:
    return fn(_PAYLOAD["payload"], chunk)


class ProcessExecutor(Executor):
    """Local worker processes; the payload is sent once per worker."""

    def __init__(self, workers: int = 0, max_tasks_per_child: int = 200) -> None:
        """Start nothing yet; the pool starts on the first :meth:`map_chunks`."""
        self.workers = workers or os.cpu_count() or 1
        self.max_tasks_per_child = max_tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def _start(self, payload: Any) -> None:
        # spawn, explicitly: Mesa's batchrunner forces it on import anyway, and it is the only start method
        # that is safe with threads. Scripts using this executor need an `if __name__ == "__main__":`.
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(payload,),
            max_tasks_per_child=self.max_tasks_per_child,
        )

    def _restart(self, payload: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._start(payload)

    def map_chunks(self, fn, payload, chunks):  # noqa: D102
        self._start(payload)
        window = 4 * self.workers  # bounded queue: memory does not grow with the number of runs
        todo = iter(chunks)
        pending: dict[Any, Chunk] = {}
        while True:
            while len(pending) < window and (chunk := next(todo, None)) is not None:
                pending[self._pool.submit(_call_in_worker, fn, chunk)] = chunk
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del pending[future]
                yield result
            if broken:  # a worker died: every chunk in flight is suspect
                suspects = list(pending.values())
                pending.clear()
                self._restart(payload)
                yield from self._isolate(fn, payload, suspects)

    def _alone(self, fn: Callable, payload: Any, chunk: Chunk) -> tuple[bool, Any]:
        """Run one chunk with nothing else in flight: ``(True, result)`` or ``(False, None)`` if it died."""
        try:
            return True, self._pool.submit(_call_in_worker, fn, chunk).result()
        except BrokenProcessPool:
            self._restart(payload)
            return False, None

    def _isolate(self, fn: Callable, payload: Any, suspects: list[Chunk]) -> Iterator[Any]:
        """Rerun suspect chunks one at a time; split a killer chunk; give up a task that kills alone."""
        for chunk in suspects:
            ok, result = self._alone(fn, payload, chunk)
            if ok:
                yield result
                continue
            if len(chunk) == 1:
                yield Lost(chunk, "its worker process died running it, twice")
                continue
            for task in chunk:
                ok, result = self._alone(fn, payload, [task])
                yield result if ok else Lost([task], "its worker process died running it, twice")

    def close(self) -> None:  # noqa: D102
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """A Dask ``distributed`` cluster: an existing scheduler at ``address`` or a ``LocalCluster``."""

    def __init__(self, address: str | None = None, workers: int = 0) -> None:
        """Connect (or start a local cluster) lazily, on the first :meth:`map_chunks`."""
        self.address = address
        self.workers = workers or os.cpu_count() or 1
        self._client = None
        self._cluster = None

    def _connect(self):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError('executor=dask needs Dask: pip install -e ".[distributed]"') from exc
        if self.address:
            self._client = Client(self.address)
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._client = Client(self._cluster)
        return self._client

    def map_chunks(self, fn, payload, chunks):  # noqa: D102
        from concurrent.futures import CancelledError

        import dask
        from distributed import KilledWorker, as_completed

        client = self._client or self._connect()
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
                    if tries:
                        yield Lost(chunk, "cancelled twice after losing Dask workers")
                    else:
                        again = client.submit(fn, remote, chunk, pure=False)
                        futures[again] = (chunk, tries + 1)
                        pending.add(again)
                future.release()
        finally:
            client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:  # noqa: D102
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(kind: str, workers: int = 0, address: str | None = None, max_tasks_per_child: int = 200):
    """The executor named ``kind`` (``serial``, ``processes`` or ``dask``)."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers, max_tasks_per_child)
    if kind == "dask":
        return DaskExecutor(address, workers)
    raise ValueError(f"executor.kind: got {kind!r}; allowed: serial, processes, dask")
