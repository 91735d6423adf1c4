"""Map of who holds each place at the horizon: country outlines, roads and places coloured by share of runs.

:func:`plot_map` draws in small steps: the holder colour scale, the figure sized to the places' extent,
the countries, the roads, the places, the axes, the colour bar, the legend and notes, and the labels
(placed greedily so that they do not overlap).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter

from sim.limits import MAX_ROWS, clip
from sim.plots.style import BORDER, GREY, LAND, SEA, _footnote, _n, _titled, faction_colours

__all__ = ["load_outlines", "one_run_shares", "plot_map"]

CITY_POPULATION = 50_000  # places at least this large (or of a kind naming a city) are drawn as cities


@cache
def load_outlines() -> dict[str, Any]:
    """The country outlines shipped in ``sim/data/outlines.json`` (Natural Earth 1:110m, public domain).

    Returns:
        The JSON document: ``source``, ``licence`` and ``countries`` (each with ``name`` and ``polygons``,
        lists of rings of ``[lon, lat]``, exterior first).
    """
    text = resources.files("sim").joinpath("data", "outlines.json").read_text(encoding="utf-8")
    return json.loads(text)


def one_run_shares(holders, place_ids, factions) -> pd.DataFrame:
    """One run's control on one day as :func:`plot_map`'s ``shares``: 1 where the faction holds the place."""
    held = np.asarray(list(holders), dtype=object)
    return pd.DataFrame({f: (held == f).astype(float) for f in factions}, index=list(place_ids))


def plot_map(
    places: pd.DataFrame,
    roads: list[tuple[str, str]],
    shares: pd.DataFrame,
    *,
    factions: Mapping[str, str | None] | None = None,
    title: str | None = None,
    n: int | None = None,
    one_run: bool = False,
):
    """Map of who holds each place at the horizon, as the share of runs held by the first faction.

    Args:
        places: index = place id; columns ``name``, ``lat``, ``lon``; optional ``population`` and ``kind``
            (cities, i.e. population >= 50,000 or a ``kind`` naming a city with no population, get larger
            markers and labels, as do contested places; without ``population`` every place is labelled) and
            optional boolean ``label`` (overrides which places are labelled).
        roads: pairs of place ids, drawn as thin grey lines.
        shares: index = place id, columns = faction ids, values = share of runs in which the faction holds
            the place at the horizon (rows sum to 1). The first faction (in ``factions`` order when given,
            else column order) sets the colour.
        factions: faction id -> colour (a colour may be None); factions without one get Okabe-Ito colours
            (:data:`~sim.plots.style.FACTION_COLOURS`) in the order of the factions present.
        title: figure title.
        n: number of runs (shown in the title).
        one_run: ``shares`` is one run's control on one day (0 or 1): the scale names the holder only.

    Returns:
        ``(fig, ax)``.
    """
    given = dict(factions or {})
    order = [f for f in given if f in shares.columns] + [f for f in shares.columns if f not in given]
    first = order[0] if order else "?"
    second = order[1] if len(order) > 1 else None
    cmap = _holder_scale(faction_colours(order, given), first, second)
    lat = places["lat"].astype(float)
    lon = places["lon"].astype(float)
    extent = (lon.min() - 1, lon.max() + 1, lat.min() - 1, lat.max() + 1)
    aspect = 1 / math.cos(math.radians(float(lat.mean())))
    fig, ax = _map_figure(extent, aspect)
    outlines = load_outlines()
    xy = np.column_stack([lon.to_numpy(), lat.to_numpy()])
    _draw_countries(ax, outlines["countries"], extent, xy)
    _draw_roads(ax, places, roads, lon, lat)
    share = (
        shares.reindex(places.index)[first] if first in shares.columns else pd.Series(np.nan, places.index)
    )
    is_city, has_pop = _cities(places)
    sc = _draw_places(ax, lon, lat, share, np.where(is_city, 90, 38), cmap)
    order_idx, names = _labels(places, share, is_city)
    _map_axes(ax, extent, aspect)
    _colour_bar(fig, ax, sc, first, second, one_run)
    _map_legend(fig, has_pop)
    _map_notes(ax, title, n, first, outlines, one_run)
    sub = [places.index.get_loc(p) for p in order_idx]
    _place_labels(fig, ax, xy[sub], names, marker_px=5.0)
    return fig, ax


def _holder_scale(colours: dict[str, str], first: str, second: str | None) -> LinearSegmentedColormap:
    """From the second faction's colour (0 %) through light grey to the first faction's (100 %)."""
    c_first = colours.get(first, faction_colours([first])[first])
    c_second = colours[second] if second else "#ffffff"
    return LinearSegmentedColormap.from_list("holder", [c_second, "#f7f7f7", c_first])


def _map_figure(extent, aspect: float):
    """A figure 10.5 in wide, as tall as the extent needs (5-11 in), on a sea-coloured axes."""
    data_w = (extent[1] - extent[0]) * 1.0
    data_h = (extent[3] - extent[2]) * aspect
    fig_w = 10.5
    fig_h = min(11.0, max(5.0, 1.6 + (fig_w - 2.4) * data_h / data_w))
    fig, ax = plt.subplots(figsize=(fig_w, fig_h), constrained_layout=True)
    ax.set_facecolor(SEA)
    return fig, ax


def _draw_countries(ax, countries: list[dict[str, Any]], extent, places_xy: np.ndarray) -> None:
    """Every country's outline, and its name where there is room inside the extent."""
    for country in countries:
        path = _country_path(country["polygons"])
        ax.add_patch(PathPatch(path, facecolor=LAND, edgecolor=BORDER, lw=0.7, zorder=1))
        at = _label_point(path, extent, places_xy)
        if at is not None:
            ax.text(
                *at,
                str(country["name"]).upper(),
                fontsize=9,
                color="#a8a8a8",
                ha="center",
                va="center",
                style="italic",
                zorder=1.5,
            )


