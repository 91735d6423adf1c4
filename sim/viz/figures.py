"""The viewer's figures: control on the map at real coordinates, and the main daily series (matplotlib)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["MapCanvas", "control_map", "png", "series_figure"]


def control_map(theatre: Any, control: pd.DataFrame, colours: Mapping[str, str | None], title: str):
    """Who holds each place (``control``: :meth:`sim.viz.live.LiveRun.control`), on the theatre's map.

    Returns:
        The matplotlib figure (longitude and latitude axes, country outlines, roads, places by holder).
    """
    import matplotlib

    matplotlib.use("Agg")
    from sim.plots import one_run_shares, plot_map

    factions = list(colours) or sorted(set(control["holder"]))
    shares = one_run_shares(control["holder"], control.index, factions)
    roads = [(r.a, r.b) for r in theatre.roads]
    places = control.drop(columns="holder")
    fig, _ = plot_map(places, roads, shares, factions=dict(colours), title=title, one_run=True)
    return fig


def series_figure(series: pd.DataFrame, horizon: int, units: Mapping[str, str] | None = None):
    """One small panel per column of ``series`` (index day), on a common day axis from 0 to ``horizon``.

    Returns:
        The matplotlib figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(series.columns))
    cols = 2 if n > 1 else 1
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(7.5, 2.2 * rows), squeeze=False, layout="constrained")
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, name in zip(axes.ravel(), series.columns, strict=False):
        ax.plot(series.index, series[name], color="#333333", lw=1.6)
        ax.set_title(name, loc="left", fontsize=10)
        ax.set_xlim(0, max(1, horizon))
        unit = (units or {}).get(name)
        if unit:
            ax.set_ylabel(unit, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("day")
    return fig


def png(fig, dpi: int = 80) -> bytes:
    """The figure as PNG bytes; the figure is closed (a playing run draws hundreds)."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buf.getvalue()


class MapCanvas:
    """A theatre's control map drawn once; each frame recolours the places and retitles it.

    Drawing the countries, roads and labels (placed so that they do not overlap) is most of a map's cost;
    a played run redraws only what changes, and its frames come twice as fast. The layout is fixed after
    the first frame. Frames are drawn one at a time (a player thread and the page may both ask).
    """

    def __init__(self, theatre: Any, control: pd.DataFrame, colours: Mapping[str, str | None], title: str):
        """Draw the map of ``control`` (:func:`control_map`'s arguments)."""
        from matplotlib.collections import PathCollection

        self._lock = threading.Lock()
        self.fig = control_map(theatre, control, colours, title)
        self.ax = self.fig.axes[0]
        self.first = next(iter(colours)) if colours else sorted(set(control["holder"]))[0]
        self.places = list(control.index)
        self.dots = next(
            c for c in self.ax.collections if isinstance(c, PathCollection) and c.get_array() is not None
        )
        self.fig.canvas.draw()  # the layout, computed once
        self.fig.set_layout_engine("none")

    def frame(self, control: pd.DataFrame, title: str, dpi: int = 80) -> bytes:
        """The map of ``control`` (same places) titled ``title``, as PNG bytes."""
        import io

        held = (control["holder"].reindex(self.places) == self.first).to_numpy(dtype=float)
        with self._lock:
            self.dots.set_array(100 * held)
            self.ax.set_title(title, fontsize=13, loc="left")
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()

    def close(self) -> None:
        """Free the figure."""
        import matplotlib.pyplot as plt

        plt.close(self.fig)
