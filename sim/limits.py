"""Fixed limits on what the commands draw and print, so figures, tables and output stay bounded.

A figure or table with one row per question, parameter or scenario shows at most a fixed number of them,
chosen by a stated rule, and says so ("showing 40 of 3,000 questions (...); all in scores.json"); printed
lists end with "… and N more (see FILE)". The files written (``scores.json``, ``summary.json``,
``calibration-NAME.json``) always hold everything.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO, TypeVar

__all__ = [
    "MAX_LABEL",
    "MAX_LINES",
    "MAX_PANELS",
    "MAX_ROWS",
    "clip",
    "listing",
    "more",
    "print_lines",
    "showing",
]

T = TypeVar("T")

MAX_ROWS = 40  # rows of a figure or a table: questions, parameters, experiments
MAX_PANELS = 8  # scenarios in one figure (curves, panels); experiments drawn one figure each
MAX_LINES = 20  # lines of one list printed on the terminal
MAX_LABEL = 80  # characters of a name or text in a label, a title or a printed line


def clip(text: Any, width: int = MAX_LABEL) -> str:
    """``text`` on one line, cut to ``width`` characters (ending in "…" when cut).

    Characters that do not print (control characters, a terminal's escape sequences) are shown escaped.
    """
    s = " ".join(str(text).split())
    if not s.isprintable():
        s = "".join(c if c.isprintable() else repr(c)[1:-1] for c in s)
    return s if len(s) <= width else s[: max(width - 1, 0)] + "…"


def listing(names: Iterable[Any], limit: int = MAX_ROWS) -> str:
    """``a, b, c, … (2,997 more)``: the first ``limit`` names (each clipped), then how many more."""
    names = list(names)
    head = ", ".join(clip(n, 40) for n in names[:limit])
    return head + (f", … ({len(names) - limit:,} more)" if len(names) > limit else "")


def more(hidden: int, where: str) -> str:
    """``… and 2,960 more (see scores.json)``."""
    return f"… and {hidden:,} more (see {where})"


def showing(shown: int, total: int, what: str, rule: str, where: str | None = None) -> str:
    """``showing 40 of 3,000 questions (the largest Brier scores); all in scores.json``."""
    text = f"showing {shown:,} of {total:,} {what} ({rule})"
    return f"{text}; all in {where}" if where else text


def print_lines(
    lines: Iterable[str], where: str, *, limit: int = MAX_LINES, file: TextIO | None = None
) -> None:
    """Print at most ``limit`` lines, then ``… and N more (see WHERE)``."""
    out = file or sys.stdout
    items: Sequence[str] = lines if isinstance(lines, Sequence) else list(lines)
    for line in items[:limit]:
        print(line, file=out)
    if len(items) > limit:
        print(f"  {more(len(items) - limit, where)}", file=out)
