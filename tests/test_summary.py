"""Forecast questions and intervals on small result sets with known answers."""

import math

import numpy as np
import pandas as pd
import pytest

from sim.results.summary import (
    answer,
    format_summary,
    jeffreys_interval,
    proportion_interval,
    summarise,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0)],  # textbook 95% Wilson values
)
def test_wilson_interval_known_values(k, n, low, high):
    lo, hi = wilson_interval(k, n, confidence=0.95)
    assert lo == pytest.approx(low, abs=5e-4)
    assert hi == pytest.approx(high, abs=5e-4)


def test_wilson_interval_of_nothing_is_nan():
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def runs_frame():
    return pd.DataFrame(
        {
            "status": ["ok"] * 4 + ["failed"],
            "scenario": "baseline",
            "sirte_captured_day": [5.0, np.nan, 40.0, np.nan, np.nan],
            "jufra_captured_day": np.nan,
            "front_km_final": [500.0, 443.0, 700.0, 443.0, np.nan],
            "oil_output_final_bpd": 90000.0,
            "fatalities_total": [10.0, 20.0, 30.0, 40.0, np.nan],
        }
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ({"outcome": "sirte_captured_day", "op": "happened"}, [True, False, True, False]),
        ({"outcome": "sirte_captured_day", "op": "le", "value": 30}, [True, False, False, False]),
        ({"outcome": "front_km_final", "op": "gt", "value": 443}, [True, False, True, False]),
        ({"outcome": "front_km_final", "op": "ge", "value": 443}, [True, True, True, True]),
        ({"outcome": "fatalities_total", "op": "lt", "value": 25}, [True, True, False, False]),
    ],
)
def test_answers(question, expected):
    ok = runs_frame().iloc[:4]
    assert answer(ok, question).tolist() == expected


def test_summary_leaves_failed_runs_out_and_counts_them():
    questions = {
        "q": {"text": "Sirte falls", "outcome": "sirte_captured_day", "op": "happened", "value": None}
    }
    outcomes = {
        "sirte_captured_day": {"kind": "day", "unit": "day", "label": "Sirte captured", "headline": True},
        "fatalities_total": {"kind": "number", "unit": "killed", "label": "Fatalities", "headline": True},
        "front_km_final": {"kind": "number", "unit": "km", "label": "Front", "headline": False},
    }
    s = summarise(runs_frame(), questions, {"scenario": "baseline", "horizon_days": 60}, outcomes=outcomes)
    assert set(s["outcomes"]) == {"sirte_captured_day", "fatalities_total"}  # the headline ones
    assert s["columns"] == outcomes  # every outcome described, for reports
    assert s["outcomes"]["fatalities_total"]["unit"] == "killed"
    q = s["questions"]["q"]
    assert q["probability"] == 0.5 and q["n"] == 4 and q["failed"] == 1
    assert q["interval"][0] < 0.5 < q["interval"][1]
    assert s["outcomes"]["sirte_captured_day"]["share_defined"] == 0.5
    assert s["outcomes"]["fatalities_total"]["median"] == 25.0
    assert s["experiment"]["failed"] == 1
    table = format_summary(s)
    assert "Sirte falls" in table and "50%" in table


def test_unknown_outcome_in_a_question_is_named():
    with pytest.raises(ValueError, match=r"questions\.q\.outcome: unknown outcome 'nope'"):
        summarise(runs_frame(), {"q": {"text": "x", "outcome": "nope", "op": "happened"}}, {})


def test_questions_about_switched_off_mechanisms_are_not_modelled():
    questions = {
        "q": {"text": "Sirte falls", "outcome": "sirte_captured_day", "op": "happened"},
        "deal": {"text": "A deal", "outcome": "tr_deal_day", "op": "happened", "requires": ["bargaining"]},
    }
    s = summarise(runs_frame(), questions, {}, mechanisms_on={"combat", "oil"})
    assert s["questions"]["deal"]["probability"] is None
    assert "bargaining" in s["questions"]["deal"]["not_modelled"]
    assert s["questions"]["q"]["probability"] == 0.5
    assert "not modelled" in format_summary({**s, "experiment": {"ok": 4, "failed": 1}})


