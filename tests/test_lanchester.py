"""Lanchester submodel against its closed forms (../shared/reference/epstein.md)."""

import math

import numpy as np
import pytest

from sim.model.lanchester import (
    draw_losses,
    expected_losses,
    linear_law_closed_form,
    square_law_closed_form,
    square_law_winner,
)


def integrate(a0, b0, alpha, beta, t_end, law, dt=1e-3):
    """Repeated deterministic steps of `expected_losses` (forward Euler)."""
    a, b = a0, b0
    for _ in range(round(t_end / dt)):
        la, lb = expected_losses(a, b, alpha, beta, dt=dt, law=law)
        a, b = a - la, b - lb
    return a, b


@pytest.mark.parametrize("t", [0.5, 2.0, 5.0])
def test_square_law_steps_reproduce_closed_form(t):
    a0, b0, alpha, beta = 1000.0, 800.0, 0.10, 0.12
    a, b = integrate(a0, b0, alpha, beta, t, "square")
    ea, eb = square_law_closed_form(t, a0, b0, alpha, beta)
    assert a == pytest.approx(float(ea), rel=1e-3)
    assert b == pytest.approx(float(eb), rel=1e-3)


def test_square_law_invariant_and_survivors():
    a0, b0, alpha, beta = 1000.0, 800.0, 0.10, 0.12
    winner, survivors, t_end = square_law_winner(a0, b0, alpha, beta)
    assert winner == "A"  # 0.10 * 1000^2 = 1e5 > 0.12 * 800^2 = 76,800
    assert survivors == pytest.approx(math.sqrt(a0**2 - beta / alpha * b0**2))
    a, b = integrate(a0, b0, alpha, beta, t_end * 0.999, "square")
    assert alpha * a**2 - beta * b**2 == pytest.approx(alpha * a0**2 - beta * b0**2, rel=2e-3)
    assert a == pytest.approx(survivors, rel=1e-2)
    assert b < 0.02 * b0


def test_square_law_twice_as_many_beat_three_times_as_effective():
    # Johnson & MacKay's example: Red twice as many, Green three times as effective -> Red wins.
    winner, _, _ = square_law_winner(2.0, 1.0, 1.0, 3.0)
    assert winner == "A"


@pytest.mark.parametrize("t", [1.0, 10.0, 40.0])
def test_linear_law_steps_reproduce_closed_form(t):
    a0, b0, alpha, beta = 1000.0, 800.0, 1e-4, 1.5e-4
    a, b = integrate(a0, b0, alpha, beta, t, "linear", dt=1e-2)
    ea, eb = linear_law_closed_form(t, a0, b0, alpha, beta)
    assert a == pytest.approx(float(ea), rel=1e-3)
    assert b == pytest.approx(float(eb), rel=1e-3)
    # linear invariant: alpha (A0 - A) = beta (B0 - B)
    assert alpha * (a0 - a) == pytest.approx(beta * (b0 - b), rel=1e-6)


def test_linear_law_equal_strength_closed_form():
    a, b = linear_law_closed_form(5.0, 500.0, 500.0, 1e-3, 1e-3)
    assert float(b) == pytest.approx(500.0 / (1 + 1e-3 * 500.0 * 5.0))
    assert float(a) == pytest.approx(float(b))


def test_stochastic_losses_average_to_the_expectation():
    rng = np.random.default_rng(7)
    draws = [draw_losses(30.0, 5000, rng) for _ in range(20_000)]
    assert np.mean(draws) == pytest.approx(30.0, rel=0.01)
    assert all(0 <= d <= 5000 and float(d).is_integer() for d in draws)


def test_losses_never_exceed_strength():
    rng = np.random.default_rng(1)
    assert draw_losses(500.0, 40, rng) == 40
    assert draw_losses(500.0, 40, None) == 40
    assert expected_losses(10, 1e6, 1.0, 1.0) == (10, 10)


def test_unknown_law_is_rejected():
    with pytest.raises(ValueError, match="law"):
        expected_losses(1, 1, 1, 1, law="cubic")
