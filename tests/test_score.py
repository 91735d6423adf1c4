"""python -m sim.score: resolutions checked, forecasts scored, files written."""

import json
import math
import re
from pathlib import Path

import pytest
import yaml
from analysis_inputs import command

from sim.results import load
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.pipeline import execute
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
        (
            {"question": "front_line_km", "value": math.nan, **D},
            r"\[0\]\.value: got nan; allowed: a finite number$",
        ),
        (
            {"question": "front_line_km", "value": math.inf, **D},
            r"\.value: got inf; allowed: a finite number",
        ),
        ({"question": "front_line_km", "value": True, **D}, r"\.value: got True; allowed: a finite number"),
        (
            {"question": "gna_takes_sirte", "outcome": True, "base_rate": math.nan, **D},
            r"\.base_rate: got nan",
        ),
        ({"question": "gna_takes_sirte", "outcome": True, "base_rate": True, **D}, r"\.base_rate: got True"),
        (
            {"question": "gna_takes_sirte", "outcome": True, "base_rate": 1.5, **D},
            r"a finite number in \[0, 1\]",
        ),
        ({"question": "gna_takes_sirte", "outcome": True, "colour": "red", **D}, r"\.colour: unknown field"),
        ({"question": ["gna_takes_sirte"], "outcome": True, **D}, r"\.question: got \['gna_takes_sirte'\]"),
    ],
)
def test_bad_resolutions_are_one_line_errors(experiment, tmp_path, capsys, entry, message):
    path = write(tmp_path, [entry])
    code, out, err = command(main, [experiment, path, "--out", tmp_path / "out"], capsys)
    assert code == 2 and err.startswith(f"error: {path}: resolutions[0]") and err.count("\n") == 1
    assert re.search(message, err.strip()), err
    assert not (tmp_path / "out").exists() and not out


def test_a_question_resolved_twice_is_refused(experiment, tmp_path, capsys):
    yes, no = ({"question": "gna_takes_sirte", "outcome": o, **D} for o in (True, False))
    code, _, err = command(main, [experiment, write(tmp_path, [yes, no])], capsys)
    assert code == 2
    assert err.endswith(
        "resolutions[1].question: 'gna_takes_sirte' again (first in resolutions[0]); allowed: each one once\n"
    )


def test_a_key_given_twice_is_refused_with_its_line(experiment, tmp_path, capsys):
    path = tmp_path / "r.yaml"
    path.write_text(
        "resolutions:\n  - question: gna_takes_sirte\n    outcome: false\n    outcome: true\n"
        "    date: 2020-07-01\n    source: s\n"
    )  # yaml.safe_load would keep the last outcome silently
    code, _, err = command(main, [experiment, path], capsys)
    assert code == 2
    twice = "line 4: key 'outcome' given twice (first on line 3); allowed: each key once in a mapping"
    assert err == f"error: {path}: {twice}\n"


@pytest.mark.parametrize("where", ["file", "below"])
def test_out_must_be_a_folder_checked_before_anything(experiment, tmp_path, capsys, where):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = blocker if where == "file" else blocker / "sub"
    code, _, err = command(main, [experiment, tmp_path / "missing.yaml", "--out", out], capsys)
    assert code == 2 and err.count("\n") == 1  # refused before the (missing) resolutions are read
    assert err.startswith(
        f"error: --out: {out} is {'a file' if where == 'file' else f'below the file {blocker}'}"
    )
    assert blocker.read_text() == "x"


SEED_OBSERVATIONS = SEED_RESOLUTIONS.with_name("observations_2020.yaml")


def events(path, key):
    """Each entry's fact (event; default its id) of a seeds file."""
    entries = yaml.safe_load(path.read_text())[key]
    return {e.get("event", e.get("id", e.get("question"))) for e in entries}


def test_no_fact_used_to_calibrate_is_also_scored():
    calibrated, scored = events(SEED_OBSERVATIONS, "observations"), events(SEED_RESOLUTIONS, "resolutions")
    assert calibrated and scored
    assert not calibrated & scored, f"facts both calibrated on and scored: {sorted(calibrated & scored)}"


