"""Monte Carlo runner: the run list, per-run seeds, executors, streaming to disk, resume.

Run ``i`` of an experiment always gets the seed derived from ``SeedSequence(mc.seed, spawn_key=(i,))`` and,
when the config has uncertain parameters, the values of row ``i`` of the design (see
:mod:`sim.runner.design`), so its numbers are the same whatever the executor or worker count. A run that
raises is recorded (``status="failed"``, its error text, seed and parameters) and the experiment carries on;
so is a run over its time limit (``executor.run_timeout_s``): the model checks the run's deadline before
each day (on every executor), and the serial and process executors stop a run stuck inside a day
(``RunTimeout``). The limit is not part of the experiment's fingerprint (nor is anything in ``executor``):
it decides whether a run finishes, never its numbers.
"""

from __future__ import annotations

import math
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import RunTimeout
from sim.model import ConflictModel, release_mesa_caches
from sim.model.contract import empty_outcomes, outcomes_of
from sim.runner import faults
from sim.runner.executors import Lost, over_limit
from sim.runner.experiment import Experiment
from sim.runner.tasks import EVENTS_COLUMN, RunResult, Task, runs_frame, series_frame

__all__ = [
    "RunResult",
    "Task",
    "check_before_run",
    "map_tasks",
    "outcome_columns",
    "plan",
    "run_chunk",
    "run_experiment",
    "run_seed",
    "run_to_folder",
    "simulate",
    "task_setup",
]


def run_seed(root_seed: int, run_id: int) -> int:
    """The seed of run ``run_id``: 63 bits from ``SeedSequence(root_seed, spawn_key=(run_id,))``."""
    ss = np.random.SeedSequence(root_seed, spawn_key=(run_id,))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))  # fits int64 columns


