"""python -m sim.forecast: runs consistent with the record known by a date; open questions answered."""

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from analysis_inputs import command, small_experiment

from sim.analysis.as_of import MIN_MATCHED, as_of, decided_day
from sim.analysis.observations import Observation
from sim.forecast import main

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
START = dt.date(2020, 6, 7)
QUESTIONS = {
    "taken": {"text": "X taken", "outcome": "x_day", "op": "happened"},
    "taken_30": {"text": "X taken within 30 days", "outcome": "x_day", "op": "le", "value": 30},
}


def runs(days):
    return pd.DataFrame({"run_id": range(len(days)), "status": "ok", "x_day": days})


def not_by_30():
    """The record: X had not been taken by day 30 (as of 7 July)."""
    return Observation(id="x_not_by_30", text="", source="s", date="2020-07-07", day=30, op="ge", value=31,
                       outcome="x_day")  # fmt: skip


def test_the_runs_inconsistent_with_the_record_are_dropped_and_settled_questions_closed():
    days = [5.0] * 20 + [60.0] * 40 + [np.nan] * 40  # 20 runs take X early, 40 late, 40 never
    early = as_of(runs(days), pd.DataFrame(), [not_by_30()], QUESTIONS, START, 180, dt.date(2020, 6, 7))
    assert early["known"] == [] and early["matched"] == 100
    assert early["questions"]["taken"]["probability"] == pytest.approx(0.6)
    assert early["questions"]["taken_30"]["probability"] == pytest.approx(0.2)
    later = as_of(runs(days), pd.DataFrame(), [not_by_30()], QUESTIONS, START, 180, dt.date(2020, 7, 7))
    assert later["known"] == ["x_not_by_30"] and later["matched"] == 80 and not later["few"]
    assert later["questions"]["taken"]["probability"] == pytest.approx(0.5)  # 40 of the 80 left
    assert "taken_30" not in later["questions"]  # settled on day 30: nothing left to forecast


def test_a_question_resolved_by_the_date_is_closed_and_one_still_open_is_scored():
    days = [60.0] * 5 + [np.nan] * 15  # 20 runs: fewer than MIN_MATCHED
    resolved = {"taken": {"outcome": True, "date": "2020-08-06"}}
    before = as_of(runs(days), pd.DataFrame(), [], QUESTIONS, START, 180, dt.date(2020, 7, 7), resolved)
    q = before["questions"]["taken"]
    assert q["outcome"] is True and q["brier"] == pytest.approx((0.25 - 1) ** 2)
    assert before["few"] and before["matched"] == 20 < MIN_MATCHED
    after = as_of(runs(days), pd.DataFrame(), [], QUESTIONS, START, 180, dt.date(2020, 8, 6), resolved)
    assert "taken" not in after["questions"]


def test_no_consistent_run_leaves_no_answer():
    s = as_of(runs([5.0] * 10), pd.DataFrame(), [not_by_30()], QUESTIONS, START, 180, dt.date(2020, 7, 8))
    assert s["matched"] == 0 and s["few"] and s["questions"]["taken"]["probability"] is None


def test_decided_day_of_each_kind_of_question():
    assert decided_day(QUESTIONS["taken"], 180) == 180
    assert decided_day(QUESTIONS["taken_30"], 180) == 30
    assert decided_day({**QUESTIONS["taken"], "by_day": 90}, 180) == 90


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    return small_experiment(tmp_path_factory.mktemp("forecast") / "e", "horizon_days=60", "mc.runs=40")


def test_the_command_conditions_on_the_libya_record_and_draws_its_figure(experiment, tmp_path, capsys):
    code, out, err = command(
        main,
        [experiment, SEEDS / "record_2020.yaml", "--as-of", "2020-06-07", "2020-07-07", "--out", tmp_path,
         "--resolutions", SEEDS / "resolutions_2020.yaml"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads((tmp_path / "forecast.json").read_text())
    first, second = doc["as_of"]
    assert first["known"] == [] and second["known"] == ["sirte_lna_at_30"]
    assert first["matched"] == 40 >= second["matched"]
    assert "gna_takes_sirte_30" in first["questions"] and "gna_takes_sirte_30" not in second["questions"]
    assert "as of 2020-07-07 (day 30, 1 facts)" in out and "Brier" in out
    assert (tmp_path / "figures" / "forecast_as_of.png").stat().st_size > 10_000


def test_an_as_of_date_outside_the_experiment_is_a_one_line_error(experiment, tmp_path, capsys):
    code, _, err = command(main, [experiment, SEEDS / "record_2020.yaml", "--as-of", "2021-01-01"], capsys)
    assert code == 2 and "--as-of[0]: 2021-01-01 lies outside the experiment" in err
    assert len(err.strip().splitlines()) == 1


def test_a_record_fact_after_the_horizon_is_left_out_with_a_note(experiment, tmp_path, capsys):
    record = tmp_path / "r.yaml"
    entry = {"id": "late", "outcome": "sirte_captured_day", "op": "ge", "value": 1, "date": "2020-12-01",
             "source": "s"}  # fmt: skip
    record.write_text(yaml.safe_dump({"observations": [entry]}))
    code, out, err = command(main, [experiment, record, "--out", tmp_path], capsys)
    assert code == 0, err
    assert "1 facts dated after the horizon (day 60) left out: late" in out
    assert [s["known"] for s in json.loads((tmp_path / "forecast.json").read_text())["as_of"]] == [[]]