def test_questions_on_tuned_facts_are_in_sample_and_scored_apart(experiment, tmp_path, capsys):
    assert main([str(experiment), str(SEED_RESOLUTIONS), "--out", str(tmp_path)]) == 0
    scores = json.loads((tmp_path / "scores.json").read_text())
    sample = {q["question"]: q["sample"] for q in scores["questions"]}
    assert sample == {"gna_takes_sirte": "in", "gna_takes_sirte_30": "in", "front_past_es_sider": "in",
                      "east_govt_falls": "out"}  # fmt: skip
    sirte = next(q for q in scores["questions"] if q["question"] == "gna_takes_sirte")
    assert "tuned: mechanisms.combat.assault_ratio" in sirte["fitted"]
    out_only = [q for q in scores["questions"] if q["sample"] == "out"]
    assert scores["overall"]["out_sample"]["binary"]["brier"] == pytest.approx(out_only[0]["brier"])
    assert scores["overall"]["in_sample"]["binary"]["n"] == 3
    printed = capsys.readouterr().out
    assert re.search(r"out-of-sample: 1 \(east_govt_falls\): Brier \d\.\d{3}", printed)
    assert re.search(r"in-sample \(the model was fitted to these facts\): 3 \(", printed)


def test_a_calibrated_posteriors_observations_are_in_sample():
    from sim.analysis.forecast_scores import fitted_events

    config = {
        "analysis": {"tuned": [{"parameter": "mechanisms.combat.kill_rate", "to": ["a"]}]},
        "calibrated": {
            "name": "june2020",
            "observations": [{"id": "front_holds_60", "event": "b"}, {"id": "c"}],
        },
    }
    assert fitted_events(config) == {
        "a": ["tuned: mechanisms.combat.kill_rate"],
        "b": ["calibrated: june2020 (observation front_holds_60)"],
        "c": ["calibrated: june2020 (observation c)"],  # no event: the observation's id
    }
    assert fitted_events({}) == {}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("analysis.tuned=[{parameter: mechanisms.combat.nope, to: [x]}]", r"analysis\.tuned\[0\]\.parameter: "
         r"mechanisms\.combat\.nope: unknown key 'nope'"),
        ("analysis.tuned=[{parameter: mechanisms.combat.kill_rate, to: []}]",
         r"analysis\.tuned\[0\]\.to: got \[\]"),
    ],
)  # fmt: skip
def test_a_bad_tuned_entry_is_a_one_line_error(override, message):
    from sim.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        prepare(compose([override]))


def test_every_tuned_parameter_names_its_facts_beside_its_source():
    """The theatre's analysis.tuned and the 'Tuned to:' notes beside the parameters say the same."""
    import inspect

    config = prepare(compose([])).config
    assert config.analysis.tuned
    for t in config.analysis.tuned:
        *path, _ = t.parameter.split(".")
        node = config
        for part in path:
            node = getattr(node, part)
        text = " ".join(line.strip().lstrip("#") for line in inspect.getsource(type(node)).splitlines())
        assert "Tuned to:" in text, t.parameter
        for event in t.to:
            assert event in text, (t.parameter, event)


def test_a_question_the_scenario_assumes_is_labelled_and_not_scored(tmp_path, capsys):
    from sim.config import ConfigError
    from sim.report import main as report_main

    folder = tmp_path / "x"
    why = "the scenario takes Sirte as given"
    cfg = compose(["mc.runs=8", "horizon_days=10", "executor=serial", "mc.progress=false",
                   f"+scenario.assumes.gna_takes_sirte='{why}'"])  # fmt: skip
    execute(prepare(cfg), folder, cfg)
    assert load(folder).summary["questions"]["gna_takes_sirte"]["assumed"] == why
    assert report_main([str(folder)]) == 0
    md = (folder / "report.md").read_text()
    assert "assumed by the scenario" in md and why in md
    entries = [{"question": "gna_takes_sirte", "outcome": False, "date": "2020-12-04", "source": "s"}]
    s = score(load(folder), load_resolutions(write(tmp_path, entries), load(folder).config["questions"]))
    assert s["questions"] == [] and s["skipped"][0]["why"] == f"assumed by the scenario ({why})"
    bad = {
        "+scenario.assumes.nope=x": r"scenario\.assumes\.nope: not a question",
        "+scenario.assumes.gna_takes_sirte=''": r"scenario\.assumes\.gna_takes_sirte: got nothing",
    }
    for override, message in bad.items():
        with pytest.raises(ConfigError, match=message):
            prepare(compose([override]))
