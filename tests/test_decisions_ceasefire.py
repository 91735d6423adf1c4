"""Ceasefire and red line as decisions (issue 15): cause and effect over seeded runs; no calendar clocks."""

import math

import numpy as np
import pytest
from helpers import with_mechanisms

import sim.model.model as model_module
from sim.model import ConflictModel
from sim.model.mechanisms.ceasefire import Ceasefire
from sim.model.mechanisms.red_line import RedLine
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_seed, simulate

# A contested front: weaker defences than the default, so the GNA's assaults on the red line are close calls.
CONTESTED = {"combat": {"defender_bonus": 1.2, "assault_ratio": 1.0}}
# Ceasefires offered and accepted readily, so their breaking can be studied in short runs.
EAGER = {"enabled": True, "offer_bias": 1.0, "accept_bias": 1.0}
# A frozen war: units in contact cannot move, kill, be reinforced or recover; nothing new happens.
FROZEN = {
    "movement": {"speed_km_per_day": 0.0},
    "combat": {"kill_rate": 0.0},
    "air": {"enabled": False},
    "reinforcements": {"enabled": False},
    "morale": {"recovery_per_day": 0.0},
    "cohesion": {"recovery_per_day": 0.0},
}


@pytest.fixture(scope="module")
def exp():
    return prepare(compose(["scenario=ceasefire_pretext"]))


def params(exp, **changes):
    return with_mechanisms(exp.config.mechanisms, **changes)


def runs(exp, p, n=40, horizon=120, salt=0):
    return [simulate(exp.theatre, p, horizon, run_seed(300 + salt, i)) for i in range(n)]


def share(models, name):
    vals = [m.outcomes()[name] for m in models]
    return float(np.mean([(v is True) or (isinstance(v, float) and not math.isnan(v)) for v in vals]))


# --- deterrence: the GNA's belief in Egypt's resolve ------------------------------------------------


def test_stronger_belief_in_egypts_resolve_means_fewer_assaults_and_fewer_interventions(exp, monkeypatch):
    red = {exp.theatre.index(p) for p in ("sirte", "jufra")}
    assault_days = []
    real = model_module.resolve_combat

    def counting(model):
        losses, assaulted = real(model)
        declared = model.steps >= 13  # the line is drawn on day 13
        if declared and any(u.faction == "LNA" and u.node in red and u.dest < 0 for u in assaulted):
            assault_days.append(1)
        return losses, assaulted

    monkeypatch.setattr(model_module, "resolve_combat", counting)

    def outcome(prior):
        assault_days.clear()
        p = params(exp, red_line={"enabled": True, "prior_resolve": prior}, **CONTESTED)
        models = runs(exp, p, n=30, horizon=90, salt=1)
        return len(assault_days), share(models, "egypt_intervened_day")

    weak_assaults, weak_interventions = outcome(0.02)
    strong_assaults, strong_interventions = outcome(0.95)
    assert strong_assaults < 0.3 * weak_assaults
    assert strong_interventions < weak_interventions


def test_the_red_line_can_hold_untested_and_be_tested(exp):
    models = runs(exp, params(exp, red_line={"enabled": True}, **CONTESTED), n=30, horizon=90, salt=2)
    crossed = [not math.isnan(m.outcomes()["red_line_crossed_day"]) for m in models]
    acted = [not math.isnan(m.outcomes()["egypt_intervened_day"]) for m in models]
    assert any(crossed) and not all(crossed)
    assert any(not c and not a for c, a in zip(crossed, acted, strict=True))  # held with no intervention
    for m in models:  # Egypt acts only once it has declared the line (day 13), never at a ceasefire's end
        d = m.outcomes()["egypt_intervened_day"]
        assert math.isnan(d) or d >= 13


def test_a_more_resolved_egypt_intervenes_more(exp):
    def interventions(resolve):
        p = params(exp, red_line={"enabled": True, "resolve": resolve}, **CONTESTED)
        return share(runs(exp, p, n=30, horizon=90, salt=3), "egypt_intervened_day")

    assert interventions(0.3) < interventions(3.0)


# --- the pretext as the LNA's choice ----------------------------------------------------------------


def pretext_share(exp, salt, **changes):
    p = params(exp, ceasefire={**EAGER, "pretext_prob": 0.5, **changes})
    return share(runs(exp, p, n=40, horizon=120, salt=salt), "ceasefire_pretext")


