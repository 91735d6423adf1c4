"""The command line end to end: a small experiment writes the results folder of the contract."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import LIBYA_OUTCOMES, LIBYA_SERIES

from sim.results import ResultsError, load
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_experiment

SMOKE = ["mc=smoke", "mc.runs=6", "horizon_days=20", "mc.seed=42", "executor=serial"]


def run_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def experiment_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    out = tmp / "exp"
    proc = run_cli(*SMOKE, f"hydra.run.dir={out}", cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_results_folder_has_the_contract_files(experiment_dir):
    out, proc = experiment_dir
    for name in (
        "runs.parquet",
        "series.parquet",
        "summary.json",
        "report.md",
        "figures/forecast_questions.png",
        "figures/fan_front_km.png",
        "figures/map_baseline.png",
        ".hydra/config.yaml",
    ):
        assert (out / name).is_file(), name
    assert (out / "figures" / "forecast_questions.png").stat().st_size > 20_000
    assert "Report:" in proc.stdout
    assert "GNA captures Sirte by the horizon" in proc.stdout  # summary table on the terminal
    assert "runs/s" in proc.stdout


def test_results_load_as_pandas_with_fixed_names(experiment_dir):
    out, _ = experiment_dir
    res = load(out)
    assert isinstance(res.runs, pd.DataFrame) and isinstance(res.series, pd.DataFrame)
    assert {"run_id", "seed", "scenario", "status", *LIBYA_OUTCOMES} <= set(res.runs.columns)
    assert list(res.runs["run_id"]) == list(range(6))
    assert (res.runs["status"] == "ok").all() and (res.runs["scenario"] == "baseline").all()
    assert list(res.series.columns) == ["run_id", "day", "variable", "value"]
    assert set(LIBYA_SERIES) <= set(res.series["variable"].astype(str))
    assert res.series["day"].max() == 20
    assert len(res.series_wide("front_km").columns) == 6
    q = res.summary["questions"]["gna_takes_sirte"]
    assert 0 <= q["probability"] <= 1 and q["interval"][0] <= q["probability"] <= q["interval"][1]
    assert q["n"] == 6 and q["failed"] == 0
    assert res.config["mc"]["seed"] == 42


def test_same_seed_gives_identical_runs_on_any_executor(experiment_dir):
    out, _ = experiment_dir
    cli_runs = pd.read_parquet(out / "runs.parquet")
    exp = prepare(compose(SMOKE))
    runs, series = run_experiment(exp, executor="processes", workers=2, progress=False)
    pd.testing.assert_frame_equal(cli_runs, runs, check_like=False)
    cli_series = pd.read_parquet(out / "series.parquet")
    pd.testing.assert_frame_equal(cli_series, series)


def test_seeds_differ_between_runs(experiment_dir):
    runs = pd.read_parquet(experiment_dir[0] / "runs.parquet")
    assert runs["seed"].is_unique


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "scenario=nope",
            "error: scenario: unknown option 'nope'; allowed: baseline, ceasefire_pretext, combined, "
            "eastern_unrest, karabakh_baseline, karabakh_ceasefire_pause, karabakh_combined, "
            "karabakh_russia_turkey, karabakh_yerevan_unrest, turkey_russia_deal",
        ),
        (
            "mechanisms.combat.killed_share=2",
            "error: mechanisms.combat.killed_share: got 2.0; allowed range [0, 1]",
        ),
    ],
)
def test_bad_input_one_line_nonzero_exit_nothing_written(tmp_path, override, message):
    out = tmp_path / "exp"
    proc = run_cli(override, f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == message
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists()


def test_load_refuses_an_unfinished_folder(tmp_path):
    (tmp_path / "runs.parquet").write_bytes(b"")
    with pytest.raises(ResultsError, match="not a finished experiment"):
        load(tmp_path)


def test_import_sim_is_light():
    code = "import sys, sim; print(sorted(m for m in ('matplotlib', 'mesa', 'dask') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_summary_json_is_strict_json(experiment_dir):
    text = (experiment_dir[0] / "summary.json").read_text()
    assert "NaN" not in text
    json.loads(text)


def test_results_hold_no_pickle(experiment_dir):
    files = [p for p in Path(experiment_dir[0]).rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in (".pkl", ".pickle")]


def test_load_can_read_only_some_series(experiment_dir):
    out, _ = experiment_dir
    res = load(out, variables=["front_km", "oil_output_bpd"])
    assert set(res.series["variable"]) == {"front_km", "oil_output_bpd"}
    assert len(res.series) == 2 * 6 * 21  # two variables x 6 runs x days 0..20


def test_load_can_read_no_series_at_all(experiment_dir):
    out, _ = experiment_dir
    res = load(out, variables=[])  # an analysis that needs the runs only
    assert res.series.empty and list(res.series.columns) == ["run_id", "day", "variable", "value"]
    assert len(res.runs) == 6
