"""The viewer's page, rendered by Solara without a browser: build, step, play, browse a finished run.

Solara's render test (https://solara.dev/docs/howto/testing): the page becomes widgets in this process;
buttons are clicked and the page's text is read back. ``tests/test_viz_browser.py`` does the same in a real
browser (``make test-browser``).
"""

import os
import time

import pytest

solara = pytest.importorskip("solara", reason="the viewer needs the viz extra")

import ipyvuetify as v  # noqa: E402
import ipywidgets  # noqa: E402

import sim  # noqa: E402
from sim.viz.app import Page  # noqa: E402

SMALL = ["scenario=combined", "mc.runs=2", "horizon_days=30", "executor=serial", "analysis.report=false"]


def lines(box) -> list[str]:
    """The page's lines of text (the viewer's bold-headed lines), top to bottom."""
    out = []

    def walk(w):
        if type(w).__name__ == "HTML" and hasattr(w, "unsafe_innerHTML"):
            out.append(str(w.unsafe_innerHTML).replace("<b>", "").replace("</b>", ""))
        children = getattr(w, "children", None)
        if isinstance(children, list | tuple):
            for c in children:
                if isinstance(c, ipywidgets.Widget):
                    walk(c)

    walk(box)
    return out


def wait_until(ready, what, timeout: float = 90.0) -> None:
    """Wait until ``ready()`` (the page is redrawn by the player's thread); ``what()`` says what failed."""
    end = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < end, f"{what()}: not within {timeout} s"
        time.sleep(0.1)


def wait_for(box, text: str, timeout: float = 90.0) -> list[str]:
    """Wait until a line of the page holds ``text``; the page's lines."""
    said = lambda: f"{text!r} shown (the page says {lines(box)})"  # noqa: E731
    wait_until(lambda: any(text in line for line in lines(box)), said, timeout)
    return lines(box)


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def build(horizon: str, overrides: str = "", scenario: str = "combined"):
    box, rc = solara.render(Page(), handle_error=False)
    chooser = rc.find(v.Select, label="Scenario").widget
    assert chooser.v_model == "baseline" and scenario in chooser.items  # python -m sim's default first
    chooser.v_model = scenario
    rc.find(v.TextField, label="Horizon (days)").widget.v_model = horizon
    if overrides:
        field = next(w for w in rc.find(v.TextField).widgets if w.label.startswith("Overrides"))
        field.v_model = overrides
    click(rc, "Build the run")
    return box, rc


def test_build_step_and_play_a_run_to_its_horizon():
    box, rc = build("20")
    shown = wait_for(box, "Day 0 of 20")
    assert "(2020-06-07) · run 0 of python -m sim scenario=combined horizon_days=20" in shown[0]
    assert any(line.startswith("Control on day 0: GNA: ") for line in shown)
    assert len(rc.find(ipywidgets.Image).widgets) == 2  # the map and the series
    click(rc, "Step 7 days")
    shown = wait_for(box, "Day 7 of 20 (2020-06-14)")
    logged = [line for line in shown if line.startswith("Event log: ")]
    assert logged and int(logged[0].split()[2]) > 1  # events so far
    rc.find(v.Btn, children=["3 days"]).widget.click()  # play 3 days a frame
    click(rc, "Play")
    # the page shows Pause while it plays (the player's thread redraws it: the button is read once it has)
    playing = lambda: rc.find(v.Btn, children=["Pause"]).widgets or "Day 20" in lines(box)[0]  # noqa: E731
    wait_until(playing, lambda: "the Pause button")
    wait_for(box, "Day 20 of 20")
    wait_until(lambda: rc.find(v.Btn, children=["Play"]).widgets, lambda: "the Play button back")
    play = rc.find(v.Btn, children=["Play"])
    play.assert_single()
    assert play.widget.disabled  # at the horizon there is nothing left to play
    assert rc.find(v.Btn, children=["Step 1 day"]).widget.disabled


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ("mechanisms.combat.defender_bonus=-3", "mechanisms.combat.defender_bonus: got -3"),
        ("+questions.q='{text: a question, outcome: no_such, op: happened}'", "questions.q.outcome"),
        ("mc.seed='3", "overrides: No closing quotation"),
    ],
)
def test_a_bad_override_is_shown_in_one_line_and_builds_nothing(overrides, says):
    _, rc = build("20", overrides)
    alert = rc.find(v.Alert)
    alert.assert_single()
    text = " ".join(str(c) for c in alert.widget.children)
    assert says in text and "\n" not in text
    assert not rc.find(v.Btn, children=["Step 1 day"]).widgets


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("viewer")
    sim.run(SMALL, root / "outputs" / "2020-06-07" / "12-00-00", quiet=True)
    sim.run([*SMALL, "mc.runs=1"], root / "outputs" / "2020-06-07" / "later", quiet=True)
    os.utime(root / "outputs" / "2020-06-07" / "later" / "summary.json", (1e9, 1e9))  # the older one
    return root


