"""Theatre data: loads, carries its sources, and bad data is rejected with a line naming the item."""

import copy

import pytest
import yaml

from sim.runner.compose import CONFIG_DIR, compose
from sim.theatre import TheatreError, build_theatre


@pytest.fixture(scope="module")
def composed():
    return compose([])


@pytest.fixture
def cfg(composed):
    return copy.deepcopy(composed)


def test_libya_theatre_loads(cfg):
    th = build_theatre(cfg.theatre)
    assert len(th.places) == 30
    assert {"GNA", "LNA"} == set(th.factions)
    assert {"turkey", "russia", "uae", "egypt"} == set(th.patrons)
    # coastal road runs west -> east from Tripoli
    km = [th.coastal_km[p] for p in cfg.theatre.coastal_road]
    assert km == sorted(km)
    assert th.coastal_km["tripoli"] == 0
    assert 400 < th.coastal_km["sirte"] < 500  # 463 km by the (estimated) road; 450 km sourced
    # every place is reachable by road
    assert (th.dist < float("inf")).all()


def test_every_figure_carries_a_source():
    data = yaml.safe_load((CONFIG_DIR / "theatre" / "libya2020.yaml").read_text())["theatre"]
    for pid, p in data["places"].items():
        assert p["source"].get("coords") and p["source"].get("control"), pid
        if "population" in p:
            assert p["source"].get("population"), pid
    for r in data["roads"]:
        assert r["source"], r
    for group in ("factions", "patrons", "units"):
        for key, item in data[group].items():
            assert item["source"], f"{group}.{key}"
    for key, s in data["oil"]["systems"].items():
        assert s["source"], key


def test_initial_state_follows_the_seed(cfg):
    th = build_theatre(cfg.theatre)
    assert th.places["tripoli_airport"].control == "GNA"
    assert th.places["tarhuna"].control == "GNA"
    assert th.places["sirte"].control == "LNA"
    assert th.units["wagner"].place == "jufra"
    front = th.units["gna_sirte_front"]
    assert front.toward == "sirte"
    assert 0 < th.edge_km(front.place, front.toward) - front.km <= 25  # at the outskirts of Sirte


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("roads.0.b", "atlantis", r"theatre.roads\[0\] \(zuwara - atlantis\): unknown place 'atlantis'"),
        ("places.zawiya.name", "Tripoli", r"theatre.places.zawiya: duplicate name 'Tripoli'"),
        ("places.sirte.lat", 45.0, r"theatre.places.sirte: coordinates \(45.0, 16.58362\) outside"),
        (
            "places.sirte.lon",
            -3.0,
            r"theatre.places.sirte: coordinates .* outside the theatre's bounding box",
        ),
        ("units.wagner.strength", -5, r"theatre.units.wagner.strength: -5 must be >= 0"),
        ("factions.LNA.initial_morale", 1.5, r"theatre.factions.LNA.initial_morale: 1.5 is outside \[0, 1\]"),
        (
            "patrons.russia.air_defence.0.strength",
            2.0,
            r"theatre.patrons.russia.air_defence\[0\].strength: 2.0",
        ),
        ("units.wagner.place", "moon", r"theatre.units.wagner.place: unknown place 'moon'"),
        ("units.wagner.faction", "ISIS", r"theatre.units.wagner.faction: unknown faction 'ISIS'"),
        ("units.gna_sirte_front.km", 500.0, r"theatre.units.gna_sirte_front.km: 500.0 must be shorter"),
        ("roads.1.km", -4.0, r"theatre.roads\[1\] \(zawiya - tripoli\): length -4.0 km must be > 0"),
        ("oil.systems.sharara.requires.0", "nowhere", r"theatre.oil.systems.sharara.requires: unknown place"),
        ("places.sirte.control", "ISIS", r"theatre.places.sirte.control: unknown faction 'ISIS'"),
        ("units.wagner.patron", "turkey", r"theatre.units.wagner.patron: 'turkey' backs GNA, not LNA"),
        ("patrons.uae.stake", -0.5, r"theatre.patrons.uae.stake: -0.5 is outside \[0, 100\]"),
    ],
)
def test_bad_theatre_data_is_rejected(cfg, path, value, message):
    node = cfg.theatre
    *parents, leaf = path.split(".")
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    node[int(leaf) if leaf.isdigit() else leaf] = value
    with pytest.raises(TheatreError, match=message) as info:
        build_theatre(cfg.theatre)
    assert "\n" not in str(info.value)


def test_duplicate_road_is_rejected(cfg):
    cfg.theatre.roads.append(cfg.theatre.roads[0])
    with pytest.raises(TheatreError, match="duplicate road"):
        build_theatre(cfg.theatre)
