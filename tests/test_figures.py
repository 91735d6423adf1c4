"""Smoke tests of the briefing figures (sim.plots, through sim.figures) and the outlines data file."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import types
from importlib import resources

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim import figures

SCENARIOS = ["baseline", "ceasefire_pretext", "turkey_russia_deal"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(fig) -> str:
    """Every string drawn in the figure (titles, labels, tick labels, texts, legends), newline-joined."""
    out = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        out.append(fig._suptitle.get_text())
    for legend in fig.legends:
        out += [t.get_text() for t in legend.get_texts()]
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        if ax.get_legend() is not None:
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    return "\n".join(out)


def has_title(fig) -> bool:
    titles = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
    return any(titles) or (fig._suptitle is not None and bool(fig._suptitle.get_text()))


def check(fig, tmp_path, name: str) -> str:
    """Common checks: saves as PNG, has a title, shows n, 9-12 in wide; returns the figure's text."""
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    assert path.stat().st_size > 1000
    assert has_title(fig)
    all_text = texts(fig)
    assert "n = " in all_text or "n=" in all_text
    assert 9 <= fig.get_figwidth() <= 12
    return all_text


# ----------------------------------------------------------------------------------------------- colours


def test_scenario_colours_stable_distinct_and_ordered():
    many = [f"s{i}" for i in range(10)]
    colours = figures.scenario_colours(many)
    assert list(colours) == many
    assert len(set(colours[s] for s in many[:8])) == 8
    assert colours["s8"] == colours["s0"]  # cycles after eight
    assert figures.scenario_colours(["a", "b"]).items() <= figures.scenario_colours(["a", "b", "c"]).items()
    assert figures.scenario_colours(["b", "a"])["b"] == figures.OKABE_ITO[0]
    assert all(c.startswith("#") and len(c) == 7 for c in colours.values())


# ----------------------------------------------------------------------------------------------- distribution


