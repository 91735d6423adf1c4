"""Patrons choose their support (issue 15): the rule, cause and effect over seeded runs, and no drift.

The rule is sim/model/support.py (docs/ODD.md 4.1): a patron escalates where its support changes the
outcome it values, against what the support costs. Outside a bargaining game every patron with something
in the theatre chooses daily; the two patrons of a bargaining game choose there.
"""

import numpy as np
import pytest
from helpers import with_mechanisms

from sim.config import PatronSupportConfig
from sim.model import ConflictModel
from sim.model.mechanisms.bargaining import PatronBargaining
from sim.model.patron_game import View, best_escalation
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_seed, simulate

N, HORIZON = 30, 60
DECIDING = ("turkey", "russia", "uae")  # Egypt has nothing in Libya unless it intervenes


@pytest.fixture(scope="module")
def exp():
    return prepare(compose(["scenario=baseline"]))


def mean_escalation(exp, salt, **support):
    """Each deciding patron's escalation, averaged over days 1..HORIZON and N seeded runs."""
    p = with_mechanisms(exp.config.mechanisms, patron_support=support)
    out = []
    for i in range(N):
        m = simulate(exp.theatre, p, HORIZON, run_seed(800 + salt, i))
        out.append([np.mean(m.series[f"{k}_escalation"][1:]) for k in DECIDING])
    return np.mean(out, axis=0)


def view(balance):
    return View(balance, 0.5, 0.1, False, 0.001, 0.0)


def test_support_pays_in_a_close_fight_not_a_lopsided_one():
    """The contest's chance moves most with support at parity (the slope of the success function)."""
    p = PatronSupportConfig()
    assert best_escalation(view(0.0), p, 0.5)[0] == 1.0
    for lopsided in (-3.0, 3.0):  # the client is lost anyway, or wins anyway
        assert best_escalation(view(lopsided), p, 0.5)[0] < 1.0
    costly = PatronSupportConfig(support_cost=0.01)
    assert best_escalation(view(0.0), costly, 0.5)[0] < 1.0


def test_higher_stakes_bring_more_support(exp):
    low, high = mean_escalation(exp, 1, stake_scale=0.0), mean_escalation(exp, 1, stake_scale=5.0)
    assert (high >= low).all() and high.mean() > low.mean() + 0.05, (low, high)


def test_costlier_support_brings_less(exp):
    cheap, dear = mean_escalation(exp, 2, support_cost=0.0001), mean_escalation(exp, 2, support_cost=0.003)
    assert (dear < cheap - 0.1).all(), (cheap, dear)


def test_support_reaches_the_war(exp):
    """A patron's choice scales what it sends: dearer support, fewer fighters through Russia."""
    sent = {}
    for cost in (0.0001, 0.003):
        p = with_mechanisms(exp.config.mechanisms, patron_support={"support_cost": cost})
        runs = [simulate(exp.theatre, p, HORIZON, run_seed(830, i)) for i in range(N)]
        sent[cost] = np.mean([m.patrons["russia"].reinforcements_sent for m in runs])
    assert sent[0.003] < 0.9 * sent[0.0001], sent


def test_assaults_teach_a_patron_the_balance_and_quiet_days_do_not(exp):
    m = ConflictModel(exp.theatre, exp.config.mechanisms, 200, rng=run_seed(840, 0))
    d = m.patrons["uae"].decision.beliefs
    var, taught = d.misreading.var, 0
    for _ in range(200):
        assaulted = bool(m.assaulted_places)
        m.step()
        if assaulted:
            taught += 1
            assert d.misreading.var < var
        else:
            assert d.misreading.var == var
        var = d.misreading.var
    assert taught > 0


def test_bargaining_patrons_choose_in_their_game():
    exp = prepare(compose(["scenario=turkey_russia_deal"]))
    m = ConflictModel(exp.theatre, exp.config.mechanisms, 30, rng=run_seed(850, 0))
    assert m.bargained == {"turkey", "russia"}
    before = m.patrons["turkey"].decision.choice
    m.run()
    assert m.patrons["turkey"].decision.choice == before  # untouched: the game set Turkey's escalation
    assert m.series["turkey_escalation"][30] == m.mechanism(PatronBargaining).escalation["turkey"]


def test_switched_off_the_patrons_keep_their_day_0_commitment(exp):
    p = with_mechanisms(exp.config.mechanisms, patron_support={"enabled": False})
    m = simulate(exp.theatre, p, 30, run_seed(860, 0))
    for k in m.patrons:
        assert (m.series[f"{k}_escalation"] == 0.5).all()
        assert m.support[k] == 1.0
