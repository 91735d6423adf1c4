"""Reports: one experiment, a comparison of scenarios, multirun folders, bad input."""

from pathlib import Path

import pytest
from analysis_inputs import command

from sim.report import Report, build_report, explain, find_experiments, load_experiments, main
from sim.results import load
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.pipeline import execute

SMALL = ["mc.runs=24", "horizon_days=40", "mc.seed=5", "executor=serial", "mc.progress=false"]


@pytest.fixture(scope="module")
def multirun(tmp_path_factory):
    """A folder laid out as Hydra's -m sweep: numbered experiment subfolders."""
    root = tmp_path_factory.mktemp("multirun")
    for i, scenario in enumerate(["baseline", "eastern_unrest"]):
        cfg = compose([*SMALL, f"scenario={scenario}", "analysis.report=false"])
        execute(prepare(cfg), root / f"{i}_{scenario}", cfg)
    (root / "multirun.yaml").write_text("hydra: {}\n")
    return root


def test_multirun_folder_expands_to_its_experiments_in_job_order(multirun):
    found = find_experiments([multirun])
    assert [f.name for f in found] == ["0_baseline", "1_eastern_unrest"]
    assert list(load_experiments([multirun])) == ["baseline", "eastern_unrest"]


def test_comparison_report_answers_every_question_for_every_scenario(multirun, tmp_path):
    assert main([str(multirun), "--out", str(tmp_path)]) == 0
    md = (tmp_path / "report.md").read_text()
    assert "| question | baseline | eastern_unrest |" in md
    assert "GNA captures Sirte by the horizon" in md and "not modelled" in md  # unrest questions in baseline
    assert "## Differences from baseline" in md and "Newcombe" in md
    assert "Mann-Whitney" in md  # numeric outcomes compared
    fitted = md[md.index("## What the model was fitted to") :].split("\n## ")[0]  # from analysis.tuned
    assert "`mechanisms.combat.assault_ratio`, set by hand to `sirte_stays_lna_2020`" in fitted
    assert "drawn from the posterior" not in fitted  # neither experiment uses a calibrated posterior
    figures = {p.name for p in (tmp_path / "figures").glob("*.png")}
    expected = {"forecast_questions.png", "fan_front_km.png", "map_baseline.png", "map_eastern_unrest.png"}
    assert expected <= figures and "distribution_front_km_final.png" in figures
    for name in figures:
        assert f"figures/{name}" in md  # every figure is linked from the report
    # eastern_unrest draws its exclusion penalty: the report explains the target from it
    assert "sensitivity_eastern_unrest.png" in figures and "`mechanisms.unrest.exclusion_penalty`" in md
    # what the runs resolve is said in words (one parameter: it leads if its interval is clear of 0)
    assert "resolved (interval clear of 0)" in md and "In words: " in md
    # Monte Carlo error is said to be that; one run per parameter draw cannot tell the parameters' part
    assert "**What the intervals mean.** The interval after each probability is Monte Carlo error" in md
    assert "Over the uncertain parameters: not told apart here" in md


def test_single_experiment_report_goes_into_its_folder(multirun):
    folder = multirun / "0_baseline"
    assert main([str(folder)]) == 0
    assert (folder / "report.md").is_file() and (folder / "figures" / "forecast_questions.png").is_file()


def test_target_outcome_and_unknown_target(multirun):
    (r,) = load_experiments([multirun / "1_eastern_unrest"]).values()
    report = Report(Path("unused"))
    numeric = explain(r, "front_km_final", "east", report)
    assert numeric["sensitivity"] is not None and numeric["prim"] is None and not numeric["event"]
    event = explain(r, None, "east", report)  # analysis.target: gna_takes_sirte
    assert event["event"] and event["label"] == "GNA captures Sirte by the horizon"
    assert event["prim"].n_events == int(r.runs["sirte_captured_day"].notna().sum())
    assert explain(r, "nope", "east", report) is None and any("nope" in n for n in report.notes)
    (base,) = load_experiments([multirun / "0_baseline"]).values()
    assert explain(base, None, "base", report) is None  # no uncertain parameters: nothing to explain


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/folder"], "no such folder"),
        (["{tmp}"], "not a finished experiment"),
    ],
)
def test_bad_folders_are_one_line_errors(args, message, tmp_path, capsys):
    code, _, err = command(main, [a.format(tmp=tmp_path) for a in args], capsys)
    assert code == 2 and err.startswith("error:") and message in err and err.count("\n") == 1


