"""python -m sim.check_claims: the seed's starting-day claims checked against the runs' first days."""

import json

import pytest
import yaml
from analysis_inputs import command

from sim.check_claims import CLAIMS_FILE, check, load_checks, main
from sim.claim_checks import verdict
from sim.config import ConfigError
from sim.runner.compose import compose
from sim.runner.experiment import prepare


def experiment(*overrides):
    return prepare(compose(["mc.runs=12", "executor=serial", *overrides]))


def test_baseline_reproduces_the_seed_starting_days():
    exp = experiment()
    result = check(exp, load_checks(CLAIMS_FILE, exp))
    by_id = {c["id"]: c for c in result["claims"]}
    shares = {k: c["share"] for k, c in by_id.items() if c["verdict"] != "not checked"}
    assert set(shares) == {
        "gna_at_sirte_outskirts",
        "end_of_attack_on_tripoli",
        "wagner_retreated_to_jufra",
        "sharara_production_resumed",
    }
    assert shares["wagner_retreated_to_jufra"] == 1.0
    assert shares["sharara_production_resumed"] == 1.0
    assert shares["gna_at_sirte_outskirts"] >= 0.9
    assert result["runs"] == 12
    assert 0.9 <= result["all"]["share"] <= min(shares.values())
    # the claims about deals, clashes, unrest and Egypt need mechanisms the baseline switches off
    assert by_id["turkey_russia_avoid_confrontation"]["needs"] == ["bargaining"]
    assert by_id["unrest_in_eastern_strongholds"]["needs"] == ["unrest"]
    assert by_id["ceasefire_pretext_for_egyptian_strikes"]["needs"] == ["red_line"]


def test_a_check_over_the_horizon_agrees_with_the_runners_outcomes(tmp_path):
    """Stepping the runs for a claim gives the same events as the runner's runs (same seeds)."""
    import pandas as pd

    import sim

    overrides = ["scenario=turkey_russia_deal", "horizon_days=90"]
    exp = experiment(*overrides)
    checks = [c for c in load_checks(CLAIMS_FILE, exp) if c["id"] == "turkey_russia_may_agree"]
    result = check(exp, checks)
    sim.run(["mc.runs=12", "executor=serial", *overrides], tmp_path / "e", quiet=True)
    runs = pd.read_parquet(tmp_path / "e" / "runs.parquet")
    assert result["claims"][0]["runs_reproducing"] == int(runs["tr_deal_day"].notna().sum())


def test_every_day_and_some_day_read_the_same_conditions_differently(tmp_path):
    exp = experiment("horizon_days=10")
    held = {"test": "held_by", "place": "sharara", "faction": "GNA"}
    spec = {"days": [0, 10], "window": "w", "conditions": [held]}
    path = tmp_path / "c.yaml"
    claims = [{"id": "every", "check": spec}, {"id": "some", "check": spec | {"when": "some day"}}]
    path.write_text(yaml.safe_dump({"claims": claims}))
    shares = {c["id"]: c.get("share") for c in check(exp, load_checks(path, exp))["claims"]}
    assert shares["every"] == 0.0  # the GNA holds Sharara on day 0, the LNA retakes it on day 4 ...
    assert shares["some"] == 1.0  # ... in every run


@pytest.mark.parametrize(
    ("expect", "low", "high", "verdict_"),
    [
        ("fact", 0.6, 0.9, "reproduced"),
        ("fact", 0.4, 0.7, "not resolved"),
        ("likely", 0.2, 0.5, "not reproduced"),
        ("unlikely", 0.1, 0.4, "reproduced"),
        ("unlikely", 0.5, 0.8, "not reproduced"),
        ("possible", 0.05, 0.2, "reproduced"),
        ("possible", 0.0, 0.04, "not reproduced"),
        ("possible", 0.02, 0.1, "not resolved"),
    ],
)
def test_a_verdict_needs_the_whole_interval_on_one_side(expect, low, high, verdict_):
    assert verdict(expect, low, high) == verdict_


@pytest.mark.parametrize(
    ("overrides", "claim"),
    [
        (["theatre.units.wagner.place=sirte"], "wagner_retreated_to_jufra"),  # Wagner starts elsewhere
        (["theatre.places.sharara.control=LNA"], "sharara_production_resumed"),  # the LNA holds the field
        (["theatre.places.sirte.control=GNA"], "gna_at_sirte_outskirts"),  # Sirte already taken
    ],
)
def test_a_start_that_contradicts_the_seed_is_caught(overrides, claim):
    exp = experiment(*overrides)
    result = check(exp, load_checks(CLAIMS_FILE, exp))
    shares = {c["id"]: c.get("share") for c in result["claims"]}
    assert shares[claim] == 0.0
    assert result["all"]["share"] == 0.0


