"""Briefing-quality figures comparing scenarios (the names of :mod:`sim.plots`, where they are defined).

``from sim.figures import plot_map`` keeps working; the figures live in :mod:`sim.plots`, one module per kind
(outcomes, forest, map, drivers, validation) and :mod:`sim.plots.style` for the shared look. Importing this
module imports matplotlib; ``import sim`` does not import it.
"""

from pathlib import Path
from typing import Any

from sim.plots import (
    FACTION_COLOURS,
    OKABE_ITO,
    faction_colours,
    load_outlines,
    plot_calibration,
    plot_distribution,
    plot_fans,
    plot_forest,
    plot_map,
    plot_prim,
    plot_reliability,
    plot_scores,
    plot_sensitivity,
    scenario_colours,
)
from sim.plots.style import BORDER, GREY, LAND, NAMES, NEVER_COLOUR, SEA, WIDTH
from sim.plots.validation import MAX_CALIBRATION_PANELS, MAX_CATEGORIES

__all__ = [
    "BORDER",
    "FACTION_COLOURS",
    "GREY",
    "LAND",
    "MAX_CALIBRATION_PANELS",
    "MAX_CATEGORIES",
    "NAMES",
    "NEVER_COLOUR",
    "OKABE_ITO",
    "SEA",
    "WIDTH",
    "faction_colours",
    "load_outlines",
    "plot_calibration",
    "plot_distribution",
    "plot_fans",
    "plot_forest",
    "plot_map",
    "plot_prim",
    "plot_reliability",
    "plot_scores",
    "plot_sensitivity",
    "save_png",
    "scenario_colours",
]


def save_png(fig: Any, path: Path, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` as PNG, atomically (never half a file), then close it; returns the path."""
    import matplotlib.pyplot as plt

    from sim.results import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: fig.savefig(p, dpi=dpi, bbox_inches="tight", format="png"))
    plt.close(fig)
    return path
