"""Forecast questions and intervals on small result sets with known answers."""

import math

import numpy as np
import pandas as pd
import pytest

from sim.summary import answer, format_summary, summarise, wilson_interval


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
    s = summarise(runs_frame(), questions, {"scenario": "baseline", "horizon_days": 60})
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
