"""The viewer's engine without a page: a live run is the runner's run 0; a finished run's maps are its own."""

import os
import re

import pandas as pd
import pytest

import sim
from sim.results import load_events
from sim.viz.browse import FinishedExperiment, recent_experiments
from sim.viz.live import LiveRun, ViewerError

SMALL = ["mc.runs=3", "horizon_days=40", "executor=serial", "analysis.report=false"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    folder = tmp_path_factory.mktemp("viz") / "outputs" / "exp"
    return sim.run(["scenario=combined", *SMALL], folder, quiet=True)


def test_a_live_run_stepped_to_the_end_is_run_0_of_the_same_experiment(finished):
    live = LiveRun.start("combined", ["mc.runs=3", "executor=serial"], horizon_days=40)
    while not live.done:
        live.step(7)
    row = finished.runs[finished.runs["run_id"] == 0].iloc[0]
    assert live.seed == row["seed"]
    assert live.values == {"mechanisms.unrest.exclusion_penalty": row["mechanisms.unrest.exclusion_penalty"]}
    outcomes = live.model.outcomes()
    assert outcomes["fatalities_total"] == pytest.approx(row["fatalities_total"], rel=1e-12)
    assert outcomes["front_km_final"] == row["front_km_final"]
    stored = load_events(finished.path, 0)
    assert len(live.events()) == len(stored) > 0
    assert list(live.events()["kind"].iloc[::-1]) == list(stored["kind"])


def test_stepping_stops_at_the_horizon_and_snapshots_do_not_change_as_the_run_goes_on():
    live = LiveRun.start("baseline", horizon_days=10)
    first = live.snapshot()
    assert (first.day, first.date, first.horizon) == (0, "2020-06-07", 10)
    control = first.control.copy()
    assert live.step(4) == 4 and live.day == 4
    assert live.step(100) == 6 and live.done and live.step(1) == 0
    last = live.snapshot()
    pd.testing.assert_frame_equal(first.control, control)  # day 0's copy, untouched by ten days
    assert len(first.series) == 1 and len(last.series) == 11
    assert last.series.columns[0] == "Front line"  # labelled as declared, not by column name
    assert sum(last.holders.values()) == len(last.control)
    assert {"lat", "lon", "holder"} <= set(last.control.columns)
    if len(last.events) > 1:
        assert last.events["day"].is_monotonic_decreasing  # newest first


@pytest.mark.parametrize(
    ("scenario", "overrides", "says"),
    [
        ("nowhere", [], "scenario"),
        ("baseline", ["mechanisms.combat.defender_bonus=-3"], "mechanisms.combat.defender_bonus"),
        ("baseline", ["mechanisms.combat.no_such_key=1"], "no_such_key"),
        ("baseline", ["horizon_days=="], "horizon_days"),
    ],
)
def test_a_config_the_command_line_refuses_is_one_line_naming_the_key(scenario, overrides, says):
    with pytest.raises(ViewerError) as err:
        LiveRun.start(scenario, overrides)
    message = str(err.value)
    assert says in message and "\n" not in message


def test_a_finished_run_s_map_on_its_last_day_is_its_stored_holders(finished):
    exp = FinishedExperiment.open(finished.path)
    assert exp.run_ids() == [0, 1, 2] and exp.horizon == 40
    runs = exp.runs()
    assert "Sirte captured" in runs.columns and "events" in runs.columns  # labels, not column names
    captured = finished.runs["sirte_captured_day"]
    assert list(runs["Sirte captured"]) == ["never" if pd.isna(d) else f"day {int(d)}" for d in captured]
    killed = [c for c in runs.columns if c.startswith("Fatalities (")]
    assert killed and all(re.fullmatch(r"[\d,]+(\.\d+)?", x) for x in runs[killed[0]])  # not 1025.4000000001
    for run_id in (0, 2):
        row = finished.runs[finished.runs["run_id"] == run_id].iloc[0]
        last = exp.control(run_id, 40)
        assert all(last.loc[p, "holder"] == row[f"holder_{p}"] for p in last.index)
        assert exp.replay(run_id)[2]  # the replay matches the stored outcomes
        events = exp.run_events(run_id)
        assert len(events) == runs.loc[runs["run_id"] == run_id, "events"].iloc[0]
        assert set(events["place"]) - {""} <= set(last["name"])  # place names, not ids
    theatre = exp.replay(0)[0].theatre
    assert all(exp.control(0, 0).loc[p, "holder"] == theatre.places[p].control for p in theatre.place_ids)


def test_opening_anything_but_a_finished_experiment_is_one_line(tmp_path, finished):
    with pytest.raises(ViewerError, match="no such folder"):
        FinishedExperiment.open(tmp_path / "missing")
    with pytest.raises(ViewerError, match="not a finished experiment"):
        FinishedExperiment.open(tmp_path)
    with pytest.raises(ViewerError, match="no run 7"):
        FinishedExperiment.open(finished.path).control(7, 0)


def test_recent_experiments_lists_finished_folders_newest_first(tmp_path):
    for name in ("a", "b"):
        (tmp_path / "outputs" / name).mkdir(parents=True)
        (tmp_path / "outputs" / name / "summary.json").write_text("{}")
    (tmp_path / "outputs" / "unfinished").mkdir()
    os.utime(tmp_path / "outputs" / "a" / "summary.json", (2e9, 2e9))
    found = recent_experiments(tmp_path / "outputs")
    assert found == [str(tmp_path / "outputs" / "a"), str(tmp_path / "outputs" / "b")]


def test_the_viewer_command_refuses_a_bad_port_in_one_line():
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "sim.viz", "--port", "70000"], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == ["error: --port: 70000 is not a port; allowed: 0 to 65535"]