def event_days(n: int, p: float, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    v = rng.uniform(0, 90, n)
    v[rng.random(n) > p] = np.nan
    return pd.Series(v)


def test_distribution_event_day_with_a_scenario_without_events(tmp_path):
    data = {
        "baseline": event_days(200, 0.8, 1),
        "ceasefire_pretext": pd.Series(np.full(150, np.nan)),
        "turkey_russia_deal": event_days(100, 0.3, 2),
    }
    fig, ax = figures.plot_distribution(data, "sirte_captured_day", unit="day", kind="event_day", horizon=90)
    assert isinstance(ax, matplotlib.axes.Axes)
    text = check(fig, tmp_path, "event")
    for scenario in data:
        assert scenario in text
    assert "n = 200" in text and "n = 150" in text
    assert "never by\nday 90" in text
    assert "100 %" in text  # the scenario without events: all runs "never"
    # the curve ends at P(happened), not at 100 %
    line = next(li for li in ax.get_lines() if li.get_label().startswith("baseline"))
    share = 100 * data["baseline"].notna().mean()
    assert line.get_ydata()[-1] == pytest.approx(share)
    assert ax.get_xlim() == (0, 90)


def test_distribution_event_day_no_run_reached_the_event(tmp_path):
    data = {"baseline": pd.Series(np.full(50, np.nan)), "combined": pd.Series([], dtype=float)}
    fig, _ = figures.plot_distribution(data, "egypt_intervened_day", unit="day", kind="event_day", horizon=60)
    text = check(fig, tmp_path, "none")
    assert "no run reached this event" in text
    fig, _ = figures.plot_distribution(
        {"baseline": pd.Series([], dtype=float)}, "x_day", unit="day", kind="event_day"
    )
    assert "no run reached this event" in texts(fig)
    fig.savefig(tmp_path / "empty.png", dpi=50)


def test_distribution_event_day_infers_horizon_and_one_scenario(tmp_path):
    fig, ax = figures.plot_distribution(
        {"baseline": pd.Series([3.0, 10.0, np.nan, 41.2])}, "jufra_captured_day", unit="day", kind="event_day"
    )
    check(fig, tmp_path, "one")
    assert ax.get_xlim() == (0, 42)


def test_distribution_numeric(tmp_path):
    rng = np.random.default_rng(3)
    data = {s: pd.Series(rng.normal(600_000 + 50_000 * i, 100_000, 80)) for i, s in enumerate(SCENARIOS)}
    data["baseline"].iloc[:5] = np.nan
    fig, ax = figures.plot_distribution(data, "oil_output_final_bpd", unit="barrels/day", kind="numeric")
    text = check(fig, tmp_path, "numeric")
    assert "n = 75" in text and "median" in text
    assert "barrels/day" in ax.get_xlabel()
    assert any("," in t.get_text() for t in ax.get_xticklabels())  # thousands separators


def test_distribution_numeric_without_data(tmp_path):
    fig, _ = figures.plot_distribution(
        {"baseline": pd.Series([np.nan, np.nan])}, "front_km_final", unit="km", kind="numeric"
    )
    assert "no data" in check(fig, tmp_path, "nodata")


def test_distribution_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        figures.plot_distribution({"a": pd.Series([1.0])}, "x", unit="", kind="histogram")


# ----------------------------------------------------------------------------------------------- forest


def question_table(n_questions: int, scenarios: list[str], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for q in range(n_questions):
        for j, s in enumerate(scenarios):
            p = float(rng.random())
            if q % 3 == 2 and j == 0:
                p = np.nan  # not modelled in the first scenario
            rows.append(
                {
                    "question": f"q{q}",
                    "text": f"Question {q}: will something rather long and specific happen by the horizon?",
                    "scenario": s,
                    "probability": p,
                    "low": max(0.0, p - 0.1) if p == p else np.nan,
                    "high": min(1.0, p + 0.1) if p == p else np.nan,
                    "n": 200 + j,
                }
            )
    return pd.DataFrame(rows)


def test_forest_with_not_modelled_questions(tmp_path):
    fig, ax = figures.plot_forest(question_table(6, SCENARIOS), title="Forecast questions, June 2020")
    text = check(fig, tmp_path, "forest")
    assert "n/m" in text and "not modelled" in text
    assert "n = 200" in text and "n = 202" in text
    assert ax.get_xlim() == (0, 100)
    assert "probability (90 % interval)" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 6 and labels[0].startswith("Question 0")
    assert all(len(line) <= 45 for lab in labels for line in lab.split("\n"))


def test_forest_one_scenario_and_many_questions(tmp_path):
    small, _ = figures.plot_forest(question_table(3, ["baseline"]))
    check(small, tmp_path, "forest_small")
    big, ax = figures.plot_forest(question_table(30, SCENARIOS))
    check(big, tmp_path, "forest_big")
    assert big.get_figheight() > small.get_figheight() * 3
    assert len(ax.get_yticks()) == 30


# ----------------------------------------------------------------------------------------------- fans


def fan(n_days: int, n: int, scale: float = 1.0) -> pd.DataFrame:
    d = np.arange(n_days)
    med = scale * (100 + 5 * d)
    df = pd.DataFrame(
        {"p05": med * 0.5, "p25": med * 0.8, "p50": med, "p75": med * 1.2, "p95": med * 1.5}, index=d
    )
    df.attrs["n"] = n
    return df


def test_fans_with_dates(tmp_path):
    bands = {s: fan(91, 100 + i, scale=1000) for i, s in enumerate(SCENARIOS)}
    fig, axes = figures.plot_fans(bands, "oil_output_bpd", unit="b/d", start_date="2020-06-07")
    assert isinstance(axes, np.ndarray) and axes.ndim == 1 and len(axes) == 3
    text = check(fig, tmp_path, "fans")
    assert "n = 100" in text and "n = 102" in text
    assert "50 % of runs" in text and "90 % of runs" in text
    assert "7 Jun 2020" in axes[0].get_xlabel()
    assert any("Jul" in t.get_text() for t in axes[0].get_xticklabels())
    assert axes[0].get_shared_y_axes().joined(axes[0], axes[2])


def test_fans_one_scenario_in_days_and_many(tmp_path):
    fig, axes = figures.plot_fans({"baseline": fan(30, 20)}, "front_km", unit="km from Tripoli")
    assert len(axes) == 1
    check(fig, tmp_path, "fans_one")
    assert "day" in axes[0].get_xlabel()
    fig, axes = figures.plot_fans({f"s{i}": fan(10, 5) for i in range(5)}, "x", unit="u", title="Five")
    assert axes.ndim == 1 and len(axes) == 5
    check(fig, tmp_path, "fans_five")


# ----------------------------------------------------------------------------------------------- map

PLACES = pd.DataFrame(
    {
        "name": ["Tripoli", "Misrata", "Sirte", "Al-Jufra air base (HL69)", "Benghazi", "Kufra"],
        "lat": [32.90, 32.37, 31.21, 29.20, 32.12, 24.17],
        "lon": [13.18, 15.09, 16.58, 16.00, 20.08, 23.27],
        "population": [1_126_000, 259_056, 76_788, np.nan, 631_555, np.nan],
    },
    index=["tripoli", "misrata", "sirte", "jufra", "benghazi", "kufra"],
)
ROADS = [("tripoli", "misrata"), ("misrata", "sirte"), ("sirte", "jufra"), ("sirte", "benghazi")]


def test_map(tmp_path):
    gna = pd.Series([1.0, 1.0, 0.4, 0.1, 0.0], index=PLACES.index[:5])  # kufra: no data
    shares = pd.DataFrame({"GNA": gna, "LNA": 1 - gna})
    fig, ax = figures.plot_map(PLACES, ROADS, shares, n=400)
    text = check(fig, tmp_path, "map")
    assert "share of runs held by GNA at the horizon" in text
    assert "Natural Earth" in text
    assert "Tripoli" in text and "Sirte" in text
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 == pytest.approx(13.18 - 1) and x1 == pytest.approx(23.27 + 1)
    assert y0 == pytest.approx(24.17 - 1) and y1 == pytest.approx(32.90 + 1)
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians(PLACES["lat"].mean())))
    assert len(ax.patches) >= 7  # country outlines


