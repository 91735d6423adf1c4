"""Daily series across runs: quantile bands for fan charts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = ["BANDS", "fan_bands"]

#: Quantiles of a fan chart: the 90 % band, the 50 % band and the median.
BANDS = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


def fan_bands(series: pd.DataFrame, variable: str) -> pd.DataFrame:
    """Quantiles over runs of one variable for every day.

    Args:
        series: long-format series (``run_id, day, variable, value``) of one experiment.
        variable: the variable.

    Returns:
        A frame indexed by day with columns p05, p25, p50, p75, p95 (NaN values left out);
        ``attrs["n"]`` is the number of runs.

    Raises:
        ValueError: the variable is not in the series (the message lists those that are).
    """
    rows = series[series["variable"] == variable]
    if rows.empty:
        known = ", ".join(sorted(series["variable"].unique()))
        raise ValueError(f"variable: {variable!r} not in the series; allowed: {known}")
    wide = rows.pivot(index="day", columns="run_id", values="value").sort_index()
    values = wide.to_numpy(dtype=float)
    with warnings.catch_warnings():  # a day on which no run has a value gives NaN quantiles, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(values, list(BANDS.values()), axis=1) if values.size else np.empty((5, 0))
    bands = pd.DataFrame(q.T, index=wide.index, columns=list(BANDS))
    bands.attrs["n"] = wide.shape[1]
    return bands