def test_blockade_stops_sharara_only_while_the_lna_holds_a_required_place():
    # Zawiya (the pipeline's terminal) LNA-held under the blockade: no production from day 1
    exp = experiment("theatre.places.zawiya.control=LNA")
    shares = {c["id"]: c.get("share") for c in check(exp, load_checks(CLAIMS_FILE, exp))["claims"]}
    assert shares["sharara_production_resumed"] == 0.0
    exp = experiment("theatre.places.zawiya.control=LNA", "mechanisms.oil.blockade=false")
    shares = {c["id"]: c.get("share") for c in check(exp, load_checks(CLAIMS_FILE, exp))["claims"]}
    assert shares["sharara_production_resumed"] == 1.0


@pytest.mark.parametrize(
    ("check_spec", "message"),
    [
        (
            {"days": [0, 7], "window": "w", "conditions": [{"test": "held", "place": "sirte"}]},
            r"conditions\[0\]\.test: got 'held'",
        ),
        (
            {
                "days": [0, 7],
                "window": "w",
                "conditions": [{"test": "held_by", "place": "sirt", "faction": "LNA"}],
            },
            r"conditions\[0\]\.place: got 'sirt'; allowed: .*sirte",
        ),
        (
            {"days": [0, 7], "window": "w", "conditions": [{"test": "unit_at", "place": "sirte"}]},
            r"conditions\[0\]\.unit: missing",
        ),
        (
            {"days": [5, 2], "window": "w", "conditions": [{"test": "producing", "system": "sharara"}]},
            r"check\.days: got \[5, 2\]",
        ),
        ({"days": [0, 7], "conditions": []}, r"claims\[0\]\.check: expected a mapping"),
        (
            {
                "days": [0, 7],
                "window": "w",
                "conditions": [{"test": "front_short_of", "place": "jufra", "km": 5}],
            },
            r"place: 'jufra' is not on the coastal road",
        ),
        (
            {"days": [0, 7], "conditions": [{"test": "producing", "system": "sharara"}]},
            r"check\.window: missing",
        ),
        (
            {
                "days": [0, 7],
                "window": "w",
                "expect": "maybe",
                "conditions": [{"test": "producing", "system": "sharara"}],
            },
            r"check\.expect: got 'maybe'; allowed: fact, likely, unlikely, possible",
        ),
        (
            {
                "days": [0, 7],
                "window": "w",
                "when": "always",
                "conditions": [{"test": "producing", "system": "sharara"}],
            },
            r"check\.when: got 'always'; allowed: every day, some day",
        ),
        (
            {
                "days": [0, 7],
                "window": "w",
                "conditions": [{"test": "outcome", "outcome": "tr_deal_day", "op": "gt"}],
            },
            r"conditions\[0\]\.value: missing; outcome takes outcome, op, value",
        ),
        (
            {
                "days": [0, 7],
                "window": "w",
                "conditions": [{"test": "outcome", "outcome": "tr_deal", "op": "happened"}],
            },
            r"conditions\[0\]\.outcome: got 'tr_deal'; allowed: ",
        ),
        (
            {
                "days": [0, 7],
                "window": "w",
                "requires": ["redline"],
                "conditions": [{"test": "producing", "system": "sharara"}],
            },
            r"check\.requires: got \['redline'\]; allowed: a list of mechanisms of ",
        ),
        (
            {"days": [0, "end"], "window": "w", "conditions": [{"test": "producing", "system": "sharara"}]},
            r"check\.days: got \[0, 'end'\]; allowed: .* \(last may be 'horizon'\)",
        ),
    ],
)
def test_bad_checks_fail_in_one_line(tmp_path, check_spec, message):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [{"id": "x", "check": check_spec}]}))
    with pytest.raises(ConfigError, match=message) as err:
        load_checks(path, experiment())
    assert "\n" not in str(err.value)


def test_command_prints_and_writes_the_shares(tmp_path, capsys):
    out = tmp_path / "claims.json"
    assert main(["--out", str(out), "mc.runs=6", "executor=serial", "horizon_days=10"]) == 0
    text = capsys.readouterr().out
    assert "Seed claims in 6 baseline runs (90% interval; a fact or a likely event needs >= 55%" in text
    assert "Wagner at the al-Jufra air base" in text and "all the seed's facts" in text
    assert "fact: reproduced" in text and "not checked (needs bargaining)" in text
    result = json.loads(out.read_text())
    assert result["claims"][0]["id"] == "gna_at_sirte_outskirts"
    code, _, err = command(main, ["mc.runs=6", "horizon_days=3"], capsys)  # the checks need 7 days
    assert code == 2 and err.count("\n") == 1
    assert "check.days: got [0, 7]; allowed: [first, last] with 0 <= first <= last <= 3" in err
    assert result["claims"][0]["verdict"] in ("reproduced", "not resolved")
