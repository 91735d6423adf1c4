"""Field helpers of the configuration schema: a default plus the range :func:`sim.config.validate` enforces.

Every schema dataclass (the core ones in :mod:`sim.config`, each mechanism's in its own module under
:mod:`sim.model.mechanisms`) declares its numbers with these, so every number has both bounds. Light:
imports only the standard library.
"""

from __future__ import annotations

from dataclasses import field

__all__ = [
    "BIAS_MAX",
    "DAYS_MAX",
    "KM_MAX",
    "MAX_RUNS",
    "WEIGHT_MAX",
    "bias",
    "choice",
    "days",
    "nonneg",
    "num",
    "positive",
    "prob",
    "weight",
]


def num(default: float, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False):
    """A number in [lo, hi] (``(lo, hi]`` if ``lo_open``); None: unbounded on that side."""
    return field(default=default, metadata={"range": (lo, hi, lo_open)})


def prob(default: float):
    """A probability or share in [0, 1]."""
    return num(default, 0.0, 1.0)


def nonneg(default: float):
    """A number >= 0."""
    return num(default, 0.0)


def positive(default: float):
    """A number > 0."""
    return num(default, 0.0, lo_open=True)


#: Upper bounds that keep every allowed value meaningful and every run finite (tests run each field at
#: both ends of its range): distances, day counts, and the weights and biases of logistic decisions.
KM_MAX = 10_000.0
DAYS_MAX = 3650
WEIGHT_MAX = 100.0
BIAS_MAX = 50.0
MAX_RUNS = 1_000_000  # mc.runs; an experiment of more runs (x replications, designs) is refused


def days(default: int, lo: int = 0):
    """A number of days, up to :data:`DAYS_MAX` (ten years)."""
    return num(default, lo, DAYS_MAX)


def weight(default: float):
    """A weight of a logistic decision, in [0, :data:`WEIGHT_MAX`]."""
    return num(default, 0.0, WEIGHT_MAX)


def bias(default: float):
    """The bias (log-odds) of a logistic decision, in [-:data:`BIAS_MAX`, :data:`BIAS_MAX`]."""
    return num(default, -BIAS_MAX, BIAS_MAX)


def choice(default: str, options: tuple[str, ...]):
    """A string from a fixed set."""
    return field(default=default, metadata={"choices": options})
