"""Helpers shared by the tests."""

import dataclasses
import re
import time

from sim.config import MechanismsConfig

#: The Libya results contract (issue 2): outcome columns of every run of the libya2020 theatre, whatever
#: mechanisms are on, and series variables of every run. Written out here (not derived from the code) so
#: that the theatre-agnostic redesign is held to the names existing results, questions and notebooks use.
LIBYA_OUTCOMES = (
    "sirte_captured_day",
    "jufra_captured_day",
    "front_km_final",
    "ceasefire_declared_day",
    "ceasefire_broken_day",
    "ceasefire_pretext",
    "egypt_intervened_day",
    "tr_deal_day",
    "tr_clash_day",
    "unrest_peak_active_share",
    "east_govt_fell_day",
    "oil_output_final_bpd",
    "fatalities_total",
)
LIBYA_SERIES = (
    "front_km",
    "gna_strength",
    "lna_strength",
    "lna_cohesion",
    "oil_output_bpd",
    "unrest_active_share",
    "fatalities_cum",
)


def with_mechanisms(mech: MechanismsConfig, **changes: dict) -> MechanismsConfig:
    """Mechanism parameters with some sub-configs changed, e.g. ``ceasefire={"enabled": True}``."""
    return dataclasses.replace(
        mech, **{k: dataclasses.replace(getattr(mech, k), **v) for k, v in changes.items()}
    )


def wait_for(condition, seconds: float, what: str) -> None:
    """Poll ``condition()`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {seconds} s waiting for {what}"
        time.sleep(0.05)


def check_claim_ids(claims: list, ids: list[str], path: str) -> None:
    """A claims file holds claims, and no id twice."""
    assert claims, f"{path} has no claims"
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate claim ids: {duplicates}"


def check_claim_shape(claim: dict, required: set[str], optional: set[str], texts: tuple[str, ...]) -> None:
    """A claim's keys (the required ones, no unknown one), a snake_case id, its texts, and ``sets`` paths."""
    keys = set(claim)
    assert required <= keys, f"missing keys: {sorted(required - keys)}"
    unknown = keys - required - optional
    assert not unknown, f"unknown keys: {sorted(unknown)}"
    assert re.fullmatch(r"[a-z][a-z0-9_]*", claim["id"]), "id must be snake_case"
    for key in texts:
        value = claim[key]
        assert isinstance(value, str) and value.strip(), f"{key} must be a non-empty string"
    assert isinstance(claim["sets"], list), "sets must be a list"
    assert all(isinstance(s, str) and s for s in claim["sets"]), "sets must hold dotted paths"
