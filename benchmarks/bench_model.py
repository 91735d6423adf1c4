"""Benchmark the conflict model and the runner: per-step times, runs/s, peak memory.

Run on demand (not part of the tests)::

    .venv/bin/python benchmarks/bench_model.py [--runs 400] [--horizon 365]

Prints the time per model step (mean and 95th percentile), serial runs/s, runs/s with 1 and 2 worker
processes and the speed-up, and the peak resident memory of this process and of the workers.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from sim.model import ConflictModel, release_mesa_caches
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_experiment, run_seed


def step_times(exp, horizon: int, runs: int) -> list[float]:
    """Wall time of every step of ``runs`` models, in seconds."""
    times = []
    for i in range(runs):
        model = ConflictModel(exp.theatre, exp.config.mechanisms, horizon, rng=run_seed(1, i))
        for _ in range(horizon):
            t = time.perf_counter()
            model.step()
            times.append(time.perf_counter() - t)
        release_mesa_caches(model)
    return times


def rate(exp, executor: str, workers: int) -> float:
    """Runs per second of a whole experiment on an executor."""
    t = time.perf_counter()
    runs, _ = run_experiment(exp, executor=executor, workers=workers, progress=False)
    return len(runs) / (time.perf_counter() - t)


def main() -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=400)
    ap.add_argument("--horizon", type=int, default=365)
    args = ap.parse_args()
    exp = prepare(compose([f"mc.runs={args.runs}", f"horizon_days={args.horizon}"]))

    times = sorted(step_times(exp, args.horizon, 20))
    mean_ms = 1e3 * statistics.fmean(times)
    p95_ms = 1e3 * times[int(0.95 * len(times))]
    print(f"model step ({args.horizon}-day runs, 20 runs): mean {mean_ms:.3f} ms, p95 {p95_ms:.3f} ms")

    serial = rate(exp, "serial", 1)
    one = rate(exp, "processes", 1)
    two = rate(exp, "processes", 2)
    print(f"{args.runs} runs x {args.horizon} days:")
    print(f"  serial, in process : {serial:7.1f} runs/s")
    print(f"  processes, 1 worker: {one:7.1f} runs/s (includes worker start-up)")
    print(f"  processes, 2 workers: {two:6.1f} runs/s, speed-up {two / one:.2f}x over 1 worker")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MiB, largest worker {kids:.0f} MiB")


if __name__ == "__main__":
    main()
