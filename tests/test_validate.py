"""python -m sim.validate: sourced patterns set against an ensemble's bands, in- and out-of-sample."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from analysis_inputs import command, small_experiment

from sim.analysis.observations import CalibrationError
from sim.analysis.patterns import ValidationError, compare, load_patterns
from sim.results.summary import wilson_interval
from sim.validate import main

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
START = "2020-06-07"


def ensemble(values_by_run: list[list[float]], variable: str = "x") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs and long series of one variable: run i's value on day d is values_by_run[i][d]."""
    rows = [(i, d, variable, v) for i, vs in enumerate(values_by_run) for d, v in enumerate(vs)]
    series = pd.DataFrame(rows, columns=["run_id", "day", "variable", "value"])
    return pd.DataFrame({"run_id": range(len(values_by_run)), "status": "ok"}), series


def patterns_file(tmp_path: Path, *patterns: dict) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"patterns": list(patterns)}))
    return path


def pattern(**kw) -> dict:
    base = {"id": "p", "text": "a pattern", "scale": "test", "variable": "x", "source": "s",
            "points": [{"date": "2020-06-17", "op": "near", "value": 10, "tolerance": 1}]}  # fmt: skip
    return base | kw


def compared(tmp_path, values, *patterns, fitted=None, horizon=20):
    loaded = load_patterns(patterns_file(tmp_path, *patterns), START, horizon, ["x"])
    runs, series = ensemble(values)
    return compare(loaded, runs, series, fitted or {}, lambda k, n: wilson_interval(k, n, 0.9))


def test_a_point_inside_the_band_is_reproduced_and_one_outside_is_not(tmp_path):
    values = [[float(i)] * 21 for i in range(100)]  # run i holds i every day: the band is ~[5, 94]
    five = pattern(points=[{"date": "2020-06-17", "op": "near", "value": 10, "tolerance": 5}])
    [inside] = compared(tmp_path, values, five)
    assert inside["status"] == "reproduced" and inside["points"][0]["inside"]
    assert inside["points"][0]["p05"] == pytest.approx(4.95) and inside["points"][0]["p95"] == pytest.approx(
        94.05
    )
    assert inside["joint"]["k"] == 11 and inside["points"][0]["share"] == pytest.approx(0.11)  # 5 to 15
    assert inside["points"][0]["percentile"] == pytest.approx(0.10)
    low = pattern(points=[{"date": "2020-06-17", "op": "le", "value": 2}])  # all runs above 4.95 ...
    high = pattern(id="q", points=[{"date": "2020-06-17", "op": "ge", "value": 150}])
    a, b = compared(tmp_path, values, low, high)
    assert (a["status"], a["points"][0]["side"]) == ("not reproduced", "below")  # observed below the band
    assert (b["status"], b["points"][0]["side"]) == ("not reproduced", "above")


def test_points_each_plausible_but_never_together_are_not_reproduced(tmp_path):
    # half the runs are 0 then 10, half 10 then 0: each day's band holds 0 and 10, no run is 10 then 10
    values = [[0.0] * 10 + [10.0] * 11 if i % 2 else [10.0] * 10 + [0.0] * 11 for i in range(100)]
    both = pattern(points=[{"date": "2020-06-09", "op": "near", "value": 10, "tolerance": 1},
                           {"date": "2020-06-25", "op": "near", "value": 10, "tolerance": 1}])  # fmt: skip
    [c] = compared(tmp_path, values, both)
    assert all(p["inside"] for p in c["points"])
    assert c["joint"]["k"] == 0 and c["status"] == "not reproduced" and "match every point" in c["reason"]


def test_a_month_of_a_cumulative_series_is_its_change(tmp_path):
    values = [list(np.arange(21.0) * (1 + i % 2)) for i in range(40)]  # 1 or 2 deaths a day
    month = pattern(points=[{"since": "2020-06-10", "date": "2020-06-20", "stat": "change", "op": "le",
                             "value": 10}])  # fmt: skip
    [c] = compared(tmp_path, values, month)
    p = c["points"][0]
    assert (p["p05"], p["p95"], p["share"]) == (10.0, 20.0, 0.5) and c["status"] == "reproduced"


def test_a_pattern_the_model_was_fitted_to_is_in_sample(tmp_path):
    values = [[10.0] * 21] * 20
    fitted = {"e2": ["tuned: mechanisms.x.y"]}
    a, b = compared(tmp_path, values, pattern(event="e1"), pattern(id="q", event=["e1", "e2"]), fitted=fitted)
    assert (a["sample"], a["fitted"]) == ("out", [])
    assert (b["sample"], b["fitted"]) == ("in", ["tuned: mechanisms.x.y"])


