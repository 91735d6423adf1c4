"""Briefing-quality figures comparing scenarios, by kind of figure.

* :mod:`sim.plots.style`: palette, colours per scenario and faction, labels, number formats, notes;
* :mod:`sim.plots.outcomes`: the distribution of an outcome per scenario, fan charts of a daily series;
* :mod:`sim.plots.forest`: the forecast questions with their intervals;
* :mod:`sim.plots.map`: who holds each place at the horizon;
* :mod:`sim.plots.drivers`: what drives an outcome (sensitivity, PRIM scenario discovery);
* :mod:`sim.plots.validation`: forecasts scored against what happened, reliability, calibration;
* :mod:`sim.plots.patterns`: sourced patterns of the record over the ensemble's bands (validation);
* :mod:`sim.plots.as_of`: forecasts as of successive dates.

Every function builds and returns ``(fig, ax)`` or ``(fig, axes)``; none shows, saves or closes a figure
(the caller does: ``fig.savefig(path, dpi=150)`` then ``plt.close(fig)``). Importing this package imports
matplotlib; ``import sim`` does not import it. No backend is forced: without a display matplotlib falls back
to Agg by itself. The figures read data only: nothing here imports the model, the runner or the commands,
and nothing names a theatre (faction colours and labels come from the caller).

Bounded for large inputs: a figure with one row per question or parameter draws at most ``MAX_ROWS`` of
them and one with a curve or panel per scenario at most ``MAX_PANELS`` (:mod:`sim.limits`), chosen by a
rule stated in a note on the figure ("showing 40 of 3,000 questions (...); all in summary.json"); long
names and texts are cut. The figures' pixel size therefore has a fixed bound whatever the input.
"""

from sim.plots.as_of import plot_as_of
from sim.plots.drivers import plot_prim, plot_sensitivity
from sim.plots.forest import plot_forest
from sim.plots.map import load_outlines, one_run_shares, plot_map
from sim.plots.outcomes import plot_distribution, plot_fans
from sim.plots.patterns import plot_patterns
from sim.plots.style import FACTION_COLOURS, OKABE_ITO, faction_colours, scenario_colours
from sim.plots.validation import plot_calibration, plot_reliability, plot_scores

__all__ = [
    "FACTION_COLOURS",
    "OKABE_ITO",
    "faction_colours",
    "load_outlines",
    "one_run_shares",
    "plot_as_of",
    "plot_calibration",
    "plot_distribution",
    "plot_fans",
    "plot_forest",
    "plot_map",
    "plot_patterns",
    "plot_prim",
    "plot_reliability",
    "plot_scores",
    "plot_sensitivity",
    "scenario_colours",
]
