"""Checking the model: forecasts scored against what happened, reliability, and calibration's posterior."""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from sim.limits import MAX_ROWS, clip, showing
from sim.plots.style import OKABE_ITO, WIDTH, _centre_note, _short_params, _thousands, _titled, _wrap

__all__ = ["MAX_CALIBRATION_PANELS", "MAX_CATEGORIES", "plot_calibration", "plot_reliability", "plot_scores"]

MAX_CALIBRATION_PANELS = 12  # parameters drawn by plot_calibration (four rows of three)
MAX_CATEGORIES = 20  # bars of a categorical parameter (its most common values in the prior)
PRIOR_COLOUR = "#d4d4d4"


# -------------------------------------------------------------------------------------------- scores


def plot_scores(
    table: pd.DataFrame, *, scenario: str = "", title: str | None = None, where: str | None = None
):
    """Forecasts of resolved yes/no questions against what happened, with their Brier scores.

    At most ``MAX_ROWS`` questions are drawn: those with the largest Brier scores (the worst forecasts),
    in the table's order; a note in the figure says so.

    Args:
        table: one row per question: ``text``, ``forecast`` (probability), ``outcome`` (bool), ``brier``,
            ``n`` (runs).
        scenario: the experiment's scenario, for the title.
        title: figure title (default: built from the scenario).
        where: the file holding every score, named in the note when some are left out.
    """
    t = table.reset_index(drop=True)
    total = len(t)
    note = None
    if total > MAX_ROWS:
        note = showing(MAX_ROWS, total, "questions", "those with the largest Brier scores", where)
        t = t.loc[t["brier"].nlargest(MAX_ROWS, keep="first").index.sort_values()].reset_index(drop=True)
    k = len(t)
    fig, (ax, ax_b) = plt.subplots(
        1, 2, figsize=(11, 1.6 + 0.55 * max(k, 2)), sharey=True, width_ratios=(3, 2), layout="constrained"
    )
    y = np.arange(k)[::-1]
    colours = np.where(t["outcome"].astype(bool), OKABE_ITO[2], OKABE_ITO[5])
    ax.scatter(t["forecast"], y, s=70, c=list(colours), zorder=3, edgecolor="white")
    ax.scatter(t["outcome"].astype(float), y, s=90, marker="x", c="black", zorder=3)
    for yi, p in zip(y, t["forecast"], strict=True):
        ax.annotate(
            f"{100 * p:.0f} %", (p, yi), xytext=(0, 8), textcoords="offset points", ha="center", fontsize=8
        )
    ax.set_yticks(y, [_wrap(s, 40, 2) for s in t["text"]], fontsize=9)
    ax.set_xlim(-0.05, 1.05)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("forecast probability (dot) and what happened (x: 0 % no, 100 % yes)")
    ax.axvline(0.5, color="0.6", lw=0.8, ls=":")
    ax_b.barh(y, t["brier"], color=list(colours), alpha=0.8)
    ax_b.axvline(0.25, color="0.3", lw=1, ls="--")
    ax_b.set_xlim(0, 1)
    ax_b.set_xlabel("Brier score (lower is better)")
    for a in (ax, ax_b):
        a.grid(axis="x", color="0.9")
        a.set_axisbelow(True)
    n = int(t["n"].max()) if "n" in t and k else 0
    scenario_text = f": {clip(scenario, 40)}" if scenario else ""
    default = f"Forecasts scored against what happened{scenario_text} (n = {n:,} runs, {total:,} questions)"
    fig.suptitle(_titled(title or default, note), x=0.01, ha="left")
    legend = [
        Line2D([], [], marker="o", ls="", color=OKABE_ITO[2], label="happened"),
        Line2D([], [], marker="o", ls="", color=OKABE_ITO[5], label="did not happen"),
        Line2D([], [], color="0.3", lw=1, ls="--", label="Brier of a 50 % forecast (0.25)"),
    ]
    fig.legend(handles=legend, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return fig, (ax, ax_b)


def plot_reliability(table: pd.DataFrame, *, n: int | None = None, title: str | None = None):
    """Reliability diagram: observed frequency against mean forecast probability per bin.

    Args:
        table: from :func:`sim.analysis.scoring.reliability` (``forecast``, ``observed``, ``n`` per bin).
        n: number of questions, for the title.
        title: figure title.
    """
    fig, ax = plt.subplots(figsize=(6.5, 6), layout="constrained")
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1, label="perfectly reliable")
    ax.plot(table["forecast"], table["observed"], marker="o", color=OKABE_ITO[0], label="forecasts")
    for f, o, m in zip(table["forecast"], table["observed"], table["n"], strict=True):
        ax.annotate(f"n = {m}", (f, o), xytext=(6, -10), textcoords="offset points", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("forecast probability (mean in bin)")
    ax.set_ylabel("share that happened")
    ax.legend(loc="upper left", frameon=False)
    ax.grid(color="0.9")
    total = int(table["n"].sum()) if n is None else n
    ax.set_title(
        _titled(title or f"Reliability of the forecasts (n = {total:,} questions)", None), loc="left"
    )
    return fig, ax


# ----------------------------------------------------------------------------------------------- calibration


def plot_calibration(
    prior: pd.DataFrame, report: dict[str, Any], *, title: str | None = None, where: str | None = None
):
    """Prior against posterior of each calibrated parameter (rejection ABC, :mod:`sim.calibrate`).

    At most ``MAX_CALIBRATION_PANELS`` parameters (the first, in the report's order) are drawn, each
    categorical one with at most ``MAX_CATEGORIES`` values (the most common in the prior); a note says so.

    Args:
        prior: the prior experiment's runs (one column per parameter, ``run_id``).
        report: the calibration summary of :func:`sim.calibrate.calibrate` (``parameters``,
            ``accepted_runs``, ``observations``, counts).
        title: figure title (default: the posterior's name and the acceptance).
        where: the file holding every parameter, named in the note when some are left out.

    Returns:
        ``(fig, axes)``: one panel per parameter, prior draws grey, accepted draws coloured, medians dashed.
    """
    keys = list(report["parameters"])
    note = None
    if len(keys) > MAX_CALIBRATION_PANELS:
        note = showing(
            MAX_CALIBRATION_PANELS, len(keys), "parameters", "the first, in the prior's order", where
        )
        keys = keys[:MAX_CALIBRATION_PANELS]
    k = max(1, len(keys))
    cols = min(3, k)
    rows = math.ceil(k / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(WIDTH, 1.0 + 2.6 * rows), squeeze=False, layout="constrained"
    )
    accepted = prior["run_id"].isin(report["accepted_runs"]).to_numpy()
    for ax, key, label in zip(axes.ravel(), keys, _short_params(keys), strict=False):
        x = prior[key]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            if not _numeric_panel(ax, x, accepted):
                _centre_note(ax, "no finite values", fontsize=10)
                ax.set_title(label, fontsize=10, loc="left")
                continue
        else:
            label += _categorical_panel(ax, x, accepted)
        ax.set_title(label, fontsize=10, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes.ravel()[len(keys) :]:
        ax.set_axis_off()
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    handles += [Line2D([], [], color="0.35", ls="--"), Line2D([], [], color=OKABE_ITO[0], ls="--")]
    labels += ["prior median", "posterior median"]
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=9, frameon=False)
    fig.suptitle(_titled(title or _calibration_title(report), note), x=0.01, ha="left")
    return fig, axes


def _numeric_panel(ax, x: pd.Series, accepted: np.ndarray) -> bool:
    """Histograms of the prior and the posterior with their medians; False if no accepted value is finite."""
    post_colour = OKABE_ITO[0]
    v = x.to_numpy(dtype=float)
    finite = np.isfinite(v)
    v, post = v[finite], v[accepted & finite]
    if not len(post):
        return False
    bins = np.histogram_bin_edges(v, bins=min(30, max(8, int(np.sqrt(len(post))))))
    ax.hist(v, bins=bins, density=True, color=PRIOR_COLOUR, label=f"prior (n = {len(v):,})")
    ax.hist(post, bins=bins, density=True, color=post_colour, alpha=0.2)
    ax.hist(
        post,
        bins=bins,
        density=True,
        histtype="step",
        color=post_colour,
        lw=2,
        label=f"posterior (n = {len(post):,})",
    )
    for values, colour in ((v, "0.35"), (post, post_colour)):
        ax.axvline(np.median(values), color=colour, ls="--", lw=1.2)
    _thousands(ax.xaxis)
    ax.set_yticks([])
    ax.set_ylabel("density")
    return True


def _categorical_panel(ax, x: pd.Series, accepted: np.ndarray) -> str:
    """Bars of the prior's and the posterior's shares per value; returns what to add to the panel's title."""
    counts = x.astype(str).value_counts(normalize=True)
    cats = sorted(counts.index[:MAX_CATEGORIES])
    shares = [
        counts.reindex(cats, fill_value=0.0),
        x[accepted].astype(str).value_counts(normalize=True).reindex(cats, fill_value=0.0),
    ]
    pos = np.arange(len(cats))
    ax.bar(pos - 0.2, shares[0], width=0.4, color=PRIOR_COLOUR, label="prior")
    ax.bar(pos + 0.2, shares[1], width=0.4, color=OKABE_ITO[0], label="posterior")
    ax.set_xticks(pos, [clip(c, 20) for c in cats], rotation=90 if len(cats) > 4 else 0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if len(counts) > MAX_CATEGORIES:
        return f" ({MAX_CATEGORIES} most common of {len(counts):,} values)"
    return ""


def _calibration_title(report: dict[str, Any]) -> str:
    """``Calibration 'NAME' to OBS, OBS and N more observations: K of M prior runs (P %) match``."""
    ids = [clip(o["id"], 30) for o in report.get("observations", [])]
    obs = ", ".join(ids) if len(ids) <= 3 else f"{', '.join(ids[:3])} and {len(ids) - 3:,} more observations"
    return (
        f"Calibration '{clip(report['name'], 40)}' to {obs}: {report['accepted']:,} of "
        f"{report['prior_runs']:,} prior runs ({100 * report['acceptance_rate']:.1f} %) match"
    )