# -- Jeffreys intervals, horizons, numeric questions ---------------------------------------------------


def test_jeffreys_interval_known_values_and_ends():
    lo, hi = jeffreys_interval(5, 10, confidence=0.95)  # 2.5% and 97.5% quantiles of Beta(5.5, 5.5)
    assert lo == pytest.approx(0.2235, abs=5e-4) and hi == pytest.approx(0.7765, abs=5e-4)
    assert jeffreys_interval(0, 10)[0] == 0.0 and jeffreys_interval(10, 10)[1] == 1.0
    with pytest.raises(ValueError, match="interval"):
        proportion_interval(1, 2, "wald")


@pytest.mark.parametrize("method", ["wilson", "jeffreys"])
def test_intervals_cover_the_true_probability_about_as_often_as_claimed(method):
    rng = np.random.default_rng(0)
    for p, n in [(0.3, 40), (0.05, 100), (0.8, 25)]:
        ks = rng.binomial(n, p, size=600)
        hits = [lo <= p <= hi for lo, hi in (proportion_interval(int(k), n, method, 0.9) for k in ks)]
        assert 0.85 <= np.mean(hits) <= 0.96, (p, n)


def test_by_day_is_the_question_horizon():
    ok = runs_frame().iloc[:4]
    q = {"outcome": "sirte_captured_day", "op": "happened", "by_day": 30}
    assert answer(ok, q).tolist() == [True, False, False, False]


def test_numeric_question_gives_quantiles_over_defined_runs():
    questions = {
        "front": {"text": "Front", "outcome": "front_km_final", "op": "quantiles", "unit": "km"},
        "sirte_day": {"text": "Day Sirte falls", "outcome": "sirte_captured_day", "op": "quantiles"},
    }
    s = summarise(runs_frame(), questions, {}, interval="jeffreys", confidence=0.8)
    front = s["questions"]["front"]
    assert front["kind"] == "numeric" and front["unit"] == "km" and front["n"] == 4 and front["failed"] == 1
    assert front["quantiles"]["p50"] == pytest.approx(np.median([500, 443, 700, 443]))
    assert front["defined"] == 1.0 and front["mean"] == pytest.approx(521.5)
    day = s["questions"]["sirte_day"]
    assert day["defined"] == 0.5 and day["quantiles"]["p05"] == pytest.approx(5 + 0.05 * 35)
    assert s["experiment"]["interval"] == "Jeffreys 80%"
    assert "Front" in format_summary(s)


def test_question_config_errors_name_the_key():
    from sim.config import ConfigError
    from sim.runner.compose import compose
    from sim.runner.experiment import prepare

    with pytest.raises(ConfigError, match=r"questions\.gna_takes_sirte\.by_day: got 400"):
        prepare(compose(["+questions.gna_takes_sirte.by_day=400"]))
    with pytest.raises(ConfigError, match=r"questions\.front_line_km\.by_day: only for op 'happened'"):
        prepare(compose(["+questions.front_line_km.by_day=10"]))
    with pytest.raises(ConfigError, match=r"questions\.gna_takes_sirte\.value: op 'gt' needs a value"):
        prepare(compose(["questions.gna_takes_sirte.op=gt"]))


def test_not_happened_is_the_opposite_of_happened_by_the_same_day():
    from sim.results.summary import answer

    runs = pd.DataFrame({"x_day": [np.nan, 5.0, 50.0]})
    assert list(answer(runs, {"outcome": "x_day", "op": "not_happened"})) == [True, False, False]
    by_10 = {"outcome": "x_day", "op": "not_happened", "by_day": 10}
    assert list(answer(runs, by_10)) == [True, False, True]
    assert list(answer(runs, {**by_10, "op": "happened"})) == [False, True, False]
