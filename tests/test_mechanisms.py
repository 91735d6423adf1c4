"""The analysts' scenarios as mechanisms: cause and effect over many seeded runs."""

import math

import numpy as np
import pytest
from helpers import with_mechanisms
from omegaconf import OmegaConf

from sim.cli import preflight
from sim.model import ConflictModel
from sim.model.mechanisms.ceasefire import Ceasefire
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_seed, simulate

N = 40


@pytest.fixture(scope="module")
def exp():
    return prepare(compose([]))


def params(exp, **changes):
    return with_mechanisms(exp.config.mechanisms, **changes)


def runs(exp, p, n=N, horizon=120, salt=0):
    return [simulate(exp.theatre, p, horizon, run_seed(100 + salt, i)) for i in range(n)]


# A front that moves: weaker defences, so assaults go in and places change hands.
MOBILE = {"combat": {"defender_bonus": 1.0, "assault_ratio": 0.8}}


# --- ceasefire and the pretext type ---------------------------------------------------------------


def ceasefire_stats(models, horizon):
    declared = [m for m in models if not math.isnan(m.outcomes()["ceasefire_declared_day"])]
    broken = [m for m in declared if not math.isnan(m.outcomes()["ceasefire_broken_day"])]
    lags = [
        (o["ceasefire_broken_day"] if not math.isnan(o["ceasefire_broken_day"]) else horizon)
        - o["ceasefire_declared_day"]
        for o in (m.outcomes() for m in declared)
    ]
    return len(declared), len(broken) / max(1, len(declared)), float(np.mean(lags))


# Ceasefires offered and accepted readily (the sides' biases toward a ceasefire raised), so that what
# happens within them shows in short runs.
EAGER = {"enabled": True, "offer_bias": 1.0, "accept_bias": 1.0}


def test_an_lna_for_which_reneging_pays_breaks_ceasefires_sooner_and_more_often(exp):
    pretext = runs(exp, params(exp, ceasefire={**EAGER, "pretext_prob": 1.0}))
    sincere = runs(exp, params(exp, ceasefire={**EAGER, "pretext_prob": 0.0}))
    n_p, share_p, lag_p = ceasefire_stats(pretext, 120)
    n_s, share_s, lag_s = ceasefire_stats(sincere, 120)
    assert n_p >= N // 2 and n_s >= N // 2  # ceasefires are declared in most runs of both
    assert share_p > share_s + 0.2
    assert lag_p < lag_s - 10
    assert sum(m.outcomes()["ceasefire_pretext"] for m in pretext) >= N // 4  # it regroups and strikes
    assert not any(m.outcomes()["ceasefire_pretext"] for m in sincere)  # a sincere LNA never does


def test_no_scripted_egyptian_strikes_at_a_lulls_end(exp):
    pretext = runs(exp, params(exp, ceasefire={**EAGER, "pretext_prob": 1.0}), salt=1)
    assert sum(m.outcomes()["ceasefire_broken_by"] == "LNA" for m in pretext) >= N // 4
    # The red line is off: Egypt never decides to intervene, however the LNA breaks its ceasefires.
    assert all(math.isnan(m.outcomes()["egypt_intervened_day"]) for m in pretext)


def test_gna_learns_the_type_from_what_it_sees(exp):
    def belief_after_a_week(renege_cost):
        out = []
        for m in runs(
            exp,
            params(
                exp,
                ceasefire={
                    **EAGER,
                    "type_sd": 0.0,  # the LNA values renewed fighting at 1: it regroups iff the cost is < 1
                    "renege_cost": renege_cost,
                    "regroup_need": 10.0,  # regrouping takes far longer than a week
                    "preempt_belief": 0.0,
                },
            ),
            n=20,
            salt=2,
        ):
            c = m.mechanism(Ceasefire)
            d = c.declared_day
            if not math.isnan(d) and d + 7 < 120:
                out.append(m.series["gna_belief_sincere"][int(d) + 7])
        return np.mean(out)

    assert belief_after_a_week(0.5) < 0.3 < 0.7 < belief_after_a_week(2.0)


