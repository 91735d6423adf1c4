"""Reports to share (report.html, self-contained) and provenance (provenance.json) in every results folder."""

import json
import re
import subprocess
import sys

import pytest
from analysis_inputs import small_experiment

from sim.analysis.report_html import to_html
from sim.runner import provenance


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    return small_experiment(tmp_path_factory.mktemp("share") / "e", "horizon_days=20", "analysis.report=true")


def test_every_results_folder_records_what_made_it(experiment):
    doc = json.loads((experiment / provenance.PROVENANCE_FILE).read_text())
    [session] = doc["sessions"]
    assert session["finished"] >= session["started"]
    assert session["packages"]["mesa"].startswith("3.3") and session["packages"]["hydra-core"]
    assert session["python"].count(".") == 2
    project = session["project"]
    assert project is None or re.fullmatch(r"[0-9a-f]{40}", project["commit"])


def test_a_resumed_experiment_adds_a_session(tmp_path):
    provenance.start(tmp_path, command="python -m sim a=1")
    provenance.finish(tmp_path)
    provenance.start(tmp_path, command="python -m sim a=1")
    doc = json.loads((tmp_path / provenance.PROVENANCE_FILE).read_text())
    assert [s["command"] for s in doc["sessions"]] == ["python -m sim a=1"] * 2
    assert (
        doc["sessions"][0]["finished"] and doc["sessions"][1]["finished"] is None
    )  # the second still running


def test_the_command_line_is_recorded_as_typed(tmp_path):
    out = tmp_path / "e"
    args = ["mc=smoke", "executor=serial", "horizon_days=5", "analysis.report=false", f"hydra.run.dir={out}",
            "+questions.q={text: 'a b', outcome: sirte_captured_day}"]  # fmt: skip
    p = subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=300,
                       cwd=tmp_path)  # fmt: skip
    assert p.returncode == 0, p.stderr
    command = json.loads((out / provenance.PROVENANCE_FILE).read_text())["sessions"][0]["command"]
    assert command.startswith("python -m sim mc=smoke") and "+questions.q=" in command


def test_the_html_report_is_one_page_with_its_figures_inside(experiment):
    page = (experiment / "report.html").read_text()
    md = (experiment / "report.md").read_text()
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert figures and page.count("data:image/png;base64,") == len(figures)
    assert 'src="figures/' not in page  # nothing to fetch: it opens offline
    for heading in re.findall(r"^## (.+)$", md, re.M):
        assert f"<h2>{heading}</h2>" in page.replace("&amp;", "&").replace("&#x27;", "'") or heading in page


def test_a_missing_figure_is_named_not_linked(tmp_path):
    page = to_html("# R\n\n![the map](figures/none.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", tmp_path)
    assert "[figure not found: the map]" in page and "<table>" in page and "<td>1</td>" in page
