"""The ``dask`` executor: a Dask ``distributed`` cluster at ``executor.address``, or a local one.

Dask is imported only here and only when chosen (``pip install -e ".[distributed]"``). Local workers are
capped as the process pool's are (:func:`sim.runner.executors.local_workers`).

Dask reschedules the tasks of a lost worker itself and gives a task up after
``distributed.scheduler.allowed-failures`` deaths. Its local cluster's worker processes end themselves
when the main process dies (``distributed`` watches a parent-alive pipe; checked by
``tests/test_signals.py``) and ignore Ctrl-C (:func:`dask_setup`). A malformed or unreachable
``address`` is refused before anything runs (:func:`check_executor`); a scheduler that goes away
mid-experiment stops it (:class:`~sim.errors.Stopped`, exit code 3; finished chunks are kept).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from sim.errors import Stopped
from sim.runner import executors
from sim.runner.executors import Executor, Lost

__all__ = ["CONNECT_TIMEOUT_S", "SCHEMES", "DaskExecutor", "check_address", "dask_setup"]

#: Dask schemes accepted in ``executor.address`` (``host:port`` after them).
SCHEMES = ("tcp", "tls", "ws", "wss")
#: Seconds to wait for the Dask scheduler to accept a TCP connection in :func:`check_address`.
CONNECT_TIMEOUT_S = 3.0


class DaskExecutor(Executor):
    """A Dask ``distributed`` cluster: an existing scheduler at ``address`` or a ``LocalCluster``."""

    def __init__(self, address: str | None = None, workers: int = 0) -> None:
        """Connect (or start a local cluster) lazily, on the first :meth:`map_chunks`."""
        self.address = address
        self.requested = workers
        self.workers = min(workers or executors.usable_cores(), executors.usable_cores())
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
            check_address(self.address)
            try:
                self._client = Client(self.address)
            except OSError:  # gone since the check
                raise Stopped(_lost_scheduler(self.address)) from None
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        else:
            self.workers = executors.local_workers(self.requested, chunks)
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


def check_address(address: str) -> None:
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
