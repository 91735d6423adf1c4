"""Reports that say what they assume: the scenario, what differs, what is sampled, what is not modelled."""

import json

import numpy as np
import pandas as pd
import pytest
from analysis_inputs import command, small_experiment

from sim.analysis.report_tables import has_series, modelled
from sim.report import main as report_main
from sim.results import Results, load


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Two experiments of one scenario that differ in one setting, and one of another scenario."""
    root = tmp_path_factory.mktemp("assumes")
    small_experiment(
        root / "0_baseline", "horizon_days=30", "mc.runs=10", "mechanisms.combat.defender_bonus=1.2"
    )
    small_experiment(root / "1_baseline", "horizon_days=30", "mc.runs=10")
    small_experiment(root / "2_eastern_unrest", "scenario=eastern_unrest", "horizon_days=30", "mc.runs=10")
    return root


def test_the_summary_records_what_the_experiment_assumes(sweep):
    s = json.loads((sweep / "2_eastern_unrest" / "summary.json").read_text())["scenario"]
    assert s["name"] == "eastern_unrest" and s["description"].startswith("Epstein civil violence")
    assert "unrest" in s["mechanisms_on"] and s["baseline"]
    differs = {d["key"]: (d["value"], d["baseline"]) for d in s["differs"]}
    assert differs["mechanisms.unrest.enabled"] == (True, False)
    assert differs["mechanisms.unrest.exclusion_penalty"] == (0.1, 0.05)
    assert "mc.runs" not in differs  # how it ran is not what it assumes
    assert s["sampled"] == [{"key": "mechanisms.unrest.exclusion_penalty", "dist": "uniform", "low": 0.06,
                             "high": 0.14}]  # fmt: skip
    base = json.loads((sweep / "1_baseline" / "summary.json").read_text())["scenario"]["differs"]
    assert base == [{"key": "horizon_days", "value": 30, "baseline": 180}]  # the command line's one change


def test_experiments_of_one_scenario_are_labelled_by_what_differs(sweep):
    assert list(load(sweep)) == [
        "baseline (defender_bonus=1.2)",
        "baseline (defender_bonus=1.5)",
        "eastern_unrest",
    ]


def test_the_report_opens_with_what_each_experiment_assumes(sweep, tmp_path, capsys):
    code, _, err = command(report_main, [sweep, "--out", tmp_path, "--reference", "eastern_unrest"], capsys)
    assert code == 0, err
    md = (tmp_path / "report.md").read_text()
    assert md.index("## What each experiment assumes") < md.index("## Forecast questions")
    assert "The first, **eastern_unrest**, is the reference" in md
    assert "| `mechanisms.unrest.exclusion_penalty` | 0.1 | 0.05 |" in md
    assert "- `mechanisms.unrest.exclusion_penalty`: uniform (low 0.06, high 0.14)" in md
    between = md[md.index("### What differs between the experiments") :]
    assert "| `mechanisms.combat.defender_bonus` | 1.5 | 1.2 | 1.5 |" in between
    assert "not modelled in baseline" not in md  # figures say it; the text tables already did


def test_a_reference_that_names_no_experiment_is_one_line(sweep, tmp_path, capsys):
    code, _, err = command(report_main, [sweep, "--out", tmp_path, "--reference", "nope"], capsys)
    assert code == 2 and "--reference: got 'nope'; allowed: 'baseline (defender_bonus=1.2)'" in err


def _results(questions, series_values):
    runs = pd.DataFrame({"run_id": [0, 1], "status": "ok", "x_day": [np.nan, np.nan]})
    series = pd.DataFrame({"run_id": [0, 1], "day": 0, "variable": "v", "value": series_values})
    return Results(path=".", runs=runs, series=series, summary={"questions": questions}, config={})


def test_a_switched_off_mechanism_is_not_modelled_and_draws_nothing():
    off = _results({"q": {"outcome": "x_day", "not_modelled": "needs one of: unrest"}}, [np.nan, np.nan])
    on = _results({"q": {"outcome": "x_day", "probability": 0.0}}, [0.1, 0.2])
    assert not modelled(off, "x_day") and modelled(on, "x_day") and modelled(on, "never_asked")
    assert not has_series(off, "v") and has_series(on, "v")


def test_the_front_lines_scale_is_named_by_its_towns(sweep):
    marks = json.loads((sweep / "1_baseline" / "summary.json").read_text())["landmarks"]
    assert marks["front_km"]["Sirte"] == 463.0 and marks["front_km_final"] == marks["front_km"]


def test_a_scenario_that_chooses_its_theatre_is_compared_with_that_theatres_baseline(tmp_path):
    """Not with the default theatre's: the differences are the scenario's, not the other theatre's data."""
    small_experiment(tmp_path / "e", "scenario=karabakh_ceasefire_pause", "horizon_days=20", "mc.runs=4")
    s = json.loads((tmp_path / "e" / "summary.json").read_text())["scenario"]
    differs = {d["key"]: (d["value"], d["baseline"]) for d in s["differs"]}
    assert s["baseline"] and not [k for k in differs if k.startswith("theatre.")]
    assert differs["mechanisms.ceasefire.enabled"] == (True, False)
    assert differs["horizon_days"] == (20, 180)