def test_browse_a_finished_experiment_and_a_run_s_days(outputs, monkeypatch):
    monkeypatch.chdir(outputs)  # the viewer lists the experiments under outputs/ of where it starts
    box, rc = solara.render(Page(), handle_error=False)
    folder = rc.find(v.TextField, label="Folder").widget
    assert folder.v_model == "outputs/2020-06-07/12-00-00"  # the newest, chosen
    click(rc, "Open")
    shown = wait_for(box, "combined: 2 runs of 30 days")
    assert any(line.startswith("Run 0, day 0 (2020-06-07): GNA: 12 places") for line in shown)
    days = [b for b in rc.find(v.Btn).widgets if str(b.children[0]).startswith("day ")]
    assert days[0].children == ["day 0"] and days[-1].children == ["day 30"]  # the days that mattered
    days[-1].click()
    wait_for(box, "Run 0, day 30 (2020-07-07)")
    assert any(line.startswith("Run 0: ") and line.endswith(" events") for line in lines(box))
    rc.find(v.Select, label="Run").widget.v_model = 1
    wait_for(box, "Run 1, day 30 (2020-07-07)")
    rc.find(v.TextField, label="Folder").widget.v_model = "outputs/2020-06-07/later"  # fewer runs
    click(rc, "Open")
    wait_for(box, "combined: 1 runs of 30 days")
    wait_for(box, "Run 0, day 30 (2020-07-07)")  # its first run: run 1 is not in it


def test_opening_a_folder_that_is_not_an_experiment_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, rc = solara.render(Page(), handle_error=False)
    rc.find(v.TextField, label="Folder").widget.v_model = str(tmp_path / "nothing")
    click(rc, "Open")
    alert = rc.find(v.Alert)
    alert.assert_single()
    assert "no such folder" in " ".join(map(str, alert.widget.children))


def test_pick_a_parameter_read_its_range_and_source_and_set_it():
    box, rc = solara.render(Page(), handle_error=False)
    rc.find(v.Select, label="Group").widget.v_model = "combat"
    assert "mechanisms.unrest.exclusion_penalty" not in rc.find(v.Select, label="Parameter").widget.items
    rc.find(v.Select, label="Parameter").widget.v_model = "mechanisms.combat.defender_bonus"
    shown = lines(box)
    assert "allowed: [1, 10]" in shown and "value in this scenario: 1.5" in shown
    assert any(line.startswith("source: ASSUMPTION") for line in shown)  # the ODD table's source
    rc.find(v.TextField, label="New value").widget.v_model = "1.2"
    click(rc, "Add to the overrides")
    field = next(w for w in rc.find(v.TextField).widgets if w.label.startswith("Overrides"))
    assert field.v_model == "mechanisms.combat.defender_bonus=1.2"
    rc.find(v.TextField, label="New value").widget.v_model = "2"  # a new value replaces the old
    click(rc, "Add to the overrides")
    assert field.v_model == "mechanisms.combat.defender_bonus=2"
    rc.find(v.TextField, label="Horizon (days)").widget.v_model = "5"
    click(rc, "Build the run")
    wait_for(box, "of python -m sim scenario=baseline mechanisms.combat.defender_bonus=2 horizon_days=5")