def test_no_fighting_while_a_ceasefire_holds(exp):
    p = params(exp, ceasefire={**EAGER, "pretext_prob": 0.0, "preempt_belief": 0.0})
    for m in runs(exp, p, n=10, salt=3):
        held = m.series["ceasefire_in_force"] == 1
        if held.sum() > 5:
            fat = m.series["fatalities_cum"]
            days = np.flatnonzero(held)[1:]
            assert np.allclose(fat[days], fat[days - 1])


# --- Egypt's red line -----------------------------------------------------------------------------


def test_egypt_intervenes_more_where_the_red_line_is_crossed(exp):
    on = runs(exp, params(exp, red_line={"enabled": True}, **MOBILE), n=20, salt=4)
    crossed = [m for m in on if not math.isnan(m.outcomes()["red_line_crossed_day"])]
    assert len(crossed) >= 5
    for m in on:
        o = m.outcomes()
        if not math.isnan(o["egypt_intervened_day"]):
            assert o["egypt_intervened_day"] >= 13  # it decides once it has declared the line
    acted = sum(not math.isnan(m.outcomes()["egypt_intervened_day"]) for m in crossed)
    # Its private resolve decides: some Egypts act on the crossing, some do not.
    assert 0 < acted < len(crossed)


# --- Turkey-Russia bargaining ---------------------------------------------------------------------


def test_deal_freezes_the_front_and_cuts_foreign_reinforcements(exp):
    deal = params(exp, bargaining={"enabled": True, "stake_scale": 20.0}, **MOBILE)  # a deal is struck early
    no_deal = params(exp, **MOBILE)
    moved_with, moved_without, reinf_with, reinf_without = [], [], [], []
    for i in range(N):
        seed = run_seed(105, i)
        a = simulate(exp.theatre, deal, 120, seed)
        b = simulate(exp.theatre, no_deal, 120, seed)
        d = a.outcomes()["tr_deal_day"]
        if math.isnan(d) or d > 60:
            continue
        d = int(d)
        moved_with.append(np.nanmax(np.abs(np.diff(a.series["front_km"][d:]))) if d < 120 else 0)
        moved_without.append(np.nanmax(np.abs(np.diff(b.series["front_km"][d:]))) if d < 120 else 0)
        reinf_with.append(sum(pa.reinforcements_sent for pa in a.patrons.values()))
        reinf_without.append(sum(pa.reinforcements_sent for pa in b.patrons.values()))
    assert len(moved_with) >= N // 2
    assert np.mean(moved_with) < 0.5 * np.mean(moved_without)
    assert np.mean(reinf_with) < 0.8 * np.mean(reinf_without)


def test_clash_is_rare_unless_both_escalate(exp):
    calm = params(
        exp,
        bargaining={
            "enabled": True,
            "initial_escalation": [0.1, 0.1],
            "escalation_rate": 0.0,
            "clash_hazard": 0.2,
            "stake_scale": 0.0,
            "caution": 10.0,
        },
    )
    hot = params(
        exp,
        bargaining={
            "enabled": True,
            "initial_escalation": [1.0, 1.0],
            "deescalation_rate": 0.0,
            "clash_hazard": 0.2,
            "stake_scale": 0.0,
            "caution": 10.0,
        },
    )
    clashes = lambda ms: sum(not math.isnan(m.outcomes()["tr_clash_day"]) for m in ms)  # noqa: E731
    assert clashes(runs(exp, calm, n=20, salt=6)) <= 2
    assert clashes(runs(exp, hot, n=20, salt=6)) >= 10


# (a deal broken by a violation: tests/test_bargaining.py)


# --- oil: the blockade decision -------------------------------------------------------------------


def test_pressure_lifts_the_blockade_sooner(exp):
    def lifted(p):
        return [m.outcomes()["blockade_lifted_day"] for m in runs(exp, p, n=60, horizon=150, salt=7)]

    base = lifted(exp.config.mechanisms)
    pressed = lifted(params(exp, bargaining={"enabled": True, "stake_scale": 20.0}))  # a deal from day 1
    never = lifted(params(exp, oil={"lift_enabled": False}))
    assert all(math.isnan(d) for d in never)
    days = lambda xs: np.mean([150 if math.isnan(x) else x for x in xs])  # noqa: E731
    # the patrons' displeasure weighs against the blockade's leverage: more runs lift it, and sooner
    assert sum(map(math.isfinite, pressed)) > sum(map(math.isfinite, base)) + 6
    assert days(pressed) < days(base) - 15


