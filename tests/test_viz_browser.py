"""The viewer in a real browser: Debian's chromium, headless, driven by Playwright (``make test-browser``).

Starts ``python -m sim.viz`` as an analyst would, in a folder holding a finished experiment, then clicks
through: build a run, step it, play it to its horizon, read the event log, and browse the finished
experiment's run on the days that mattered. The page must load everything from the machine (no CDN).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import sim

pytestmark = pytest.mark.browser

#: Chromium's flags for a closed network, as root (no sandbox) and without a screen.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip
SMALL = ["scenario=combined", "mc.runs=2", "horizon_days=30", "executor=serial", "analysis.report=false"]


def chromium() -> str:
    """The browser to drive: ``SIM_CHROMIUM`` (set by make test-browser: missing is a failure), else found."""
    wanted = os.environ.get("SIM_CHROMIUM")
    if wanted:
        assert os.path.exists(wanted), f"SIM_CHROMIUM={wanted}: no such file (make test-browser installs it)"
        return wanted
    found = shutil.which("chromium")
    if not found:
        pytest.skip("no chromium here: make test-browser installs Debian's package")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def viewer(tmp_path_factory):
    """The viewer's address, served from a folder whose outputs/ holds a finished experiment."""
    root = tmp_path_factory.mktemp("browser")
    sim.run(SMALL, root / "outputs" / "2020-06-07" / "12-00-00", quiet=True)
    port = free_port()
    log = open(root / "viewer.log", "w")  # closed at teardown
    command = [sys.executable, "-m", "sim.viz", "--port", str(port), "--host", "127.0.0.1"]
    server = subprocess.Popen(command, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        end = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > end:
                pytest.fail(f"the viewer did not start: {(root / 'viewer.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def page(viewer):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.failed = []  # every request the page could not load
        page.on("requestfailed", lambda r: page.failed.append(r.url))
        page.on("response", lambda r: r.status >= 400 and page.failed.append(f"{r.status} {r.url}"))
        page.set_default_timeout(60_000)
        page.goto(viewer)
        yield page
        browser.close()


def test_play_a_run_and_browse_a_finished_one_in_the_browser(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Build the run").wait_for()
    page.get_by_role("button", name="Scenario").click()  # a Vuetify select
    page.get_by_role("option", name="combined", exact=True).click()
    page.get_by_label("Horizon (days)").fill("30")
    page.get_by_text("Parameters: value, allowed range, meaning and source").click()
    page.get_by_role("button", name="Group").click()
    page.get_by_role("option", name="combat", exact=True).click()
    page.get_by_role("button", name="Parameter", exact=True).click()
    page.get_by_role("option", name="mechanisms.combat.defender_bonus").click()
    expect(page.get_by_text("allowed: [1, 10]")).to_be_visible()
    page.get_by_label("New value").fill("1.2")
    page.get_by_role("button", name="Add to the overrides").click()
    expect(page.get_by_label("Overrides, as on the command line")).to_have_value(
        "mechanisms.combat.defender_bonus=1.2"
    )
    page.get_by_role("button", name="Build the run").click()
    expect(page.get_by_text("Day 0 of 30", exact=True)).to_be_visible()
    command = "run 0 of python -m sim scenario=combined mechanisms.combat.defender_bonus=1.2 horizon_days=30"
    expect(page.get_by_text(command)).to_be_visible()
    images = page.locator("img")
    expect(images).to_have_count(2)  # the map and the series, drawn
    assert all(img.evaluate("i => i.complete && i.naturalWidth > 300") for img in images.all())

    page.get_by_role("button", name="Step 7 days").click()
    expect(page.get_by_text("Day 7 of 30", exact=True)).to_be_visible()
    page.get_by_role("button", name="3 days").click()
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.get_by_text("Day 30 of 30", exact=True)).to_be_visible(timeout=120_000)
    expect(page.get_by_role("button", name="Play")).to_be_disabled()  # at the horizon
    header = page.get_by_text("Event log: ").inner_text()
    events = int(header.split()[2])
    assert events > 0
    expect(page.locator("table tbody tr")).to_have_count(min(events, 15))  # the log's first page

    page.get_by_role("tab", name="Browse an experiment").click()
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_text("combined: 2 runs of 30 days", exact=False)).to_be_visible()
    expect(page.get_by_text("Run 0, day 0 (2020-06-07)", exact=True)).to_be_visible()
    page.get_by_role("button", name="day 30", exact=True).click()
    expect(page.get_by_text("Run 0, day 30 (2020-07-07)", exact=True)).to_be_visible()
    assert not page.failed, f"the page could not load: {page.failed[:5]}"
