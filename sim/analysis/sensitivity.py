"""Which uncertain parameters move an outcome: Sobol, Morris or Spearman rank correlation.

Sobol and Morris analyses run through SALib on the unit cube, as :mod:`sim.sampling` documents: the unit
sample is regenerated from the runner's design record (:func:`sim.sampling.salib_inputs`) and the outcome
is averaged over replications by design point. Other designs (Monte Carlo, Latin hypercube) get the
absolute Spearman rank correlation of each parameter with the outcome.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.sampling import salib_inputs

__all__ = ["METHODS", "sensitivity"]

#: Values of ``method``.
METHODS = ("auto", "sobol", "morris", "spearman")
_MEASURES = {"sobol": ("ST", "S1"), "morris": ("mu_star", "sigma"), "spearman": ("abs_rho", "rho")}
_BOOKKEEPING = ("design_point", "replication")  # columns of a design table that are not parameters


def _outcome(y) -> np.ndarray:
    """The outcome as floats; missing values of a boolean outcome are False."""
    s = pd.Series(y) if not isinstance(y, pd.Series) else y.reset_index(drop=True)
    kept = s.dropna()
    if pd.api.types.is_bool_dtype(s) or (
        len(kept) and kept.map(lambda v: isinstance(v, bool | np.bool_)).all()
    ):
        return s.fillna(False).astype(bool).to_numpy(dtype=float)
    try:
        return pd.to_numeric(s).to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"y: must be boolean or numeric, got values like {kept.iloc[0]!r}") from None


def _spearman(X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, dict[str, float]]:
    rows, pvalues = {}, {}
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]):
            raise ValueError(f"X: column {col!r} is not numeric ({X[col].dtype}); spearman needs numbers")
        x = X[col].to_numpy(dtype=float)
        ok = ~(np.isnan(x) | np.isnan(y))
        n = int(ok.sum())
        rho, p = 0.0, 1.0
        if n > 2 and np.ptp(x[ok]) > 0 and np.ptp(y[ok]) > 0:
            rho = float(np.corrcoef(stats.rankdata(x[ok]), stats.rankdata(y[ok]))[0, 1])
            rho = min(max(rho, -1.0), 1.0)
            t = rho * np.sqrt((n - 2) / max(1.0 - rho**2, 1e-300))
            p = float(2 * stats.t.sf(abs(t), n - 2))
        conf = np.nan
        if n > 3:  # Fisher z: 95% interval of arctanh(rho) is +-1.96 / sqrt(n - 3), mapped back
            z, h = np.arctanh(np.clip(rho, -1 + 1e-15, 1 - 1e-15)), 1.96 / np.sqrt(n - 3)
            conf = float((np.tanh(z + h) - np.tanh(z - h)) / 2)
        rows[str(col)] = (abs(rho), conf, rho)
        pvalues[str(col)] = p
    return pd.DataFrame.from_dict(rows, orient="index", columns=["index", "conf", "second"]), pvalues


def _salib(method: str, X: pd.DataFrame, y: np.ndarray, design: dict[str, Any], groups) -> pd.DataFrame:
    names = list(design["names"])
    missing = [p for p in names if p not in X.columns]
    if missing:
        raise ValueError(f"X: missing parameter columns {missing} of the design")
    if np.isnan(y).any():
        raise ValueError(f"y: NaN values; {method} needs an outcome for every run (drop or fill them first)")
    table = pd.DataFrame()
    table.attrs["design"] = design
    unit = salib_inputs(table)
    if groups is None:
        Y = y
    else:
        means = pd.Series(y).groupby(np.asarray(groups)).mean()
        if not np.array_equal(means.index.to_numpy(), np.arange(len(means))):
            raise ValueError("design_point: ids must be 0 .. points - 1 (the design table's design_point)")
        Y = means.to_numpy()
    if len(Y) != len(unit):
        raise ValueError(
            f"y: {len(Y)} design points but the {method} design has {len(unit)}; "
            "pass design_point when runs are replicated"
        )
    out = pd.DataFrame({"index": 0.0, "conf": 0.0, "second": 0.0}, index=names)
    if np.ptp(Y) == 0:  # constant outcome: no parameter moves it (SALib would divide by zero)
        return out
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    if method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, Y, calc_second_order=False, seed=design["seed"])
        out[:] = np.column_stack([si["ST"], si["ST_conf"], si["S1"]])
    else:
        from SALib.analyze import morris

        si = morris.analyze(problem, unit, Y, num_levels=design["morris_levels"], seed=design["seed"])
        out[:] = np.column_stack([si["mu_star"], si["mu_star_conf"], si["sigma"]])
    return out


def sensitivity(
    X: pd.DataFrame, y, *, method: str = "auto", design: dict | None = None, design_point=None
) -> pd.DataFrame:
    """Rank the parameters by how much they move the outcome ``y``.

    Methods and their measures (``index``, ``second``):

    - ``sobol``: total-order index ST (``conf``: its bootstrap 95% half-width) and first-order S1.
    - ``morris``: mu_star, the mean absolute elementary effect per step of the level grid in the unit
      cube (``conf``: its bootstrap 95% half-width), and sigma, their standard deviation.
    - ``spearman``: absolute Spearman rank correlation |rho| and the signed rho; ``conf`` is the 95%
      Fisher-z half-width in rho units, ``attrs["pvalues"]`` the two-sided p-values. Pairs with a missing
      value are dropped; a constant parameter or outcome gives rho = 0.

    ``auto`` picks ``sobol`` or ``morris`` when ``design["design"]`` is that design, else ``spearman``.
    A constant outcome gives zeros for every measure. Bootstraps are seeded with ``design["seed"]``.

    Args:
        X: one row per run with a column per parameter (a ``design_point`` or ``replication`` column is
            not treated as a parameter).
        y: the outcome per run, boolean (an event; missing values count as False) or numeric.
        method: one of :data:`METHODS`.
        design: the runner's design record (``attrs["design"]`` of :func:`sim.runner.design.design_table`):
            design, n, seed, replications, morris_levels, names. Needed for ``sobol`` and ``morris``.
        design_point: design point id per run; y is averaged over the runs of each design point before a
            Sobol or Morris analysis. Default: X's ``design_point`` column if any, else one run per point.

    Returns:
        Index ``parameter`` (the design's names for sobol and morris), columns ``index``, ``conf``,
        ``second``, sorted by ``index`` descending; ``attrs["method"]`` and ``attrs["measures"]`` (names
        of ``index`` and ``second``).

    Raises:
        ValueError: one line naming the bad argument.
    """
    yv, method, design_point = _arguments(X, y, method, design, design_point)
    params = X.drop(columns=[c for c in _BOOKKEEPING if c in X.columns])
    pvalues = None
    if method == "spearman":
        out, pvalues = _spearman(params, yv)
    else:
        out = _salib(method, params, yv, design, design_point)
    order = np.argsort(-out["index"].fillna(-np.inf).to_numpy(), kind="stable")
    out = out.iloc[order].rename_axis("parameter")
    out.attrs["method"] = method
    out.attrs["measures"] = _MEASURES[method]
    if pvalues is not None:
        out.attrs["pvalues"] = pvalues
    return out


def _arguments(
    X: pd.DataFrame, y, method: str, design: dict | None, design_point
) -> tuple[np.ndarray, str, Any]:
    """The checked arguments of :func:`sensitivity`: the outcome as floats, the method, the design points.

    Raises:
        ValueError: one line naming the bad argument.
    """
    if method not in METHODS:
        raise ValueError(f"method: unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if not isinstance(X, pd.DataFrame) or len(X) == 0:
        raise ValueError("X: must be a non-empty pandas DataFrame (one row per run)")
    yv = _outcome(y)
    if yv.ndim != 1 or len(yv) != len(X):
        raise ValueError(f"y: length {len(yv)} does not match X ({len(X)} rows)")
    if design_point is None and "design_point" in X.columns:
        design_point = X["design_point"].to_numpy()
    if design_point is not None and len(design_point) != len(X):
        raise ValueError(f"design_point: length {len(design_point)} does not match X ({len(X)} rows)")
    kind = (design or {}).get("design")
    if method == "auto":
        method = kind if kind in ("sobol", "morris") else "spearman"
    elif method in ("sobol", "morris") and kind != method:
        raise ValueError(f"method: {method!r} needs the runner's {method} design record, got design={kind!r}")
    return yv, method, design_point
