"""Parameter uncertainty told apart from Monte Carlo error (sim.results.spread), against known spreads."""

import numpy as np
import pandas as pd
import pytest

from sim.results.spread import parameter_spread


def draws(p_per_point, runs, seed=1):
    """Bernoulli runs: ``runs`` per design point, point i with true probability p_per_point[i]."""
    rng = np.random.default_rng(seed)
    point = np.repeat(np.arange(len(p_per_point)), runs)
    yes = rng.random(len(point)) < np.repeat(p_per_point, runs)
    return pd.Series(point), pd.Series(yes)


def test_chance_alone_leaves_no_spread_over_the_parameters():
    s = parameter_spread(*draws(np.full(400, 0.3), runs=5))
    assert s["sd"] < 0.04  # the points' shares scatter (noise s.d. ~0.2), but their probability is one
    assert s["noise_sd"] == pytest.approx(np.sqrt(0.3 * 0.7 / 5), abs=0.02)
    assert s["points"] == 400 and s["runs_per_point"] == 5


def test_a_known_spread_over_the_parameters_is_recovered():
    p = np.tile([0.1, 0.9], 200)  # true probabilities: s.d. 0.4 over the parameters
    s = parameter_spread(*draws(p, runs=10))
    assert s["sd"] == pytest.approx(0.4, abs=0.03)
    assert s["low"] <= 0.2 and s["high"] >= 0.8


@pytest.mark.parametrize(("points", "runs"), [(50, 1), (1, 20)])
def test_one_run_per_draw_or_one_draw_cannot_tell_them_apart(points, runs):
    assert parameter_spread(*draws(np.full(points, 0.5), runs=runs)) is None


def test_the_summary_gives_the_spread_only_with_replicated_uncertain_draws():
    from sim.results.summary import summarise

    point, yes = draws(np.tile([0.1, 0.9], 20), runs=4)
    runs = pd.DataFrame({"status": "ok", "design_point": point, "x_day": np.where(yes, 5.0, np.nan)})
    questions = {"x": {"text": "X happens", "outcome": "x_day", "op": "happened"}}
    with_params = summarise(runs, questions, {"uncertain_parameters": ["a"]})["questions"]["x"]
    assert with_params["over_parameters"]["points"] == 40
    assert "over_parameters" not in summarise(runs, questions, {})["questions"]["x"]


def test_a_declared_or_day_0_answer_is_assumed_by_the_scenario_not_forecast():
    from sim.results.summary import format_summary, summarise

    runs = pd.DataFrame({"status": "ok", "a_day": [0.0] * 5, "b_day": [0.0, 3.0, np.nan, 0.0, 1.0]})
    questions = {
        "a": {"text": "A happens", "outcome": "a_day", "op": "happened"},  # on day 0 in every run
        "b": {"text": "B happens", "outcome": "b_day", "op": "happened"},  # a forecast...
        "c": {"text": "B early", "outcome": "b_day", "op": "le", "value": 1},  # ...unless declared
    }
    s = summarise(runs, questions, {}, assumed={"c": "the scenario starts it"})
    q = s["questions"]
    assert q["a"]["assumed"].startswith("it happens on day 0 in every run")
    assert "assumed" not in q["b"] and q["b"]["probability"] == 0.8
    assert q["c"]["assumed"] == "the scenario starts it"
    text = format_summary(s)
    assert "A happens" in text and "assumed by the scenario" in text.split("A happens")[1].splitlines()[0]
