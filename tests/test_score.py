"""python -m sim.score: resolutions checked, forecasts scored, files written."""

import json
import math
import re
from pathlib import Path

import pytest
import yaml

from sim.cli import execute
from sim.experiment import compose, prepare
from sim.results import load
from sim.score import load_resolutions, main, score

SEED_RESOLUTIONS = Path(__file__).resolve().parents[1] / "seeds" / "resolutions_2020.yaml"


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("score") / "east"
    cfg = compose(["scenario=eastern_unrest", "mc.runs=16", "horizon_days=30", "executor=serial",
                   "mc.progress=false", "analysis.report=false"])  # fmt: skip
    execute(prepare(cfg), folder, cfg)
    return folder


def write(tmp_path, entries):
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({"resolutions": entries}))
    return path


def test_scores_equal_the_hand_computed_ones(experiment, tmp_path):
    res = load(experiment)
    p = float(res.runs["unrest_peak_active_share"].gt(0.1).mean())
    values = res.runs["front_km_final"].to_numpy()
    when = {"date": "2020-07-07", "source": "test"}
    entries = [
        {"question": "unrest_above_10pct", "outcome": True, "base_rate": 0.2, **when},
        {"question": "front_line_km", "value": 500.0, **when},
        {"question": "tr_deal", "outcome": False, **when},  # not modelled in this scenario
    ]
    s = score(res, load_resolutions(write(tmp_path, entries), res.config["questions"]))
    binary, numeric = s["questions"]
    assert binary["forecast"] == pytest.approx(p) and binary["brier"] == pytest.approx((p - 1) ** 2)
    assert binary["brier_base_rate"] == pytest.approx(0.64) and binary["log_half"] == pytest.approx(
        math.log(2)
    )
    expected = abs(values - 500).mean() - 0.5 * abs(values[:, None] - values[None, :]).mean()
    assert numeric["crps"] == pytest.approx(expected)
    assert s["skipped"] == [{"question": "tr_deal", "why": "not modelled (needs one of: bargaining)"}]
    assert s["overall"]["binary"]["brier_skill_vs_half"] == pytest.approx(1 - binary["brier"] / 0.25)


def test_command_writes_scores_and_figure(experiment, tmp_path, capsys):
    assert main([str(experiment), str(SEED_RESOLUTIONS), "--out", str(tmp_path)]) == 0
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert {q["question"] for q in scores["questions"]} == {
        "gna_takes_sirte", "gna_takes_sirte_30", "front_past_es_sider", "east_govt_falls",
    }  # fmt: skip
    assert (tmp_path / "figures" / "scores.png").stat().st_size > 10_000
    out = capsys.readouterr().out
    assert "Brier" in out and "scores.json" in out


D = {"date": "2020-07-01", "source": "s"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"question": "nope", "outcome": True, **D}, r"resolutions\[0\]\.question"),
        ({"question": "gna_takes_sirte", "value": 3, **D}, r"\.outcome: missing"),
        ({"question": "front_line_km", "outcome": True, **D}, r"\.value: missing"),
        ({"question": "gna_takes_sirte", "outcome": "yes", **D}, "true or false"),
        ({"question": "gna_takes_sirte", "outcome": True, "date": "July", "source": "s"}, r"\.date"),
        ({"question": "gna_takes_sirte", "outcome": True, "date": "2020-07-01"}, r"\.source: missing"),
    ],
)
def test_bad_resolutions_are_one_line_errors(experiment, tmp_path, capsys, entry, message):
    assert main([str(experiment), str(write(tmp_path, [entry]))]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err
    assert re.search(message, err), err