def test_the_viewer_without_its_extra_says_how_to_install_it(monkeypatch):
    import importlib.util

    from sim.errors import UserError
    from sim.viz.__main__ import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda m: None if m.startswith("solara") else real(m))
    with pytest.raises(UserError, match=r"needs the viz extra \(solara, solara_assets not installed\): pip"):
        main([])


def test_the_parameter_table_gives_each_value_range_source_and_the_scenario_s_sampling():
    from sim.viz.live import parameter_table

    table = parameter_table("combined")
    row = table.loc["mechanisms.unrest.exclusion_penalty"]
    assert row["allowed"] == "[0, 1]" and row["source"] and "uniform" in row["sampled"]
    assert table.loc["mechanisms.combat.defender_bonus", "sampled"] == ""
    with pytest.raises(ViewerError, match="scenario"):
        parameter_table("nowhere")


def test_a_map_recoloured_frame_by_frame_changes_the_places_that_changed_hands_only():
    import io

    import matplotlib.pyplot as plt
    import numpy as np

    from sim.viz.figures import MapCanvas, control_map, png

    def image(data: bytes) -> np.ndarray:
        return plt.imread(io.BytesIO(data))

    live = LiveRun.start("combined", horizon_days=60)
    canvas = MapCanvas(live.model.theatre, live.control(), live.colours, "a map")
    live.step(60)
    control = live.control()
    before = image(canvas.frame(control, "a map"))
    moved = control.copy()
    place = moved.index[moved["holder"] == "GNA"][0]
    moved.loc[place, "holder"] = "LNA"  # one place changes hands
    after = image(canvas.frame(moved, "a map"))
    assert list(canvas.dots.get_array()) == [100.0 * (h == "GNA") for h in moved["holder"]]
    ys, xs = np.nonzero(np.abs(after - before).max(axis=-1) > 0.1)
    assert 0 < len(ys) and np.ptp(ys) < 20 and np.ptp(xs) < 20  # one marker's pixels, nothing else
    fresh = image(png(control_map(live.model.theatre, moved, live.colours, "a map")))
    canvas.close()
    assert fresh.shape == after.shape  # the same figure as drawn anew (up to a sub-pixel shift)
