"""Audit the political layer: does each scenario leave its events open, or does it script them?

Runs each scenario (default 300 runs, 270 days) and prints, per scenario, the share of runs in which each
modelled event happened, flagging those at or below 2 % or at or above 98 % (an event a scenario makes
certain, or never lets happen); then the checks of issue 15's "done when": the red line holding untested
and being tested, LNA captures of places the GNA held on day 0, the spread of the eastern government's
falls over days (and falls while the LNA still holds Sirte).

Usage::

    .venv/bin/python tools/decision_audit.py [--runs 300] [--days 270] [--out audit] [override ...]

Results go to ``<out>/<scenario>`` and are resumed when rerun. Theatre names are read from the results
(the theatre's front faction and watch places), so the audit runs on any theatre.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

SCENARIOS = ["baseline", "ceasefire_pretext", "turkey_russia_deal", "eastern_unrest", "combined"]
LOW, HIGH = 0.02, 0.98


def switched_off_outcomes(config: dict) -> set[str]:
    """Outcome columns of the mechanisms this experiment switched off (not modelled: not audited)."""
    from omegaconf import OmegaConf

    from sim.model.mechanisms import registry
    from sim.theatre import build_theatre

    theatre = build_theatre(OmegaConf.create(config["theatre"]))
    off = set()
    for cls in registry():
        params = OmegaConf.create(config["mechanisms"][cls.key])
        if not params.enabled:
            off |= {o.name for o in cls.declare_outcomes(params, theatre)}
    return off


def event_shares(runs: pd.DataFrame, columns: dict, skip: set[str]) -> dict[str, float]:
    """Share of ok runs in which each day-kind event happened, and each flag is true."""
    ok = runs[runs["status"] == "ok"]
    out = {}
    for name, info in columns.items():
        if name not in ok or name in skip:
            continue
        if info.get("kind") == "day":
            out[name] = float(ok[name].notna().mean())
        elif info.get("kind") == "flag":
            out[name] = float(ok[name].astype(bool).mean())
    return out


def audit(res) -> list[str]:
    """Lines of the audit of one experiment."""
    runs = res.runs[res.runs["status"] == "ok"]
    theatre = res.config["theatre"]
    front = theatre["front_faction"]
    other = next(f for f in theatre["factions"] if f != front)
    lines = []
    columns = res.summary.get("columns", {})
    for name, share in event_shares(runs, columns, switched_off_outcomes(res.config)).items():
        flag = "  <-- certain or never" if share <= LOW or share >= HIGH else ""
        lines.append(f"  {name:32s} {share:7.1%}{flag}")
    held = [p for p, v in theatre["places"].items() if v.get("control") == front]
    taken = [p for p in held if f"holder_{p}" in runs and (runs[f"holder_{p}"] == other).any()]
    share = runs[[f"holder_{p}" for p in held if f"holder_{p}" in runs]].eq(other).any(axis=1).mean()
    where = ", ".join(taken) or "-"
    lines.append(f"  {other} holds a place {front} held on day 0: {share:.1%} of runs ({where})")
    if "red_line_crossed_day" in runs:
        patron = res.config["mechanisms"]["red_line"]["patron"]
        crossed = runs["red_line_crossed_day"].notna()
        intervened = runs[f"{patron}_intervened_day"].notna()
        lines.append(
            f"  red line: untested and no intervention {(~crossed & ~intervened).mean():.1%}, "
            f"tested {crossed.mean():.1%}, intervened {intervened.mean():.1%}"
        )
    fell = [c for c in runs if c.endswith("_govt_fell_day")]
    for c in fell:
        days = runs[c].dropna()
        if len(days):
            top = days.value_counts().iloc[0] / len(days)
            watch = [p for p in theatre.get("watch_places", []) if f"{p}_captured_day" in runs]
            still = (
                ((runs[f"{watch[0]}_captured_day"].isna()) | (runs[f"{watch[0]}_captured_day"] > runs[c]))
                & runs[c].notna()
            ).sum()
            lines.append(
                f"  {c}: {len(days)} falls over {days.nunique()} days, busiest day {top:.0%} of them; "
                f"{still} while {other} still held {watch[0] if watch else '?'}"
            )
    return lines


def main() -> None:
    """Run the scenarios and print the audit."""
    import sim

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--days", type=int, default=270)
    ap.add_argument("--out", default="audit")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("overrides", nargs="*")
    a = ap.parse_args()
    for scenario in a.scenarios.split(","):
        overrides = [f"scenario={scenario}", f"mc.runs={a.runs}", f"horizon_days={a.days}"]
        overrides += ["analysis.report=false", *a.overrides]
        res = sim.run(overrides, Path(a.out) / scenario, quiet=True)
        n = int((res.runs["status"] == "ok").sum())
        print(f"\n{scenario} ({n} runs, {a.days} days)")
        print("\n".join(audit(res)))
    print(f"\nflagged: at or below {LOW:.0%} or at or above {HIGH:.0%} of runs")


if __name__ == "__main__":
    main()
