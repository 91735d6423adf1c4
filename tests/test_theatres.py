"""A theatre is data: the fictional test theatre (tests/configs/theatre/toy.yaml) runs every mechanism.

The toy theatre shares no place, faction or patron with Libya. Composed from YAML alone (no code names
it), it must run each mechanism alone and all together, produce the outcomes and series the mechanisms
declare (named from its own ids), answer its own questions, and go through the whole pipeline.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from helpers import LIBYA_OUTCOMES, LIBYA_SERIES

from sim.config import ConfigError
from sim.model.contract import describe_outcomes, outcomes_of, series_of
from sim.model.mechanisms import registry
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_experiment, simulate

TESTS = Path(__file__).parent
TOY = TESTS / "configs"
MECHANISMS = [cls.key for cls in registry()]


def toy(*overrides: str):
    return prepare(compose(["theatre=toy", *overrides], extra_dir=TOY))


def test_every_mechanism_is_registered():
    assert MECHANISMS == ["oil", "unrest", "ceasefire", "red_line", "bargaining"]  # their step order


@pytest.mark.parametrize("key", [*MECHANISMS, "all"])
def test_each_mechanism_runs_on_the_toy_theatre(key):
    """Each mechanism alone (and all together) runs; its outcomes and series are the declared ones."""
    switches = [f"mechanisms.{k}.enabled={'true' if key in (k, 'all') else 'false'}" for k in MECHANISMS]
    exp = toy(*switches, "horizon_days=40")
    declared = {o.name for o in outcomes_of(exp.config.mechanisms, exp.theatre)}
    series = {s.name for s in series_of(exp.config.mechanisms, exp.theatre)}
    for seed in range(3):
        model = simulate(exp.theatre, exp.config.mechanisms, 40, seed)
        assert set(model.outcomes()) == declared
        assert set(model.series) == series
        assert not np.isnan(model.series["front_km"]).any()
    names = {m.key for m in model.mechanisms}
    assert names == (set(MECHANISMS) if key == "all" else {key})


def test_names_come_from_the_theatre():
    exp = toy("scenario=combined")
    names = {o.name for o in outcomes_of(exp.config.mechanisms, exp.theatre)}
    assert {"ridge_captured_day", "eastport_captured_day", "south_intervened_day"} <= names
    assert {"ns_deal_day", "ns_clash_day", "hills_govt_fell_day", "holder_hightown"} <= names
    series = {s.name for s in series_of(exp.config.mechanisms, exp.theatre)}
    assert {"west_strength", "east_cohesion", "west_belief_sincere", "hills_legitimacy"} <= series
    assert not names & set(LIBYA_OUTCOMES) - {
        "front_km_final",
        "fatalities_total",
        "oil_output_final_bpd",
        "ceasefire_declared_day",
        "ceasefire_broken_day",
        "ceasefire_pretext",
        "unrest_peak_active_share",
    }
    assert (
        describe_outcomes(exp.config.mechanisms, exp.theatre)["front_km_final"]["unit"] == "km from Westport"
    )


def test_libya_contract_is_unchanged():
    """The Libya theatre keeps the outcome and series names of existing results, in every scenario."""
    for scenario in ("baseline", "combined"):
        exp = prepare(compose([f"scenario={scenario}"]))
        assert set(LIBYA_OUTCOMES) <= {o.name for o in outcomes_of(exp.config.mechanisms, exp.theatre)}
        assert set(LIBYA_SERIES) <= {s.name for s in series_of(exp.config.mechanisms, exp.theatre)}


def test_mechanisms_act_in_the_toy_theatre():
    """Over seeded runs the mechanisms do something here too: riots, offers, escalation, a captured place."""
    exp = toy("scenario=combined", "horizon_days=90", "mc.runs=16", "mc.progress=false")
    runs, series = run_experiment(exp, executor="serial", progress=False)
    assert (runs["status"] == "ok").all()
    assert runs["unrest_peak_active_share"].max() > 0
    assert runs["ceasefire_declared_day"].notna().any() or runs["ns_deal_day"].notna().any()
    assert set(series["variable"].astype(str)) >= {"ns_deal_in_force", "hills_cops_share"}


def test_checks_name_the_theatre_items():
    """A mechanism checks its own references, only when enabled, with the usual one-line errors."""
    with pytest.raises(ConfigError, match=r"mechanisms.red_line.patron: 'egypt'; allowed: north, south"):
        toy("mechanisms.red_line.enabled=true", "mechanisms.red_line.patron=egypt")
    toy("mechanisms.red_line.patron=egypt")  # switched off: not checked
    with pytest.raises(
        ConfigError, match=r"mechanisms.ceasefire.initial_offer: 'LNA'; allowed: WEST, EAST, none"
    ):
        toy("mechanisms.ceasefire.enabled=true", "mechanisms.ceasefire.initial_offer=LNA")
    with pytest.raises(
        ConfigError, match=r"mechanisms.unrest.cities: all cities must be held by one faction"
    ):
        toy("mechanisms.unrest.enabled=true", "mechanisms.unrest.cities=[hightown,westport]")
    with pytest.raises(ConfigError, match=r"mechanisms.bargaining.patrons: name exactly two patrons"):
        toy("mechanisms.bargaining.enabled=true", "mechanisms.bargaining.patrons=[north]")


def test_the_whole_pipeline_runs_on_the_toy_theatre(tmp_path):
    """``sim.run`` with the toy theatre: questions answered, report and figures written."""
    import sim

    overrides = ["theatre=toy", "scenario=combined", "mc=smoke", "horizon_days=40"]
    res = sim.run(overrides, tmp_path / "toy", quiet=True, config_dir=TOY)
    q = res.summary["questions"]
    assert 0 <= q["west_takes_ridge"]["probability"] <= 1
    assert q["fatalities"]["quantiles"] is not None
    assert res.summary["columns"]["ridge_captured_day"]["label"] == "Ridge Pass captured"
    fans = [v for v, info in res.summary["series"].items() if info["fan"]]
    assert fans == ["front_km", "east_cohesion", "oil_output_bpd", "unrest_active_share"]
    assert res.summary["series"]["east_cohesion"]["label"] == "East cohesion"  # the faction's label
    figures = {p.name for p in (tmp_path / "toy" / "figures").glob("fan_*.png")}
    assert figures == {f"fan_{v}.png" for v in fans}
    assert (tmp_path / "toy" / "report.md").exists()
    assert not math.isnan(res.runs["front_km_final"].iloc[0])
