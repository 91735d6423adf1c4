"""Eastern unrest coupled to the war: legitimacy and cops -> unrest -> fewer LNA troops at the front."""

import math

import numpy as np
import pytest
from helpers import with_mechanisms

from sim.model import ConflictModel
from sim.model.mechanisms.unrest import Unrest
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_seed, simulate

N, HORIZON = 12, 60


@pytest.fixture(scope="module")
def exp():
    return prepare(compose(["scenario=eastern_unrest"]))


def unrest_params(exp, **changes):
    return with_mechanisms(exp.config.mechanisms, unrest=changes)


def front_strength(m: ConflictModel) -> float:
    """LNA personnel neither in an eastern city nor on its way home to one."""
    east = set(m.mechanism(Unrest).places)
    return sum(
        u.strength
        for u in m.units_of["LNA"]
        if u.node not in east and not (u.role == "defend" and u.home in east)
    )


def ensemble(exp, p, salt):
    models = [simulate(exp.theatre, p, HORIZON, run_seed(300 + salt, i)) for i in range(N)]
    peak = np.mean([m.outcomes()["unrest_peak_active_share"] for m in models])
    front = np.mean([front_strength(m) for m in models])
    diversions = np.mean([m.outcomes()["unrest_diversions"] for m in models])
    return peak, front, diversions


def test_lower_legitimacy_more_unrest_fewer_lna_troops_at_the_front(exp):
    high = ensemble(exp, unrest_params(exp, legitimacy_base=1.0), salt=0)
    low = ensemble(exp, unrest_params(exp, legitimacy_base=0.9), salt=0)
    assert low[0] > 1.5 * high[0]  # more unrest (peaks include the outburst when Benghazi's reserve leaves)
    assert low[2] > high[2]  # more detachments sent home
    assert low[1] < high[1] - 500  # fewer LNA troops at the front


def test_fewer_cops_more_unrest_fewer_lna_troops_at_the_front(exp):
    many = ensemble(exp, unrest_params(exp, cop_density=0.074, police_floor=1.0), salt=1)
    few = ensemble(exp, unrest_params(exp, cop_density=0.03, police_floor=1.0), salt=1)
    assert few[0] > 2 * many[0]
    assert few[1] < many[1]


def test_units_sent_to_the_front_take_cops_away(exp):
    m = ConflictModel(exp.theatre, exp.config.mechanisms, 30, rng=5)
    for _ in range(6):  # the Benghazi reserve leaves for Sirte on day 2
        m.step()
    benghazi = m.theatre.index("benghazi")
    assert m.unit_by_key["lna_benghazi_reserve"].node != benghazi
    mech = m.mechanism(Unrest)
    k = mech.places.index(benghazi)
    floor = exp.config.mechanisms.unrest.police_floor
    assert mech.grid.cops_per_block()[k] == round(mech.base_cops[k] * floor)
    assert m.series["east_cops_share"][6] < 1.0


def test_sustained_unrest_brings_the_government_down_and_costs_cohesion(exp):
    # the regime weathered day 0's unrest; deaths that erode its legitimacy raise unrest above that level
    fell = unrest_params(exp, legitimacy_drop_per_1000_killed=0.1)
    calm = unrest_params(exp, legitimacy_drop_per_1000_killed=0.0, legitimacy_drop_per_defeat=0.0)
    a = [simulate(exp.theatre, fell, 90, run_seed(8, i)) for i in range(8)]
    b = [simulate(exp.theatre, calm, 90, run_seed(8, i)) for i in range(8)]
    falls = [sum(not math.isnan(m.outcomes()["east_govt_fell_day"]) for m in ms) for ms in (a, b)]
    assert falls[0] >= 6 and falls[0] > falls[1] + 2
    cohesion = [np.mean([m.series["lna_cohesion"][-1] for m in ms]) for ms in (a, b)]
    assert cohesion[0] < cohesion[1]


def test_unrest_series_and_peak_agree(exp):
    m = simulate(exp.theatre, exp.config.mechanisms, 30, 9)
    s = m.series["unrest_active_share"]
    assert np.all((s >= 0) & (s <= 1))
    assert m.outcomes()["unrest_peak_active_share"] == pytest.approx(np.max(s))
