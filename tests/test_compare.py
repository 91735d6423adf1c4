"""Scenario comparisons and fan-chart bands on synthetic results with known answers."""

import numpy as np
import pandas as pd
import pytest

from sim.analysis.compare import compare_numeric, compare_questions, newcombe_interval
from sim.analysis.series import fan_bands


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)],  # Newcombe (1998), method 10, 95%
)
def test_newcombe_interval_matches_the_published_examples(k1, n1, k2, n2, low, high):
    d, lo, hi = newcombe_interval(k1, n1, k2, n2, confidence=0.95)
    assert d == pytest.approx(k1 / n1 - k2 / n2)
    assert lo == pytest.approx(low, abs=5e-4) and hi == pytest.approx(high, abs=5e-4)


def test_newcombe_interval_covers_the_true_difference():
    rng = np.random.default_rng(1)
    p1, n1, p2, n2 = 0.3, 60, 0.45, 80
    k1, k2 = rng.binomial(n1, p1, 1000), rng.binomial(n2, p2, 1000)
    hits = [
        lo <= p1 - p2 <= hi
        for _, lo, hi in (newcombe_interval(a, n1, b, n2, 0.9) for a, b in zip(k1, k2, strict=True))
    ]
    assert 0.86 <= np.mean(hits) <= 0.95


def summary(probability, n, kind="event"):
    q = {"text": "Sirte falls", "kind": kind, "probability": probability, "n": n, "k": round(probability * n)}
    return {"questions": {"sirte": q, "absent": {**q, "probability": None}}}


def test_question_differences_say_which_are_clear():
    d = compare_questions({"base": summary(0.10, 500), "far": summary(0.40, 500), "near": summary(0.11, 500)})
    assert list(d["scenario"]) == ["far", "near"]  # the reference is the first; unanswered questions skipped
    far, near = d.iloc[0], d.iloc[1]
    assert far["difference"] == pytest.approx(0.30) and far["low"] > 0 and far["clear"]
    assert near["low"] < 0 < near["high"] and not near["clear"]
    with pytest.raises(ValueError, match="reference"):
        compare_questions({"base": summary(0.1, 10)}, reference="nope")


def test_two_sample_tests_separate_a_shift_from_noise():
    rng = np.random.default_rng(2)
    base = pd.Series(rng.normal(500, 50, 400))
    samples = {
        "front_km_final": {
            "base": base,
            "shifted": pd.Series(rng.normal(540, 50, 400)),
            "same": pd.Series(rng.normal(500, 50, 400)),
            "tiny": pd.Series([1.0, np.nan]),  # fewer than two defined values: skipped
        }
    }
    t = compare_numeric(samples).set_index("scenario")
    assert list(t.index) == ["shifted", "same"]
    assert t.loc["shifted", "mannwhitney_p"] < 1e-6 and t.loc["shifted", "ks_p"] < 1e-6
    assert t.loc["shifted", "median_difference"] == pytest.approx(40, abs=10)
    assert t.loc["same", "mannwhitney_p"] > 0.01 and t.loc["same", "ks_p"] > 0.01


def test_fan_bands_are_quantiles_over_runs_per_day():
    runs, days = np.arange(101), np.arange(3)
    series = pd.DataFrame(
        [(r, d, "front_km", float(r * (d + 1))) for r in runs for d in days]
        + [(r, d, "other", 0.0) for r in runs for d in days],
        columns=["run_id", "day", "variable", "value"],
    )
    series.loc[(series["run_id"] == 0) & (series["variable"] == "front_km"), "value"] = np.nan
    b = fan_bands(series, "front_km")
    assert list(b.columns) == ["p05", "p25", "p50", "p75", "p95"] and list(b.index) == [0, 1, 2]
    assert b.attrs["n"] == 101
    assert b.loc[0, "p50"] == pytest.approx(50.5)  # runs 1..100 (run 0 is NaN)
    assert b.loc[2, "p50"] == pytest.approx(3 * 50.5)
    assert (b["p05"] <= b["p25"]).all() and (b["p75"] <= b["p95"]).all()
    with pytest.raises(ValueError, match="allowed: front_km, other"):
        fan_bands(series, "nope")
