"""How much a probability leans on the uncertain parameters, apart from the chance of the runs.

A share of runs has two kinds of uncertainty. **Monte Carlo error** (the interval of the probability) says
how far the share may be from the model's probability with these inputs; more runs shrink it. **Parameter
uncertainty** says how much that probability changes over the uncertain parameters' ranges; more runs do
not shrink it. They can be told apart when each parameter draw (design point) is run several times
(``mc.replications`` >= 2): by the law of total variance, the variance of the design points' shares is the
variance of their true probabilities plus their Monte Carlo noise, whose unbiased estimate at a point of
r runs with share p is p (1 - p) / (r - 1). What is left is the parameters' part.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["parameter_spread"]


def parameter_spread(design_point: pd.Series, yes: pd.Series) -> dict[str, Any] | None:
    """The spread of a yes/no answer's probability over the design points (None if it cannot be told).

    Args:
        design_point: each ok run's design point (one parameter draw).
        yes: each ok run's answer (bool), aligned with ``design_point``.

    Returns:
        ``points`` (design points with >= 2 runs), ``runs_per_point`` (median), ``sd`` (s.d. of the
        probability over the parameters, the Monte Carlo noise removed; 0 when the noise explains it
        all), ``noise_sd`` (the Monte Carlo s.d. of one point's share), ``low`` and ``high`` (5th and 95th
        percentiles of the points' shares, noise included); None with fewer than 2 such points.
    """
    groups = pd.DataFrame({"point": design_point.to_numpy(), "yes": yes.to_numpy(dtype=float)})
    per = groups.groupby("point")["yes"].agg(["mean", "size"])
    per = per[per["size"] >= 2]
    if len(per) < 2:
        return None
    p, r = per["mean"].to_numpy(), per["size"].to_numpy()
    noise = float(np.mean(p * (1 - p) / (r - 1)))
    between = max(0.0, float(np.var(p, ddof=1)) - noise)
    low, high = np.percentile(p, [5, 95])
    return {
        "points": len(per),
        "runs_per_point": float(np.median(r)),
        "sd": math.sqrt(between),
        "noise_sd": math.sqrt(noise),
        "low": float(low),
        "high": float(high),
    }