def test_no_value_or_only_points_after_the_horizon_leave_a_pattern_not_checked(tmp_path):
    values = [[np.nan] * 21] * 10
    late = pattern(id="late", points=[{"date": "2021-01-01", "op": "le", "value": 1}])
    none, after = compared(tmp_path, values, pattern(), late)
    assert (none["status"], after["status"]) == ("not checked", "not checked")
    assert "no run has a value of x" in none["reason"] and after["later"] == ["2021-01-01"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (pattern(colour="red"), r"patterns\[0\]\.colour: unknown field; allowed: id, text"),
        (pattern(variable="y"), r"patterns\[0\]\.variable: got 'y'; allowed: x"),
        ({k: v for k, v in pattern().items() if k != "source"},
         r"patterns\[0\]\.points\[0\]\.source: missing"),
        (pattern(points=[{"date": "2020-06-17", "op": "lt", "value": 1}]),
         r"patterns\[0\]\.points\[0\]\.op: got 'lt'; allowed: le, ge, near"),
        (pattern(points=[{"date": "2020-06-17", "op": "le", "value": 1, "outcome": "x"}]),
         r"patterns\[0\]\.points\[0\]\.outcome: unknown field"),
        (pattern(event=[]), r"patterns\[0\]\.event: got \[\]; allowed: a name, or a non-empty list"),
        (pattern(points=[]), r"patterns\[0\]\.points: got \[\]; allowed: a non-empty list"),
    ],
)  # fmt: skip
def test_a_bad_pattern_is_a_one_line_error_naming_its_field(tmp_path, entry, message):
    with pytest.raises((ValidationError, CalibrationError), match=message):
        load_patterns(patterns_file(tmp_path, entry), START, 20, ["x"])


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    return small_experiment(tmp_path_factory.mktemp("validate") / "e", "horizon_days=100", "mc.runs=20")


def test_the_command_validates_the_libya_patterns_and_draws_them(experiment, tmp_path, capsys):
    code, out, err = command(main, [experiment, SEEDS / "patterns_2020.yaml", "--out", tmp_path], capsys)
    assert code == 0, err
    doc = json.loads((tmp_path / "validation.json").read_text())
    by_id = {c["id"]: c for c in doc["patterns"]}
    assert len(by_id) >= 4 and len({c["scale"] for c in doc["patterns"]}) >= 4
    assert by_id["front_frozen"]["sample"] == "in"  # tuned: combat.assault_ratio
    assert by_id["quiet_after_june"]["sample"] == "out"
    assert by_id["eastern_protests"]["status"] == "not checked"  # the baseline has no unrest
    assert by_id["oil_recovery"]["later"]  # points after day 100 are left out ...
    assert "points dated after the horizon (day 100) left out" in out  # ... with a note
    assert "out-of-sample" in out and "in-sample" in out and doc["summary"] in out
    text = (tmp_path / "validation.md").read_text()
    assert text.startswith("## Validation against sourced patterns") and "figures/validation.png" in text
    assert (tmp_path / "figures" / "validation.png").stat().st_size > 10_000


def test_the_report_carries_the_validation_section(experiment, tmp_path, capsys):
    from sim.report import main as report_main

    assert command(main, [experiment, SEEDS / "patterns_2020.yaml"], capsys)[0] == 0
    code, _, err = command(report_main, [experiment, "--out", tmp_path], capsys)
    assert code == 0, err
    report = (tmp_path / "report.md").read_text()
    assert "## Validation against sourced patterns" in report
    assert "/e/figures/validation.png)" in report.replace("\\", "/")  # relative to the report


def test_a_bad_patterns_file_is_one_line_and_writes_nothing(experiment, tmp_path, capsys):
    bad = patterns_file(tmp_path, pattern(variable="no_such_series"))
    code, _, err = command(main, [experiment, bad, "--out", tmp_path / "v"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "patterns[0].variable: got 'no_such_series'; allowed:" in err
    assert not (tmp_path / "v" / "validation.json").exists()


def test_a_joint_share_whose_interval_spans_five_percent_is_not_resolved(tmp_path):
    values = [[10.0] * 21 if i < 5 else [10.0 + (i % 2) * 4 - 2] * 21 for i in range(100)]  # 5 runs at 10
    near = pattern(points=[{"date": "2020-06-17", "op": "near", "value": 10, "tolerance": 1}])
    [c] = compared(tmp_path, values, near)
    assert c["points"][0]["inside"] and c["joint"]["k"] == 5
    assert c["joint"]["low"] < 0.05 < c["joint"]["high"] and c["status"] == "not resolved"
