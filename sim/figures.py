"""Briefing-quality figures comparing scenarios (the names of :mod:`sim.plots`, where they are defined).

``from sim.figures import plot_map`` keeps working; the figures live in :mod:`sim.plots`, one module per kind
(outcomes, forest, map, drivers, validation) and :mod:`sim.plots.style` for the shared look. Importing this
module imports matplotlib; ``import sim`` does not import it.
"""

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
    "scenario_colours",
]
