"""No calendar clocks in the political layer (issue 15): a frozen war does not drift toward events.

The war is frozen: units barely move, never assault (skirmishes cost nothing), no air power, no
reinforcements, no blockade (whose lost revenue would pile up as hardship: a real change of state) and no
unrest grid (whose citizens keep turning active and quiet). With nothing new to observe, the factions' and
patrons' beliefs stay put and so do their choices: the events that happen, happen early, and doubling the
horizon adds (almost) none. Each mechanism's own tests hold its decisions constant on day 30 and day 200.
"""

import math

import pytest

from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_seed, simulate

FROZEN = [
    "scenario=combined",
    "mechanisms.unrest.enabled=false",
    "mechanisms.oil.blockade=false",
    "mechanisms.movement.speed_km_per_day=0.001",
    "mechanisms.combat.assault_ratio=100",
    "mechanisms.combat.kill_rate=0.000001",
    "mechanisms.air.enabled=false",
    "mechanisms.reinforcements.enabled=false",
    "mechanisms.morale.recovery_per_day=0",
    "mechanisms.cohesion.recovery_per_day=0",
]
EVENTS = ["ceasefire_declared_day", "egypt_intervened_day", "tr_deal_day", "tr_tacit_day", "tr_clash_day"]
RUNS, T = 40, 100


@pytest.fixture(scope="module")
def frozen_runs():
    exp = prepare(compose(FROZEN))
    mech = exp.config.mechanisms
    return [simulate(exp.theatre, mech, 2 * T, run_seed(21, i)).outcomes() for i in range(RUNS)]


@pytest.mark.parametrize("event", EVENTS)
def test_doubling_the_horizon_of_a_frozen_war_adds_no_event(frozen_runs, event):
    days = [o[event] for o in frozen_runs]
    by_t = sum(not math.isnan(d) and d <= T for d in days)
    by_2t = sum(not math.isnan(d) for d in days)
    assert by_2t - by_t <= 1, f"{event}: {by_t} runs by day {T}, {by_2t} by day {2 * T}"
    assert by_2t < RUNS, f"{event}: certain in a frozen war"


def test_a_patrons_support_settles_in_a_frozen_war():
    """The UAE (outside the bargaining) chooses from a state that no longer changes: no drift."""
    exp = prepare(compose(FROZEN))
    moved = 0
    for i in range(10):
        e = simulate(exp.theatre, exp.config.mechanisms, 2 * T, run_seed(22, i)).series["uae_escalation"]
        assert e[T] == e[2 * T]
        moved += e[T] != e[0]
    assert moved > 0  # the decision is live: it moved early in some runs
