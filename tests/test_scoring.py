"""Scores against hand-computed values and closed forms."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from sim.analysis.scoring import EPS, brier, crps_ensemble, log_score, reliability


def test_brier_and_log_score_hand_computed():
    assert brier(0.7, True) == pytest.approx(0.09) and brier(0.7, False) == pytest.approx(0.49)
    assert brier(0.5, True) == brier(0.5, False) == 0.25  # the 0.5 reference forecast
    assert log_score(0.7, True) == pytest.approx(-math.log(0.7))
    assert log_score(0.7, False) == pytest.approx(-math.log(0.3))
    assert log_score(0.5, True) == pytest.approx(math.log(2))
    assert log_score(0.0, True) == pytest.approx(-math.log(EPS))  # no run saw it: finite, large
    with pytest.raises(ValueError, match="probability"):
        brier(1.2, True)


def test_crps_of_small_ensembles_hand_computed():
    assert crps_ensemble([1.0, 2.0, 3.0], 2.0) == pytest.approx(2 / 3 - 0.5 * 8 / 9)  # 2/9
    assert crps_ensemble([5.0], 2.0) == pytest.approx(3.0)  # one member: the absolute error
    assert crps_ensemble([0.0, 10.0], 0.0) == pytest.approx(5.0 - 0.5 * 5.0)
    with pytest.raises(ValueError, match="crps"):
        crps_ensemble([], 1.0)


def test_crps_of_a_large_normal_ensemble_matches_the_closed_form():
    x = np.random.default_rng(0).normal(0.0, 2.0, 200_000)
    for y in (0.0, 1.5, -4.0):
        z = y / 2.0
        exact = 2.0 * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))
        assert crps_ensemble(x, y) == pytest.approx(exact, abs=5e-3)


def test_reliability_bins():
    r = reliability([0.05, 0.1, 0.9, 0.95, 0.5], [0, 0, 1, 1, 1], bins=5)
    assert r["n"].tolist() == [2, 1, 2] and r["observed"].tolist() == [0.0, 1.0, 1.0]
    assert r["forecast"].iloc[0] == pytest.approx(0.075)


def test_reliability_diagram_renders(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from sim.figures import plot_reliability

    fig, ax = plot_reliability(
        reliability([0.1, 0.2, 0.8, 0.9, 0.6, 0.3, 0.7, 0.4], [0, 0, 1, 1, 1, 0, 1, 0])
    )
    assert "n = 8" in ax.get_title(loc="left")
    fig.savefig(tmp_path / "r.png")
