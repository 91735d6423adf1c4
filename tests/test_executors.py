"""Executors: local worker counts are capped, a Dask address is checked before anything runs."""

import os
import socket
import subprocess
import sys

import pandas as pd
import psutil
import pytest
from helpers import wait_for

import sim.runner.executors
from sim.config import ConfigError, ExecutorConfig
from sim.runner.compose import compose
from sim.runner.dask_executor import DaskExecutor
from sim.runner.executors import ProcessExecutor, WorkerError, check_executor
from sim.runner.experiment import prepare
from sim.runner.runs import plan, run_chunk, run_experiment

SMALL = ["mc.runs=5", "horizon_days=5", "mc.seed=3", "mc.progress=false"]


@pytest.fixture(scope="module")
def exp():
    return prepare(compose(SMALL))


def worker_processes() -> list[psutil.Process]:
    """This process's ``multiprocessing`` spawn children (not the resource tracker)."""
    return [p for p in psutil.Process().children() if "spawn_main" in " ".join(p.cmdline())]


@pytest.mark.parametrize(("chunks", "started"), [(5, 2), (1, 1)])
def test_local_workers_are_capped_at_the_cores_and_the_chunks(exp, monkeypatch, capsys, chunks, started):
    monkeypatch.setattr(sim.runner.executors, "usable_cores", lambda: 2)
    tasks = plan(exp)
    with ProcessExecutor(workers=1000) as ex:
        assert ex.workers == 2  # what the runner sizes its chunks with
        results = ex.map_chunks(run_chunk, exp, [tasks[i::chunks] for i in range(chunks)])
        next(results)  # by the first result, every worker needed has started
        assert len(worker_processes()) == started
        list(results)
    line = f"executor.workers=1000: using {started} (usable cores: 2, chunks to run: {chunks})"
    assert capsys.readouterr().err.splitlines() == [line]


def test_usable_cores_follow_the_cpu_affinity():
    allowed = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(allowed)})  # as under taskset or a container's CPU set
        assert sim.runner.executors.usable_cores() == 1
    finally:
        os.sched_setaffinity(0, allowed)


def test_the_worker_count_has_an_upper_bound():
    with pytest.raises(ConfigError, match=r"^executor\.workers: got 2000; allowed range \[0, 1024\]$"):
        prepare(compose(["executor.workers=2000"]))


