"""The figures' shared look: palette, colours per scenario and faction, labels, number formats, notes.

Conventions: one fixed colour per scenario (:func:`scenario_colours`, Okabe-Ito, colour-blind safe, keyed by
the order the scenarios are given in); every figure states the number of runs ``n``; probabilities and shares
are shown in per cent; large numbers get thousands separators.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.ticker import FuncFormatter

from sim.limits import MAX_PANELS, clip, showing

__all__ = ["FACTION_COLOURS", "NAMES", "OKABE_ITO", "faction_colours", "scenario_colours"]

#: Okabe-Ito palette, ordered so that the first scenarios get the most distinct colours (yellow last).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
#: The same colours for factions, blue and vermillion first: the two ends of the map's holder scale.
FACTION_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
NEVER_COLOUR = "#bbbbbb"
GREY = "#666666"
LAND = "#e6e6e6"
SEA = "#eef5fb"
BORDER = "#9a9a9a"
WIDTH = 10.0  # inches; figures are 9-12 in wide


def scenario_colours(scenarios: list[str]) -> dict[str, str]:
    """A stable colour per scenario, in the given order (Okabe-Ito, colour-blind safe).

    Args:
        scenarios: scenario names; the i-th gets the i-th palette colour (cycling after eight).

    Returns:
        Scenario -> hex colour.
    """
    return {s: OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(dict.fromkeys(scenarios))}


def faction_colours(factions: Sequence[str], given: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """A colour per faction: the one given, else the next :data:`FACTION_COLOURS` colour not yet taken.

    Args:
        factions: faction ids, in order (the first without a colour gets the first free palette colour).
        given: faction id -> colour (e.g. the theatre's ``factions.<id>.colour``); None or missing: palette.

    Returns:
        Faction id -> hex colour, in the order of ``factions``.
    """
    given = {k: v for k, v in (given or {}).items() if v}
    free = [c for c in FACTION_COLOURS if c not in given.values()] or list(FACTION_COLOURS)
    out: dict[str, str] = {}
    for f in dict.fromkeys(factions):
        if f in given:
            out[f] = given[f]
        else:
            out[f] = free[0]
            free = free[1:] or list(FACTION_COLOURS)
    return out


def _n(n: int | float | None) -> str:
    return "n = ?" if n is None or (isinstance(n, float) and math.isnan(n)) else f"n = {int(n):,}"


#: Readable names of the usual outcomes and series (anything else is derived from the column name).
NAMES = {
    "front_km_final": "Front line at the horizon",
    "oil_output_final_bpd": "Oil output at the horizon",
    "fatalities_total": "Fatalities by the horizon",
    "front_km": "Front line",
    "oil_output_bpd": "Oil output",
}
#: Words of column names replaced in labels (the caller adds its own, e.g. faction ids -> their labels).
_WORDS = {"bpd": "", "km": "", "cum": "cumulative", "final": "at the horizon"}


def _pretty(name: str, words: Mapping[str, str] | None = None) -> str:
    """``town_captured_day`` -> ``Town captured``; ``fatalities_cum`` -> ``Fatalities cumulative``.

    Args:
        name: a column name.
        words: more word replacements (lower-case word -> text), on top of the usual ones.
    """
    if str(name) in NAMES:
        return NAMES[str(name)]
    replace = {**_WORDS, **(words or {})}
    words_ = [w for w in str(name).split("_") if w]
    if len(words_) > 1 and words_[-1] == "day":
        words_ = words_[:-1]
    text = " ".join(w for w in (replace.get(w, w) for w in words_) if w) or str(name)
    return clip(text[:1].upper() + text[1:], 60)


def _short_param(name: str) -> str:
    """``mechanisms.unrest.exclusion_penalty`` -> ``unrest.exclusion_penalty`` (last two dotted parts)."""
    parts = str(name).split(".")
    return clip(".".join(parts[-2:]) if len(parts) > 2 else str(name), 50)


def _short_params(names: Sequence[str]) -> list[str]:
    """Shortened names, kept longer where shortening would make two of them equal."""
    short = [_short_param(n) for n in names]
    if len(set(short)) < len(short):
        return [clip(n, 60) for n in names]
    return short


def _num(x: float, sig: int = 3) -> str:
    """A number for a label: thousands separators when large, ``sig`` significant digits when small."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1000 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:.{sig}g}"


def _thousands(ax_axis: Any) -> None:
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))


def _style(ax: Any, grid: str = "both") -> None:
    ax.spines[["top", "right"]].set_visible(False)
    if grid:
        ax.grid(True, axis=grid, color="#e3e3e3", lw=0.8)
        ax.set_axisbelow(True)


def _centre_note(ax: Any, text: str, *, y: float = 0.5, fontsize: float = 12, **kw: Any) -> None:
    """A grey message in the middle of an axes (e.g. nothing to draw)."""
    ax.text(
        0.5, y, text, transform=ax.transAxes, ha="center", va="center", fontsize=fontsize, color=GREY, **kw
    )


def _wrap(text: Any, width: int, lines: int = 3) -> str:
    """``text`` wrapped at ``width`` characters (between words), at most ``lines`` lines (cut with "…")."""
    flat = " ".join(str(text).split())
    return "\n".join(textwrap.wrap(flat, width, max_lines=lines, placeholder=" …", break_on_hyphens=False))


def _titled(title: str, note: str | None) -> str:
    """The title (wrapped at 100 characters), with the note on what is left out (if any) on a new line."""
    title = "\n".join(textwrap.wrap(title, 100, max_lines=3, placeholder=" …")) if len(title) > 100 else title
    return f"{title}\n{note}" if note else title


def _first_scenarios(names: Sequence[str], where: str | None) -> tuple[list[str], str | None]:
    """At most ``MAX_PANELS`` scenarios (the first, in the order given), and the note saying so."""
    names = list(names)
    if len(names) <= MAX_PANELS:
        return names, None
    return names[:MAX_PANELS], showing(
        MAX_PANELS, len(names), "scenarios", "the first, in the order given", where
    )


def _footnote(ax: Any, text: str) -> None:
    """Small grey note under the x label, left-aligned with the axes (kept in the layout)."""
    ax.annotate(
        textwrap.fill(text, 110),
        xy=(0, 0),
        xycoords=("axes fraction", ax.xaxis.label),
        xytext=(0, -4),
        textcoords="offset points",
        fontsize=7.5,
        color=GREY,
        ha="left",
        va="top",
        annotation_clip=False,
    )
