"""Do the runs reproduce the seed's claims? ``python -m sim.check_claims``.

Claims in ``seeds/claims.yaml`` that the model can reproduce carry a ``check``: conditions on the model's
state over a window of days, how the claim reads, and why the window is what it is::

    check:
      what: The patrons avoid a direct clash
      days: [0, horizon]                 # first and last day, inclusive; last may be 'horizon'
      when: every day                    # the conditions hold every day (default) or on some day
      expect: likely                     # fact (default), likely, unlikely or possible
      window: '"will avoid direct confrontation": no end given, so the whole horizon'
      conditions:
        - {test: outcome, outcome: <prefix>_clash_day, op: not_happened}

Tests: ``held_by`` (place, faction), ``unit_at`` (unit standing at place, not on the road), ``front_short_of``
(the front faction's easternmost point is at most ``km`` short of the place, and not past it),
``producing`` (an oil system's output is above zero), ``escalates`` (a patron's commitment above its day-0
level) and ``outcome`` (a run outcome so far: ``happened``, ``not_happened``, or ``gt``/``lt`` a
``value``). ``requires`` (optional, as a question's) lists mechanisms the check needs switched on (e.g.
an outcome only a mechanism's decision can set). ``window`` is required: the seed's words that set the
window, quoted, or the dated source (``tests/test_claims.py`` checks the quotes are the seed's), so that no
window is chosen to make a check pass.

A claim is judged by the share of runs reproducing it, with its interval (``analysis.interval``,
``analysis.confidence``), against what it expects (:data:`sim.claim_checks.EXPECT`: a fact or a likely
event in at least 55 % of the runs, an unlikely one in at most 45 %, a possible one in at least 5 %):
*reproduced* when the whole interval lies on the claim's side, *not reproduced* when it lies on the
other, *not resolved* otherwise. A claim whose outcome needs a mechanism the experiment switches off is
*not checked* (run e.g. ``scenario=combined``). A claim that motivated a mechanism (``motivates``) is
marked: the model was built to make it possible, so reproducing it tests less. The runs are those of the
experiment the overrides compose (default: the baseline, 200 runs), with the same seeds and sampled values,
stepped through the runner's executors to the last day checked. Results go to stdout and ``--out`` (JSON).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.claim_checks import TESTS, holds, load_checks, verdict
from sim.command import ArgumentParser, run_command
from sim.config import ConfigError
from sim.errors import Stopped
from sim.inputs import output_file, writing
from sim.limits import clip, print_lines
from sim.runner.experiment import Experiment

__all__ = ["CLAIMS_FILE", "TESTS", "check", "load_checks", "main"]

CLAIMS_FILE = Path(__file__).resolve().parent.parent / "seeds" / "claims.yaml"


def _check_chunk(payload: tuple[Experiment, list[dict[str, Any]]], tasks: list[Any]) -> list[dict[str, Any]]:
    """Step each task's model to the last day checked; which claims held over their window."""
    from sim.model import ConflictModel, release_mesa_caches
    from sim.runner.runs import task_setup

    exp, checks = payload
    last = max(c["days"][1] for c in checks)
    rows = []
    for task in tasks:
        config, theatre = task_setup(exp, task)
        model = ConflictModel(theatre, config.mechanisms, config.horizon_days, rng=task.seed)
        start = dict(model.escalation)
        every = {c["id"]: c["when"] == "every day" for c in checks}
        ok = dict(every)  # every day: true until a day fails; some day: false until a day holds
        try:
            for day in range(last + 1):
                if day:
                    model.step()
                for c in checks:
                    first, end = c["days"]
                    if ok[c["id"]] == every[c["id"]] and first <= day <= end:
                        ok[c["id"]] = all(holds(model, cond, start) for cond in c["conditions"])
        finally:
            release_mesa_caches(model)
        rows.append({"run_id": task.run_id, "seed": task.seed, **ok})
    return rows


