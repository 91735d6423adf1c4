"""Benchmark the vectorised Epstein grid against Mesa's bundled civil-violence example, side by side.

Run on demand (not part of the tests)::

    .venv/bin/python benchmarks/bench_unrest.py [--mesa-steps 50] [--steps 2000] [--legitimacy 0.82]

Both models run at 40 x 40, citizen density 0.7, cop density 0.074 (an option), vision 7 (Mesa's example
defaults) with the same legitimacy and maximum jail term. Prints ms per step of each (after a warm-up), the
speed ratio, the peak memory traced while building and stepping each model, and the peak resident memory
of the process. Mesa's example differs in detail (von Neumann vision of radius 7, rounded C/A, jail terms
0 ... J_max); the mean actives are printed only to show that both run a comparable state.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
from mesa.examples.advanced.epstein_civil_violence.agents import Citizen, CitizenState
from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

from sim.model.epstein import EpsteinModel, EpsteinParams

GRID = {"width": 40, "height": 40, "citizen_density": 0.7}


def build_mesa(args: argparse.Namespace) -> EpsteinCivilViolence:
    """Mesa's idiomatic example."""
    return EpsteinCivilViolence(
        **GRID, cop_density=args.cop_density, citizen_vision=7, cop_vision=7, legitimacy=args.legitimacy,
        max_jail_term=args.max_jail_term, max_iters=10**9, seed=args.seed,
    )  # fmt: skip


def build_ours(args: argparse.Namespace) -> EpsteinModel:
    """This package's vectorised grid."""
    params = EpsteinParams(
        **GRID, cop_density=args.cop_density, citizen_vision=7.0, cop_vision=7.0, legitimacy=args.legitimacy,
        max_jail_term=args.max_jail_term,
    )  # fmt: skip
    return EpsteinModel(params, rng=args.seed)


def mesa_actives(model: EpsteinCivilViolence) -> int:
    """Active citizens of the Mesa example."""
    return sum(a.state == CitizenState.ACTIVE for a in model.agents_by_type[Citizen])


def ms_per_step(model, steps: int, warmup: int, actives) -> tuple[float, float]:
    """Mean wall time per step in ms after ``warmup`` steps, and the mean number of actives while timed."""
    for _ in range(warmup):
        model.step()
    elapsed, seen = 0.0, []
    for _ in range(steps):
        t = time.perf_counter()
        model.step()
        elapsed += time.perf_counter() - t
        seen.append(actives(model))
    return 1e3 * elapsed / steps, float(np.mean(seen))


def traced_peak_mib(build, args: argparse.Namespace, steps: int) -> float:
    """Peak Python-traced memory (MiB) while building a model and running ``steps`` steps."""
    tracemalloc.start()
    model = build(args)
    for _ in range(steps):
        model.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mesa-steps", type=int, default=50, help="timed steps of Mesa's example")
    ap.add_argument("--steps", type=int, default=2000, help="timed steps of the vectorised grid")
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps first (x 20 for ours)")
    ap.add_argument("--cop-density", type=float, default=0.074)
    ap.add_argument("--legitimacy", type=float, default=0.82)
    ap.add_argument("--max-jail-term", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    mesa_ms, mesa_act = ms_per_step(build_mesa(args), args.mesa_steps, args.warmup, mesa_actives)
    n_active = lambda m: m.city.grid.n_active  # noqa: E731
    ours_ms, ours_act = ms_per_step(build_ours(args), args.steps, 20 * args.warmup, n_active)
    mesa_mem = traced_peak_mib(build_mesa, args, args.mesa_steps)
    ours_mem = traced_peak_mib(build_ours, args, args.mesa_steps)

    print(
        f"40 x 40, citizens 0.7, cops {args.cop_density}, vision 7, L {args.legitimacy}, "
        f"J_max {args.max_jail_term}, seed {args.seed}"
    )
    print(f"  Mesa example  : {mesa_ms:9.3f} ms/step ({args.mesa_steps} steps, mean actives {mesa_act:.1f})")
    print(f"  sim.unrest    : {ours_ms:9.3f} ms/step ({args.steps} steps, mean actives {ours_act:.1f})")
    print(f"  speed-up      : {mesa_ms / ours_ms:9.1f} x")
    print(f"  traced peak, build + {args.mesa_steps} steps: Mesa {mesa_mem:.2f} MiB, ours {ours_mem:.2f} MiB")
    print(f"  peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
