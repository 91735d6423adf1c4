"""seeds/claims_karabakh2020.yaml: the facts of 10 Oct 2020, each from a dated report, set real fields."""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from helpers import check_claim_ids, check_claim_shape
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.runner.compose import compose

ROOT = Path(__file__).resolve().parent.parent
CLAIMS_PATH = ROOT / "seeds" / "claims_karabakh2020.yaml"

DATA: dict = yaml.safe_load(CLAIMS_PATH.read_text(encoding="utf-8"))
CLAIMS: list[dict] = DATA["claims"]
IDS = [str(c.get("id")) for c in CLAIMS]
AS_OF = date.fromisoformat(DATA["as_of"])

STATUSES = {"used", "context"}
REQUIRED_KEYS = {"id", "claim", "source", "sets", "use", "status"}
OPTIONAL_KEYS = {"note"}
SOURCE_REQUIRED = {"quote", "url", "date"}
SOURCE_OPTIONAL = {"by", "date_inferred", "translation"}
MAX_QUOTE_WORDS = 30
#: The parties whose claims are labelled, and the words by which a claim's text says whose it is.
PARTIES = {
    "AZ": ("Azerbaijan", "Aliyev", "Baku"),
    "ARM": ("Armenia", "Pashinyan"),
    "NK": ("NK", "Karabakh", "Artsakh"),
}
ROAD_PATH = re.compile(r"theatre\.roads\.(\d+)\.")
_MISSING = object()


def source_problems(source: dict, as_of: date) -> list[str]:
    """What breaks the file's rules in a claim's source.

    Args:
        source: the claim's ``source`` mapping.
        as_of: the theatre's date; no source may be published after it.

    Returns:
        One message per broken rule; empty when the source keeps them all.
    """
    problems = []
    keys = set(source)
    if not SOURCE_REQUIRED <= keys:
        problems.append(f"missing keys: {sorted(SOURCE_REQUIRED - keys)}")
    if keys - SOURCE_REQUIRED - SOURCE_OPTIONAL:
        problems.append(f"unknown keys: {sorted(keys - SOURCE_REQUIRED - SOURCE_OPTIONAL)}")
    quote = source.get("quote")
    if not isinstance(quote, str) or not quote.strip():
        problems.append("quote must be a non-empty string")
    elif len(quote.split()) > MAX_QUOTE_WORDS:
        problems.append(f"quote has {len(quote.split())} words, more than {MAX_QUOTE_WORDS}")
    if not str(source.get("url", "")).startswith(("http://", "https://")):
        problems.append(f"url must start with http: {source.get('url')!r}")
    raw = source.get("date")
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        problems.append(f"date must be a quoted YYYY-MM-DD string: {raw!r}")
    else:
        try:
            published = date.fromisoformat(raw)
        except ValueError:
            problems.append(f"date is not a calendar date: {raw!r}")
        else:
            if published > as_of:
                problems.append(f"dated {published}, after {as_of}")
    if "by" in source and source["by"] not in PARTIES:
        problems.append(f"by {source['by']!r} not one of {sorted(PARTIES)}")
    for key in ("date_inferred", "translation"):
        if key in source and not (isinstance(source[key], str) and source[key].strip()):
            problems.append(f"{key} must be a non-empty string")
    return problems


def _exists(cfg: DictConfig, path: str) -> bool:
    try:
        return OmegaConf.select(cfg, path, default=_MISSING, throw_on_missing=False) is not _MISSING
    except OmegaConfBaseException:  # e.g. a non-integer index into a list
        return False


def _sets(path_prefix: str) -> list[dict]:
    return [c for c in CLAIMS if any(s.startswith(path_prefix) for s in c["sets"])]


def _road_km(cfg: DictConfig, a: str, b: str) -> float:
    [km] = [r.km for r in cfg.theatre.roads if {r.a, r.b} == {a, b}]
    return float(km)


@pytest.fixture(scope="module")
def cfg() -> DictConfig:
    return compose([f"theatre={DATA['theatre']}"])


def test_file_header_matches_the_theatre(cfg: DictConfig):
    assert DATA["theatre"] == cfg.theatre.name == "karabakh2020"
    assert DATA["as_of"] == str(cfg.theatre.start_date) == "2020-10-10"


def test_claims_file_nonempty_and_ids_unique():
    check_claim_ids(CLAIMS, IDS, "seeds/claims_karabakh2020.yaml")


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_claim_shape(claim: dict):
    check_claim_shape(claim, REQUIRED_KEYS, OPTIONAL_KEYS, ("claim", "use"))
    assert isinstance(claim["source"], dict), "source must be a mapping"
    assert claim["status"] in STATUSES, f"status {claim['status']!r} not in {sorted(STATUSES)}"
    if claim["status"] == "context":
        assert claim["sets"] == [], "a context claim sets nothing"
    else:
        assert claim["sets"], "a used claim must set at least one config field"


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_source_keeps_the_rules(claim: dict):
    problems = source_problems(claim["source"], AS_OF)
    assert not problems, "; ".join(problems)


PARTY_CLAIMS = [c for c in CLAIMS if "by" in c.get("source", {})]


@pytest.mark.parametrize("claim", PARTY_CLAIMS, ids=[c["id"] for c in PARTY_CLAIMS])
def test_a_party_claim_says_whose_it_is(claim: dict):
    party = claim["source"]["by"]
    assert party in PARTIES, f"by {party!r} not one of {sorted(PARTIES)}"
    assert any(word in claim["claim"] for word in PARTIES[party]), (
        f"a claim by {party} must say whose it is (one of {PARTIES[party]}): {claim['claim']!r}"
    )


