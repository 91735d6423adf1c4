"""Whether the runs resolve a sensitivity ranking or a PRIM box, so a report claims only what they show.

* A parameter's sensitivity is **resolved** when its index's 95 % interval (``index`` ± ``conf``) lies
  clear of 0; an interval that cannot be computed (NaN) resolves nothing.
* The parameter that **moves the answer most** is named only when the largest index's interval lies clear
  of the next one's (above its upper end): overlapping intervals leave the order unresolved.
* A **PRIM box** is a finding only when it holds at least ``PRIM_MIN_RUNS`` runs and the event is more
  frequent in it than overall beyond sampling error: the lower end of the box's Wilson interval (at
  ``PRIM_CONFIDENCE``) is above the overall rate. A box of a handful of runs, or one whose rate could be the
  overall rate by chance, is not reported as a finding.

Pure functions of tables the analysis layer already computes; reads results only.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.results.summary import wilson_interval

__all__ = ["PRIM_CONFIDENCE", "PRIM_MIN_RUNS", "prim_finding", "sensitivity_resolution"]

#: Fewest runs in a PRIM box for it to be reported as a finding.
PRIM_MIN_RUNS = 30
#: Level of the Wilson interval of a box's event rate.
PRIM_CONFIDENCE = 0.95


def sensitivity_resolution(table: pd.DataFrame) -> dict[str, Any]:
    """Which parameters' indices the runs resolve, and the one that moves the answer most (or None).

    Args:
        table: a sensitivity table (:func:`sim.analysis.sensitivity.sensitivity`): ``index`` >= 0 and
            ``conf`` (its 95 % half-width) per parameter, largest index first.

    Returns:
        ``resolved``: parameter -> whether its interval lies clear of 0; ``leader``: the parameter that
        moves the answer most, if its interval lies clear of the next one's, else None; ``why``: a sentence
        saying which.
    """
    rows = [(str(p), float(x["index"]), float(x["conf"])) for p, x in table.iterrows()]
    resolved = {p: math.isfinite(c) and i - c > 0 for p, i, c in rows}
    ranked = sorted(rows, key=lambda r: -r[1] if math.isfinite(r[1]) else math.inf)
    if not ranked or not resolved[ranked[0][0]]:
        return {"resolved": resolved, "leader": None, "why": "no parameter's effect is resolved by the runs"}
    top, index, conf = ranked[0]
    if len(ranked) > 1:
        second, i2, c2 = ranked[1]
        if not (math.isfinite(c2) and index - conf > i2 + c2):
            why = f"the runs do not resolve which moves it most: {top}'s interval overlaps {second}'s"
            return {"resolved": resolved, "leader": None, "why": why}
    why = f"{top} moves it most (its interval is clear of the others')"
    return {"resolved": resolved, "leader": top, "why": why}


def prim_finding(n_box: int, density: float, base_density: float) -> tuple[bool, str]:
    """Whether a PRIM box is a finding, and why (or why not).

    Args:
        n_box: runs in the box.
        density: share of them with the event.
        base_density: share of all runs with the event.
    """
    if n_box < PRIM_MIN_RUNS:
        return False, f"the box holds {n_box} runs (fewer than {PRIM_MIN_RUNS}): too few to report"
    low, _ = wilson_interval(round(density * n_box), n_box, PRIM_CONFIDENCE)
    if low <= base_density:
        return False, (
            f"the event's rate in the box ({100 * density:.0f} %, {PRIM_CONFIDENCE:.0%} interval from "
            f"{100 * low:.0f} %) is not clearly above its rate overall ({100 * base_density:.0f} %)"
        )
    return True, f"the box holds {n_box} runs and its rate is clearly above the overall rate"
