"""What made a results folder: ``provenance.json``.

Package versions, the project's commit, the command line, and the start and end times of each session that
wrote the folder.

Written when an experiment starts (``finished`` null) and again when its summary is written; a resumed
experiment adds a session, so the record says which code wrote which part.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "PROVENANCE_FILE", "finish", "start"]

PROVENANCE_FILE = "provenance.json"
PACKAGES = ("sim", "mesa", "hydra-core", "omegaconf", "numpy", "scipy", "pandas", "pyarrow", "numba", "SALib",
            "matplotlib", "networkx", "dask", "distributed")  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]
ARGV: list[str] | None = None  # the command line as typed, if a command changed sys.argv (python -m sim)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def versions() -> dict[str, str | None]:
    """The installed version of each package the runs depend on (None: not installed)."""
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def commit(root: Path = ROOT) -> dict[str, Any] | None:
    """The project's git commit and whether its tracked files differ from it (None: not a git checkout)."""
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()  # fmt: skip
        status = ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"]
        changed = subprocess.run(
            status, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "modified": bool(changed)}


def start(folder: Path, command: str | None = None) -> None:
    """Record a session's start (a new record, or a session added to a resumed experiment's)."""
    from sim.results import write_json

    path = Path(folder) / PROVENANCE_FILE
    doc = _read(path)
    session = {
        "started": _now(),
        "finished": None,
        "command": _command() if command is None else command,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions(),
        "project": commit(),
    }
    doc["sessions"] = [*doc.get("sessions", []), session]
    write_json(doc, path)


def finish(folder: Path) -> None:
    """Record the end of the session that started last."""
    from sim.results import write_json

    path = Path(folder) / PROVENANCE_FILE
    doc = _read(path)
    if doc.get("sessions"):
        doc["sessions"][-1]["finished"] = _now()
        write_json(doc, path)


def _command() -> str:
    """The command line as typed: ``python -m sim ...`` for the CLI, else the program and its arguments."""
    argv = ARGV if ARGV is not None else sys.argv
    program = argv[0] if argv else ""
    if program.endswith(("sim/__main__.py", "sim\\__main__.py")):
        program = "python -m sim"
    return " ".join([program, *(shlex.quote(a) for a in argv[1:])]).strip()


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return doc if isinstance(doc, dict) and isinstance(doc.get("sessions", []), list) else {}
    except (OSError, ValueError):
        return {}
