"""Results folders: one experiment each, refusals change nothing, one writer, damaged parts rerun."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim.runner.folder
from sim.cli import preflight
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.pipeline import execute
from sim.runner.runs import plan, run_chunk, run_to_folder
from sim.runner.store import (
    EXPERIMENT_FILE,
    FINGERPRINT_KEY,
    PARTS,
    FolderBusy,
    FolderError,
    ResultStore,
    check_folder,
    open_folder,
)

SMALL = ["mc.runs=6", "horizon_days=10", "mc.seed=7", "executor=serial", "executor.chunk=2",
         "mc.progress=false", "analysis.report=false"]  # fmt: skip
OTHER = [*SMALL, "mc.seed=8"]  # another experiment


def setup(overrides):
    cfg = compose(overrides)
    return prepare(cfg), cfg


def tree(folder):
    """Every file under ``folder`` (hidden ones too) with a hash of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_same_results(folder, reference):
    for name in ("runs.parquet", "series.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(folder / name), pd.read_parquet(reference / name))


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """An uninterrupted run of the SMALL experiment."""
    folder = tmp_path_factory.mktemp("whole") / "exp"
    exp, cfg = setup(SMALL)
    execute(exp, folder, cfg)
    return folder


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    """A finished folder of another experiment (pristine: tests copy it)."""
    folder = tmp_path_factory.mktemp("other") / "exp"
    exp, cfg = setup(OTHER)
    execute(exp, folder, cfg, overrides=OTHER)
    return folder


def copy(folder, tmp_path):
    target = tmp_path / "target"
    shutil.copytree(folder, target)
    return target


# --- the check: read-only, one line ---------------------------------------------------------------


def test_check_folder_allows_a_new_or_empty_folder_or_the_same_experiment(tmp_path):
    check_folder(tmp_path / "new", "fp")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("mine")  # files of no experiment are left alone
    check_folder(tmp_path / "empty", "fp")
    (tmp_path / "empty" / EXPERIMENT_FILE).write_text(json.dumps({"fingerprint": "fp", "runs": 3}))
    for resume in (True, False):
        check_folder(tmp_path / "empty", "fp", resume=resume)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ({EXPERIMENT_FILE: '{"fingerprint": "old"}'}, "holds a different experiment (config changed)"),
        ({EXPERIMENT_FILE: "{not json"}, "its experiment record (experiment.json) cannot be read"),
        ({"runs.parquet": "x"}, "holds results (runs.parquet) but no experiment record (experiment.json)"),
        ({"summary.json": "{}"}, "holds results (summary.json) but no experiment record"),
        ({f"{PARTS}/runs-000000000-000000001.parquet": "x"}, "holds results (.parts/) but no experiment"),
    ],
)
def test_check_folder_refuses_another_experiment_in_one_line_and_changes_nothing(tmp_path, make, message):
    folder = tmp_path / "exp"
    for name, text in make.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    before = tree(folder)
    for resume in (True, False):
        with pytest.raises(FolderError) as info:
            check_folder(folder, "new", resume=resume)
        text = str(info.value)
        assert text.startswith(f"{folder}: ") and message in text and "\n" not in text
        assert "use another folder" in text
    assert tree(folder) == before


def test_check_folder_refuses_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(FolderError, match=r": is a file, not a folder; use another folder$"):
        check_folder(tmp_path / "f", "fp")


# --- execute (python -m sim, sim.run, sim.calibrate) verifies before touching anything -----------------


@pytest.mark.parametrize("resume", ["true", "false"])
def test_execute_into_another_experiments_folder_changes_no_byte(other, tmp_path, resume):
    folder = copy(other, tmp_path)
    before = tree(folder)
    overrides = [*SMALL, f"mc.resume={resume}"]
    exp, cfg = setup(overrides)
    with pytest.raises(FolderError, match="holds a different experiment"):
        execute(exp, folder, cfg, overrides=overrides)
    assert tree(folder) == before  # summary, overrides.yaml, parts, runs: all as they were


@pytest.mark.parametrize("name", ["runs.parquet", "series.parquet", "summary.json"])
def test_results_without_an_experiment_record_are_never_reused(other, tmp_path, name):
    folder = tmp_path / "target"
    folder.mkdir()
    shutil.copy(other / name, folder / name)  # another experiment's file, without its record
    before = tree(folder)
    exp, cfg = setup(SMALL)
    with pytest.raises(FolderError, match=rf"holds results \({name}\) but no experiment record"):
        execute(exp, folder, cfg)
    assert tree(folder) == before


