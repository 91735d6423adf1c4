"""Proper scores of forecasts against what happened: Brier, log and CRPS, and reliability.

Lower is better for all three. For a binary question with forecast probability p and outcome o (1 if it
happened): Brier (p - o)^2; log score -ln(p) if it happened, -ln(1 - p) if not (in nats; p is clipped
to [eps, 1 - eps] so that an ensemble in which no run saw the event does not score infinity). For a
numeric question, the continuous ranked probability score of the run ensemble x_1 ... x_n at the value
y that happened, CRPS = mean |x_i - y| - 1/2 mean |x_i - x_j| (Gneiting & Raftery 2007, eq. 20),
computed exactly in O(n log n) from the sorted ensemble.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["EPS", "brier", "crps_ensemble", "log_score", "reliability"]

EPS = 1e-3  # smallest probability a forecast from a finite ensemble is given by the log score


def brier(p: float, outcome: bool) -> float:
    """Brier score of probability ``p`` for a binary outcome."""
    _check_p(p)
    return (p - float(bool(outcome))) ** 2


def log_score(p: float, outcome: bool, eps: float = EPS) -> float:
    """Negative log likelihood (nats) of the outcome under probability ``p`` (clipped to [eps, 1 - eps])."""
    _check_p(p)
    q = min(max(p, eps), 1 - eps)
    return -math.log(q if outcome else 1 - q)


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability: got {p}; allowed range [0, 1]")


def crps_ensemble(samples, y: float) -> float:
    """CRPS of an ensemble (its empirical distribution) at the observed value ``y``.

    Raises:
        ValueError: an empty ensemble, NaN in it, or a NaN observation.
    """
    x = np.sort(np.asarray(samples, dtype=float))
    if x.size == 0 or np.isnan(x).any() or math.isnan(y):
        raise ValueError("crps: need a non-empty ensemble without NaN and a number to score it at")
    n = x.size
    spread = 2.0 * np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / n**2  # mean |x_i - x_j|
    return float(np.mean(np.abs(x - y)) - 0.5 * spread)


def reliability(p, outcome, bins: int = 5) -> pd.DataFrame:
    """Forecast probabilities binned into ``bins`` equal bins, with the observed frequency in each.

    Returns:
        One row per non-empty bin: low, high, mean forecast, observed frequency, n.
    """
    p = np.asarray(p, dtype=float)
    o = np.asarray(outcome, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = [
        {"low": edges[b], "high": edges[b + 1], "forecast": p[which == b].mean(),
         "observed": o[which == b].mean(), "n": int((which == b).sum())}
        for b in range(bins) if (which == b).any()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["low", "high", "forecast", "observed", "n"])