def plan(exp: Experiment) -> list[Task]:
    """Every run of the experiment: design points x replications, each with its seed."""
    mc = exp.config.mc
    params = exp.uncertain
    if params or exp.posterior is not None:
        from sim.runner.design import design_table

        table = design_table(params, mc.design, mc.runs, mc.seed, mc.replications, joint=exp.posterior)
        keys = exp.parameter_keys
        return [
            Task(
                int(run_id),
                run_seed(mc.seed, int(run_id)),
                int(row["design_point"]),
                int(row["replication"]),
                {k: _plain(row[k]) for k in keys},
            )
            for run_id, row in table.iterrows()
        ]
    n = mc.runs * mc.replications
    return [Task(i, run_seed(mc.seed, i), i // mc.replications, i % mc.replications) for i in range(n)]


def _plain(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x


def simulate(theatre, params, horizon_days: int, seed: int, deadline: float | None = None) -> ConflictModel:
    """Build and run one model to the horizon; Mesa's class-level caches are released.

    Raises:
        RunTimeout: ``deadline`` (a :func:`time.monotonic` time) passed before the horizon.
    """
    model = ConflictModel(theatre, params, horizon_days, rng=seed)
    try:
        model.run(deadline)
    finally:
        release_mesa_caches(model)
    return model


#: Compaction finding damaged parts reruns their runs and tries again, this many times in all.
COMPACT_ATTEMPTS = 3


def task_setup(exp: Experiment, task: Task) -> tuple[Any, Any]:
    """The config and theatre of one run: the experiment's, with the task's sampled values set."""
    config, theatre = exp.config, exp.theatre
    if task.values:
        from sim.runner.uncertainty import apply_values
        from sim.theatre import build_theatre

        config = apply_values(config, task.values)
        if any(k.startswith("theatre.") for k in task.values):
            theatre = build_theatre(config.theatre)
    return config, theatre


def _run_task(exp: Experiment, task: Task) -> RunResult:
    limit = exp.config.executor.run_timeout_s
    deadline = time.monotonic() + limit if limit > 0 else None
    try:
        faults.inject(task.run_id)  # test-only hooks: nothing unless their variables are set
        config, theatre = task_setup(exp, task)
        model = simulate(theatre, config.mechanisms, config.horizon_days, task.seed, deadline)
    except RunTimeout as exc:  # from the model's daily check, or the serial executor's alarm
        return _failed(exp, task, f"RunTimeout: {over_limit(limit, str(exc))}")
    except Exception as exc:  # a failed run is data, not the end of the experiment
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" ({Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
        return _failed(exp, task, f"{type(exc).__name__}: {exc}{where}")
    return RunResult(task, "ok", model.outcomes(), model.series, events=model.events)


def _failed(exp: Experiment, task: Task, error: str) -> RunResult:
    return RunResult(task, "failed", empty_outcomes(exp.config.mechanisms, exp.theatre), {}, error)


def _kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "flag"
    return "label" if isinstance(value, str) else "number"


def outcome_columns(exp: Experiment) -> dict[str, str]:
    """The columns ``runs.parquet`` will have, with their kinds (``number``, ``flag``, ``label``).

    From the mechanisms' declarations and the theatre (:func:`sim.model.contract.outcomes_of`): the
    contract columns, the sampled parameters, then every outcome (a ``day`` outcome is a number).
    """
    config = exp.config
    columns = {c: "number" for c in ("run_id", "seed", "design_point", "replication")}
    columns |= {c: "label" for c in ("scenario", "status", "error")}
    if exp.parameter_keys:
        task = plan(exp)[0]
        columns |= {k: _kind(v) for k, v in task.values.items()}
    outcomes = outcomes_of(config.mechanisms, exp.theatre)
    return columns | {o.name: "number" if o.kind == "day" else o.kind for o in outcomes}


def check_before_run(exp: Experiment) -> None:
    """What can be checked before the first run: questions' outcomes and operators, ``analysis.target``.

    Raises:
        sim.config.ConfigError: one line naming the key.
    """
    from sim.results.questions import check_questions

    columns = outcome_columns(exp)
    c = exp.config
    check_questions(c.questions, columns, list(vars(c.mechanisms)), c.analysis.target, exp.mechanisms_on)


def run_chunk(exp: Experiment, chunk: list[Task]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run a chunk of tasks; return its rows of ``runs`` and ``series`` (module-level: workers call it)."""
    results = [_run_task(exp, t) for t in chunk]
    return runs_frame(exp, results), series_frame(results, exp.config.horizon_days)


def _chunks(tasks: list[Task], size: int) -> list[list[Task]]:
    return [tasks[i : i + size] for i in range(0, len(tasks), size)]


def _chunk_size(exp: Experiment, n: int, workers: int) -> int:
    configured = exp.config.executor.chunk
    return configured if configured > 0 else max(1, min(16, math.ceil(n / (8 * max(1, workers)))))


def _executor(exp: Experiment, kind: str | None, workers: int | None):
    from sim.runner.executors import make_executor

    e = exp.config.executor
    workers = e.workers if workers is None else workers
    return make_executor(kind or e.kind, workers, e.address, e.max_tasks_per_child, e.run_timeout_s)


def map_tasks(
    exp: Experiment,
    fn: Callable[[Any, list[Task]], Any],
    payload: Any,
    tasks: list[Task],
    *,
    executor: str | None = None,
    workers: int | None = None,
) -> Iterator[Any]:
    """Apply ``fn(payload, chunk)`` to chunks of ``tasks`` on the experiment's executor, as the runner does.

    The chunks are the runner's (``executor.chunk``, or sized by the worker count), so a run's seed and
    values are those of :func:`plan` whatever ``fn`` computes from them.

    Args:
        exp: the prepared experiment (its ``executor`` config).
        fn: a module-level function (workers import it) going through its chunk once, in order.
        payload: its first argument, sent once per worker.
        tasks: the tasks to do, e.g. :func:`plan`'s.
        executor: ``serial``, ``processes`` or ``dask`` (default: ``executor.kind``).
        workers: worker count, 0 = all cores (default: ``executor.workers``).

    Yields:
        Each chunk's result as it finishes, or a :class:`sim.runner.executors.Lost` for tasks given up.
    """
    with _executor(exp, executor, workers) as ex:
        chunks = _chunks(tasks, _chunk_size(exp, len(tasks), ex.workers))
        yield from ex.map_chunks(fn, payload, chunks)


def _iterate(
    exp: Experiment, tasks: list[Task], kind: str | None, workers: int | None, progress: bool | None
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    if progress is None:
        progress = exp.config.mc.progress and sys.stderr.isatty()
    from tqdm import tqdm  # a terminal bar (off when stderr is not a terminal, e.g. in notebooks)

    with tqdm(total=len(tasks), disable=not progress, unit="run", desc=exp.scenario, smoothing=0.1) as bar:
        for result in map_tasks(exp, run_chunk, exp, tasks, executor=kind, workers=workers):
            if isinstance(result, Lost):  # a worker died on these runs, or was stopped: failed runs
                lost = [_failed(exp, t, f"{result.error}: {result.reason}") for t in result.chunk]
                result = runs_frame(exp, lost), series_frame(lost, exp.config.horizon_days)
            runs, series = result
            bar.update(len(runs))
            yield runs, series


def run_experiment(
    exp: Experiment,
    *,
    executor: str | None = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every run of an experiment in memory (notebooks, tests).

    Args:
        exp: the prepared experiment.
        executor: ``serial``, ``processes`` or ``dask`` (default: ``executor.kind``).
        workers: worker count, 0 = all cores (default: ``executor.workers``).
        progress: show a progress bar (default: ``mc.progress`` and stderr is a terminal).

    Returns:
        ``(runs, series)`` in the results contract's layout, sorted by run id.
    """
    start = time.perf_counter()
    parts = list(_iterate(exp, plan(exp), executor, workers, progress))
    runs = pd.concat([p[0] for p in parts], ignore_index=True).sort_values("run_id", kind="stable")
    series = pd.concat([p[1] for p in parts], ignore_index=True)
    series = series.sort_values(["run_id", "variable", "day"], kind="stable").reset_index(drop=True)
    runs = runs.drop(columns=[EVENTS_COLUMN], errors="ignore").reset_index(drop=True)
    runs.attrs["elapsed_s"] = time.perf_counter() - start
    return runs, series


def run_to_folder(
    exp: Experiment,
    folder: Path,
    fingerprint: str,
    *,
    resume: bool = True,
    on_chunk: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run the experiment's missing runs into ``folder``, streaming parts; compact at the end.

    The folder is checked and held for the duration (:func:`sim.runner.store.open_folder`); parts that cannot
    be reused are removed and their runs rerun (see :mod:`sim.runner.store`).

    Args:
        exp: the prepared experiment.
        folder: the results folder (an interrupted experiment's folder resumes).
        fingerprint: identifies the experiment (see :func:`sim.runner.store.fingerprint`).
        resume: false: recompute this experiment from scratch (its saved runs are removed).
        on_chunk: called with (runs saved, runs in total) after each chunk.

    Returns:
        The runs frame of the whole experiment (also written to ``runs.parquet``).

    Raises:
        sim.runner.store.FolderError: the folder holds another experiment or is being written by another
            process; nothing in it was changed.
        sim.results.StorageError: parts kept turning out damaged while compacting (a failing disk).
        KeyboardInterrupt: after saving every finished chunk, so the folder can be resumed.
    """
    from sim.runner.store import ResultStore, open_folder

    tasks = plan(exp)
    with open_folder(folder, fingerprint, resume=resume):
        store = ResultStore(folder, fingerprint, len(tasks), resume=resume)
        runs = store.finished_runs({t.run_id for t in tasks})
        if runs is not None:  # this experiment already finished here: nothing to run
            runs.attrs.update(elapsed_s=0.0, resumed_from=len(tasks))
            return runs
        start = time.perf_counter()
        resumed_from = len(store.done_ids() & {t.run_id for t in tasks})
        runs = _run_and_compact(exp, store, tasks, folder, on_chunk)
    runs.attrs["elapsed_s"] = time.perf_counter() - start
    runs.attrs["resumed_from"] = resumed_from
    return runs


def _run_and_compact(
    exp: Experiment, store: Any, tasks: list[Task], folder: Path, on_chunk: Callable[[int, int], None] | None
) -> pd.DataFrame:
    """Run the tasks ``store`` has no part of, saving each chunk, then compact (damaged parts: again)."""
    from sim.results import RUNS_FILE, SERIES_FILE
    from sim.runner.store import PartsDamaged

    for _ in range(COMPACT_ATTEMPTS):
        done = store.done_ids()
        todo = [t for t in tasks if t.run_id not in done]
        saved = len(tasks) - len(todo)
        if todo:
            for runs, series in _iterate(exp, todo, None, None, None):
                store.save_chunk(runs, series)
                saved += len(runs)
                if on_chunk is not None:
                    on_chunk(saved, len(tasks))
        try:
            return store.compact(folder / RUNS_FILE, folder / SERIES_FILE)
        except PartsDamaged:  # removed with a note: rerun their runs, compact again
            continue
    import errno

    from sim.results import StorageError

    raise StorageError(
        errno.EIO,
        f"{folder}: parts kept turning out damaged while compacting (a failing disk?); "
        "the others are kept, so rerun the same command to resume",
    )