def test_map_custom_factions_without_population(tmp_path):
    places = PLACES.drop(columns="population")
    shares = pd.DataFrame(
        {"LNA": [0.0, 0.0, 0.5, 0.9, 1.0, 1.0], "GNA": [1, 1, 0.5, 0.1, 0, 0]}, index=places.index
    )
    fig, _ = figures.plot_map(places, [*ROADS, ("x", "tripoli")], shares, factions={"LNA": "#D55E00"}, n=12)
    text = check(fig, tmp_path, "map2")
    assert "share of runs held by LNA at the horizon" in text


def holder_colours(ax) -> tuple[str, str]:
    """The colours of the map's scale ends: (0 %, 100 %) as hex."""
    cmap = ax.collections[-1].get_cmap()  # the places coloured by share
    return tuple(matplotlib.colors.to_hex(cmap(x)) for x in (0.0, 1.0))


def test_map_faction_colours_come_from_the_caller_else_okabe_ito_in_order():
    shares = pd.DataFrame({"b": [0.2, 0.8], "a": [0.8, 0.2]}, index=PLACES.index[:2])
    _, ax = figures.plot_map(PLACES.iloc[:2], [], shares)  # no colours: the columns' order, blue first
    assert holder_colours(ax) == ("#d55e00", "#0072b2")
    _, ax = figures.plot_map(PLACES.iloc[:2], [], shares, factions={"a": "#123456", "b": None})
    assert holder_colours(ax) == ("#0072b2", "#123456")  # "a" first as given; "b" the first colour free
    assert figures.faction_colours(["x", "y", "z"], {"y": "#0072B2"}) == {
        "x": "#D55E00",
        "y": "#0072B2",
        "z": "#009E73",
    }


def test_labels_take_the_callers_words_and_name_no_faction_themselves():
    from sim.plots.style import _pretty

    assert _pretty("north_cohesion") == "North cohesion"
    assert _pretty("north_cohesion", {"north": "NORTH"}) == "NORTH cohesion"
    assert _pretty("fatalities_cum", {"north": "NORTH"}) == "Fatalities cumulative"
    bands = {"a": pd.DataFrame({k: [0.5, 0.6] for k in ("p05", "p25", "p50", "p75", "p95")}, index=[0, 1])}
    fig, _ = figures.plot_fans(bands, "north_cohesion", unit="cohesion (0-1)", words={"north": "Northern"})
    assert "Northern cohesion over time" in texts(fig)
    fig, _ = figures.plot_fans(bands, "north_cohesion", unit="", label="Cohesion of the north")
    assert "Cohesion of the north over time" in texts(fig)
    fig, _ = figures.plot_distribution(
        {"a": pd.Series([1.0, np.nan])}, "x_day", unit="day", kind="event_day", label="The event"
    )
    assert "The event: share of runs" in texts(fig)


