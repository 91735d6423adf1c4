"""Monte Carlo runner: per-run seeds from one root seed, serial or process executors.

Run ``i`` of an experiment always gets the seed derived from ``SeedSequence(mc.seed, spawn_key=(i,))``,
so its numbers are the same whatever the executor or worker count. A run that raises is recorded
(``status="failed"``, its error text and seed) and the experiment carries on.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import MechanismsConfig
from sim.experiment import Experiment
from sim.model import ConflictModel, empty_outcomes, release_mesa_caches
from sim.theatre import Theatre

__all__ = ["RunResult", "run_experiment", "run_seed", "simulate"]


def run_seed(root_seed: int, run_id: int) -> int:
    """The seed of run ``run_id``: 64 bits from ``SeedSequence(root_seed, spawn_key=(run_id,))``."""
    ss = np.random.SeedSequence(root_seed, spawn_key=(run_id,))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))  # fits int64 columns


@dataclass
class RunResult:
    """What one run returns: its outcomes and daily series, or its error."""

    run_id: int
    seed: int
    status: str
    outcomes: dict
    series: dict[str, np.ndarray]
    error: str = ""


def simulate(theatre: Theatre, params: MechanismsConfig, horizon_days: int, seed: int) -> ConflictModel:
    """Build and run one model to the horizon; Mesa's class-level caches are released."""
    model = ConflictModel(theatre, params, horizon_days, rng=seed)
    try:
        model.run()
    finally:
        release_mesa_caches(model)
    return model


def _run_one(theatre: Theatre, params: MechanismsConfig, horizon: int, run_id: int, seed: int) -> RunResult:
    try:
        model = simulate(theatre, params, horizon, seed)
    except Exception as exc:  # a failed run is data, not the end of the experiment
        last = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__}: {exc} ({os.path.basename(last.filename)}:{last.lineno})"
        return RunResult(run_id, seed, "failed", empty_outcomes(), {}, error)
    return RunResult(run_id, seed, "ok", model.outcomes(), model.series)


# Worker state for the process executor: set once per worker by the initializer.
_WORKER: dict = {}


def _init_worker(theatre: Theatre, params: MechanismsConfig, horizon: int) -> None:
    _WORKER.update(theatre=theatre, params=params, horizon=horizon)


def _run_in_worker(task: tuple[int, int]) -> RunResult:
    return _run_one(_WORKER["theatre"], _WORKER["params"], _WORKER["horizon"], *task)


def _iter_results(
    exp: Experiment, tasks: list[tuple[int, int]], executor: str, workers: int
) -> Iterator[RunResult]:
    cfg = exp.config
    if executor == "serial" or len(tasks) <= 1:
        for run_id, seed in tasks:
            yield _run_one(exp.theatre, cfg.mechanisms, cfg.horizon_days, run_id, seed)
        return
    n = workers or os.cpu_count() or 1
    chunk = max(1, min(16, len(tasks) // (4 * n)))
    # spawn, explicitly: Mesa's batchrunner forces it on import anyway, and it is the only start method
    # that is safe with threads. Scripts that use this executor need an `if __name__ == "__main__":`.
    with ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(exp.theatre, cfg.mechanisms, cfg.horizon_days),
        max_tasks_per_child=500,  # recycle workers so Mesa's per-process caches cannot pile up
    ) as pool:
        yield from pool.map(_run_in_worker, tasks, chunksize=chunk)


def run_experiment(
    exp: Experiment,
    *,
    executor: str | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every run of an experiment.

    Args:
        exp: the prepared experiment.
        executor: ``serial`` or ``processes`` (default: ``mc.executor``).
        workers: worker processes, 0 = all cores (default: ``mc.workers``).
        progress: show a progress bar (default: ``mc.progress`` and stderr is a terminal).
        on_result: called with each finished run.

    Returns:
        ``(runs, series)`` data frames in the results contract's layout.
    """
    mc = exp.config.mc
    executor = executor or mc.executor
    workers = mc.workers if workers is None else workers
    if progress is None:
        progress = mc.progress and sys.stderr.isatty()
    tasks = [(i, run_seed(mc.seed, i)) for i in range(mc.runs)]
    results: list[RunResult] = []
    start = time.perf_counter()
    from tqdm.auto import tqdm

    with tqdm(total=len(tasks), disable=not progress, unit="run", desc=exp.scenario) as bar:
        for r in _iter_results(exp, tasks, executor, workers):
            results.append(r)
            if on_result is not None:
                on_result(r)
            bar.update()
    results.sort(key=lambda r: r.run_id)
    elapsed = time.perf_counter() - start
    runs = _runs_frame(exp, results)
    runs.attrs["elapsed_s"] = elapsed
    return runs, _series_frame(results, exp.config.horizon_days)


def _runs_frame(exp: Experiment, results: list[RunResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        row = {"run_id": r.run_id, "seed": r.seed, "scenario": exp.scenario, "status": r.status}
        row.update(r.outcomes)
        row["error"] = r.error
        rows.append(row)
    df = pd.DataFrame(rows)
    df["run_id"] = df["run_id"].astype("int64")
    df["seed"] = df["seed"].astype("int64")
    df["ceasefire_pretext"] = df["ceasefire_pretext"].astype(bool)
    return df


def _series_frame(results: list[RunResult], horizon: int) -> pd.DataFrame:
    days = np.arange(horizon + 1, dtype=np.int32)
    parts = []
    for r in results:
        for name, values in r.series.items():
            parts.append(
                pd.DataFrame({"run_id": np.int64(r.run_id), "day": days, "variable": name, "value": values})
            )
    if not parts:
        return pd.DataFrame({"run_id": [], "day": [], "variable": [], "value": []})
    df = pd.concat(parts, ignore_index=True)
    df["variable"] = df["variable"].astype("category")
    return df
