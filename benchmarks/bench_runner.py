"""Benchmark the Monte Carlo runner end to end: runs/s with 1 and 2 workers, and peak memory vs run count.

Run on demand (not part of the tests), e.g. the issue's full setting::

    .venv/bin/python benchmarks/bench_runner.py --scenario combined --horizon 365 --runs 200
    .venv/bin/python benchmarks/bench_runner.py --memory-runs 1000 10000

Each measurement runs the experiment in a fresh process into a temporary folder (the real path:
executor, streaming parts, compaction), so peak RSS is per measurement: this process's children are that
process and its workers. Prints runs/s, the CPU time of the main process and of the workers (start-up
included; steadier than runs/s on a shared machine when comparing two versions), the 2-worker speed-up
and peak RSS (main process and largest worker) for each run count in ``--memory-runs``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEASURE = """
import json, resource, sys, time
from pathlib import Path
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_to_folder

def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime

def main():
    folder, overrides = Path(sys.argv[1]), sys.argv[2:]
    exp = prepare(compose(overrides))
    t, main_cpu = time.perf_counter(), cpu(resource.RUSAGE_SELF)
    runs = run_to_folder(exp, folder, exp.fingerprint())
    elapsed = time.perf_counter() - t
    main_cpu = cpu(resource.RUSAGE_SELF) - main_cpu
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"runs": len(runs), "elapsed": elapsed, "main_mib": own, "worker_mib": kids,
                      "main_cpu": main_cpu, "worker_cpu": cpu(resource.RUSAGE_CHILDREN)}))

if __name__ == "__main__":
    main()
"""


def measure(overrides: list[str]) -> dict:
    """Run one experiment in a fresh process; return runs, elapsed seconds and peak RSS (MiB)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "measure.py"
        script.write_text(MEASURE)
        out = subprocess.run(
            [sys.executable, str(script), str(Path(tmp) / "exp"), *overrides],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="combined")
    ap.add_argument("--horizon", type=int, default=365)
    ap.add_argument("--runs", type=int, default=200, help="runs for the throughput measurements (0: skip)")
    ap.add_argument("--memory-runs", type=int, nargs="*", default=[1000, 10000])
    args = ap.parse_args()
    base = [f"scenario={args.scenario}", f"horizon_days={args.horizon}", "mc.progress=false"]

    print(f"scenario {args.scenario}, {args.horizon} days")
    rates = {}
    for workers in (1, 2) if args.runs > 0 else ():
        t = time.perf_counter()
        r = measure([*base, f"mc.runs={args.runs}", "executor=processes", f"executor.workers={workers}"])
        rates[workers] = r["runs"] / r["elapsed"]
        print(
            f"  {workers} worker(s): {rates[workers]:6.2f} runs/s ({r['runs']} runs in {r['elapsed']:.1f} s, "
            f"wall {time.perf_counter() - t:.1f} s incl. start-up; CPU {r['main_cpu']:.1f} s main + "
            f"{r['worker_cpu']:.1f} s workers)"
        )
    if rates:
        print(f"  speed-up with 2 workers: {rates[2] / rates[1]:.2f}x")
    for n in args.memory_runs:
        r = measure([*base, f"mc.runs={n}", "executor=processes", "executor.workers=2"])
        print(
            f"  {n:6d} runs: peak RSS main {r['main_mib']:.0f} MiB, largest worker {r['worker_mib']:.0f} MiB "
            f"({r['runs'] / r['elapsed']:.2f} runs/s)"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this driver: {own:.0f} MiB)")


if __name__ == "__main__":
    main()