# ----------------------------------------------------------------------------------------------- sensitivity


@pytest.mark.parametrize(
    ("method", "measures", "label"),
    [
        ("sobol", ("ST", "S1"), "total-order Sobol index ST"),
        ("morris", ("mu_star", "sigma"), "Morris μ*"),
        ("spearman", ("abs_rho", "rho"), "|Spearman ρ|"),
    ],
)
def test_sensitivity(tmp_path, method, measures, label):
    names = ["mechanisms.unrest.exclusion_penalty", "patrons.turkey.drones", "oil.blockade_prob", "alpha"]
    table = pd.DataFrame(
        {
            "index": [0.2, 0.7, 0.05, 0.4],
            "conf": [0.05, np.nan, 0.01, 0.1],
            "second": [0.1, 0.5, np.nan, 0.2],
        },
        index=names,
    )
    if method == "spearman":  # second = signed rho
        table["second"] = [-0.2, 0.7, 0.05, -0.4]
    table.attrs.update(method=method, measures=measures, n=256)
    fig, ax = figures.plot_sensitivity(table, outcome="front_km_final")
    text = check(fig, tmp_path, f"sens_{method}")
    assert ax.get_xlabel() == label
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "turkey.drones"  # largest at the top
    assert "unrest.exclusion_penalty" in labels and "alpha" in labels
    assert "n = 256" in text
    if method == "spearman":
        assert ax.get_xlim()[0] < -0.4  # a negative signed rho stays visible


def test_sensitivity_title_and_no_n(tmp_path):
    table = pd.DataFrame({"index": [0.3], "conf": [np.nan], "second": [np.nan]}, index=["a.b.c"])
    table.attrs.update(method="sobol", measures=("ST", "S1"))
    fig, ax = figures.plot_sensitivity(table, outcome="x", title="Custom")
    assert ax.get_title(loc="left") == "Custom"
    fig.savefig(tmp_path / "sens.png", dpi=50)


# ----------------------------------------------------------------------------------------------- PRIM


def prim_result(restricted: int = 2):
    params = ["mechanisms.unrest.exclusion_penalty", "patrons.turkey.drones", "oil.blockade_prob"]
    k = 12
    mass = np.linspace(1, 0.1, k)
    traj = pd.DataFrame(
        {
            "coverage": np.linspace(1, 0.3, k),
            "density": np.linspace(0.25, 0.9, k),
            "mass": mass,
            "n": (mass * 400).astype(int),
        }
    )
    for p in params:
        traj[f"{p}_low"] = 0.0
        traj[f"{p}_high"] = 1.0

    def box(i=None):
        full = pd.DataFrame(
            {
                "low": [0.2, 3.0, 0.0],
                "high": [0.7, 12.0, 0.35],
                "range_low": [0.0, 0, 0],
                "range_high": [1.0, 20, 1],
            },
            index=params,
        )
        return full.iloc[:restricted]

    return types.SimpleNamespace(trajectory=traj, parameters=params, chosen=7, base_density=0.25, box=box)


def test_prim(tmp_path):
    fig, axes = figures.plot_prim(prim_result())
    assert len(axes) == 2
    text = check(fig, tmp_path, "prim")
    assert "chosen box #7" in text and "base density 25 %" in text
    assert "n = 400" in text
    labels = {t.get_text(): t.get_position()[1] for t in axes[1].get_yticklabels()}
    assert labels["unrest.exclusion_penalty"] > labels["turkey.drones"]  # the box's order, top to bottom
    assert "3 – 12" in text


def test_prim_box_without_restrictions(tmp_path):
    fig, _ = figures.plot_prim(prim_result(restricted=0))
    assert "restricts no parameter" in check(fig, tmp_path, "prim0")


# ----------------------------------------------------------------------------------------------- data