def _draw_roads(ax, places: pd.DataFrame, roads, lon: pd.Series, lat: pd.Series) -> None:
    """The roads between known places, as one collection however many there are."""
    segments = [
        [(lon[a], lat[a]), (lon[b], lat[b])] for a, b in roads if a in places.index and b in places.index
    ]
    if segments:
        ax.add_collection(
            LineCollection(segments, colors="#8c8c8c", linewidths=0.9, zorder=2, capstyle="round")
        )


def _cities(places: pd.DataFrame) -> tuple[pd.Series, bool]:
    """Which places are cities (all of them without populations), and whether populations are known."""
    pop = places["population"] if "population" in places.columns else pd.Series(np.nan, places.index)
    has_pop = bool(pop.notna().any())
    is_city = (pop.fillna(0) >= CITY_POPULATION) if has_pop else pd.Series(True, places.index)
    if has_pop and "kind" in places.columns:  # a city whose population is unknown is still a city
        is_city |= pop.isna() & places["kind"].astype(str).str.contains("city", case=False)
    return is_city, has_pop


def _draw_places(ax, lon, lat, share: pd.Series, sizes: np.ndarray, cmap):
    """Places with a share coloured on the holder scale, the others as empty circles; returns the scale."""
    known = share.notna().to_numpy()
    sc = ax.scatter(
        lon[known],
        lat[known],
        c=100 * share[known],
        cmap=cmap,
        vmin=0,
        vmax=100,
        s=sizes[known],
        edgecolors="#222222",
        linewidths=0.7,
        zorder=4,
    )
    if (~known).any():
        ax.scatter(
            lon[~known],
            lat[~known],
            s=sizes[~known],
            facecolors="none",
            edgecolors=GREY,
            linewidths=0.8,
            zorder=4,
            label="no data",
        )
    return sc


def _labels(places: pd.DataFrame, share: pd.Series, is_city: pd.Series) -> tuple[list, list[str]]:
    """Places in labelling order (cities first, largest first) and their labels ("" = none; at most 40)."""
    pop = places["population"] if "population" in places.columns else pd.Series(np.nan, places.index)
    contested = share.between(0.05, 0.95).fillna(False)
    want = is_city | contested
    if "label" in places.columns:
        want = places["label"].fillna(False).astype(bool)
    rank = pop.fillna(0).rank(ascending=False, method="first")
    order_idx = sorted(places.index, key=lambda p: (not bool(is_city[p]), rank[p]))
    names = [_label_name(places.loc[p, "name"]) if bool(want[p]) else "" for p in order_idx]
    labelled = np.cumsum([bool(x) for x in names])
    names = [x if k <= MAX_ROWS else "" for x, k in zip(names, labelled, strict=True)]
    return order_idx, names


def _map_axes(ax, extent, aspect: float) -> None:
    """The extent, the aspect of the mean latitude, and degree ticks."""
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(aspect)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _degrees(v, "E", "W")))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: _degrees(v, "N", "S")))
    ax.tick_params(labelsize=8)


def _colour_bar(fig, ax, sc, first: str, second: str | None, one_run: bool = False) -> None:
    """The holder scale, its ends naming the faction that holds the place in all runs (or that day)."""
    cbar = fig.colorbar(sc, ax=ax, shrink=0.75, pad=0.02, aspect=30)
    if one_run:
        cbar.set_label("who holds the place", fontsize=9)
        cbar.set_ticks([0, 100])
        cbar.set_ticklabels([second or "other", first], fontsize=8)
        return
    cbar.set_label(f"share of runs held by {first} at the horizon", fontsize=9)
    cbar.set_ticks([0, 25, 50, 75, 100])
    lo_text = f"0 %\n({second} in all runs)" if second else "0 %"
    cbar.set_ticklabels([lo_text, "25 %", "50 %", "75 %", f"100 %\n({first} in all runs)"], fontsize=8)


