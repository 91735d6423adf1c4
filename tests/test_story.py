"""A run's story: the events the model logs, and python -m sim.story replaying a finished run."""

import math

import pandas as pd
import pytest
from analysis_inputs import command, small_experiment

from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import plan, simulate, task_setup
from sim.story import events_frame, main, map_days

#: outcome -> the event that marks it (the first such event's day is the outcome's day)
MARKS = {
    "ceasefire_declared_day": "ceasefire_accepted",
    "ceasefire_broken_day": "ceasefire_broken",
    "egypt_intervened_day": "intervention",
    "tr_deal_day": "deal",
    "tr_clash_day": "patrons_clash",
    "blockade_lifted_day": "blockade_lifted",
    "east_govt_fell_day": "government_falls",
}


@pytest.fixture(scope="module")
def combined_runs():
    exp = prepare(compose(["scenario=combined", "mc.runs=12", "horizon_days=240"]))
    return [_run(exp, task) for task in plan(exp)]


def _run(exp, task):
    """One of the experiment's runs, as the runner runs it."""
    config, theatre = task_setup(exp, task)
    return simulate(theatre, config.mechanisms, config.horizon_days, task.seed)


def test_every_marked_outcome_has_its_event_on_its_day(combined_runs):
    seen = set()
    for model in combined_runs:
        outcomes, events = model.outcomes(), events_frame(model)
        for outcome, kind in MARKS.items():
            days = events.loc[events["kind"] == kind, "day"]
            day = outcomes[outcome]
            if isinstance(day, float) and math.isnan(day):
                assert days.empty or outcome == "ceasefire_broken_day", (outcome, list(days))
            else:
                assert int(days.min()) == int(day), (outcome, day, list(days))
                seen.add(kind)
    assert {"ceasefire_accepted", "blockade_lifted"} <= seen  # the test bites: these happen in 12 runs


def test_captures_are_logged_with_the_day_the_place_changed_hands(combined_runs):
    for model in combined_runs:
        events = events_frame(model)
        captures = events[events["kind"] == "capture"]
        for pid, day in model.captured_day.items():
            if not math.isnan(day):
                front = captures[
                    (captures["place"] == pid) & (captures["actor"] == model.theatre.front_faction)
                ]
                assert int(front["day"].min()) == int(day)
        last = captures.groupby("place")["actor"].last()  # the last capture of a place: its holder now
        for pid, holder in last.items():
            assert model.control[model.theatre.index(pid)] == holder


def test_the_maps_are_of_the_days_that_mattered():
    events = pd.DataFrame(
        {"day": [3, 3, 10, 50, 60], "kind": ["protests", "capture", "deal", "capture", "x"]}
    )
    assert map_days(events, 90) == [0, 3, 10, 50, 90]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    return small_experiment(tmp_path_factory.mktemp("story") / "e", "scenario=combined", "horizon_days=40")


def test_the_command_replays_a_run_and_tells_it(experiment, tmp_path, capsys):
    code, out, err = command(main, [experiment, "--run", "2", "--out", tmp_path], capsys)
    assert code == 0, err
    assert out.startswith(f"Run 2 of {experiment} (combined, seed ")
    assert "warning" not in out  # the replay is the stored run
    events = pd.read_csv(tmp_path / "story-2.csv")
    assert list(events.columns) == ["day", "date", "actor", "kind", "place", "detail"]
    assert (events["kind"] == "ceasefire_offer").any()  # the Cairo offer stands on day 0 in this scenario
    assert (tmp_path / "figures" / "story-2.png").stat().st_size > 20_000


def test_a_run_that_is_not_there_is_one_line(experiment, tmp_path, capsys):
    code, _, err = command(main, [experiment, "--run", "99", "--out", tmp_path], capsys)
    assert code == 2 and err.count("\n") == 1 and "--run: no run 99" in err and "allowed: 0 to 7" in err


def test_every_run_records_its_events_in_events_parquet(experiment):
    from sim.results import load, load_events

    res = load(experiment)
    assert "_events" not in res.runs.columns  # carried in the parts, taken out at compaction
    events = load_events(experiment)
    assert list(events.columns) == ["run_id", "day", "actor", "kind", "place", "detail"]
    assert set(events["run_id"]) <= set(res.runs["run_id"]) and len(events)
    exp = prepare(compose(["scenario=combined", "horizon_days=40", "mc.runs=8"]))
    model = _run(exp, plan(exp)[2])
    stored = load_events(experiment, run_id=2)
    assert [tuple(x) for x in stored.drop(columns="run_id").itertuples(index=False)] == model.events


def test_the_report_tells_a_typical_run_and_says_how_it_was_chosen(experiment, tmp_path, capsys):
    from sim.report import main as report_main

    code, _, err = command(report_main, [experiment, "--out", tmp_path], capsys)
    assert code == 0, err
    md = (tmp_path / "report.md").read_text()
    section = md[md.index("## Two runs' stories") :]
    assert "closest to the ensemble's medians" in section and "### combined: typical run, run " in section
    assert f"`python -m sim.story {experiment} --run " in section


def test_the_typical_run_is_the_one_nearest_the_medians():
    from sim.analysis.report_story import typical_run
    from sim.results import Results

    runs = pd.DataFrame(
        {"run_id": range(5), "status": "ok", "a": [0.0, 10, 5, 6, 100], "b": [1.0, 2, 3, 4, 5]}
    )
    summary = {"outcomes": {"a": {}, "b": {}}, "questions": {}}
    assert typical_run(Results(path=".", runs=runs, series=pd.DataFrame(), summary=summary, config={})) == 2
