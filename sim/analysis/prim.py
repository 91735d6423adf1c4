"""PRIM (patient rule induction, Friedman & Fisher 1999) for scenario discovery.

Given sampled parameters ``X`` (one row per run) and an event ``y`` (e.g. "the town is taken"), PRIM peels
a box in parameter space: each step removes the thin slice (an ``alpha`` tail of the runs in the box,
along one parameter) whose removal leaves the densest box. The peeling trajectory trades coverage
(share of all events inside the box) for density (share of runs in the box with the event).
Pasting is not implemented.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PrimResult", "prim"]


@dataclass
class PrimResult:
    """The peeling trajectory of :func:`prim` and the box chosen from it.

    Attributes:
        trajectory: one row per box (row 0 = the full box) with columns ``coverage``, ``density``,
            ``mass``, ``n`` (runs in the box), then ``{p}_low`` and ``{p}_high`` for every parameter p.
            Box i holds exactly the runs with ``low <= x <= high`` for every parameter; a limit is the
            smallest (largest) value of the runs left in the box when that side was last peeled.
        parameters: the parameters (columns of ``X``), in order.
        chosen: row of ``trajectory`` chosen (see :func:`prim`).
        base_density: share of all runs with the event (density of row 0).
        n_events: runs with the event.
    """

    trajectory: pd.DataFrame
    parameters: list[str]
    chosen: int
    base_density: float
    n_events: int

    def box(self, i: int | None = None) -> pd.DataFrame:
        """Limits of box i (default: the chosen box) for the parameters it restricts.

        Returns:
            Index ``parameter`` (only those whose limits are tighter than the data range, in parameter
            order), columns ``low``, ``high`` (the box) and ``range_low``, ``range_high`` (the full data
            range).
        """
        row = self.trajectory.iloc[self.chosen if i is None else i]
        full = self.trajectory.iloc[0]
        out = pd.DataFrame(
            {
                "low": [row[f"{p}_low"] for p in self.parameters],
                "high": [row[f"{p}_high"] for p in self.parameters],
                "range_low": [full[f"{p}_low"] for p in self.parameters],
                "range_high": [full[f"{p}_high"] for p in self.parameters],
            },
            index=pd.Index(self.parameters, name="parameter"),
        )
        return out[(out.low > out.range_low) | (out.high < out.range_high)]


def _check(X: pd.DataFrame, y, alpha: float, min_mass: float) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"X: must be a pandas DataFrame, got {type(X).__name__}")
    if len(X) == 0:
        raise ValueError("X: no rows")
    yv = np.asarray(y)
    if yv.ndim != 1 or len(yv) != len(X):
        raise ValueError(f"y: length {len(yv)} does not match X ({len(X)} rows)")
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]):
            raise ValueError(f"X: column {col!r} is not numeric ({X[col].dtype}); PRIM needs numbers")
        if X[col].isna().any():
            raise ValueError(f"X: column {col!r} has missing values")
    if yv.dtype != bool:
        if pd.isna(yv).any() or not np.isin(yv, [0, 1]).all():
            raise ValueError("y: must be boolean (or 0/1) with no missing values")
        yv = yv.astype(bool)
    if not yv.any():
        raise ValueError("y: no run has the event (no True values)")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha: must lie in (0, 0.5), got {alpha}")
    if not 0 < min_mass < 1:
        raise ValueError(f"min_mass: must lie in (0, 1), got {min_mass}")
    return X.to_numpy(dtype=float), yv


def prim(
    X: pd.DataFrame, y, *, alpha: float = 0.05, min_mass: float = 0.05, threshold: float | None = None
) -> PrimResult:
    """Peel a box around the runs with the event and choose one box of the trajectory.

    Each step considers, for every parameter, removing the runs in the box at or below its ``alpha``
    quantile (lower tail) or at or above its ``1 - alpha`` quantile (upper tail), skipping a peel that
    would remove no run or every run (ties are removed together). The peel leaving the highest density
    wins (ties: fewer runs removed, then parameter order, then lower tail first). Peeling stops when the
    winning peel would leave a box with mass < ``min_mass``, or no peel is possible.

    Choice of box: with ``threshold``, the box of highest coverage among those with density >=
    ``threshold`` (if none reaches it, the densest box). Without it, the box of highest coverage among
    those with density >= base_density + 0.8 (max_density - base_density), i.e. four fifths of the way
    from the base rate to the densest box (coverage usually stays flat until near the densest boxes, so
    this keeps most of the coverage with most of the density). Ties in coverage go to the denser (later) box.

    Args:
        X: sampled parameters, numeric columns, one row per run.
        y: the event per run, boolean array-like (0/1 accepted) of the same length.
        alpha: share of the box's runs removed by a peel, in (0, 0.5).
        min_mass: smallest share of all runs a box may hold, in (0, 1).
        threshold: density the chosen box should reach (see above).

    Returns:
        The trajectory and the chosen box.

    Raises:
        ValueError: one line naming the bad argument or column.
    """
    x, yv = _check(X, y, alpha, min_mass)
    n_events = int(yv.sum())
    params = [str(c) for c in X.columns]
    columns = ["coverage", "density", "mass", "n"] + [f"{p}_{s}" for p in params for s in ("low", "high")]
    trajectory = pd.DataFrame(_peel(x, yv, alpha, min_mass), columns=columns).astype({"n": int})
    cov, dens = trajectory.coverage.to_numpy(), trajectory.density.to_numpy()
    return PrimResult(trajectory, params, _choose(cov, dens, threshold), float(dens[0]), n_events)


def _peel(x: np.ndarray, yv: np.ndarray, alpha: float, min_mass: float) -> list[list[float]]:
    """The peeling trajectory: per box, coverage, density, mass, n and each parameter's low and high."""
    n, d = x.shape
    n_events = int(yv.sum())
    low, high = x.min(axis=0), x.max(axis=0)
    inside = np.ones(n, dtype=bool)
    rows = []
    while True:
        m, events = int(inside.sum()), int(yv[inside].sum())
        rows.append([events / n_events, events / m, m / n, m, *np.column_stack([low, high]).ravel()])
        xb, yb = x[inside], yv[inside]
        q = np.quantile(xb, [alpha, 1 - alpha], axis=0)
        remove = np.stack([xb <= q[0], xb >= q[1]], axis=2).reshape(m, 2 * d)  # column 2j + side
        k = remove.sum(axis=0)
        valid = (k > 0) & (k < m)
        if not valid.any():
            break
        left = events - (remove & yb[:, None]).sum(axis=0)
        density = np.where(valid, left / np.maximum(m - k, 1), -1.0)
        best = np.lexsort((np.arange(2 * d), k, -density))[0]
        if (m - k[best]) / n < min_mass:
            break
        kept = ~remove[:, best]
        j, side = divmod(int(best), 2)
        if side == 0:
            low[j] = xb[kept, j].min()
        else:
            high[j] = xb[kept, j].max()
        inside[np.flatnonzero(inside)[~kept]] = False
    return rows


def _choose(cov: np.ndarray, dens: np.ndarray, threshold: float | None) -> int:
    """Row of the trajectory chosen from its coverage and density (see :func:`prim`)."""
    target = dens[0] + 0.8 * (dens.max() - dens[0]) if threshold is None else threshold
    ok = dens >= target
    if ok.any():
        return int(np.lexsort((-dens, -np.where(ok, cov, -1.0)))[0])
    return int(np.lexsort((-cov, -dens))[0])
