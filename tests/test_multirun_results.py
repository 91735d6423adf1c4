"""A multirun folder is accepted where a set of experiments makes sense: sim.results.load and sim.score."""

import json
from pathlib import Path

import pytest
from analysis_inputs import command, small_experiment

from sim.results import Results, ResultsError, load, load_experiment
from sim.score import main as score_main
from sim.validate import main as validate_main

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def multirun(tmp_path_factory):
    root = tmp_path_factory.mktemp("multirun")
    small_experiment(root / "0_baseline", "horizon_days=30", "mc.runs=10")
    small_experiment(root / "1_eastern_unrest", "scenario=eastern_unrest", "horizon_days=30", "mc.runs=10")
    return root


def test_load_gives_a_multirun_folders_experiments_by_scenario(multirun):
    found = load(multirun)
    assert list(found) == ["baseline", "eastern_unrest"]
    assert all(isinstance(r, Results) and len(r.runs) == 10 for r in found.values())
    assert isinstance(load(multirun / "0_baseline"), Results)


def test_a_command_of_one_experiment_names_the_multirun_folders_experiments(multirun, capsys):
    with pytest.raises(
        ResultsError, match=r"a multirun folder; give one of its experiments \(0_baseline, 1_"
    ):
        load_experiment(multirun)
    code, _, err = command(validate_main, [multirun, SEEDS / "patterns_2020.yaml"], capsys)
    assert code == 2 and "give one of its experiments" in err and err.count("\n") == 1


def test_score_gives_one_table_across_the_scenarios(multirun, tmp_path, capsys):
    args = [multirun, SEEDS / "resolutions_2020.yaml", "--out", tmp_path]
    code, out, err = command(score_main, args, capsys)
    assert code == 0, err
    assert "baseline:" in out and "eastern_unrest:" in out
    assert "Brier score by question and scenario" in out
    doc = json.loads((tmp_path / "scores.json").read_text())
    assert set(doc["experiments"]) == {"baseline", "eastern_unrest"}
    rows = {(r["scenario"], r["question"]) for r in doc["table"]}
    assert ("eastern_unrest", "east_govt_falls") in rows and ("baseline", "gna_takes_sirte") in rows
    assert (tmp_path / "figures" / "scores_eastern_unrest.png").is_file()