def test_lost_revenue_is_hardship(exp):
    """Hardship is a stock: each day it moves toward the day's revenue gap by 1/strain_days of the way."""
    m = simulate(exp.theatre, exp.config.mechanisms, 60, 3)
    h, out = m.series["hardship"], m.series["oil_output_bpd"]
    p = exp.config.mechanisms.oil
    target = p.hardship_weight * np.clip(1 - out / exp.theatre.oil_reference_bpd, 0, None)
    np.testing.assert_allclose(h[1:], h[:-1] + (target[1:] - h[:-1]) / p.strain_days)
    # day 0: the blockade had lasted blockade_days_before days, so hardship stood below its full weight
    assert 0 < h[0] < target[0]


# --- scenarios are configs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "on"),
    [
        ("baseline", set()),
        ("ceasefire_pretext", {"ceasefire", "red_line"}),
        ("turkey_russia_deal", {"bargaining"}),
        ("eastern_unrest", {"unrest"}),
        ("combined", {"ceasefire", "red_line", "bargaining", "unrest"}),
    ],
)
def test_scenario_files_switch_mechanisms(scenario, on):
    cfg = compose([f"scenario={scenario}"])
    assert cfg.scenario.name == scenario
    switched = {k for k in ("ceasefire", "red_line", "bargaining", "unrest") if cfg.mechanisms[k].enabled}
    assert switched == on
    assert OmegaConf.select(cfg, "mechanisms.oil.enabled")


def test_all_four_scenarios_in_one_multirun():
    preflight(["-m", "scenario=baseline,ceasefire_pretext,turkey_russia_deal,eastern_unrest"])


@pytest.mark.parametrize(
    ("scenario", "unset"),
    [
        (
            "baseline",
            [
                "ceasefire_declared_day",
                "ceasefire_broken_day",
                "tr_deal_day",
                "tr_clash_day",
                "unrest_peak_active_share",
                "east_govt_fell_day",
                "egypt_intervened_day",
            ],
        ),
        ("turkey_russia_deal", ["ceasefire_declared_day", "unrest_peak_active_share", "east_govt_fell_day"]),
        ("ceasefire_pretext", ["tr_deal_day", "tr_clash_day", "unrest_peak_active_share"]),
    ],
)
def test_switched_off_mechanisms_leave_their_outcomes_unset(scenario, unset):
    e = prepare(compose([f"scenario={scenario}"]))
    out = simulate(e.theatre, e.config.mechanisms, 30, 11).outcomes()
    for name in unset:
        assert math.isnan(out[name]), name
    if scenario != "ceasefire_pretext":
        assert out["ceasefire_pretext"] is False


def test_captured_place_keeps_a_garrison(exp):
    m = ConflictModel(exp.theatre, exp.config.mechanisms, 10, rng=2)
    sirte = exp.theatre.index("sirte")
    attackers = [m.unit_by_key["gna_sirte_front"], m.unit_by_key["gna_syrians"]]
    m.capture(sirte, "GNA", attackers)
    garrison = min(attackers, key=lambda u: u.strength)
    assert garrison.role == "defend" and garrison.home == sirte
    assert all(u.node == sirte and u.dest < 0 for u in attackers)
    other = max(attackers, key=lambda u: u.strength)
    assert other.role == "attack"  # the rest may push on along the axis


def test_gna_belief_is_never_certain_and_later_ceasefires_can_hold(exp):
    p = params(exp, ceasefire={**EAGER, "pretext_prob": 1.0})
    lasted = 0
    for m in runs(exp, p, n=20, horizon=150, salt=8):
        belief = m.series["gna_belief_sincere"]
        assert np.all((belief >= 0.01 - 1e-12) & (belief <= 0.99 + 1e-12))
        in_force = m.series["ceasefire_in_force"]
        starts = np.flatnonzero(np.diff(in_force) == 1)
        if len(starts) > 1:  # a later ceasefire, after the pretext was revealed
            later = in_force[starts[1] + 1 :]
            lasted += int(np.argmin(later) if later.min() == 0 else len(later)) > 1
    assert lasted >= 1
