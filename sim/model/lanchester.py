"""Lanchester attrition: closed forms and one stochastic time step.

Notation as ../shared/reference/epstein.md ("Lanchester attrition laws"): forces A and B, alpha is the
per-capita rate at which A kills B, beta the rate at which B kills A.

* Square law (aimed fire): dA/dt = -beta B, dB/dt = -alpha A.
* Linear law (area fire): dA/dt = -beta A B, dB/dt = -alpha A B.

:func:`expected_losses` gives one step's expected losses of both sides; :func:`draw_losses` turns an
expectation into a binomial draw from the model's generator (mean equal to the expectation, never more
than the force). With ``rng=None`` the expectation itself is used: the deterministic limit, in which
repeated small steps reproduce the closed forms below.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "draw_losses",
    "expected_losses",
    "linear_law_closed_form",
    "square_law_closed_form",
    "square_law_winner",
]


def expected_losses(
    a: float, b: float, alpha: float, beta: float, dt: float = 1.0, law: str = "square"
) -> tuple[float, float]:
    """Expected losses of A and B over one step of length ``dt``, capped at each side's size.

    Args:
        a: size (or effective power) of side A.
        b: size of side B.
        alpha: per-capita kill rate of A against B (per day; per day and per enemy for the linear law).
        beta: per-capita kill rate of B against A.
        dt: step length in days.
        law: ``"square"`` (aimed fire) or ``"linear"`` (area fire).

    Returns:
        ``(loss_a, loss_b)``.
    """
    if law == "square":
        loss_a, loss_b = beta * b * dt, alpha * a * dt
    elif law == "linear":
        loss_a, loss_b = beta * a * b * dt, alpha * a * b * dt
    else:
        raise ValueError(f"law: got {law!r}; allowed: square, linear")
    return min(loss_a, a), min(loss_b, b)


def draw_losses(expected: float, strength: int, rng: np.random.Generator | None) -> float:
    """Losses of a force of ``strength`` whose expected loss is ``expected``.

    With a generator, a binomial draw with p = expected / strength (mean = ``expected``); without one,
    the expectation (the deterministic limit).
    """
    if strength <= 0 or expected <= 0:
        return 0
    if rng is None:
        return min(expected, strength)
    p = min(1.0, expected / strength)
    return int(rng.binomial(int(strength), p))


def square_law_closed_form(
    t: float | np.ndarray, a0: float, b0: float, alpha: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """A(t), B(t) of the square law until one side is annihilated (then clipped at 0).

    A(t) = A0 cosh(wt) - sqrt(beta/alpha) B0 sinh(wt), B(t) = B0 cosh(wt) - sqrt(alpha/beta) A0 sinh(wt),
    with w = sqrt(alpha beta).
    """
    t = np.asarray(t, dtype=float)
    w = math.sqrt(alpha * beta)
    a = a0 * np.cosh(w * t) - math.sqrt(beta / alpha) * b0 * np.sinh(w * t)
    b = b0 * np.cosh(w * t) - math.sqrt(alpha / beta) * a0 * np.sinh(w * t)
    return np.clip(a, 0, None), np.clip(b, 0, None)


def square_law_winner(a0: float, b0: float, alpha: float, beta: float) -> tuple[str, float, float]:
    """Winner, survivors and annihilation time of the square law.

    Returns:
        ``(winner, survivors, t_end)``: ``"A"`` wins iff alpha A0^2 > beta B0^2, with
        sqrt(A0^2 - (beta/alpha) B0^2) survivors at t* = artanh(sqrt(beta/alpha) B0/A0) / w.
    """
    w = math.sqrt(alpha * beta)
    if alpha * a0**2 > beta * b0**2:
        return "A", math.sqrt(a0**2 - beta / alpha * b0**2), math.atanh(math.sqrt(beta / alpha) * b0 / a0) / w
    if alpha * a0**2 < beta * b0**2:
        return "B", math.sqrt(b0**2 - alpha / beta * a0**2), math.atanh(math.sqrt(alpha / beta) * a0 / b0) / w
    return "draw", 0.0, math.inf


def linear_law_closed_form(
    t: float | np.ndarray, a0: float, b0: float, alpha: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """A(t), B(t) of the linear (area-fire) law.

    With c = alpha A0 - beta B0: B(t) = c B0 / ((c + beta B0) e^{ct} - beta B0), A(t) = (c + beta B)/alpha;
    for c = 0, B(t) = B0 / (1 + beta B0 t).
    """
    t = np.asarray(t, dtype=float)
    c = alpha * a0 - beta * b0
    if abs(c) < 1e-12:
        b = b0 / (1 + beta * b0 * t)
    else:
        b = c * b0 / ((c + beta * b0) * np.exp(c * t) - beta * b0)
    a = (c + beta * b) / alpha
    return a, b