def test_a_folder_claimed_between_the_check_and_the_lock_is_left_as_the_other_left_it(tmp_path, monkeypatch):
    folder = tmp_path / "new" / "exp"
    real_lock = sim.runner.folder._lock

    def claimed_meanwhile(path):  # another experiment claims the folder just before we lock it
        (path / EXPERIMENT_FILE).write_text(json.dumps({"fingerprint": "theirs"}))
        return real_lock(path)

    monkeypatch.setattr(sim.runner.folder, "_lock", claimed_meanwhile)
    with pytest.raises(FolderError, match="holds a different experiment"):
        with open_folder(folder, "ours"):
            pytest.fail("the block must not run")
    assert tree(folder) == {EXPERIMENT_FILE: hashlib.sha256(b'{"fingerprint": "theirs"}').hexdigest()}


def cli(*args, cwd):
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    "how",
    [
        ["++hydra.run.dir={folder}"],
        ["-m", "mc.resume=false", "hydra.sweep.dir={sweep}", "hydra.sweep.subdir=job"],
    ],
    ids=["++hydra.run.dir", "sweep with mc.resume=false"],
)
def test_a_refused_command_leaves_the_other_experiments_folder_byte_identical(other, tmp_path, how):
    sweep = tmp_path / "sweep"
    folder = sweep / "job"
    shutil.copytree(other, folder)
    before = tree(folder)
    p = cli(*(a.format(folder=folder, sweep=sweep) for a in how), *SMALL, cwd=tmp_path)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 2, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [line for line in err.splitlines() if not line.startswith("[")]  # no traceback
    assert len(errors) == 1 and f"{folder}: holds a different experiment" in errors[0]
    assert tree(folder) == before


# --- one writer at a time ---------------------------------------------------------------------------


