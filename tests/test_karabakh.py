"""The second real theatre, end to end: Karabakh as of 10 Oct 2020 runs through the whole pipeline.

Scenarios written for it, the report's map of the region, a run's story, questions asked after the fact,
scoring against what happened and the as-of forecast, all on a small ensemble (the numbers are not checked
here: the README and the closing notes report them on full ensembles).
"""

import json
from pathlib import Path

import pytest
from analysis_inputs import command

import sim

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SCENARIOS = ["karabakh_baseline", "karabakh_ceasefire_pause", "karabakh_russia_turkey",
             "karabakh_yerevan_unrest", "karabakh_combined"]  # fmt: skip


@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    folder = tmp_path_factory.mktemp("karabakh") / "combined"
    sim.run(
        ["scenario=karabakh_combined", "mc.runs=12", "horizon_days=40", "executor=serial"], folder, quiet=True
    )
    return folder


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_chooses_the_theatre_and_runs(scenario, tmp_path):
    res = sim.run([f"scenario={scenario}", "mc.runs=3", "horizon_days=10", "executor=serial",
                   "analysis.report=false"], tmp_path / scenario, quiet=True)  # fmt: skip
    assert res.summary["experiment"]["theatre"] == "karabakh2020"
    assert res.summary["experiment"]["start_date"] == "2020-10-10"
    assert (res.runs["status"] == "ok").all()


def test_the_report_draws_the_region_and_says_what_the_truce_assumes(combined):
    assert (combined / "figures" / "map_karabakh_combined.png").stat().st_size > 20_000
    summary = json.loads((combined / "summary.json").read_text())
    assert summary["questions"]["ceasefire_declared"]["assumed"]  # the truce of day 0 is not a forecast
    assert "Scenario `karabakh_combined`" in (combined / "report.md").read_text()


def test_story_score_forecast_and_late_questions_work_on_it(combined, tmp_path, capsys):
    from sim.forecast import main as forecast
    from sim.report import main as report
    from sim.score import main as score
    from sim.story import main as story

    code, out, err = command(story, [combined, "--run", "0", "--out", tmp_path], capsys)
    assert code == 0, err
    assert "day   0 2020-10-10" in out  # the story's first day is the theatre's
    code, out, err = command(
        score, [combined, SEEDS / "resolutions_karabakh2020.yaml", "--out", tmp_path], capsys
    )
    assert code == 0, err
    assert "out-of-sample" in out
    code, out, err = command(forecast, [combined, SEEDS / "record_karabakh2020.yaml", "--as-of", "2020-10-10",
                                        "--out", tmp_path], capsys)  # fmt: skip
    assert code == 0, err
    asked = tmp_path / "asked.yaml"
    asked.write_text("stepanakert_holds:\n  text: Stepanakert still Armenian-held at the horizon\n"
                     "  outcome: holder_stepanakert\n  op: eq\n  value: ARMENIA\n")  # fmt: skip
    code, out, err = command(report, [combined, "--questions", asked], capsys)
    assert code == 0, err
    assert "stepanakert_holds" in json.loads((combined / "summary.json").read_text())["questions"]


def test_the_theatres_assumptions_are_drawn_and_reach_the_runs():
    """uncertain=karabakh2020 draws the order of battle, the drones, the stakes and the mountain roads."""
    from sim.runner.compose import compose
    from sim.runner.experiment import prepare
    from sim.runner.runs import plan, task_setup

    exp = prepare(compose(["scenario=karabakh_combined", "uncertain=karabakh2020", "mc.runs=4"]))
    keys = set(exp.parameter_keys)
    assert {"theatre.roads.16.speed", "theatre.factions.AZERBAIJAN.assets.0.count",
            "theatre.units.aze_south.strength", "mechanisms.ceasefire.pretext_prob"} <= keys  # fmt: skip
    task = plan(exp)[0]
    _, theatre = task_setup(exp, task)
    road = theatre.roads[16]
    assert (road.a, road.b) == ("hadrut", "shusha") and road.speed == pytest.approx(
        task.values["theatre.roads.16.speed"]
    )
    assert theatre.units["aze_south"].strength == round(task.values["theatre.units.aze_south.strength"])
    assert exp.theatre.roads[16].speed == 0.6  # the experiment's own theatre is untouched