def check(exp: Experiment, checks: list[dict[str, Any]], *, executor: str | None = None) -> dict[str, Any]:
    """Run the checks over the experiment's runs; the share reproducing each claim, and the verdicts.

    Args:
        exp: the prepared experiment (its runs: ``mc.runs`` x ``mc.replications``, seeds as the runner's).
        checks: from :func:`load_checks`.
        executor: ``serial``, ``processes`` or ``dask`` (default: ``executor.kind``).

    Returns:
        ``{"scenario", "runs", "lost_runs", "claims": [...], "all": {...} or None}``; each claim has
        ``verdict`` and, when checked, ``share``, ``low``, ``high`` and ``runs_reproducing``; ``all`` is
        the share of runs reproducing every fact checked. Runs whose worker died (``lost_runs``) are left
        out.
    """
    import pandas as pd

    from sim.results.summary import proportion_interval
    from sim.runner.executors import Lost
    from sim.runner.runs import map_tasks, plan

    a = exp.config.analysis
    run = [c for c in checks if not c["needs"]]
    rows, lost = [], 0
    if run:
        for part in map_tasks(exp, _check_chunk, (exp, run), plan(exp), executor=executor):
            if isinstance(part, Lost):  # a worker died on these runs: they are left out, and counted
                lost += len(part.chunk)
            else:
                rows += part
        if not rows:
            raise Stopped(f"every run was lost ({lost:,}): their worker processes died; rerun the command")
    table = pd.DataFrame(rows).sort_values("run_id") if rows else pd.DataFrame()
    n = len(table)

    def share(k: int) -> dict[str, Any]:
        low, high = proportion_interval(k, n, a.interval, a.confidence)
        return {"share": k / n, "low": low, "high": high, "runs_reproducing": k}

    claims = []
    for c in checks:
        row = {
            k: c[k] for k in ("id", "what", "claim", "conditions", "when", "expect", "window", "motivates")
        }
        row["days"] = list(c["days"])
        if c["needs"]:
            row["needs"] = c["needs"]
            row["verdict"] = "not checked"
        else:
            row |= share(int(table[c["id"]].sum()))
            row["verdict"] = verdict(c["expect"], row["low"], row["high"])
        claims.append(row)
    facts = [c["id"] for c in run if c["expect"] == "fact"]
    every = share(int(table[facts].all(axis=1).sum())) if facts else None
    return {"scenario": exp.scenario, "runs": n, "lost_runs": lost, "confidence": a.confidence,
            "interval": a.interval, "claims": claims, "all": every}  # fmt: skip


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
    print(f"Seed claims in {result['runs']} {result['scenario']} runs ({pct} interval; a fact or a likely "
          "event needs >= 55% of runs, an unlikely one <= 45%, a possible one >= 5%):")  # fmt: skip
    rows = list(result["claims"])
    if result["all"]:
        rows.append({"what": "all the seed's facts", "days": None, "verdict": None, **result["all"]})
    width = max(len(clip(c["what"], 60)) for c in rows)
    lines = [_line(c, width) for c in rows]
    print_lines(lines[: len(result["claims"])], str(out) if out else "the JSON of --out FILE")
    if result["all"]:
        print(lines[-1])
    if any(c["verdict"] == "not checked" for c in result["claims"]):
        print("  (not checked: the claim's outcome needs a mechanism this scenario switches off; try "
              "scenario=combined)")  # fmt: skip
    if result["lost_runs"]:
        print(f"  ({result['lost_runs']} runs left out: their worker process died)")
    if out:
        from sim.results import write_json

        with writing(out.parent):
            write_json(result, out)
        print(f"written: {out}")
    return 0


def _line(c: dict[str, Any], width: int) -> str:
    """One claim: what, the share reproducing it with its interval, the days, the verdict."""
    days = f"days {c['days'][0]}-{c['days'][1]}" if c["days"] else ""
    if c["verdict"] == "not checked":
        needs = ", ".join(c["needs"])
        return f"  {clip(c['what'], 60):<{width}}  {'-':>6}  {'':15}  {days:<12}  not checked (needs {needs})"
    interval = f"({100 * c['low']:.1f}-{100 * c['high']:.1f}%)"
    line = f"  {clip(c['what'], 60):<{width}}  {100 * c['share']:5.1f}%  {interval:<15}  {days:<12}"
    if c["verdict"]:
        line += f"  {c['expect']}: {c['verdict']}" + (
            " [the mechanism was built from it]" if c["motivates"] else ""
        )
    return line.rstrip()


if __name__ == "__main__":
    run_command(main)
