"""Combat at contested places: stochastic Lanchester attrition with air power and air defence.

A place is contested when units of a faction that does not hold it stand in contact (halted
``engagement_km`` short of it). Each day, for each contested place in index order:

1. Attackers estimate the force ratio (with log-normal noise, and their faction's optimism) and assault
   if it reaches
   ``assault_ratio`` (times the attacker's deterrence: the believed cost of taking the place,
   ``FactionAgent.deterrence``); otherwise both sides skirmish at ``skirmish_intensity``.
2. Ground attrition follows the Lanchester law in :mod:`sim.model.lanchester`, attackers' and
   defenders' power weighted by quality, supply and morale, defenders' fire by ``defender_bonus``.
3. Each side's patrons fly sorties over the place (shared among the places they can reach), scaled by the
   day's intensity; each sortie inflicts casualties, reduced by the enemy's air-defence cover, and is
   lost with a probability that grows with that cover.
4. Losses are drawn per unit (binomial, mean = expected share) and lower morale; a unit whose
   morale falls below ``break_threshold`` is broken: it stops fighting and falls back from the next day.
5. After an assault both sides learn from it: the log of (losses inflicted / losses taken) against what
   was expected is a noisy sight of their edge, which moves their optimism (``FactionAgent.observe_battle``).
6. If no unbroken defender is left and an unbroken attacker is, the place changes hands and the
   attackers move in. This is the only way control changes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

from sim.model.lanchester import draw_losses, expected_losses

if TYPE_CHECKING:
    from sim.model.agents import PatronAgent, Unit
    from sim.model.model import ConflictModel

__all__ = ["resolve_combat"]

LINEAR_LAW_SCALE = 1000.0  # with law=linear, kill_rate is per capita per 1,000 enemy


def _side_losses(units: list[Unit], total: float, rng) -> dict[Unit, float]:
    strength = sum(u.strength for u in units)
    if strength <= 0 or total <= 0:
        return {}
    return {u: draw_losses(total * u.strength / strength, u.strength, rng) for u in units}


def _apply_losses(units: list[Unit], total: float, rng) -> float:
    """Share ``total`` losses among ``units`` (drawn per unit), apply them; the losses taken."""
    drawn = _side_losses(units, total, rng)
    for u, lost in drawn.items():
        u.take_losses(lost)
    return sum(drawn.values())


def _learn(model, attacker: str, holder: str, taken: dict[str, float], expected: tuple[float, float]) -> None:
    """Both sides of an assault see the log of inflicted / taken (+1 each) against what was expected."""
    edge = math.log((taken[holder] + 1) / (taken[attacker] + 1))
    edge -= math.log((expected[1] + 1) / (expected[0] + 1))
    model.factions[attacker].observe_battle(edge)
    model.factions[holder].observe_battle(-edge)


def _air_losses(
    model: ConflictModel,
    place: int,
    side: str,
    enemy: str,
    intensity: float,
    shares: dict[tuple[str, int], int],
) -> float:
    """Casualties inflicted at ``place`` on ``enemy`` by ``side``'s patrons; aircraft may be lost."""
    p = model.params.air
    rng = model.rng if model.params.combat.stochastic else None
    cover = max((pa.air_defence_over(place) for pa in model.patrons_of[enemy]), default=0.0)
    kills = 0.0
    for patron in model.patrons_of[side]:
        for i, asset, sorties in patron.sorties_over(place):
            n = sorties * intensity / max(1, shares[patron.key, i])
            per = p.kills_per_sortie_drone if asset.kind == "drone" else p.kills_per_sortie_jet
            kills += n * per * (1.0 - cover)
            if rng is not None and cover > 0:
                lost = min(int(rng.poisson(n * p.loss_per_sortie * cover)), int(patron.aircraft[i]))
                patron.aircraft[i] -= lost
                patron.aircraft_lost += lost
    return kills


def _count_shares(model: ConflictModel, contested: dict[int, list[Unit]]) -> dict[tuple[str, int], int]:
    """How many contested places each patron asset can reach (its sorties are split among them)."""
    shares: dict[tuple[str, int], int] = defaultdict(int)
    for place, attackers in contested.items():
        sides = {model.control[place], attackers[0].faction}
        for side in sides:
            patron: PatronAgent
            for patron in model.patrons_of[side]:
                for i, _, _ in patron.sorties_over(place):
                    shares[patron.key, i] += 1
    return shares


def _contested(model: ConflictModel) -> dict[int, list[Unit]]:
    """The units in contact at each contested place, in creation order (runs daily: no all-units list)."""
    contested: dict[int, list[Unit]] = defaultdict(list)
    for units in model.units_of.values():
        for u in units:
            if u.dest >= 0:  # a unit standing on a place is in no contact
                c = u.contact_place()
                if c >= 0:
                    contested[c].append(u)
    return contested


def resolve_combat(model: ConflictModel) -> tuple[dict[str, float], set[Unit]]:
    """Resolve one day of combat at every contested place.

    Returns:
        Losses per faction this day, and the units that fought an assault (they do not recover
        morale that day; units merely holding in contact do).
    """
    params = model.params.combat
    rng = model.rng if params.stochastic else None
    contested = _contested(model)
    model.threatened = set(contested)
    model.assaulted_places = set()
    losses: dict[str, float] = defaultdict(float)
    assaulted: set[Unit] = set()
    if not contested or model.ceasefire_in_force:
        return losses, assaulted
    shares = _count_shares(model, contested) if model.params.air.enabled else {}

    for place in sorted(contested):
        attackers = contested[place]
        holder = model.control[place]
        attacker_side = attackers[0].faction
        defenders = [u for u in model.units_at(place) if u.faction == holder and not u.broken]
        if not defenders:
            model.capture(place, attacker_side, attackers)
            continue
        a_power = sum(u.power for u in attackers)
        d_power = sum(u.power for u in defenders) * params.defender_bonus
        ratio = a_power / d_power if d_power > 0 else math.inf
        ratio *= math.exp(model.factions[attacker_side].optimism.mean)
        if params.estimate_noise > 0:
            ratio *= math.exp(params.estimate_noise * model.rng.standard_normal())
        demanded = params.assault_ratio * model.assault_ratio_factor
        assault = ratio >= demanded * model.factions[attacker_side].deterrence(place)
        intensity = 1.0 if assault else params.skirmish_intensity
        if assault:
            model.assaulted_places.add(place)
            assaulted.update(attackers)
            assaulted.update(defenders)
        rate = params.kill_rate * intensity
        if params.law == "linear":
            rate /= LINEAR_LAW_SCALE
        loss_att, loss_def = expected_losses(a_power, d_power, rate, rate, law=params.law)
        if model.params.air.enabled:
            loss_def += _air_losses(model, place, attacker_side, holder, intensity, shares)
            loss_att += _air_losses(model, place, holder, attacker_side, intensity, shares)
        taken = {}
        for side, units, total in ((holder, defenders, loss_def), (attacker_side, attackers, loss_att)):
            taken[side] = _apply_losses(units, total, rng)
            losses[side] += taken[side]
        if assault:  # both sides learn from it
            _learn(model, attacker_side, holder, taken, (loss_att, loss_def))
        standing = [u for u in defenders if u.strength >= 1 and not u.broken]
        if assault and not standing and any(u.strength >= 1 and not u.broken for u in attackers):
            model.capture(place, attacker_side, attackers)
    return losses, assaulted
