"""Forecast questions: probability and 90 % interval per scenario, one row per question (a forest plot)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from sim.limits import MAX_ROWS, clip, showing
from sim.plots.style import WIDTH, _first_scenarios, _footnote, _n, _titled, _wrap, scenario_colours

__all__ = ["plot_forest"]


def plot_forest(table: pd.DataFrame, *, title: str = "Forecast questions", where: str | None = None):
    """Forecast questions: probability and 90 % interval per scenario, one row per question.

    At most ``MAX_ROWS`` questions (the first, in the table's order) and ``MAX_PANELS`` scenarios are drawn;
    a note in the title says so.

    Args:
        table: columns ``question``, ``text``, ``scenario``, ``probability`` (NaN = not modelled), ``low``,
            ``high``, ``n`` (ok runs); one row per question and scenario.
        title: figure title.
        where: the file holding every question, named in the note when some are left out.

    Returns:
        ``(fig, ax)``.
    """
    questions = list(dict.fromkeys(table["question"]))
    scenarios, note = _first_scenarios(list(dict.fromkeys(table["scenario"])), where)
    if len(questions) > MAX_ROWS:
        rule = "the first, in the order asked"
        note = showing(MAX_ROWS, len(questions), "questions", rule, where) + (f"; {note}" if note else "")
        questions = questions[:MAX_ROWS]
    table = table[table["question"].isin(questions) & table["scenario"].isin(scenarios)]
    colours = scenario_colours(scenarios)
    texts = table.drop_duplicates("question").set_index("question")["text"].reindex(questions)
    labels = [_wrap(str(t) if pd.notna(t) else str(q), 45) for q, t in texts.items()]
    k = len(scenarios)
    # row heights: enough for the wrapped label and the dodged scenarios
    heights = [max(0.2 * (lab.count("\n") + 1) + 0.15, 0.14 * k + 0.2) for lab in labels]
    y_top = np.cumsum([0.0, *heights])
    centres = -(y_top[:-1] + np.asarray(heights) / 2)
    fig_h = min(2.0 + sum(heights) * 1.05, 40.0)
    fig, ax = plt.subplots(figsize=(WIDTH, max(fig_h, 3.5)), constrained_layout=True)
    for i in range(0, len(questions), 2):  # zebra rows
        ax.axhspan(-y_top[i], -y_top[i + 1], color="#f4f4f4", zorder=0, lw=0)
    offsets = (np.arange(k) - (k - 1) / 2) * (0.14 if k > 1 else 0)
    ns = table.groupby("scenario", sort=False)["n"].max()
    not_modelled = False
    for j, scenario in enumerate(scenarios):
        rows = table[table["scenario"] == scenario].set_index("question")
        colour = colours[scenario]
        ax.plot([], [], "o-", color=colour, label=f"{clip(scenario, 40)} ({_n(ns.get(scenario))})")
        for qi, q in enumerate(questions):
            if q in rows.index:
                r = rows.loc[q]
                r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
                not_modelled |= _forest_point(ax, r, centres[qi] - offsets[j], colour)
    _forest_axes(ax, centres, labels, y_top, len(questions))
    ax.set_title(_titled(title, note), fontsize=13, loc="left")
    longest = max((len(f"{clip(s, 40)} ({_n(ns.get(s))})") for s in scenarios), default=0)
    fig.legend(
        loc="outside upper center", ncols=min(k, 5 if longest <= 26 else 3), fontsize=8.5, frameon=False
    )
    note = "Dot = share of ok runs answering yes; line = 90 % interval; n = ok runs per scenario."
    if not_modelled:
        note += "  n/m = not modelled in that scenario (its mechanism is off)."
    _footnote(ax, note)
    fig.get_layout_engine().set(h_pad=0.12, w_pad=0.15)
    return fig, ax


def _forest_point(ax, r: pd.Series, y: float, colour: str) -> bool:
    """One scenario's answer to one question: dot and interval, or "n/m"; returns whether not modelled."""
    p = r["probability"]
    if pd.isna(p):
        ax.plot(
            [1.015], [y], marker="o", ms=4, mfc="none", mec=colour, transform=ax.get_yaxis_transform(),
            clip_on=False,
        )  # fmt: skip
        ax.text(
            1.025, y, "n/m", transform=ax.get_yaxis_transform(), fontsize=7, color="#999999", va="center",
            ha="left", clip_on=False,
        )  # fmt: skip
        return True
    lo = r["low"] if pd.notna(r["low"]) else p
    hi = r["high"] if pd.notna(r["high"]) else p
    ax.plot([100 * lo, 100 * hi], [y, y], color=colour, lw=2, solid_capstyle="butt", zorder=3, clip_on=False)
    ax.plot([100 * p], [y], "o", color=colour, mec="white", mew=0.8, ms=6.5, zorder=4, clip_on=False)
    ax.text(
        100 * hi + 1.2, y, f"{100 * p:.0f}%", fontsize=7, color=colour, va="center", ha="left", zorder=5,
        clip_on=False,
    )  # fmt: skip
    return False


def _forest_axes(ax, centres, labels: list[str], y_top, n_questions: int) -> None:
    """Question labels, the 0-100 % scale (on top too when many rows), grid and the 50 % line."""
    ax.set_yticks(centres, labels, fontsize=8.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-y_top[-1], 0)
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 10))
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.tick_params(axis="x", top=n_questions > 8, labeltop=n_questions > 8, labelsize=8)
    ax.set_xlabel("probability (90 % interval)")
    ax.grid(True, axis="x", color="#dddddd", lw=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.axvline(50, color="#bbbbbb", lw=0.8, zorder=1)
