"""Pattern check on the seed: do the runs' first days reproduce its claims? ``python -m sim.check_claims``.

Claims in ``seeds/claims.yaml`` that describe the model's starting days carry a ``check``: conditions on
the model's state that must hold on every day of a window::

    check:
      what: The GNA's push stalls before Sirte
      days: [0, 7]                                        # first and last day, inclusive
      conditions:
        - {test: held_by, place: sirte, faction: LNA}
        - {test: front_short_of, place: sirte, km: 30}

Tests: ``held_by`` (place, faction), ``unit_at`` (unit standing at place, not on the road), ``front_short_of``
(the front faction's easternmost point is at most ``km`` short of the place, and not past it) and
``producing`` (an oil system's output is above zero). The runs are those of the experiment the overrides
compose (default: the baseline), with the same seeds and sampled values, stepped through the runner's
executors to the last day checked. The share of runs reproducing each claim, with its interval
(``analysis.interval``, ``analysis.confidence``), goes to stdout and ``--out`` (JSON).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.command import ArgumentParser, run_command
from sim.config import ConfigError, read_entries
from sim.errors import Stopped
from sim.inputs import finite_number, once, output_file, show, writing
from sim.limits import clip, listing, print_lines
from sim.runner.experiment import Experiment

__all__ = ["CLAIMS_FILE", "TESTS", "check", "load_checks", "main"]

CLAIMS_FILE = Path(__file__).resolve().parent.parent / "seeds" / "claims.yaml"
CHECK_FIELDS = ("what", "days", "conditions")
#: test -> its arguments
TESTS: dict[str, tuple[str, ...]] = {
    "held_by": ("place", "faction"),
    "unit_at": ("unit", "place"),
    "front_short_of": ("place", "km"),
    "producing": ("system",),
}


def load_checks(path: str | Path, exp: Experiment) -> list[dict[str, Any]]:
    """The checks of the claims file, validated against the experiment's theatre.

    Returns:
        One dict per checked claim: ``id``, ``claim``, ``what``, ``days`` (first, last), ``conditions``.

    Raises:
        ConfigError: one line naming ``FILE: claims[i].check...`` and what is allowed; a claim id given
            twice is refused too.
    """
    claims = read_entries(path, "claims", non_empty=False)
    th = exp.theatre
    names = {
        "place": sorted(th.places),
        "faction": sorted(th.factions),
        "unit": sorted(th.units),
        "system": sorted(th.oil_systems),
    }
    horizon = exp.config.horizon_days
    out, ids = [], {}
    for i, c in enumerate(claims):
        entry = f"claims[{i}]"
        if not isinstance(c, dict):
            raise ConfigError(f"{path}: {entry}: got {show(c)}; allowed: a mapping with id, claim, check")
        if "id" in c:
            if not isinstance(c["id"], str) or not c["id"].strip():
                raise ConfigError(
                    f"{path}: {entry}.id: got {show(c['id'])}; allowed: a unique non-empty name"
                )
            once(ids, c["id"], f"{path}: {entry}.id", entry, ConfigError)
        for field in ("claim", "what"):
            if field in c and not isinstance(c[field], str):
                raise ConfigError(f"{path}: {entry}.{field}: got {show(c[field])}; allowed: text")
        spec = c.get("check")
        if spec is None:
            continue
        out.append(_check(spec, c, c.get("id", entry), f"{path}: {entry}.check", names, horizon, th))
    if not out:
        raise ConfigError(f"{path}: no claim has a check")
    return out


def _check(
    spec: Any, claim: dict[str, Any], cid: str, key: str, names: dict[str, list[str]], horizon: int, th: Any
) -> dict[str, Any]:
    """One claim's check, validated (see :func:`load_checks`)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("conditions"), list) or not spec["conditions"]:
        raise ConfigError(f"{key}: expected a mapping with what, days and a non-empty list of conditions")
    extra = [f for f in spec if f not in CHECK_FIELDS]
    if extra:
        raise ConfigError(f"{key}.{clip(extra[0], 40)}: unknown field; allowed: {', '.join(CHECK_FIELDS)}")
    if not isinstance(spec.get("what", ""), str):
        raise ConfigError(f"{key}.what: got {show(spec['what'])}; allowed: text")
    days = spec.get("days")
    if (
        not isinstance(days, list)
        or len(days) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
        or not 0 <= days[0] <= days[1] <= horizon
    ):
        raise ConfigError(
            f"{key}.days: got {show(days)}; allowed: [first, last] with 0 <= first <= last <= {horizon}"
        )
    for j, cond in enumerate(spec["conditions"]):
        where = f"{key}.conditions[{j}]"
        test = cond.get("test") if isinstance(cond, dict) else None
        if not isinstance(test, str) or test not in TESTS:
            raise ConfigError(f"{where}.test: got {show(test)}; allowed: {', '.join(TESTS)}")
        extra = [f for f in cond if f != "test" and f not in TESTS[test]]
        if extra:
            raise ConfigError(
                f"{where}.{clip(extra[0], 40)}: unknown field; {test} takes {', '.join(TESTS[test])}"
            )
        for arg in TESTS[test]:
            if arg not in cond:
                raise ConfigError(f"{where}.{arg}: missing; {test} takes {', '.join(TESTS[test])}")
            if arg == "km":
                finite_number(cond[arg], f"{where}.km", ConfigError, low=0)
            elif not isinstance(cond[arg], str) or cond[arg] not in names[arg]:
                raise ConfigError(f"{where}.{arg}: got {show(cond[arg])}; allowed: {listing(names[arg])}")
        if test == "front_short_of" and cond["place"] not in th.coastal_km:
            raise ConfigError(f"{where}.place: {cond['place']!r} is not on the coastal road")
    return {
        "id": cid,
        "claim": " ".join(str(claim.get("claim", "")).split()),
        "what": str(spec.get("what") or cid),
        "days": (days[0], days[1]),
        "conditions": [dict(x) for x in spec["conditions"]],
    }


