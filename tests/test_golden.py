"""Golden summaries: a small seeded experiment per scenario, diffed against a committed summary.

A change in model behaviour shows up here and must be explained in the commit that makes it. To accept
new numbers deliberately: ``UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and commit the JSON files.
"""

import json
import os
from pathlib import Path

import pytest

from sim.experiment import compose, prepare
from sim.runner import run_experiment
from sim.summary import summarise

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = ["baseline", "ceasefire_pretext", "turkey_russia_deal", "eastern_unrest"]


def small_summary(scenario: str) -> dict:
    exp = prepare(compose([f"scenario={scenario}", "mc=smoke", "mc.runs=12", "horizon_days=60", "mc.seed=7"]))
    runs, _ = run_experiment(exp, executor="serial", progress=False)
    runs = runs.drop(columns=["design_point", "replication"])
    questions = {k: vars(v) for k, v in exp.config.questions.items()}
    s = summarise(runs, questions, {"scenario": scenario, "horizon_days": 60, "seed": 7}, exp.mechanisms_on)
    s["per_run"] = runs.drop(columns=["error"]).to_dict(orient="list")
    return json.loads(json.dumps(s, default=float))  # plain JSON types, NaN kept as NaN


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden_summary(scenario):
    path = GOLDEN / f"{scenario}.json"
    got = small_summary(scenario)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"golden file written: {path.name}")
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1 and commit it"
    want = json.loads(path.read_text())
    assert got.keys() == want.keys()
    assert got["questions"].keys() == want["questions"].keys()
    for qid, q in want["questions"].items():
        for field in ("probability", "interval", "quantiles", "defined"):
            assert got["questions"][qid].get(field) == pytest.approx(q.get(field), nan_ok=True), (qid, field)
    assert got["per_run"].keys() == want["per_run"].keys()
    for column, values in want["per_run"].items():
        if all(isinstance(v, float | int) and not isinstance(v, bool) for v in values):
            assert got["per_run"][column] == pytest.approx(values, rel=1e-9, nan_ok=True), column
        else:
            assert got["per_run"][column] == values, column