def test_several_folders_need_out(multirun, capsys):
    code, _, err = command(main, [multirun / "0_baseline", multirun / "1_eastern_unrest"], capsys)
    assert code == 2 and "--out" in err


def drawn_with(monkeypatch) -> dict[str, list]:
    """Stub the report's figures: record each call's arguments and draw an empty figure instead."""
    import matplotlib.pyplot as plt

    from sim import plots

    calls: dict[str, list] = {}
    for name in (
        "plot_forest",
        "plot_distribution",
        "plot_fans",
        "plot_map",
        "plot_sensitivity",
        "plot_prim",
    ):

        def draw(*args, _name=name, **kwargs):
            calls.setdefault(_name, []).append((args, kwargs))
            return plt.figure(figsize=(1, 1)), None

        monkeypatch.setattr(plots, name, draw)
    return calls


def test_factions_labels_colours_and_units_come_from_the_results(multirun, tmp_path, monkeypatch):
    (r,) = load_experiments([multirun / "1_eastern_unrest"]).values()
    calls = drawn_with(monkeypatch)
    for f in r.config["theatre"]["factions"].values():  # as written before theatres gave labels and colours
        f.pop("label", None), f.pop("colour", None)
    r.summary.pop("columns", None), r.summary.pop("series", None)
    build_report({"east": r}, tmp_path / "plain")  # no labels, colours nor outcome or series metadata
    fans = {c[0][1]: c[1] for c in calls["plot_fans"]}
    assert list(fans) == ["front_km", "oil_output_bpd", "unrest_active_share", "lna_cohesion"]
    assert fans["front_km"]["unit"] == "km from Tripoli" and fans["lna_cohesion"]["unit"] == "0-1"
    assert fans["lna_cohesion"]["words"] == {"gna": "GNA", "lna": "LNA"} and fans["front_km"]["label"] is None
    assert calls["plot_map"][0][1]["factions"] == {"GNA": None, "LNA": None}  # the figure's palette
    factions = r.config["theatre"]["factions"]
    factions["LNA"] |= {"label": "Eastern army", "colour": "#123456"}
    r.summary["outcomes"] = {"front_km": {"unit": "km along the coast", "label": "Front"}}
    calls.clear()
    build_report({"east": r}, tmp_path / "labelled")
    fans = {c[0][1]: c[1] for c in calls["plot_fans"]}
    assert fans["front_km"]["unit"] == "km along the coast" and fans["front_km"]["label"] == "Front"
    assert fans["lna_cohesion"]["words"] == {"gna": "GNA", "lna": "Eastern army"}
    assert calls["plot_map"][0][1]["factions"] == {"GNA": None, "LNA": "#123456"}


def test_the_fan_charts_are_the_series_the_experiment_declares(multirun, tmp_path, monkeypatch):
    (r,) = load_experiments([multirun / "1_eastern_unrest"]).values()
    declared = r.summary["series"]
    assert [v for v, info in declared.items() if info["fan"]] == [
        "front_km",
        "lna_cohesion",
        "oil_output_bpd",
        "unrest_active_share",
    ]
    calls = drawn_with(monkeypatch)
    build_report({"east": r}, tmp_path / "declared")
    fans = {c[0][1]: c[1] for c in calls["plot_fans"]}
    assert list(fans) == [v for v, info in declared.items() if info["fan"]]
    assert fans["front_km"]["unit"] == "km from Tripoli" and fans["lna_cohesion"]["label"] == "LNA cohesion"
    assert fans["unrest_active_share"]["label"] == "Share of citizens rioting"
    declared["oil_output_bpd"]["fan"] = False  # a series no longer marked is not drawn
    declared["gna_strength"]["fan"] = True  # one newly marked is drawn, if it was loaded
    r.series = load(r.path).series
    calls.clear()
    build_report({"east": r}, tmp_path / "changed")
    assert [c[0][1] for c in calls["plot_fans"]] == [
        "front_km",
        "gna_strength",
        "lna_cohesion",
        "unrest_active_share",
    ]


def test_no_target_in_the_config_means_no_explanation(multirun, tmp_path, monkeypatch):
    (r,) = load_experiments([multirun / "1_eastern_unrest"]).values()
    del r.config["analysis"]["target"]
    report = Report(Path("unused"))
    assert explain(r, None, "east", report) is None and not report.notes
    calls = drawn_with(monkeypatch)
    done = build_report({"east": r}, tmp_path)
    assert "plot_sensitivity" not in calls and "## What drives the answer" not in done.path.read_text()
    assert explain(r, "front_km_final", "east", report)["sensitivity"] is not None  # --target still works
