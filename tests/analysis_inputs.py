"""Helpers for the analysis commands' tests: a small experiment, many questions, a command run in-process."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import yaml

from sim.command import run_command

SMALL = ["executor=serial", "mc.runs=8", "horizon_days=20", "mc.progress=false", "analysis.report=false"]


def small_experiment(folder: Path, *overrides: str) -> Path:
    """A finished 8-run, 20-day experiment in ``folder`` (no report)."""
    import sim

    sim.run([*SMALL, *overrides], folder, quiet=True)
    return folder


def with_questions(src: Path, dst: Path, n: int) -> Path:
    """A copy of experiment ``src`` asking ``n`` questions (its modelled ones, repeated as ``q00000`` ...).

    The config and ``summary.json`` hold the new questions, each answered as its original.
    """
    import json

    from sim.inputs import load_yaml

    shutil.copytree(src, dst)
    config_file = dst / ".hydra" / "config.yaml"
    config = load_yaml(config_file)
    summary = json.loads((src / "summary.json").read_text())
    base = [q for q, v in summary["questions"].items() if not v.get("not_modelled")]
    questions, answers = {}, {}
    for i in range(n):
        qid, old = f"q{i:05d}", base[i % len(base)]
        questions[qid] = {**config["questions"][old], "text": f"Q{i}: {config['questions'][old]['text']}"}
        answers[qid] = {**summary["questions"][old], "text": questions[qid]["text"]}
    config["questions"] = questions
    config_file.write_text(yaml.dump(config, Dumper=yaml.CSafeDumper, sort_keys=False))
    (dst / "summary.json").write_text(json.dumps({**summary, "questions": answers}))
    return dst


def resolutions_for(questions: dict[str, dict], path: Path) -> Path:
    """A resolutions file resolving every question once (alternating yes and no; numeric: 400)."""
    entries = []
    for i, (qid, q) in enumerate(questions.items()):
        what = {"value": 400} if q["op"] == "quantiles" else {"outcome": bool(i % 2)}
        entries.append({"question": qid, **what, "date": "2020-12-04", "source": f"test {i}"})
    path.write_text(yaml.dump({"resolutions": entries}, Dumper=yaml.CSafeDumper, sort_keys=False))
    return path


def command(main, args: list[str], capsys) -> tuple[int, str, str]:
    """Run ``main`` through :func:`sim.command.run_command` in-process: (exit code, stdout, stderr)."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    capsys.readouterr()
    try:
        run_command(main, [str(a) for a in args])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    else:  # pragma: no cover - run_command always exits
        raise AssertionError("run_command returned")
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder``: relative path -> (size, mtime in ns)."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