def _holds(model: Any, cond: Mapping[str, Any]) -> bool:
    """Whether one condition holds in the model's current state."""
    th = model.theatre
    test = cond["test"]
    if test == "held_by":
        return model.control[th.index(cond["place"])] == cond["faction"]
    if test == "unit_at":
        u = model.unit_by_key.get(cond["unit"])
        return u is not None and u.dest < 0 and u.node == th.index(cond["place"])
    if test == "front_short_of":
        gap = th.coastal_km[cond["place"]] - model.front_km()
        return not math.isnan(gap) and 0 <= gap <= cond["km"]
    from sim.model.mechanisms.oil import OilEconomy

    oil = model.mechanism(OilEconomy)
    return oil is not None and oil.level[cond["system"]] > 0


def _check_chunk(payload: tuple[Experiment, list[dict[str, Any]]], tasks: list[Any]) -> list[dict[str, Any]]:
    """Step each task's model to the last day checked; which claims held on every day of their window."""
    from sim.model import ConflictModel, release_mesa_caches
    from sim.runner.runs import task_setup

    exp, checks = payload
    last = max(c["days"][1] for c in checks)
    rows = []
    for task in tasks:
        config, theatre = task_setup(exp, task)
        model = ConflictModel(theatre, config.mechanisms, config.horizon_days, rng=task.seed)
        ok = dict.fromkeys((c["id"] for c in checks), True)
        try:
            for day in range(last + 1):
                if day:
                    model.step()
                for c in checks:
                    first, end = c["days"]
                    if ok[c["id"]] and first <= day <= end:
                        ok[c["id"]] = all(_holds(model, cond) for cond in c["conditions"])
        finally:
            release_mesa_caches(model)
        rows.append({"run_id": task.run_id, "seed": task.seed, **ok})
    return rows


