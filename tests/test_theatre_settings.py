"""Settings a theatre or its scenarios give: a scenario written for one theatre, a truce in force on day 0.

Checked on the fictional toy theatre (tests/configs).
"""

from pathlib import Path

import numpy as np
import pytest

from sim.config import ConfigError
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import simulate

TOY = Path(__file__).parent / "configs"


def test_a_scenario_written_for_a_theatre_selects_it_and_refuses_another():
    exp = prepare(compose(["scenario=toy_truce"], extra_dir=TOY))
    assert exp.theatre.name == "toy" and exp.config.scenario.theatre == "toy"
    with pytest.raises(ConfigError) as err:
        prepare(compose(["scenario=toy_truce", "theatre=libya2020"], extra_dir=TOY))
    assert str(err.value) == (
        "scenario.theatre: scenario 'toy_truce' is written for theatre 'toy', not 'libya2020'; "
        "allowed: theatre=toy, or a scenario for any theatre"
    )


def test_a_scenario_for_any_theatre_runs_with_each():
    for theatre in ("toy", "libya2020"):
        assert (
            prepare(
                compose([f"theatre={theatre}", "scenario=combined"], extra_dir=TOY)
            ).config.scenario.theatre
            == ""
        )


def fatalities_by_day(truce: bool, days: int = 3, seeds=range(10)) -> list[float]:
    switch = f"mechanisms.ceasefire.in_force_on_day_0={str(truce).lower()}"
    exp = prepare(compose(["scenario=toy_truce", switch, f"horizon_days={days}"], extra_dir=TOY))
    out = []
    for seed in seeds:
        m = simulate(exp.theatre, exp.config.mechanisms, days, seed)
        if truce:
            assert m.outcomes()["ceasefire_declared_day"] == 0 and m.series["ceasefire_in_force"][0] == 1
            assert m.events[1][2] == "ceasefire_accepted" and m.events[1][0] == 0
        out.append(m.series["fatalities_cum"][days])
    return out


def test_a_truce_in_force_on_day_0_stops_the_first_days_fighting():
    with_truce, without = np.mean(fatalities_by_day(True)), np.mean(fatalities_by_day(False))
    assert with_truce < 0.5 * without


def test_a_truce_in_force_on_day_0_needs_the_offer_it_accepted():
    with pytest.raises(
        ConfigError, match=r"mechanisms.ceasefire.in_force_on_day_0: true needs an initial_offer"
    ):
        prepare(compose(["scenario=toy_truce", "mechanisms.ceasefire.initial_offer=none"], extra_dir=TOY))
