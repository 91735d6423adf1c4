"""The decision primitives (sim/model/decide.py) against known results, and their refusal of NaN."""

import math

import pytest

from sim.model.decide import NormalBelief, bayes, choose, clamp, pays, win_chance


def test_bayes_rule():
    # a test with 90 % sensitivity and 20 % false positives, prior 0.3: 0.27 / (0.27 + 0.14)
    assert bayes(0.3, 0.9, 0.2) == pytest.approx(0.27 / 0.41)
    assert bayes(0.3, 0.0, 0.0) == 0.3  # impossible evidence leaves the belief


def test_contest_success_function():
    assert win_chance(1.0, 2.0) == 0.5
    assert win_chance(2.0, 2.0) == pytest.approx(0.8)  # 2^2 / (1 + 2^2)
    assert win_chance(0.0, 2.0) == 0.0 and win_chance(math.inf, 2.0) == 1.0


def test_normal_belief_is_the_conjugate_update():
    b = NormalBelief(0.0, 1.0)
    b.observe(2.0, 1.0)  # equal weights: halfway, half the variance
    assert (b.mean, b.var) == pytest.approx((1.0, 0.5))


def test_choose_keeps_the_first_of_equals_and_refuses_nan():
    assert choose({"a": 1.0, "b": 1.0, "c": 0.5}) == "a"
    with pytest.raises(ValueError, match="NaN"):
        choose({"a": 1.0, "b": math.nan})


def test_pays_compares_and_refuses_nan():
    assert pays(0.1) and not pays(0.0) and pays(2.0, 1.0) and not pays(1.0, 2.0)
    for value, cost in ((math.nan, 0.0), (1.0, math.nan)):
        with pytest.raises(ValueError, match="not computed"):
            pays(value, cost)


def test_clamp_is_min_of_max():
    """clamp(x, lo, hi) is min(hi, max(lo, x)) value for value, NaN and signed zeros included."""
    for x in (-2.0, -0.0, 0.0, 0.3, 1.0, 1.5, math.inf, -math.inf, math.nan):
        for lo, hi in ((0.0, 1.0), (-0.5, 0.25)):
            want, got = min(hi, max(lo, x)), clamp(x, lo, hi)
            assert math.copysign(1, got) == math.copysign(1, want) and (got == want or math.isnan(want))
