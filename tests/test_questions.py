"""Questions whenever the analyst thinks of them: on the command line, of any column, and after the runs."""

import json
import shutil
import subprocess
import sys

import pytest
import yaml
from analysis_inputs import command, small_experiment

from sim.config import ConfigError, QuestionConfig
from sim.report import main as report_main
from sim.results import load
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import check_before_run

NEW = "+questions.q={text: Sirte by day 60, outcome: sirte_captured_day, op: happened, by_day: 60}"
HOLDS = "+questions.h={text: The LNA holds Sirte, outcome: holder_sirte, op: eq, value: LNA}"


def test_a_question_added_on_the_command_line_is_typed_with_its_defaults():
    exp = prepare(compose([NEW, HOLDS, "horizon_days=90"]))
    q, h = exp.config.questions["q"], exp.config.questions["h"]
    assert isinstance(q, QuestionConfig) and (q.by_day, q.unit, q.requires) == (60, "", [])
    assert (h.op, h.value) == ("eq", "LNA")
    assert "gna_takes_sirte" in exp.config.questions  # the question set's own are kept


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("{text: x}", "questions.q.outcome: missing"),
        ("{text: x, outcome: sirte_captured_day, colour: red}", "questions.q.colour: unknown key"),
        ("{text: x, outcome: sirte_captured_day, op: maybe}", "questions.q.op: got 'maybe'; allowed: le, lt"),
        ("{text: x, outcome: holder_sirte, op: ge, value: GNA}", "q.value: got 'GNA'; allowed: a number"),
        ("{text: x, outcome: holder_sirte, op: eq}", "questions.q.value: op 'eq' needs a value"),
        ("{text: x, outcome: sirte_capture_day, op: happened}", "q.outcome: 'sirte_capture_day' is not"),
        ("{text: x, outcome: holder_sirte, op: happened}", "q.op: 'happened' needs a number outcome"),
    ],
)  # fmt: skip
def test_a_bad_question_is_refused_before_any_run(question, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        check_before_run(prepare(compose([f"+questions.q={question}", "horizon_days=20"])))


def test_the_command_line_answers_a_new_question_of_who_holds_a_place(tmp_path):
    out = tmp_path / "e"
    args = [sys.executable, "-m", "sim", "mc.runs=8", "horizon_days=20", "executor=serial",
            "analysis.report=false", f"hydra.run.dir={out}", HOLDS]  # fmt: skip
    p = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    res = load(out)
    share = (res.runs["holder_sirte"] == "LNA").mean()
    assert res.summary["questions"]["h"]["probability"] == pytest.approx(share)
    assert res.config["questions"]["h"]["requires"] == []  # saved with its every field
    bad = subprocess.run([*args[:-2], f"hydra.run.dir={tmp_path / 'f'}", "+questions.x={text: x}"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)  # fmt: skip
    assert (
        bad.returncode == 2 and bad.stderr.count("\n") == 1 and "questions.x.outcome: missing" in bad.stderr
    )
    assert not (tmp_path / "f").exists()


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    return small_experiment(tmp_path_factory.mktemp("asked") / "e", "horizon_days=40", "mc.runs=20")


def test_new_questions_are_answered_from_finished_results_and_kept(experiment, tmp_path, capsys):
    folder = tmp_path / "e"
    shutil.copytree(experiment, folder)
    before = (folder / "runs.parquet").read_bytes()
    file = tmp_path / "q.yaml"
    file.write_text(yaml.safe_dump({
        "lna_holds_sirte": {"text": "The LNA holds Sirte", "outcome": "holder_sirte", "op": "eq",
                            "value": "LNA"},
        "front_q": {"text": "Front line", "outcome": "front_km_final", "op": "quantiles", "unit": "km"},
    }))  # fmt: skip
    code, out, err = command(report_main, [folder, "--questions", file], capsys)
    assert code == 0, err
    assert "2 new question(s)" in out and "The LNA holds Sirte" in out
    res = load(folder)  # summary.json and the saved config agree: the folder still loads
    share = (res.runs["holder_sirte"] == "LNA").mean()
    assert res.summary["questions"]["lna_holds_sirte"]["probability"] == pytest.approx(share)
    assert res.summary["questions"]["front_q"]["kind"] == "numeric"
    assert "gna_takes_sirte" in res.summary["questions"]  # beside the old ones
    assert (folder / "runs.parquet").read_bytes() == before  # no rerun
    assert "The LNA holds Sirte" in (folder / "report.md").read_text()
    code, _, err = command(report_main, [folder, "--questions", file], capsys)
    assert code == 2 and ": already a question of" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"q": {"text": "x", "outcome": "nope"}}, "q.outcome: 'nope' is not an outcome of this experiment"),
        ({"q": {"text": "x", "outcome": "sirte_captured_day", "by_day": 99}}, r"by_day: got 99; .*\[0, 40\]"),
        ({"q": {"text": "x", "outcome": "holder_sirte", "op": "lt", "value": 1}}, "op: 'lt' needs a"),
        ({"q": {"text": "x", "outcome": "sirte_captured_day", "when": 3}}, "q.when: unknown field"),
        ({"q": 3}, "q: got 3; allowed: a mapping"),
    ],
)  # fmt: skip
def test_a_bad_new_question_is_one_line_and_changes_nothing(experiment, tmp_path, capsys, entry, message):
    folder = tmp_path / "e"
    shutil.copytree(experiment, folder)
    summary = (folder / "summary.json").read_text()
    file = tmp_path / "q.yaml"
    file.write_text(yaml.safe_dump(entry))
    code, _, err = command(report_main, [folder, "--questions", file], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert message.split(":")[0] in err and __import__("re").search(message, err), err
    assert (folder / "summary.json").read_text() == summary
    assert json.loads(summary)["questions"].keys() == load(folder).summary["questions"].keys()
