"""The factions' offensives, optimism and learning from battles (docs/ODD.md 4.1, 7.2, 7.3).

Also the decision primitives of sim/model/decide.py against known results.
"""

import math

import pytest
from helpers import with_mechanisms

from sim.model.decide import NormalBelief, bayes, choose, win_chance
from sim.model.model import ConflictModel
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_seed


@pytest.fixture(scope="module")
def exp():
    return prepare(compose([]))


def params(exp, **changes):
    return with_mechanisms(exp.config.mechanisms, **changes)


def model(exp, seed, mech=None, horizon=60):
    return ConflictModel(exp.theatre, mech or exp.config.mechanisms, horizon, rng=seed)


# -- primitives against known results -------------------------------------------------------------------


def test_contest_success_function_known_values():
    assert win_chance(1.0, 2.0) == pytest.approx(0.5)
    assert win_chance(2.0, 2.0) == pytest.approx(0.8)  # 4 / (1 + 4)
    assert win_chance(3.0, 1.0) == pytest.approx(0.75)
    assert win_chance(0.0, 2.0) == 0.0 and win_chance(math.inf, 2.0) == 1.0
    assert win_chance(1e300, 50.0) == 1.0  # no overflow


def test_normal_belief_is_the_conjugate_update():
    b = NormalBelief(1.0, 1.0)
    b.observe(3.0, 1.0)  # equal precision: halfway, variance halved
    assert (b.mean, b.var) == pytest.approx((2.0, 0.5))
    b.observe(2.0, 0.0)  # an exact observation settles it
    assert (b.mean, b.var) == (2.0, 0.0)


def test_bayes_and_choose():
    assert bayes(0.5, 0.4, 0.1) == pytest.approx(0.8)
    assert bayes(0.3, 0.0, 0.0) == 0.3  # impossible evidence leaves the belief
    assert choose({"a": 1.0, "b": 2.0, "c": 2.0}) == "b"


# -- the offensive decision -----------------------------------------------------------------------------


def test_optimism_makes_offensives_likelier(exp):
    """The same state, read with more optimism, is worth attacking: the LNA's reserve, moved up to Sirte."""
    m = model(exp, 1)
    lna = m.factions["LNA"]
    reserve = m.unit_by_key["lna_benghazi_reserve"]
    reserve.arrive(exp.theatre.index("sirte"))
    assert lna._free(reserve)
    lna.optimism.mean = -2.0
    assert lna.choose_offensive() == -1  # a pessimist keeps its reserve where it is
    lna.optimism.mean = 2.0
    assert lna.choose_offensive() == exp.theatre.index("abu_qurain")  # an optimist attacks
    lna.plan()
    assert reserve.target == exp.theatre.index("abu_qurain")


def test_a_reserve_never_strips_a_supply_base(exp):
    """The LNA's reserve stands alone on its base: it stays, whatever the faction believes."""
    m = model(exp, 1)
    lna = m.factions["LNA"]
    lna.optimism.mean = 5.0
    reserve = m.unit_by_key["lna_benghazi_reserve"]
    assert not lna._free(reserve)
    lna.plan()
    assert reserve.target == reserve.node


def test_reserves_join_offensives_only_when_enabled(exp):
    """Switching the decision off keeps every reserve out of offensives (the rule before issue 15)."""
    m = model(exp, 1, params(exp, offensives={"enabled": False}))
    m.unit_by_key["lna_benghazi_reserve"].arrive(exp.theatre.index("sirte"))
    m.factions["LNA"].optimism.mean = 5.0
    assert m.factions["LNA"].choose_offensive() == -1


def test_the_offensive_decision_does_not_read_the_calendar(exp):
    """The same state on day 5 and on day 200: the same choice (no clock in the decision)."""
    chosen = set()
    for s in range(20):
        m = model(exp, run_seed(6, s), horizon=300)
        m.unit_by_key["lna_benghazi_reserve"].arrive(exp.theatre.index("sirte"))
        lna = m.factions["LNA"]
        lna.optimism.mean *= 4  # spread the choices over the seeds
        first = lna.choose_offensive()
        m.steps = 200
        assert lna.choose_offensive() == first
        chosen.add(first)
    assert len(chosen) == 2  # some seeds attack, some don't


def test_battles_teach_the_sides_their_true_edge(exp):
    """Assaults pull each side's optimism toward zero and make it surer (Slantchev 2003)."""
    mech = params(exp, offensives={"optimism_sd": 1.0})
    moved = 0
    for s in range(20):
        m = model(exp, run_seed(7, s), mech, horizon=40)
        start = {f: (abs(a.optimism.mean), a.optimism.var) for f, a in m.factions.items()}
        m.run()
        for f, a in m.factions.items():
            if a.optimism.var < start[f][1]:  # it fought at least one assault
                moved += 1
                assert abs(a.optimism.mean) < start[f][0] + 0.5
    assert moved >= 20


def test_optimism_moves_the_war(exp):
    """Over seeded runs, an optimistic GNA takes Sirte more often than a pessimistic one."""

    def captures(mean):
        n = 0
        for s in range(40):
            m = model(exp, run_seed(8, s), horizon=60)
            m.factions["GNA"].optimism.mean = mean
            m.run()
            n += not math.isnan(m.captured_day["sirte"])
        return n

    assert captures(0.6) > captures(-0.6) + 4