def test_a_larger_regroup_gain_means_more_pretext(exp):
    assert pretext_share(exp, 4, regroup_factor=1.0) + 0.1 < pretext_share(exp, 4, regroup_factor=10.0)


def test_a_lower_cost_of_reneging_means_more_pretext(exp):
    assert pretext_share(exp, 5, renege_cost=3.0) + 0.1 < pretext_share(exp, 5, renege_cost=0.5)


# --- no calendar clocks -----------------------------------------------------------------------------


def frozen(exp, **mechanisms):
    return with_mechanisms(exp.config.mechanisms, **FROZEN, **mechanisms)


def decisions(m: ConflictModel) -> tuple:
    """Every daily decision of the two mechanisms, evaluated on the model's current state."""
    c, r = m.mechanism(Ceasefire), m.mechanism(RedLine)
    p = c.params
    offers = tuple(p.offer_bias + c.willingness(f) > 0 for f in c.factions)
    accepts = tuple(
        p.accept_bias + c.willingness(f) - p.w_distrust * (1 - c._trust(f)) > 0 for f in c.factions
    )
    strike = c.reneging_pays() and c.strike_value() > c.renege_cost()
    return offers, accepts, strike, r.intervention_pays(), r.believed_cost("GNA", exp_index(m, "sirte"))


def exp_index(m, place):
    return m.theatre.index(place)


def test_decisions_are_the_same_on_day_30_and_day_200_in_the_same_state(exp):
    p = frozen(exp, ceasefire={"enabled": True}, red_line={"enabled": True})
    for i in range(40):
        m = ConflictModel(exp.theatre, p, 40, rng=run_seed(306, i))
        for _ in range(30):
            m.step()
        on_30 = decisions(m)
        m.steps = 200  # the same state, a later day
        assert decisions(m) == on_30


def test_doubling_the_horizon_of_a_frozen_war_adds_no_events(exp):
    p = frozen(exp, ceasefire=EAGER, red_line={"enabled": True})
    events = ("ceasefire_declared_day", "ceasefire_broken_day", "egypt_intervened_day")
    events += ("red_line_crossed_day",)
    by_t, by_2t = dict.fromkeys(events, 0), dict.fromkeys(events, 0)
    pretext_t = pretext_2t = 0
    for i in range(40):
        m = ConflictModel(exp.theatre, p, 200, rng=run_seed(307, i))
        for _ in range(100):
            m.step()
        pretext_t += m.outcomes()["ceasefire_pretext"]
        for _ in range(100):
            m.step()
        out = m.outcomes()
        pretext_2t += out["ceasefire_pretext"]
        for e in events:
            by_t[e] += out[e] <= 100
            by_2t[e] += out[e] <= 200
    assert pretext_t == pretext_2t
    for e in events:
        assert by_2t[e] - by_t[e] <= 1, e  # at most one run in 40
    assert by_t["ceasefire_declared_day"] > 0 and by_t["ceasefire_broken_day"] > 0  # events do happen


# --- who may use a lull as a pretext: a theatre's choice ----------------------------------------------


@pytest.mark.parametrize(("schemer", "watcher"), [("", "GNA"), ("LNA", "GNA"), ("GNA", "LNA")])
def test_the_side_named_as_possible_schemer_is_the_one_that_regroups_and_strikes(exp, schemer, watcher):
    """The side named by ``pretext_faction`` is the one that regroups in a lull and strikes.

    The other side watches (its belief is the series) and is the one that may pre-empt.
    """
    p = params(exp, ceasefire={**EAGER, "pretext_prob": 0.9, "renege_cost": 0.5, "pretext_faction": schemer})
    models = runs(exp, p, n=30, horizon=120, salt=6)
    schemer = schemer or "LNA"
    breaks = [
        (actor, detail)
        for m in models
        for _, actor, kind, _, detail in m.events
        if kind == "ceasefire_broken"
    ]
    strikes = {actor for actor, detail in breaks if detail.startswith("regrouped")}
    pre_empts = {actor for actor, detail in breaks if detail.startswith("pre-empts")}
    assert strikes == {schemer}  # likely schemers do strike, and only they
    assert pre_empts <= {watcher}
    assert f"{watcher.lower()}_belief_sincere" in models[0].series
