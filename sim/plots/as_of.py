"""Forecasts as of successive dates: each question's probability as the record grows (sim.forecast)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.ticker import PercentFormatter

from sim.plots.style import OKABE_ITO, _wrap

__all__ = ["plot_as_of"]


def plot_as_of(steps: list[dict[str, Any]], texts: dict[str, str], *, scenario: str = ""):
    """Each question's probability (line, with its Wilson band) against the as-of date.

    With resolutions, the questions they resolve; else the first ``len(OKABE_ITO)`` questions.

    A question's outcome, where resolved, is a cross at its resolution on the right (0 % no, 100 % yes);
    dates whose answer rests on few consistent runs are drawn hollow.

    Args:
        steps: :func:`sim.analysis.as_of.as_of` of each date, in date order.
        texts: question id -> its text.
        scenario: the experiment's scenario, for the title.
    """
    fig, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
    qids = list(dict.fromkeys(q for s in steps for q in s["questions"]))
    resolved = [q for q in qids if any("outcome" in s["questions"].get(q, {}) for s in steps)]
    qids = (resolved or qids)[: len(OKABE_ITO)]  # the questions scored, else the first ones: one colour each
    dates = [dt.date.fromisoformat(s["date"]) for s in steps]
    for i, qid in enumerate(qids):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        points = [(d, s["questions"][qid], s["few"]) for d, s in zip(dates, steps, strict=True)
                  if qid in s["questions"] and s["questions"][qid]["probability"] is not None]  # fmt: skip
        if not points:
            continue
        x = [d for d, _, _ in points]
        ax.plot(
            x, [q["probability"] for _, q, _ in points], color=colour, lw=2, label=_wrap(texts[qid], 60, 2)
        )
        ax.fill_between(x, [q["interval"][0] for _, q, _ in points], [q["interval"][1] for _, q, _ in points],
                        color=colour, alpha=0.15, lw=0)  # fmt: skip
        for d, q, few in points:
            ax.plot(d, q["probability"], "o", color=colour, mfc="white" if few else colour, ms=7)
        outcome = next((q["outcome"] for _, q, _ in points if "outcome" in q), None)
        if outcome is not None:
            ax.plot(x[-1], float(outcome), "x", color=colour, ms=11, mew=2.5)
    ax.set_ylim(-0.03, 1.03)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xticks(dates, [d.strftime("%d %b") for d in dates])
    ax.set_xlim(dates[0] - dt.timedelta(days=3), dates[-1] + dt.timedelta(days=6))
    ax.set_xlabel(f"as of ({dates[0].year}; the record known by that date conditions the runs)")
    ax.set_ylabel("probability among the runs consistent with the record")
    ax.grid(color="0.9")
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    title = (
        f"Forecasts as the evidence arrives: {scenario}" if scenario else "Forecasts as the evidence arrives"
    )
    ax.set_title(title + "\n(bands: Wilson 90 %; hollow: fewer than 30 consistent runs; x: what happened)",
                 loc="left", fontsize=10)  # fmt: skip
    return fig, ax