@pytest.mark.slow
def test_a_local_dask_cluster_is_capped_too(exp, serial_runs, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(sim.runner.executors, "usable_cores", lambda: 2)
    ex = DaskExecutor(workers=1000)
    with ex:
        parts = list(ex.map_chunks(run_chunk, exp, [[t] for t in plan(exp)]))
        assert len(ex._client.scheduler_info()["workers"]) == 2
    runs = pd.concat([p[0] for p in parts]).sort_values("run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(runs, serial_runs)


@pytest.fixture(scope="module")
def serial_runs(exp):
    return run_experiment(exp, executor="serial")[0]


def pids(payload, chunk):
    """The worker process of each task."""
    return [os.getpid() for _ in chunk]


def test_a_worker_is_replaced_after_max_tasks_per_child_chunks(exp):
    with ProcessExecutor(workers=1, max_tasks_per_child=2) as ex:
        got = [pid for part in ex.map_chunks(pids, exp, [[i] for i in range(5)]) for pid in part]
    assert len(set(got)) == 3 and got[0] == got[1] != got[2] == got[3] != got[4]


class DiesWhenUnpickled:
    """A payload that ends the worker process receiving it, before it can start any task."""

    def __reduce__(self):
        return os._exit, (3,)


def test_workers_that_keep_dying_as_they_start_stop_the_experiment(exp):
    with ProcessExecutor(workers=1) as ex:
        with pytest.raises(WorkerError, match=r"^worker processes keep dying as they start \(exit code 3\)$"):
            list(ex.map_chunks(run_chunk, DiesWhenUnpickled(), [plan(exp)[:1]]))
        assert not worker_processes()


def explode(payload, chunk):
    """A chunk function with a bug."""
    for _ in chunk:
        raise ValueError("a bug")


def test_an_error_of_the_chunk_function_in_a_worker_is_raised_with_its_traceback(exp):
    with ProcessExecutor(workers=1) as ex:
        with pytest.raises(WorkerError, match=r"^ValueError: a bug$") as err:
            list(ex.map_chunks(explode, exp, [plan(exp)[:1]]))
        assert 'in explode\n    raise ValueError("a bug")' in str(
            err.value.__cause__
        )  # the worker's traceback
        assert not worker_processes()


# --- the Dask address ------------------------------------------------------------------------------

ALLOWED = "allowed: tcp://host:port, tls://host:port, ws://host:port, wss://host:port"


@pytest.mark.parametrize(
    "address",
    ["foo:bar", "10.0.0.5:8786", "tcp://10.0.0.5", "http://10.0.0.5:8786", "tcp://h:99999", "tcp://h:8786/x",
     "tcp://[::1:8786", "tcp://:8786"],
)  # fmt: skip
def test_a_malformed_dask_address_is_refused_in_one_line(address):
    with pytest.raises(ConfigError) as err:
        check_executor(ExecutorConfig(kind="dask", address=address))
    assert str(err.value) == f"executor.address: got {address!r}; {ALLOWED}"


@pytest.fixture
def closed_port():
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_dask_address_must_be_reachable(closed_port):
    address = f"tcp://127.0.0.1:{closed_port}"
    with pytest.raises(ConfigError) as err:
        check_executor(ExecutorConfig(kind="dask", address=address))
    assert str(err.value) == f"executor.address: cannot reach {address} (connection refused)"
    with socket.create_server(("127.0.0.1", closed_port)):  # now something listens there
        check_executor(ExecutorConfig(kind="dask", address=address))


def test_the_cli_refuses_an_unreachable_dask_address_before_anything_runs(tmp_path, closed_port):
    out = tmp_path / "exp"
    address = f"tcp://127.0.0.1:{closed_port}"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *SMALL, "executor=dask", f"executor.address={address}",
         f"hydra.run.dir={out}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr == f"error: executor.address: cannot reach {address} (connection refused)\n"
    assert not out.exists()


@pytest.mark.slow
def test_a_dask_scheduler_lost_mid_experiment_stops_it_in_one_line(tmp_path, closed_port):
    """Exit code 3 and one line: not a traceback, not blamed on the folder; the saved chunks stay."""
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{closed_port}"
    cli = [sys.executable, "-m"]
    scheduler = subprocess.Popen([*cli, "distributed.cli.dask_scheduler", "--port", str(closed_port),
                                  "--no-dashboard"], stderr=subprocess.DEVNULL)  # fmt: skip
    worker = subprocess.Popen([*cli, "distributed.cli.dask_worker", address, "--nthreads", "1",
                               "--no-dashboard"], stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for(lambda: _listening(closed_port), 60, "the scheduler to listen")
        out = tmp_path / "exp"
        args = [*cli, "sim", "mc.runs=200", "horizon_days=120", "executor.chunk=2", "mc.progress=false",
                "analysis.report=false", "executor=dask", f"executor.address={address}",
                f"hydra.run.dir={out}"]  # fmt: skip
        proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: len(list((out / ".parts").glob("runs-*.parquet"))) >= 2, 120, "two chunks saved")
        scheduler.kill()
        _, err = proc.communicate(timeout=120)
    finally:
        for p in (scheduler, worker):
            p.kill()
            p.wait()
    assert proc.returncode == 3, err
    assert err.splitlines() == [
        f"error: executor.address: lost the Dask scheduler at {address}; finished chunks are kept; "
        "rerun to resume"
    ]
    assert list((out / ".parts").glob("runs-*.parquet")) and not (out / "summary.json").exists()


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True