def test_outlines_file():
    path = resources.files("sim").joinpath("data", "outlines.json")
    raw = path.read_bytes()
    assert len(raw) < 60_000
    doc = json.loads(raw)
    assert "Natural Earth" in doc["source"] and "public domain" in doc["licence"]
    names = {c["name"] for c in doc["countries"]}
    near = {"Libya", "Tunisia", "Algeria", "Egypt", "Niger", "Chad", "Sudan", "Greece", "Italy", "Turkey"}
    assert near <= names  # every country the Libya map had
    libya = next(c for c in doc["countries"] if c["name"] == "Libya")
    pts = np.array([p for poly in libya["polygons"] for ring in poly for p in ring])
    assert pts[:, 0].min() < 9.5 and pts[:, 0].max() > 25.0  # lon 9.3-25.2 E
    assert pts[:, 1].min() < 20.0 and pts[:, 1].max() > 33.0  # lat 19.5-33.2 N
    allpts = np.array([p for c in doc["countries"] for poly in c["polygons"] for ring in poly for p in ring])
    assert allpts[:, 0].min() <= 8 and allpts[:, 0].max() >= 27
    assert allpts[:, 1].min() <= 18 and allpts[:, 1].max() >= 35
    # the South Caucasus (Nagorno-Karabakh theatre, places in about lon 44-50.5 E, lat 38.5-41.5 N)
    assert {"Armenia", "Azerbaijan", "Georgia", "Iran", "Turkey", "Russia"} <= names
    azerbaijan = next(c for c in doc["countries"] if c["name"] == "Azerbaijan")
    pts = np.array([p for poly in azerbaijan["polygons"] for ring in poly for p in ring])
    assert 44.5 < pts[:, 0].min() < 45.5 and 49.8 < pts[:, 0].max() < 50.8  # lon 44.8-50.4 E (Nakhchivan)
    assert 38.0 < pts[:, 1].min() < 39.0 and 41.5 < pts[:, 1].max() < 42.3  # lat 38.3-41.9 N
    regions = doc["regions"]
    assert isinstance(regions, list) and regions and "region" not in doc
    for r in regions:
        assert r["lon_min"] < r["lon_max"] and r["lat_min"] < r["lat_max"]
    assert figures.load_outlines()["source"] == doc["source"]


def test_import_sim_does_not_import_matplotlib():
    code = "import sim, sys; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------------------------- large inputs

MAX_PX = 6000  # at dpi 120: the figures are at most some 40 inches tall
MAX_WIDTH_PX = 2000  # and 9-12 inches wide (long titles and labels are wrapped or cut)


def bounded(fig, tmp_path, name: str) -> str:
    """Save as the report does (dpi 120, tight); the PNG stays below MAX_PX; returns the figure's text."""
    from PIL import Image

    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    width, height = Image.open(path).size
    assert width < MAX_WIDTH_PX and height < MAX_PX, (name, width, height)
    return texts(fig)


def test_forest_of_3000_questions_draws_the_first_40_and_says_so(tmp_path):
    table = question_table(3000, ["baseline"])
    table.loc[0, "text"] = "A very long question " * 500
    fig, ax = figures.plot_forest(table, where="summary.json")
    text = bounded(fig, tmp_path, "forest")
    assert "showing 40 of 3,000 questions (the first, in the order asked); all in summary.json" in text
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 40 and labels[1].startswith("Question 1:") and labels[-1].startswith("Question 39:")
    assert labels[0].count("\n") == 2 and labels[0].endswith("…")  # a long text: three lines at most


def test_scores_of_3000_questions_draw_the_40_worst_and_say_so(tmp_path):
    rng = np.random.default_rng(1)
    p = rng.random(3000)
    outcome = rng.random(3000) < 0.5
    table = pd.DataFrame({"text": [f"Q{i}" for i in range(3000)], "forecast": p, "outcome": outcome,
                          "brier": (p - outcome) ** 2, "n": 100})  # fmt: skip
    fig, (ax, _) = figures.plot_scores(table, scenario="baseline", where="scores.json")
    text = bounded(fig, tmp_path, "scores")
    assert "showing 40 of 3,000 questions (those with the largest Brier scores); all in scores.json" in text
    assert "3,000 questions" in fig._suptitle.get_text()
    shown = {t.get_text() for t in ax.get_yticklabels()}
    worst = set(table.nlargest(40, "brier")["text"])
    assert shown == worst


def test_sensitivity_of_300_parameters_draws_the_40_largest(tmp_path):
    names = [f"mechanisms.group{i}.parameter_{i}" for i in range(300)]
    table = pd.DataFrame({"index": np.linspace(0, 1, 300), "conf": 0.01, "second": np.nan}, index=names)
    table.attrs.update(method="sobol", measures=("ST", "S1"), n=1000)
    fig, ax = figures.plot_sensitivity(table, outcome="x", where="figures/sensitivity.csv")
    text = bounded(fig, tmp_path, "sens300")
    assert "showing 40 of 300 parameters (the largest total-order Sobol index ST)" in text
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert (
        len(labels) == 40 and labels[-1] == "group299.parameter_299" and labels[0] == "group260.parameter_260"
    )


