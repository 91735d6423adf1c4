"""python -m sim.check_claims: the seed's starting-day claims checked against the runs' first days."""

import json

import pytest
import yaml
from analysis_inputs import command

from sim.check_claims import CLAIMS_FILE, check, load_checks, main
from sim.config import ConfigError
from sim.runner.compose import compose
from sim.runner.experiment import prepare


def experiment(*overrides):
    return prepare(compose(["mc.runs=12", "executor=serial", *overrides]))


def test_baseline_reproduces_the_seed_starting_days():
    exp = experiment()
    result = check(exp, load_checks(CLAIMS_FILE, exp))
    shares = {c["id"]: c["share"] for c in result["claims"]}
    assert set(shares) == {
        "gna_at_sirte_outskirts",
        "wagner_retreated_to_jufra",
        "sharara_production_resumed",
    }
    assert shares["wagner_retreated_to_jufra"] == 1.0
    assert shares["sharara_production_resumed"] == 1.0
    assert shares["gna_at_sirte_outskirts"] >= 0.9
    assert result["runs"] == 12
    assert 0.9 <= result["all"]["share"] <= min(shares.values())


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
    shares = {c["id"]: c["share"] for c in result["claims"]}
    assert shares[claim] == 0.0
    assert result["all"]["share"] == 0.0


def test_blockade_stops_sharara_only_while_the_lna_holds_a_required_place():
    # Zawiya (the pipeline's terminal) LNA-held under the blockade: no production from day 1
    exp = experiment("theatre.places.zawiya.control=LNA")
    shares = {c["id"]: c["share"] for c in check(exp, load_checks(CLAIMS_FILE, exp))["claims"]}
    assert shares["sharara_production_resumed"] == 0.0
    exp = experiment("theatre.places.zawiya.control=LNA", "mechanisms.oil.blockade=false")
    shares = {c["id"]: c["share"] for c in check(exp, load_checks(CLAIMS_FILE, exp))["claims"]}
    assert shares["sharara_production_resumed"] == 1.0


@pytest.mark.parametrize(
    ("check_spec", "message"),
    [
        (
            {"days": [0, 7], "conditions": [{"test": "held", "place": "sirte"}]},
            r"conditions\[0\]\.test: got 'held'",
        ),
        (
            {"days": [0, 7], "conditions": [{"test": "held_by", "place": "sirt", "faction": "LNA"}]},
            r"conditions\[0\]\.place: got 'sirt'; allowed: .*sirte",
        ),
        (
            {"days": [0, 7], "conditions": [{"test": "unit_at", "place": "sirte"}]},
            r"conditions\[0\]\.unit: missing",
        ),
        (
            {"days": [5, 2], "conditions": [{"test": "producing", "system": "sharara"}]},
            r"check\.days: got \[5, 2\]",
        ),
        ({"days": [0, 7], "conditions": []}, r"claims\[0\]\.check: expected a mapping"),
        (
            {"days": [0, 7], "conditions": [{"test": "front_short_of", "place": "jufra", "km": 5}]},
            r"place: 'jufra' is not on the coastal road",
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
    assert "Seed claims reproduced in the first days of 6 baseline runs (90% interval)" in text
    assert "Wagner at the al-Jufra air base" in text and "all of them" in text
    result = json.loads(out.read_text())
    assert result["claims"][0]["id"] == "gna_at_sirte_outskirts"
    code, _, err = command(main, ["mc.runs=6", "horizon_days=3"], capsys)  # the checks need 7 days
    assert code == 2 and err.count("\n") == 1
    assert "check.days: got [0, 7]; allowed: [first, last] with 0 <= first <= last <= 3" in err