def check(exp: Experiment, checks: list[dict[str, Any]], *, executor: str | None = None) -> dict[str, Any]:
    """Run the checks over the experiment's runs; the share reproducing each claim and all of them.

    Args:
        exp: the prepared experiment (its runs: ``mc.runs`` x ``mc.replications``, seeds as the runner's).
        checks: from :func:`load_checks`.
        executor: ``serial``, ``processes`` or ``dask`` (default: ``executor.kind``).

    Returns:
        ``{"scenario", "runs", "lost_runs", "claims": [...], "all": {...}}``; each claim has ``share``,
        ``low``, ``high`` and ``runs_reproducing``; runs whose worker died (``lost_runs``) are left out.
    """
    import pandas as pd

    from sim.results.summary import proportion_interval
    from sim.runner.executors import Lost
    from sim.runner.runs import map_tasks, plan

    a = exp.config.analysis
    rows, lost = [], 0
    for part in map_tasks(exp, _check_chunk, (exp, checks), plan(exp), executor=executor):
        if isinstance(part, Lost):  # a worker died on these runs: they are left out, and counted
            lost += len(part.chunk)
        else:
            rows += part
    if not rows:
        raise Stopped(f"every run was lost ({lost:,}): their worker processes died; rerun the command")
    table = pd.DataFrame(rows).sort_values("run_id")
    n = len(table)

    def share(k: int) -> dict[str, Any]:
        low, high = proportion_interval(k, n, a.interval, a.confidence)
        return {"share": k / n, "low": low, "high": high, "runs_reproducing": k}

    claims = [
        {
            "id": c["id"],
            "what": c["what"],
            "claim": c["claim"],
            "days": list(c["days"]),
            "conditions": c["conditions"],
            **share(int(table[c["id"]].sum())),
        }
        for c in checks
    ]
    every = int(table[[c["id"] for c in checks]].all(axis=1).sum())
    return {
        "scenario": exp.scenario,
        "runs": n,
        "lost_runs": lost,
        "confidence": a.confidence,
        "interval": a.interval,
        "claims": claims,
        "all": share(every),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.check_claims [--claims FILE] [--out FILE] [overrides...]``; returns the exit code.

    Raises:
        sim.errors.UserError: bad input (one line; :func:`sim.command.run_command` exits 2).
    """
    ap = ArgumentParser(prog="python -m sim.check_claims", description=__doc__.splitlines()[0])
    ap.add_argument("--claims", default=str(CLAIMS_FILE), help="claims file (default: seeds/claims.yaml)")
    ap.add_argument("--out", help="write the result as JSON here")
    ap.add_argument(
        "overrides", nargs="*", help="Hydra overrides, e.g. mc.runs=500 (default: the baseline, 200 runs)"
    )
    args = ap.parse_intermixed_args(argv)
    from sim.runner.pipeline import prepare_overrides

    out = output_file(args.out, "--out", ConfigError) if args.out else None
    exp = prepare_overrides(["mc.runs=200", *args.overrides])
    checks = load_checks(args.claims, exp)
    result = check(exp, checks)
    pct = f"{100 * result['confidence']:.0f}%"
    print(
        f"Seed claims reproduced in the first days of {result['runs']} {result['scenario']} runs "
        f"({pct} interval):"
    )
    rows = [*result["claims"], {"what": "all of them", "days": None, **result["all"]}]
    width = max(len(clip(c["what"], 60)) for c in rows)
    lines = []
    for c in rows:
        days = f"days {c['days'][0]}-{c['days'][1]}" if c["days"] else ""
        interval = f"({100 * c['low']:.1f}-{100 * c['high']:.1f}%)"
        line = f"  {clip(c['what'], 60):<{width}}  {100 * c['share']:5.1f}%  {interval}"
        lines.append(f"{line}  {days}".rstrip())
    print_lines(lines[:-1], str(out) if out else "the JSON of --out FILE")
    print(lines[-1])
    if result["lost_runs"]:
        print(f"  ({result['lost_runs']} runs left out: their worker process died)")
    if out:
        from sim.results import write_json

        with writing(out.parent):
            write_json(result, out)
        print(f"written: {out}")
    return 0


if __name__ == "__main__":
    run_command(main)
