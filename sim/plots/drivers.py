"""What drives an outcome: sensitivity indices per parameter, and PRIM scenario discovery."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from sim.limits import MAX_ROWS, showing
from sim.plots.style import (
    GREY,
    WIDTH,
    _centre_note,
    _footnote,
    _n,
    _num,
    _pretty,
    _short_params,
    _style,
    _titled,
)

__all__ = ["plot_prim", "plot_sensitivity"]

# ----------------------------------------------------------------------------------------------- sensitivity

_MEASURES = {
    "ST": "total-order Sobol index ST",
    "S1": "first-order Sobol index S1",
    "S2": "second-order Sobol index S2",
    "mu_star": "Morris μ*",
    "mu": "Morris μ",
    "sigma": "Morris σ",
    "rho": "Spearman ρ (signed)",
    "abs_rho": "|Spearman ρ|",
    "spearman": "|Spearman ρ|",
    "p": "p-value",
    "pvalue": "p-value",
    "p_value": "p-value",
}
_DEFAULT_MEASURES = {"sobol": ("ST", "S1"), "morris": ("mu_star", "sigma"), "spearman": ("abs_rho", "rho")}
_METHOD_NAMES = {"sobol": "Sobol", "morris": "Morris", "spearman": "Spearman rank correlation"}


def _measure_label(method: str, name: str | None) -> str:
    if name is None:
        return ""
    return _MEASURES.get(str(name), f"{method} {name}")


def plot_sensitivity(
    table: pd.DataFrame,
    *,
    outcome: str,
    title: str | None = None,
    where: str | None = None,
    words: Mapping[str, str] | None = None,
):
    """Horizontal bars of a sensitivity index per parameter, largest at the top (at most ``MAX_ROWS``).

    Args:
        table: index = parameter name; columns ``index``, ``conf`` and ``second`` (NaN allowed);
            ``attrs["method"]`` in ``sobol``, ``morris``, ``spearman``; ``attrs["measures"]`` = (index name,
            second name); optional ``attrs["n"]`` = runs.
        outcome: the outcome analysed (title).
        title: figure title.
        where: the file holding every parameter, named in the note when some are left out.
        words: words of ``outcome`` to write otherwise (lower-case word -> text, e.g. a faction's label).

    Returns:
        ``(fig, ax)``.
    """
    method = str(table.attrs.get("method", "sensitivity"))
    measures = tuple(table.attrs.get("measures", _DEFAULT_MEASURES.get(method, ("index", None))))
    first_name = measures[0] if measures else "index"
    second_name = measures[1] if len(measures) > 1 else None
    t = table.sort_values("index", ascending=True, na_position="first")
    note = None
    if len(t) > MAX_ROWS:
        rule = f"the largest {_measure_label(method, first_name) or first_name}"
        note = showing(MAX_ROWS, len(t), "parameters", rule, where)
        t = t.tail(MAX_ROWS)
    fig, ax = plt.subplots(figsize=(WIDTH, max(3.2, 1.6 + 0.36 * len(t))), constrained_layout=True)
    _sensitivity_bars(ax, t, _measure_label(method, first_name), _measure_label(method, second_name))
    fig.legend(loc="outside lower center", ncols=3, fontsize=8.5, frameon=False)
    n = table.attrs.get("n")
    n_text = f", {_n(n)} runs" if n is not None else ""
    method_name = _METHOD_NAMES.get(method, method)
    ax.set_title(
        _titled(title or f"What drives {_pretty(outcome, words)}? {method_name} sensitivity{n_text}", note),
        fontsize=12,
        loc="left",
    )
    if title and n is not None:
        _footnote(ax, f"{method_name} analysis over {_n(n)} runs.")
    return fig, ax


def _sensitivity_bars(ax, t: pd.DataFrame, label: str, second_label: str) -> None:
    """The index as bars with their ± conf, the second measure as diamonds, and an x range holding all."""
    m = len(t)
    y = np.arange(m)
    vals = t["index"].to_numpy(dtype=float)
    ax.barh(y, np.nan_to_num(vals), color="#0072B2", height=0.6, zorder=2, label=label)
    conf = t["conf"].to_numpy(dtype=float) if "conf" in t else np.full(m, np.nan)
    ok = np.isfinite(conf) & np.isfinite(vals)
    if ok.any():
        ax.errorbar(
            vals[ok],
            y[ok],
            xerr=conf[ok],
            fmt="none",
            ecolor="#222222",
            elinewidth=1,
            capsize=3,
            zorder=3,
            label="± conf (95 % confidence half-width)",
        )
    second = t["second"].to_numpy(dtype=float) if "second" in t else np.full(m, np.nan)
    if np.isfinite(second).any():
        ax.plot(
            second, y, "D", color="#E69F00", mec="#222222", ms=6, ls="none", zorder=4,
            label=second_label or "second measure",
        )  # fmt: skip
    ax.set_yticks(y, _short_params(list(t.index)), fontsize=9)
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_xlabel(label)
    _style(ax, grid="x")
    finite = np.isfinite(vals)
    reach = np.concatenate(
        [[0.0], vals[finite] + np.nan_to_num(conf[finite]), vals[finite], second[np.isfinite(second)]]
    )
    low = float(min(0.0, reach.min()))
    high = float(max(reach.max(), 1e-9))
    pad = 0.06 * (high - low)
    ax.set_xlim(low - (pad if low < 0 else 0.0), high + pad)


# ----------------------------------------------------------------------------------------------- PRIM


def plot_prim(result, *, where: str | None = None):
    """PRIM scenario discovery: the peeling trajectory and the chosen box's limits (at most ``MAX_ROWS``).

    Args:
        result: a ``PrimResult`` (``trajectory``, ``parameters``, ``chosen``, ``base_density``, ``box()``).
        where: the file holding every limit, named in the note when some are left out.

    Returns:
        ``(fig, axes)``: the trajectory panel and the box panel.
    """
    traj = result.trajectory.reset_index(drop=True)
    chosen = int(result.chosen)
    n_total = int(traj["n"].max()) if len(traj) else 0
    box = result.box()
    note = None
    if len(box) > MAX_ROWS:
        note = showing(MAX_ROWS, len(box), "restricted parameters", "the first, in the box's order", where)
        box = box.iloc[:MAX_ROWS]
    fig, axes = plt.subplots(
        1,
        2,
        figsize=(12.0, max(4.8, 1.8 + 0.45 * len(box))),
        constrained_layout=True,
        gridspec_kw={"width_ratios": [1, 1.15]},
    )
    ax, bx = axes
    _trajectory(fig, ax, traj, float(result.base_density))
    if 0 <= chosen < len(traj):
        _chosen_point(ax, traj, chosen, n_total)
    _trajectory_axes(ax)
    _box_limits(bx, box)
    bx.set_title(
        _titled(f"Chosen box #{chosen}: limits of the restricted parameters", note), fontsize=11, loc="left"
    )
    fig.suptitle(
        f"Scenario discovery (PRIM): which inputs lead to the outcome? ({_n(n_total)} runs)",
        fontsize=13,
        x=0.01,
        ha="left",
    )
    return fig, np.asarray(axes)


def _trajectory(fig, ax, traj: pd.DataFrame, base_density: float) -> None:
    """Coverage against density of each box peeled, coloured by mass, and the base density."""
    cov = 100 * traj["coverage"].to_numpy(dtype=float)
    den = 100 * traj["density"].to_numpy(dtype=float)
    ax.plot(cov, den, color="#bbbbbb", lw=1, zorder=1)
    sc = ax.scatter(
        cov,
        den,
        c=100 * traj["mass"].to_numpy(dtype=float),
        cmap="viridis",
        vmin=0,
        vmax=100,
        s=28,
        edgecolors="none",
        zorder=2,
    )
    cb = fig.colorbar(sc, ax=ax, pad=0.02, aspect=30)
    cb.set_label("mass (% of runs inside the box)", fontsize=9)
    cb.ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    base = 100 * base_density
    ax.axhline(base, color=GREY, ls="--", lw=1, zorder=0)
    ax.annotate(
        f"base density {base:.0f} % (all runs)",
        xy=(0, base),
        xycoords=("axes fraction", "data"),
        xytext=(4, 3),
        textcoords="offset points",
        fontsize=8,
        color=GREY,
        va="bottom",
    )


def _chosen_point(ax, traj: pd.DataFrame, chosen: int, n_total: int) -> None:
    """The chosen box, circled, with its coverage, density and runs."""
    cx = 100 * float(traj["coverage"].iloc[chosen])
    cy = 100 * float(traj["density"].iloc[chosen])
    ax.scatter(
        [cx], [cy], s=160, facecolors="none", edgecolors="#D55E00", linewidths=2, zorder=3, clip_on=False
    )
    n_box = int(traj["n"].iloc[chosen])
    ax.annotate(
        f"chosen box #{chosen}\ncoverage {cx:.0f} %, density {cy:.0f} %\nn = {n_box:,} of {n_total:,} runs",
        xy=(cx, cy),
        # lower right of the panel: a peeling trajectory runs from (100 %, base) up and to the left,
        # so below the base-density line and left of the 100 % coverage column it is empty
        xytext=(0.93, 0.05),
        textcoords="axes fraction",
        ha="right",
        va="bottom",
        fontsize=8.5,
        color="#D55E00",
        arrowprops={"arrowstyle": "-", "color": "#D55E00", "lw": 1},
        bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#D55E00", "alpha": 0.9},
    )


def _trajectory_axes(ax) -> None:
    ax.set_xlim(0, 102)
    ax.set_ylim(0, 102)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlabel("coverage (% of the cases of interest inside the box)")
    ax.set_ylabel("density (% of runs in the box that are cases)")
    ax.set_title("Peeling trajectory", fontsize=11, loc="left")
    _style(ax)


def _box_limits(bx, box: pd.DataFrame) -> None:
    """The chosen box's limits, normalised per parameter to its full sampled range."""
    m = len(box)
    if m == 0:
        _centre_note(bx, "the chosen box restricts no parameter", fontsize=11)
        bx.set_axis_off()
        return
    yy = np.arange(m)[::-1]
    for yi, (_name, r) in zip(yy, box.iterrows(), strict=True):
        lo_r, hi_r = float(r["range_low"]), float(r["range_high"])
        span = hi_r - lo_r if hi_r > lo_r else 1.0
        lo = (float(r["low"]) - lo_r) / span
        hi = (float(r["high"]) - lo_r) / span
        bx.barh(yi, 1.0, left=0.0, height=0.34, color="#eeeeee", edgecolor="#bbbbbb", lw=0.6, zorder=1)
        bx.barh(yi, hi - lo, left=lo, height=0.34, color="#0072B2", alpha=0.85, zorder=2)
        mid = min(max((lo + hi) / 2, 0.12), 0.88)
        bx.text(
            mid,
            yi + 0.22,
            f"{_num(float(r['low']))} – {_num(float(r['high']))}",
            ha="center",
            va="bottom",
            fontsize=8.5,
            color="#0b3d66",
        )
        for x_end, value, ha in ((0.0, lo_r, "left"), (1.0, hi_r, "right")):
            bx.text(x_end, yi - 0.22, _num(value), ha=ha, va="top", fontsize=7.5, color=GREY)
    bx.set_yticks(yy, _short_params([str(i) for i in box.index]), fontsize=9)
    bx.set_xlim(0, 1)
    bx.set_ylim(-0.7, m - 0.3)
    bx.set_xticks([0, 0.5, 1], ["lowest sampled", "middle", "highest sampled"], fontsize=8)
    bx.set_xlabel("box limits (blue) within each parameter's sampled range (grey), normalised")
    bx.spines[["top", "right"]].set_visible(False)
