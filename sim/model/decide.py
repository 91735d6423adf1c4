"""Decision primitives shared by factions, patrons and mechanisms (docs/ODD.md, Design concepts).

Actors choose by comparing the expected value of their options from what they believe. Beliefs move only
with evidence (a battle fought, a place lost, a signal seen); in a frozen war nothing new is observed, so
beliefs, and with them decisions, stay put: no hazard grows with the calendar. Randomness enters through
private information drawn once per run (a side's resolve, valuation, sincerity: Fearon 1995) and through
the noisy observation of real events.

Light: no Mesa, no numba.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["NormalBelief", "bayes", "choose", "clamp", "pays", "win_chance"]


def clamp(x: float, low: float = 0.0, high: float = 1.0) -> float:
    """``x`` kept within [low, high]: min(high, max(low, x)), without the calls (runs daily; NaN -> low)."""
    x = x if x > low else low
    return x if x < high else high


def pays(value: float, cost: float = 0.0) -> bool:
    """Whether an option worth ``value`` beats one worth ``cost`` (value > cost).

    Refuses NaN: a value not computed yet would otherwise read as "no" and silently decide.
    """
    if math.isnan(value) or math.isnan(cost):
        raise ValueError(f"a decision compared {value} with {cost}: a value was not computed")
    return value > cost


def bayes(prior: float, likelihood: float, likelihood_else: float) -> float:
    """Posterior of a hypothesis after evidence with these likelihoods under it and under its negation.

    Evidence that neither hypothesis could produce (both likelihoods 0 at the given prior) leaves the
    belief where it was.
    """
    num = prior * likelihood
    total = num + (1 - prior) * likelihood_else
    return num / total if total > 0 else prior


def win_chance(ratio: float, steepness: float) -> float:
    """Chance that a side with ``ratio`` times its opponent's power prevails: r^k / (1 + r^k).

    The ratio form of the contest success function (Hirshleifer 1989, "Conflict and rent-seeking success
    functions: ratio vs. difference models of relative success", Public Choice 63: 101-112); ``steepness``
    k says how decisive an edge in power is (k -> infinity: the stronger side always wins).
    """
    if ratio <= 0:
        return 0.0
    if math.isinf(ratio):
        return 1.0
    x = steepness * math.log(ratio)
    if x > 700:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


def choose(values: Mapping[str, float]) -> str:
    """The option of highest expected value (the first listed among equals)."""
    if not values:
        raise ValueError("choose: no options")
    best = max(values, key=lambda k: values[k])  # max keeps the first of equal keys
    if any(math.isnan(v) for v in values.values()):
        raise ValueError(f"choose: NaN value among {dict(values)} (a value was not computed)")
    return best


@dataclass
class NormalBelief:
    """A belief about an uncertain quantity: normal with ``mean`` and variance ``var``.

    Updated by noisy observations of it (the Kalman / conjugate-normal update): each observation moves the
    mean toward itself by the share var / (var + noise variance), and the belief grows more certain. With
    no observation it stays as it is.
    """

    mean: float
    var: float

    def observe(self, value: float, noise_var: float) -> None:
        """Update on one observation of the quantity with this noise variance."""
        if noise_var <= 0:
            self.mean, self.var = value, 0.0
            return
        gain = self.var / (self.var + noise_var)
        self.mean += gain * (value - self.mean)
        self.var *= 1 - gain

    @property
    def sd(self) -> float:
        """Standard deviation."""
        return math.sqrt(self.var)