def test_prim_box_of_100_parameters_draws_40(tmp_path):
    result = prim_result()
    params = [f"p{i}" for i in range(100)]
    full = pd.DataFrame({"low": 0.2, "high": 0.6, "range_low": 0.0, "range_high": 1.0}, index=params)
    result.box = lambda i=None: full
    fig, axes = figures.plot_prim(result, where="figures/prim.csv")
    text = bounded(fig, tmp_path, "prim100")
    assert len(axes[1].get_yticklabels()) == 40 and "showing 40 of 100 restricted parameters" in text


def test_calibration_of_30_parameters_draws_12_panels(tmp_path):
    keys = [f"mechanisms.m{i}.x" for i in range(30)]
    rng = np.random.default_rng(0)
    prior = pd.DataFrame({"run_id": range(200), **{k: rng.random(200) for k in keys}})
    prior["category"] = [f"value {i}" for i in range(200)]  # 200 categories: the 20 most common drawn
    report = {"name": "many", "accepted": 50, "prior_runs": 200, "acceptance_rate": 0.25,
              "accepted_runs": list(range(50)), "parameters": dict.fromkeys(["category", *keys]),
              "observations": [{"id": f"obs{i}" * 40} for i in range(3000)]}  # fmt: skip
    fig, axes = figures.plot_calibration(prior, report, where="calibration-many.json")
    text = bounded(fig, tmp_path, "calibration30")
    assert axes.size == 12
    assert (
        "showing 12 of 31 parameters (the first, in the prior's order); all in calibration-many.json" in text
    )
    assert "and 2,997 more observations" in text
    assert len(axes.ravel()[0].get_xticklabels()) == 20


def test_twenty_scenarios_draw_the_first_eight(tmp_path):
    many = {f"scenario {i} " + "x" * 200: pd.Series(np.arange(10.0)) for i in range(20)}
    fig, _ = figures.plot_distribution(
        many, "front_km_final", unit="km", kind="numeric", where="summary.json"
    )
    text = bounded(fig, tmp_path, "dist20")
    assert "showing 8 of 20 scenarios (the first, in the order given); all in summary.json" in text
    assert len(fig.legends[0].get_texts()) == 8
    fig, _ = figures.plot_distribution(many, "sirte_captured_day", unit="day", kind="event_day", horizon=20)
    assert "showing 8 of 20 scenarios" in bounded(fig, tmp_path, "days20")
    fig, axes = figures.plot_fans({s: fan(30, 10) for s in many}, "front_km", unit="km")
    assert len(axes) == 8 and "showing 8 of 20 scenarios" in bounded(fig, tmp_path, "fans20")
    forest = question_table(5, list(many))
    fig, _ = figures.plot_forest(forest)
    assert "showing 8 of 20 scenarios" in bounded(fig, tmp_path, "forest20")


def test_map_of_300_places_labels_at_most_40(tmp_path):
    rng = np.random.default_rng(2)
    ids = [f"p{i}" for i in range(300)]
    places = pd.DataFrame({"name": [f"Place {i}" for i in range(300)], "lat": 25 + 8 * rng.random(300),
                           "lon": 10 + 15 * rng.random(300), "population": 100_000}, index=ids)  # fmt: skip
    shares = pd.DataFrame({"GNA": rng.random(300)}, index=ids)
    shares["LNA"] = 1 - shares["GNA"]
    roads = list(itertools.pairwise(ids))
    fig, ax = figures.plot_map(places, roads, shares, n=10)
    bounded(fig, tmp_path, "map300")
    labels = [t for t in ax.texts if t.get_text().startswith("Place ")]
    assert 0 < len(labels) <= 40


def test_map_ticks_name_the_hemisphere():
    """A theatre south of the equator or west of Greenwich reads 29°S, 20°W (not -29°N, -20°E)."""
    from sim.plots.map import _degrees

    assert [_degrees(v, "N", "S") for v in (32.5, 0.0, -29.0)] == ["32.5°N", "0°", "29°S"]
    assert [_degrees(v, "E", "W") for v in (13.0, -20.5)] == ["13°E", "20.5°W"]
