"""Model invariants, checked every day over many seeds and parameter draws at the edges of their ranges.

Strengths are never negative, no unit loses more than it has, shares and probabilities stay in [0, 1],
control of a place changes only through a capture in combat, and the model's list of units in creation
order is Mesa's unit set. The draws are deliberately extreme (the ends of each field's allowed range), so
that an edge case cannot corrupt a run silently.
"""

import math
import zlib

import numpy as np
import pytest

from sim.model import ConflictModel
from sim.model.agents import Unit
from sim.runner.compose import compose
from sim.runner.design import design_table
from sim.runner.experiment import prepare
from sim.runner.runs import Task, run_seed, task_setup
from sim.runner.uncertainty import UncertainParameter

# Field -> (low, high): wide draws up to the ends of what the config allows.
EDGES = {
    "mechanisms.combat.kill_rate": (0.0005, 0.05),
    "mechanisms.combat.defender_bonus": (1.0, 4.0),
    "mechanisms.combat.assault_ratio": (0.2, 3.0),
    "mechanisms.combat.estimate_noise": (0.0, 2.0),
    "mechanisms.combat.skirmish_intensity": (0.0, 1.0),
    "mechanisms.combat.killed_share": (0.0, 1.0),
    "mechanisms.air.kills_per_sortie_drone": (0.0, 40.0),
    "mechanisms.air.loss_per_sortie": (0.0, 1.0),
    "mechanisms.morale.loss_sensitivity": (0.0, 60.0),
    "mechanisms.morale.recovery_per_day": (0.0, 1.0),
    "mechanisms.cohesion.loss_per_place": (0.0, 1.0),
    "mechanisms.supply.cut_decay_per_day": (0.0, 1.0),
    "mechanisms.oil.hardship_weight": (0.0, 1.0),
    "mechanisms.ceasefire.pretext_prob": (0.0, 1.0),
    "mechanisms.bargaining.escalation_rate": (0.0, 1.0),
    "mechanisms.unrest.legitimacy_base": (0.0, 1.0),
    "mechanisms.unrest.divert_threshold": (0.0, 0.2),
    "theatre.units.wagner.strength": (1, 20000),
    "theatre.units.lna_sirte.strength": (1, 20000),
}
SHARES = ("unrest_active_share", "east_cops_share", "east_legitimacy", "gna_belief_sincere", "hardship",
          "turkey_escalation", "russia_escalation", "gna_cohesion", "lna_cohesion")  # fmt: skip
FLAGS = ("ceasefire_in_force", "tr_deal_in_force")


def tasks(n, seed):
    params = [
        UncertainParameter.from_spec(k, {"dist": "uniform", "low": lo, "high": hi})
        for k, (lo, hi) in EDGES.items()
    ]
    table = design_table(params, "lhs", n, seed)  # Latin hypercube: the ends of every range are visited
    return [Task(i, run_seed(seed, i), values={k: row[k] for k in EDGES}) for i, row in table.iterrows()]


class Watch:
    """Records captures and losses as they happen, and checks the state after every day."""

    def __init__(self, model, monkeypatch):
        self.model, self.errors, self.captured = model, [], set()
        real_capture = model.capture

        def capture(place, faction, attackers):
            if not attackers or any(u.faction != faction for u in attackers):
                self.errors.append(f"capture of {place} by {faction} without its own attackers")
            self.captured.add(place)
            real_capture(place, faction, attackers)

        model.capture = capture
        real_take = Unit.take_losses
        watch = self

        def take_losses(unit, losses):
            if not (0 <= losses <= unit.strength + 1e-9) and unit.strength > 0:
                watch.errors.append(f"{unit.key} asked to lose {losses:.1f} of {unit.strength:.1f}")
            real_take(unit, losses)

        monkeypatch.setattr(Unit, "take_losses", take_losses)
        th = model.theatre
        self.capacity = th.oil_background_bpd + sum(s.capacity_bpd for s in th.oil_systems.values())

    def step(self):
        m = self.model
        before = list(m.control)
        fatalities = m.fatalities
        self.captured.clear()
        m.step()
        day, s, err = m.steps, m.series, self.errors.append
        changed = {i for i, (a, b) in enumerate(zip(before, m.control, strict=True)) if a != b}
        if not changed <= self.captured:
            err(f"day {day}: control changed without a capture at {sorted(changed - self.captured)}")
        if m._units_made != list(m.unit_set):  # the list the day's moves shuffle is Mesa's set, in order
            err(f"day {day}: the units in creation order are not the unit set's")
        for u in m.all_units():
            if not (math.isfinite(u.strength) and u.strength >= 1):
                err(f"day {day}: {u.key} strength {u.strength}")
            if not (0 <= u.morale <= 1 and 0 <= u.supply <= 1):
                err(f"day {day}: {u.key} morale {u.morale} supply {u.supply}")
        for name in SHARES:  # NaN all along: the mechanism that records it is off
            if name in s and not (0 <= s[name][day] <= 1 or np.isnan(s[name][: day + 1]).all()):
                err(f"day {day}: {name} = {s[name][day]}")
        for name in FLAGS:
            if name in s and s[name][day] not in (0.0, 1.0) and not np.isnan(s[name][: day + 1]).all():
                err(f"day {day}: {name} = {s[name][day]}")
        for name in ("gna_strength", "lna_strength"):
            if not s[name][day] >= 0:
                err(f"day {day}: {name} = {s[name][day]}")
        if not 0 <= s["oil_output_bpd"][day] <= self.capacity:
            err(f"day {day}: oil output {s['oil_output_bpd'][day]}")
        if not fatalities <= m.fatalities <= sum(m.losses_cum.values()) + 1e-6:
            err(f"day {day}: fatalities {m.fatalities} (were {fatalities}; losses {m.losses_cum})")


@pytest.mark.fuzz
@pytest.mark.parametrize("scenario", ["combined", "eastern_unrest", "baseline"])
def test_invariants_hold_every_day_under_extreme_draws(scenario, monkeypatch):
    exp = prepare(compose([f"scenario={scenario}", "horizon_days=120"]))
    errors, runs_with_captures = [], 0
    for task in tasks(24, seed=zlib.crc32(scenario.encode()) % 1000):  # hash() differs per process
        config, theatre = task_setup(exp, task)
        with monkeypatch.context() as m:
            model = ConflictModel(theatre, config.mechanisms, config.horizon_days, rng=task.seed)
            watch = Watch(model, m)
            for _ in range(config.horizon_days):
                watch.step()
        errors += [f"run {task.run_id}: {e}" for e in watch.errors]
        runs_with_captures += any(not np.isnan(d) for d in model.captured_day.values())
    assert not errors, errors[:10]
    assert runs_with_captures >= 3  # the draws do make places change hands: the control check bites


def test_the_watch_catches_a_corrupted_day(monkeypatch):
    exp = prepare(compose(["horizon_days=5"]))
    model = ConflictModel(exp.theatre, exp.config.mechanisms, 5, rng=1)
    watch = Watch(model, monkeypatch)
    real_step = model.step

    def corrupt():
        real_step()
        model.control[model.theatre.index("kufra")] = "GNA"  # a place changes hands without a fight
        model.all_units()[0].morale = 1.5
        model.series["lna_cohesion"][model.steps] = -0.1

    model.step = corrupt
    watch.step()
    text = "; ".join(watch.errors)
    assert (
        "control changed without a capture" in text and "morale 1.5" in text and "lna_cohesion = -0.1" in text
    )