def test_party_claims_are_labelled():
    # The war's claims of capture and of losses are the parties': each side's are labelled.
    assert {c["source"]["by"] for c in PARTY_CLAIMS} == set(PARTIES)


GOOD_SOURCE = {
    "quote": "Shelling continued throughout the day",
    "url": "https://example.org/a",
    "date": "2020-10-09",
}


def test_source_check_passes_a_good_source():
    assert source_problems(GOOD_SOURCE, AS_OF) == []
    assert source_problems({**GOOD_SOURCE, "date": "2020-10-10", "by": "NK"}, AS_OF) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"date": "2020-10-11"}, "after 2020-10-10"),
        ({"date": "2020-11-26"}, "after 2020-10-10"),
        ({"date": "2020-10"}, "YYYY-MM-DD"),
        ({"date": "2020-02-30"}, "not a calendar date"),
        ({"quote": " ".join(["word"] * (MAX_QUOTE_WORDS + 1))}, "more than 30"),
        ({"url": "ftp://example.org/a"}, "url must start with http"),
        ({"by": "TR"}, "not one of"),
        ({"date_inferred": ""}, "date_inferred must be"),
        ({"source_of": "x"}, "unknown keys"),
    ],
)
def test_source_check_rejects_a_broken_source(change: dict, expected: str):
    problems = source_problems({**GOOD_SOURCE, **change}, AS_OF)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_claim_dated_after_as_of_is_rejected(claim: dict):
    # The same claim, published one day after the theatre's date, must fail the same check.
    late = copy.deepcopy(claim)
    late["source"]["date"] = "2020-10-11"
    assert any("after 2020-10-10" in p for p in source_problems(late["source"], AS_OF))


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_config_fields_exist(claim: dict, cfg: DictConfig):
    missing = [path for path in claim["sets"] if not _exists(cfg, path)]
    assert not missing, f"config fields not in the composed config: {missing}"


def test_select_rejects_unknown_field(cfg: DictConfig):
    # Guard for test_config_fields_exist: an unknown path must come back as missing.
    assert _exists(cfg, "theatre.units.aze_south.km")
    assert _exists(cfg, "theatre.roads.0.km")
    assert _exists(cfg, "theatre.oil.blockading_faction")  # null, but present
    assert not _exists(cfg, "theatre.units.aze_south.no_such_field")
    assert not _exists(cfg, f"theatre.roads.{len(cfg.theatre.roads)}.km")
    assert not _exists(cfg, "theatre.roads.first.km")
    assert not _exists(cfg, "mechanisms.no_such_mechanism.enabled")


@pytest.mark.parametrize("claim", _sets("theatre.roads."), ids=[c["id"] for c in _sets("theatre.roads.")])
def test_a_road_a_claim_sets_joins_places_it_names(claim: dict, cfg: DictConfig):
    # Roads are set by list index: this catches an index left pointing at another road.
    text = claim["claim"].lower()
    for path in claim["sets"]:
        match = ROAD_PATH.match(path)
        if match:
            road = cfg.theatre.roads[int(match.group(1))]
            assert road.a in text and road.b in text, f"{path} is the road {road.a}-{road.b}"


def test_claimed_captures_have_a_claim(cfg: DictConfig):
    # Every place the theatre gives Azerbaijan on the strength of a claim has the claim here.
    controlled = {
        p for c in CLAIMS for p in c["sets"] if p.startswith("theatre.places.") and p.endswith(".control")
    }
    claimed = [
        name
        for name, place in cfg.theatre.places.items()
        if place.control == cfg.theatre.front_faction and "claim" in str(place.source.get("control", ""))
    ]
    assert claimed, "no place is held on the strength of a claim"
    missing = [name for name in claimed if f"theatre.places.{name}.control" not in controlled]
    assert not missing, f"places held on a claim with no claim here: {missing}"


def test_sourced_road_lengths(cfg: DictConfig):
    # "a 100-kilometer Goris-Stepanakert highway"; "the 116-kilometer Vardenis-Martakert Highway";
    # "Yerevan, 350km to the northwest" (read as from Stepanakert, by way of Goris).
    corridor = sum(
        _road_km(cfg, a, b) for a, b in [("stepanakert", "shusha"), ("shusha", "lachin"), ("lachin", "goris")]
    )
    assert corridor == pytest.approx(100.0)
    north = _road_km(cfg, "martakert", "kalbajar") + _road_km(cfg, "kalbajar", "vardenis")
    assert north == pytest.approx(116.0)
    assert corridor + _road_km(cfg, "goris", "yerevan") == pytest.approx(350.0)


def test_unit_strengths_within_the_quoted_totals(cfg: DictConfig):
    # Azerbaijan "a 90,000-strong standing army"; Armenia "a 50,000-strong military ... as well as 20,000
    # soldiers in Karabakh" (Razoux, AFP); "about 1,200" Syrian fighters (SOHR, 5 Oct 2020).
    units = cfg.theatre.units
    own = [u for u in units.values() if u.get("patron") is None and u.get("standby") is None]
    assert sum(u.strength for u in own if u.faction == "AZERBAIJAN") <= 90_000
    assert sum(u.strength for u in own if u.faction == "ARMENIA") <= 50_000 + 20_000
    assert units.aze_syrians.strength == 1200
