"""seeds/claims.yaml: seed-article facts quoted verbatim, each pointing at real config fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers import check_claim_ids, check_claim_shape
from omegaconf import DictConfig, OmegaConf

from sim.runner.compose import compose
from sim.theatre import great_circle_km

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_PATH = ROOT / "seeds" / "000_6527c80274dd4ba2.txt"
CLAIMS_PATH = ROOT / "seeds" / "claims.yaml"

STATUSES = {"used", "planned", "context"}
REQUIRED_KEYS = {"id", "claim", "sentence", "sets", "use"}
OPTIONAL_KEYS = {"note", "status", "motivates", "check"}
MILES_TO_KM = 1.609344
_MISSING = object()


def _collapse(text: str) -> str:
    """Collapse runs of whitespace to one space (the only normalisation allowed)."""
    return re.sub(r"\s+", " ", text).strip()


ARTICLE = _collapse(ARTICLE_PATH.read_text(encoding="utf-8"))
CLAIMS: list[dict] = yaml.safe_load(CLAIMS_PATH.read_text(encoding="utf-8"))["claims"]
IDS = [str(c.get("id")) for c in CLAIMS]


def _in_article(sentence: str) -> bool:
    return _collapse(sentence) in ARTICLE


def _exists(cfg: DictConfig, path: str) -> bool:
    return OmegaConf.select(cfg, path, default=_MISSING) is not _MISSING


def _status(claim: dict) -> str:
    return claim.get("status", "used")


@pytest.fixture(scope="module")
def cfg() -> DictConfig:
    return compose([])


def test_claims_file_nonempty_and_ids_unique():
    check_claim_ids(CLAIMS, IDS, "seeds/claims.yaml")


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_claim_shape(claim: dict):
    check_claim_shape(claim, REQUIRED_KEYS, OPTIONAL_KEYS, ("claim", "sentence", "use"))
    status = _status(claim)
    assert status in STATUSES, f"status {status!r} not in {sorted(STATUSES)}"
    if status == "used":
        assert claim["sets"], "a used claim must set at least one config field"
    if status == "planned":
        assert str(claim.get("motivates", "")).startswith("mechanisms."), (
            "a planned claim must name the mechanism it motivates (mechanisms.<name>)"
        )


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_sentence_is_verbatim_in_article(claim: dict):
    assert _in_article(claim["sentence"]), (
        f"not a verbatim substring of {ARTICLE_PATH.name}: {_collapse(claim['sentence'])!r}"
    )


CHECKED = [c for c in CLAIMS if "check" in c]


@pytest.mark.parametrize("claim", CHECKED, ids=[c["id"] for c in CHECKED])
def test_a_check_window_quotes_the_seed_words_that_set_it(claim: dict):
    """No window chosen to make a check pass: each one says why, quoting the seed verbatim."""
    window = claim["check"]["window"]
    quotes = re.findall(r'"([^"]+)"', window)
    assert quotes, f"window quotes no words of the seed: {window!r}"
    for q in quotes:
        assert _in_article(q), f"not in the seed: {q!r}"
    days = claim["check"]["days"]
    if days[1] == "horizon":  # a window to the horizon is for a claim with no end
        assert "no end" in window or "an end" in window, window


def test_checks_reach_beyond_the_first_week():
    later = [c["id"] for c in CHECKED if c["check"]["days"][1] == "horizon" or c["check"]["days"][1] > 7]
    assert len(later) >= 3, later


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_altered_sentence_is_rejected(claim: dict):
    # One changed letter must break the match: the check compares exactly, whitespace aside.
    sentence = _collapse(claim["sentence"])
    i = next(k for k, ch in enumerate(sentence) if ch.isalpha())
    altered = sentence[:i] + ("x" if sentence[i] != "x" else "y") + sentence[i + 1 :]
    assert not _in_article(altered)
    assert not _in_article(sentence.replace(" ", "  ", 1) + "X")


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_config_fields_exist(claim: dict, cfg: DictConfig):
    if _status(claim) == "planned":
        pytest.skip("planned mechanism: its fields do not exist yet")
    missing = [path for path in claim["sets"] if not _exists(cfg, path)]
    assert not missing, f"config fields not in the composed config: {missing}"


def test_select_rejects_unknown_field(cfg: DictConfig):
    # Guard for test_config_fields_exist: an unknown path must come back as the sentinel.
    assert _exists(cfg, "theatre.units.gna_sirte_front.km")
    assert not _exists(cfg, "theatre.units.gna_sirte_front.no_such_field")
    assert not _exists(cfg, "mechanisms.no_such_mechanism.enabled")


def test_sirte_is_about_370_km_from_tripoli(cfg: DictConfig):
    # Seed: "the outskirts of Sirte, 230 miles east of Tripoli" (~370 km, straight line).
    assert _in_article("Sirte, 230 miles east of Tripoli")
    assert 230 * MILES_TO_KM == pytest.approx(370.0, abs=1.0)
    places = cfg.theatre.places
    km = great_circle_km(places.tripoli.lat, places.tripoli.lon, places.sirte.lat, places.sirte.lon)
    assert km == pytest.approx(370.0, rel=0.10)
    assert places.sirte.lon > places.tripoli.lon, "Sirte must lie east of Tripoli"