HOLD = """
import sys
from sim.runner.folder import open_folder
with open_folder(sys.argv[1], "fp"):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_folder_held_by_another_process_is_refused_and_released_when_it_dies(tmp_path, monkeypatch):
    folder = tmp_path / "exp"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "held\n"
        before = tree(folder)
        exp, cfg = setup(SMALL)
        busy = (
            f"{folder}: another sim process (pid {holder.pid}) is writing this experiment; "
            "wait for it or use another folder"
        )
        with pytest.raises(FolderBusy) as info:
            preflight([*SMALL, f"hydra.run.dir={folder}"])  # what python -m sim checks before Hydra starts
        assert str(info.value) == f"hydra.run.dir: {busy}"
        with pytest.raises(FolderBusy) as info:
            execute(exp, folder, cfg)  # found by the read-only check
        assert str(info.value) == busy
        with monkeypatch.context() as m:
            m.setattr(sim.runner.folder, "_writer", lambda folder: None)  # the check misses it, not the lock
            with pytest.raises(FolderBusy) as info:
                execute(exp, folder, cfg)
        assert str(info.value) == busy
        assert tree(folder) == before
    finally:
        holder.send_signal(signal.SIGKILL)  # no clean-up: the system releases the lock
        holder.wait()
    execute(exp, folder, cfg)
    assert (folder / "summary.json").exists()


@pytest.mark.slow
def test_a_second_writer_stops_at_once_and_touches_nothing(tmp_path):
    """Two real ``python -m sim`` processes on one folder: the second exits 2 while the first writes."""
    folder = tmp_path / "exp"
    args = ["mc.runs=2000", "horizon_days=200", "mc.seed=5", "executor=serial", "executor.chunk=1",
            "mc.progress=false", "analysis.report=false"]  # fmt: skip
    first = cli(*args, f"hydra.run.dir={folder}", cwd=tmp_path)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not list((folder / PARTS).glob("runs-*.parquet")):
            time.sleep(0.05)
        assert first.poll() is None, first.communicate()[1]
        # the same experiment (executor.chunk is not part of it), the folder named as Hydra's override
        second = cli(*args, "executor.chunk=3", f"++hydra.run.dir={folder}", cwd=tmp_path)
        _, err = second.communicate(timeout=300)
        assert first.poll() is None  # the second one stopped while the first was still writing
        assert second.returncode == 2, err
        lines = [line for line in err.splitlines() if not line.startswith("[")]  # Hydra's job log aside
        busy = f"{folder}: another sim process (pid {first.pid}) is writing this experiment; "
        assert len(lines) == 1 and lines[0].startswith("error: ") and busy in lines[0], err
        saved = (folder / ".hydra" / "overrides.yaml").read_text()
        assert "executor.chunk=3" not in saved and "executor.chunk=1" in saved  # the first one's record
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    exp = prepare(compose(args))
    check_folder(folder, exp.fingerprint())  # killed: the lock went with it, and the folder resumes


# --- mc.resume=false ----------------------------------------------------------------------------------


def test_resume_false_recomputes_the_same_experiment_from_scratch(whole, tmp_path):
    folder = copy(whole, tmp_path)
    exp, cfg = setup(SMALL)
    again = execute(exp, folder, cfg)
    assert again["experiment"]["resumed_from"] == 6  # resumed: nothing rerun
    exp, cfg = setup([*SMALL, "mc.resume=false"])
    summary = execute(exp, folder, cfg)
    assert summary["experiment"]["resumed_from"] == 0  # every run computed again
    assert_same_results(folder, whole)
    partial = tmp_path / "partial"
    interrupted(partial, exp, chunks=2)
    assert execute(exp, partial, cfg)["experiment"]["resumed_from"] == 0  # its parts were removed
    assert_same_results(partial, whole)


# --- damaged parts and files --------------------------------------------------------------------------


def interrupted(folder, exp, chunks=3):
    """A folder as a kill leaves it: the first ``chunks`` chunks of 2 runs saved as parts."""
    tasks = plan(exp)
    store = ResultStore(folder, exp.fingerprint(), len(tasks))
    for i in range(chunks):
        store.save_chunk(*run_chunk(exp, tasks[2 * i : 2 * i + 2]))
    return folder / PARTS


def foreign(path, exp_other):
    """Replace a part with the same part of another experiment."""
    table = pq.read_table(path)
    meta = {**table.schema.metadata, FINGERPRINT_KEY: exp_other.fingerprint().encode()}
    pq.write_table(table.replace_schema_metadata(meta), path)


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "zero bytes": lambda p: p.write_bytes(b""),
    "garbage": lambda p: p.write_bytes(os.urandom(p.stat().st_size)),
    "no rows": lambda p: pq.write_table(pq.read_table(p).slice(0, 0), p),
    "wrong schema": lambda p: pq.write_table(
        pa.table({"run_id": pa.array([0], pa.int32())}).replace_schema_metadata(pq.read_schema(p).metadata), p
    ),
    "another experiment's": lambda p: foreign(p, setup(OTHER)[0]),
    "no stamp": lambda p: pq.write_table(pq.read_table(p).replace_schema_metadata(None), p),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_parts_are_removed_and_their_runs_rerun(whole, tmp_path, capsys, damage):
    exp, cfg = setup(SMALL)
    folder = tmp_path / "exp"
    parts = interrupted(folder, exp)
    DAMAGE[damage](parts / "runs-000000000-000000001.parquet")
    DAMAGE[damage](parts / "series-000000004-000000005.parquet")
    capsys.readouterr()
    summary = execute(exp, folder, cfg)
    err = capsys.readouterr().err
    assert err == f"note: {folder}: 2 damaged parts removed; their 4 runs will be rerun\n"
    assert summary["experiment"]["resumed_from"] == 2
    assert_same_results(folder, whole)
    assert not (folder / PARTS).exists()


def test_a_part_without_its_series_twin_is_rerun(whole, tmp_path, capsys):
    exp, cfg = setup(SMALL)
    folder = tmp_path / "exp"
    parts = interrupted(folder, exp)
    (parts / "series-000000002-000000003.parquet").unlink()
    execute(exp, folder, cfg)
    assert "1 damaged parts removed; their 2 runs will be rerun" in capsys.readouterr().err
    assert_same_results(folder, whole)


def test_a_part_damaged_while_running_is_rerun_before_compaction_ends(whole, tmp_path, capsys):
    exp, _ = setup(SMALL)
    folder = tmp_path / "exp"
    parts = interrupted(folder, exp, chunks=1)
    damaged = []

    def damage_once(saved, total):  # the first part, accepted on opening, breaks during the run
        if not damaged:
            DAMAGE["truncated"](parts / "runs-000000000-000000001.parquet")
            damaged.append(saved)

    runs = run_to_folder(exp, folder, exp.fingerprint(), on_chunk=damage_once)
    err = capsys.readouterr().err
    assert (
        err
        == f"note: {folder}: 1 parts found damaged while compacting, removed; their 2 runs will be rerun\n"
    )
    assert runs["run_id"].tolist() == list(range(6))
    assert_same_results(folder, whole)


def test_parts_that_keep_breaking_stop_with_one_line(tmp_path):
    from sim.results import StorageError

    exp, _ = setup(SMALL)
    folder = tmp_path / "exp"
    parts = interrupted(folder, exp, chunks=1)

    def damage(saved, total):  # every chunk saved breaks another part: a failing disk
        for p in parts.glob("runs-*.parquet"):
            DAMAGE["zero bytes"](p)

    with pytest.raises(StorageError, match="parts kept turning out damaged while compacting"):
        run_to_folder(exp, folder, exp.fingerprint(), on_chunk=damage)
    assert not (folder / "runs.parquet").exists()


@pytest.mark.parametrize(
    ("name", "damage", "why"),
    [
        ("runs.parquet", "truncated", "runs.parquet cannot be read"),
        ("series.parquet", "garbage", "series.parquet cannot be read"),
        ("series.parquet", "another experiment's", "series.parquet is another experiment's"),
        ("runs.parquet", "no rows", "runs.parquet lacks some of the runs"),
        ("runs.parquet", "no stamp", "runs.parquet carries no experiment fingerprint"),
    ],
)
def test_damaged_final_files_are_recomputed(whole, tmp_path, capsys, name, damage, why):
    folder = copy(whole, tmp_path)
    DAMAGE[damage](folder / name)
    exp, cfg = setup(SMALL)
    capsys.readouterr()
    summary = execute(exp, folder, cfg)
    assert capsys.readouterr().err.startswith(f"note: {folder}: {why}")
    assert summary["experiment"]["resumed_from"] == 0
    assert_same_results(folder, whole)


def test_every_parquet_file_carries_the_experiment_fingerprint(whole, tmp_path):
    exp, _ = setup(SMALL)
    for name in ("runs.parquet", "series.parquet"):
        assert pq.read_schema(whole / name).metadata[FINGERPRINT_KEY] == exp.fingerprint().encode()
    parts = interrupted(tmp_path / "exp", exp, chunks=1)
    for part in parts.glob("*.parquet"):
        assert pq.read_schema(part).metadata[FINGERPRINT_KEY] == exp.fingerprint().encode()


def test_parts_left_beside_complete_final_files_are_removed_without_rerunning(whole, tmp_path, capsys):
    """A kill after the final files are written but before the parts are removed costs nothing."""
    folder = copy(whole, tmp_path)
    exp, cfg = setup(SMALL)
    interrupted(folder, exp, chunks=1)
    capsys.readouterr()
    summary = execute(exp, folder, cfg)
    assert capsys.readouterr().err == ""
    assert summary["experiment"]["resumed_from"] == 6
    assert not (folder / PARTS).exists()
    assert_same_results(folder, whole)


@pytest.mark.parametrize("what", ["a folder as a part", "a folder as a temporary file", ".parts a file"])
def test_a_parts_folder_holding_what_no_run_writes_is_refused_in_one_line(tmp_path, what):
    exp, _ = setup(SMALL)
    folder = tmp_path / "exp"
    parts = interrupted(folder, exp, chunks=1)
    if what == ".parts a file":
        shutil.rmtree(parts)
        parts.write_text("x")
        bad = parts
    else:
        bad = parts / ("runs-000000008-000000009.parquet" if what == "a folder as a part" else ".x.tmp")
        bad.mkdir()
    with pytest.raises(FolderError, match=rf"{bad} is not a (file|folder) \(the results folder is damaged\)"):
        ResultStore(folder, exp.fingerprint(), len(plan(exp)))


def test_a_damaged_part_naming_billions_of_runs_costs_only_the_runs_there_are(whole, tmp_path, capsys):
    exp, cfg = setup(SMALL)
    folder = tmp_path / "exp"
    parts = interrupted(folder, exp, chunks=1)
    (parts / "runs-000000000-3000000000.parquet").write_bytes(os.urandom(100))
    execute(exp, folder, cfg)
    assert "1 damaged parts removed" in capsys.readouterr().err
    assert_same_results(folder, whole)