def _map_legend(fig, has_pop: bool) -> None:
    """Marker sizes (when populations are known) and roads."""
    marker = {"marker": "o", "ls": "none", "mfc": "#cccccc", "mec": "#222222"}
    handles = [
        Line2D([], [], **marker, ms=9.5, label="city (≥ 50,000 people)"),
        Line2D([], [], **marker, ms=6, label="other place"),
        Line2D([], [], color="#8c8c8c", lw=0.9, label="road (schematic)"),
    ]
    if not has_pop:
        handles = handles[2:]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)


def _map_notes(
    ax, title: str | None, n: int | None, first: str, outlines: dict[str, Any], one_run: bool = False
) -> None:
    """The title (with the runs) and a footnote on the colours and the outlines' source."""
    n_text = f" ({_n(n)} runs)" if n is not None else ""
    ax.set_title(
        _titled(title or f"Who holds each place at the horizon{n_text}", None), fontsize=13, loc="left"
    )
    runs = f"Shares over {_n(n)} runs. " if n is not None else ""
    source = f"{outlines['source'].split(' (')[0]}, {outlines['licence'].split(' (')[0]}"
    what = "the faction holding it that day" if one_run else f"share of runs held by {first}"
    _footnote(ax, f"{runs}Place markers: colour = {what}. Country outlines: {source}.")


def _label_name(name: Any) -> str:
    """``Name of a place (other name, code)`` -> ``Name of a place``."""
    return clip(str(name).split(" (")[0].strip(), 40)


def _country_path(polygons: list) -> MplPath:
    verts, codes = [], []
    for poly in polygons:
        for ring in poly:
            ring = np.asarray(ring, dtype=float)
            verts.extend(ring.tolist())
            verts.append(ring[0].tolist())
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY])
    return MplPath(np.asarray(verts), codes)


def _label_point(path: MplPath, extent, places_xy: np.ndarray) -> tuple[float, float] | None:
    """A point inside ``path`` and the map extent, away from the places, for the country's name."""
    x0, x1, y0, y1 = extent
    gx, gy = np.meshgrid(np.linspace(x0 + 0.6, x1 - 0.6, 40), np.linspace(y0 + 0.4, y1 - 0.4, 40))
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    inside = pts[path.contains_points(pts)]
    if len(inside) < 12:
        return None
    if len(places_xy):
        d = np.min(np.hypot(*(inside[:, None, :] - places_xy[None, :, :]).transpose(2, 0, 1)), axis=1)
    else:
        d = np.full(len(inside), 3.0)
    score = np.minimum(d, 2.5) - 0.25 * np.hypot(*(inside - inside.mean(axis=0)).T)
    best = inside[int(np.argmax(score))]
    return float(best[0]), float(best[1])


#: Label offsets tried in turn (points): right above, right below, left above, left below, above, ...
_OFFSETS = (
    (6, 4, "left", "bottom"),
    (6, -4, "left", "top"),
    (-6, 4, "right", "bottom"),
    (-6, -4, "right", "top"),
    (0, 8, "center", "bottom"),
    (0, -8, "center", "top"),
    (10, 0, "left", "center"),
    (-10, 0, "right", "center"),
)


def _place_labels(fig, ax, xy: np.ndarray, names: list[str], marker_px: float) -> None:
    """Greedy label placement: per place try a few offsets and keep the first not overlapping earlier ones."""
    fig.canvas.draw()  # fix the layout so that display coordinates are final
    renderer = fig.canvas.get_renderer()
    r = marker_px
    taken = [(x - r, y - r, x + r, y + r) for x, y in ax.transData.transform(xy)]
    axbox = ax.get_window_extent(renderer)
    for (x, y), name in zip(xy, names, strict=True):
        if name:
            _place_label(ax, renderer, axbox, taken, (x, y), name)


def _place_label(ax, renderer, axbox, taken: list, at: tuple[float, float], name: str) -> None:
    """The first offset at which the label stays inside the axes and clear of ``taken`` (which it joins)."""
    for dx, dy, ha, va in _OFFSETS:
        t = ax.annotate(
            name,
            at,
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=8,
            color="#222222",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )
        b = t.get_window_extent(renderer)
        inside = b.x0 >= axbox.x0 and b.x1 <= axbox.x1 and b.y0 >= axbox.y0 and b.y1 <= axbox.y1
        clash = any(b.x0 < q[2] and b.x1 > q[0] and b.y0 < q[3] and b.y1 > q[1] for q in taken)
        if inside and not clash:
            taken.append((b.x0, b.y0, b.x1, b.y1))
            t.set_in_layout(False)
            return
        t.remove()


def _degrees(value: float, positive: str, negative: str) -> str:
    """An axis tick in degrees with its hemisphere: ``20°E``, ``29.5°S``, ``0°``."""
    if value == 0:
        return "0°"
    return f"{abs(value):g}°{positive if value > 0 else negative}"
