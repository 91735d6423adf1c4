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
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

__all__ = ["DaskExecutor", "Executor", "ProcessExecutor", "SerialExecutor", "make_executor"]

Chunk = Sequence[Any]


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


def _call_in_worker(fn: Callable, chunk: Chunk) -> Any:
    return fn(_PAYLOAD["payload"], chunk)


class ProcessExecutor(Executor):
    """Local worker processes; the payload is sent once per worker."""

    def __init__(self, workers: int = 0, max_tasks_per_child: int = 200) -> None:
        """Start nothing yet; the pool starts on the first :meth:`map_chunks`."""
        self.workers = workers or os.cpu_count() or 1
        self.max_tasks_per_child = max_tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def map_chunks(self, fn, payload, chunks):  # noqa: D102
        # spawn, explicitly: Mesa's batchrunner forces it on import anyway, and it is the only start method
        # that is safe with threads. Scripts using this executor need an `if __name__ == "__main__":`.
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(payload,),
            max_tasks_per_child=self.max_tasks_per_child,
        )
        window = 4 * self.workers  # bounded queue: memory does not grow with the number of runs
        todo = iter(chunks)
        pending = set()
        for chunk in todo:
            pending.add(self._pool.submit(_call_in_worker, fn, chunk))
            if len(pending) >= window:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = next(todo, None)
                if chunk is not None:
                    pending.add(self._pool.submit(_call_in_worker, fn, chunk))
                yield future.result()

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
        from distributed import as_completed

        client = self._client or self._connect()
        remote = client.scatter(payload, broadcast=True)
        futures = [client.submit(fn, remote, chunk, pure=False) for chunk in chunks]
        try:
            for future in as_completed(futures):
                yield future.result()
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
