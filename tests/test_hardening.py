"""Hardening: unsafe configs refused, results free of pickle, unwritable folders and full disks handled."""

import ast
import errno
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim.config import ConfigError
from sim.results import StorageError
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.pipeline import execute

ROOT = Path(__file__).resolve().parents[1]
SMALL = [
    "mc.runs=6",
    "horizon_days=10",
    "mc.seed=11",
    "executor=serial",
    "executor.chunk=1",
    "mc.progress=false",
]


# --- safe configs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "override",
    [
        "+mechanisms.combat._target_=os.system",
        "+uncertain._target_=os.system",
        "+questions.x._target_=subprocess.call",
        "++theatre._target_=builtins.eval",
    ],
)
def test_target_outside_sim_is_refused(override):
    with pytest.raises(ConfigError, match=r"_target_: got '.*'; a config may not name Python objects") as err:
        prepare(compose([override]))
    assert "\n" not in str(err.value)


def test_target_in_a_config_file_is_refused(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "evil.yaml").write_text(
        "# @package _global_\nscenario:\n  name: evil\nuncertain:\n  x:\n    _target_: os.system\n"
    )
    with pytest.raises(ConfigError, match=r"^uncertain\.x\._target_: got 'os\.system'"):
        prepare(compose(["scenario=evil", f"hydra.searchpath=[file://{tmp_path}]"]))


def _calls(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                names.append(f"{f.value.id}.{f.attr}")
            elif isinstance(f, ast.Name):
                names.append(f.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            names += [f"import {module or a.name}" for a in node.names]
    return names


def test_the_package_parses_files_safely_and_never_pickles():
    unsafe = {"yaml.load", "yaml.unsafe_load", "yaml.full_load", "eval", "exec", "pickle.load", "pickle.dump",
              "instantiate", "import pickle", "import cloudpickle", "import dill"}  # fmt: skip
    found = {
        f"{path.relative_to(ROOT)}: {call}"
        for path in (ROOT / "sim").rglob("*.py")
        for call in _calls(ast.parse(path.read_text()))
        if call in unsafe
    }
    assert not found, found


def test_results_hold_no_pickle_and_load_with_pandas_alone(tmp_path):
    folder = tmp_path / "exp"
    sim.run([*SMALL, "uncertain=june2020", "analysis.report=false"], folder, quiet=True)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert not [f for f in files if f.endswith((".pkl", ".pickle", ".npy", ".joblib"))], files
    for name in ("runs.parquet", "series.parquet"):
        schema = pq.read_schema(folder / name)
        assert all(
            str(t) in {"int64", "int32", "double", "bool", "string", "large_string"} for t in schema.types
        )
        frame = pd.read_parquet(folder / name)  # pandas alone; object columns hold plain strings
        for col in frame.select_dtypes(include=["object", "string"]):
            assert frame[col].map(lambda v: v is None or isinstance(v, str)).all(), col
    json.loads((folder / "summary.json").read_text())
    code = "import pandas as pd, sys; pd.read_parquet(sys.argv[1]); assert 'sim' not in sys.modules"
    subprocess.run([sys.executable, "-c", code, str(folder / "runs.parquet")], check=True)


# --- unwritable folders and full disks --------------------------------------------------------------


def test_a_results_folder_below_a_file_is_refused_before_anything_runs(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    p = subprocess.run(
        [sys.executable, "-m", "sim", *SMALL, f"hydra.run.dir={blocker}/exp"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert p.returncode == 2
    assert p.stderr == f"error: hydra.run.dir: cannot write to {blocker}: not a folder\n"


def _fail_after(monkeypatch, n, err):
    """Make the n-th and later Parquet part writes fail with ``err`` (a full disk, a read-only disk)."""
    import sim.runner.store

    real, calls = sim.runner.store._write_parquet, {"n": 0}

    def flaky(table, path):
        calls["n"] += 1
        if calls["n"] >= n:
            raise OSError(err, "simulated", str(path))
        real(table, path)

    monkeypatch.setattr(sim.runner.store, "_write_parquet", flaky)


@pytest.mark.parametrize(("err", "words"), [(errno.ENOSPC, "the disk is full"),
                                            (errno.EROFS, "the file system is read-only")])  # fmt: skip
def test_a_failed_write_stops_cleanly_and_the_experiment_resumes(tmp_path, monkeypatch, err, words):
    cfg = compose([*SMALL, "analysis.report=false"])
    exp = prepare(cfg)
    whole = tmp_path / "whole"
    execute(exp, whole, cfg)
    folder = tmp_path / "cut"
    with monkeypatch.context() as m:
        _fail_after(m, 5, err)  # two chunks (series + runs parts) saved, the third fails
        with pytest.raises(StorageError) as info:
            execute(exp, folder, cfg)
    message = str(info.value)
    assert message.startswith(f"{folder}: cannot write results: {words} (") and "\n" not in message
    assert "rerun the same command to resume" in message
    left = sorted(p.name for p in folder.rglob("*") if p.is_file())
    assert "summary.json" not in left and "runs.parquet" not in left  # nothing looks finished
    assert not [f for f in left if f.endswith(".tmp")], left  # no half-written file
    assert len(list((folder / ".parts").glob("runs-*.parquet"))) == 2
    execute(exp, folder, cfg)  # space again: resume
    for name in ("runs.parquet", "series.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(folder / name), pd.read_parquet(whole / name))


def _mount_tmpfs(path: Path, options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    except OSError:
        return False
    return ok.returncode == 0


def test_cli_refuses_a_nearly_full_disk_and_stops_cleanly_when_it_fills(tmp_path):
    disk = tmp_path / "small"
    if not _mount_tmpfs(disk, "size=1100k"):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount rights)")
    try:
        args = [sys.executable, "-m", "sim", "mc.runs=150", "horizon_days=180", "executor=serial",
                "executor.chunk=4", "mc.progress=false", "analysis.report=false",
                f"hydra.run.dir={disk}/exp"]  # fmt: skip
        p = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert p.returncode == 3, p.stderr
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and f"{disk}/exp: cannot write results: the disk is full" in lines[0], p.stderr
        assert "Traceback" not in p.stderr
        assert not (disk / "exp" / "summary.json").exists() and not (disk / "exp" / "runs.parquet").exists()
        assert not list((disk / "exp").rglob("*.tmp"))
        # now under 1 MB free: the next experiment is refused before it starts
        p = subprocess.run([*args[:-1], f"hydra.run.dir={disk}/other"], capture_output=True, text=True,
                           cwd=tmp_path, timeout=300)  # fmt: skip
        assert p.returncode == 2
        assert p.stderr == f"error: hydra.run.dir: cannot write to {disk}: the disk is full\n"
        assert not (disk / "other").exists()
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_cli_on_a_read_only_file_system_is_refused_before_anything_runs(tmp_path):
    disk = tmp_path / "ro"
    if not _mount_tmpfs(disk, "ro,size=16k"):
        pytest.skip("cannot mount a read-only tmpfs here (needs root and mount rights)")
    try:
        p = subprocess.run(
            [sys.executable, "-m", "sim", *SMALL, f"hydra.run.dir={disk}/exp"],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
        assert p.returncode == 2
        assert p.stderr == f"error: hydra.run.dir: cannot write to {disk}: the file system is read-only\n"
    finally:
        subprocess.run(["umount", str(disk)], check=False)
