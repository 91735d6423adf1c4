"""The results folder: write it atomically, load it with pandas alone.

An experiment folder holds ``runs.parquet`` (one row per run), ``series.parquet`` (long format:
``run_id, day, variable, value``), ``summary.json`` (forecast questions with intervals),
``figures/*.png`` and Hydra's ``.hydra/`` (the composed config). Every file is written to a temporary
name and renamed into place, and ``summary.json`` is written last: a folder without it is not a
finished experiment. No pickle anywhere.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import Stopped, UserError

__all__ = [
    "Results",
    "ResultsError",
    "StorageError",
    "atomic_write",
    "experiment_folders",
    "labelled",
    "load",
    "load_all",
    "load_events",
    "load_experiment",
    "write_json",
]

RUNS_FILE = "runs.parquet"
SERIES_FILE = "series.parquet"
SUMMARY_FILE = "summary.json"
EVENTS_FILE = "events.parquet"  # what happened in each run, day by day (results written since issue 17)
CONFIG_FILE = ".hydra/config.yaml"  # the composed config Hydra's run saved
#: columns every results folder's Parquet files hold, with their kind
RUNS_COLUMNS = {"run_id": "integer", "status": "string"}
SERIES_COLUMNS = {"run_id": "integer", "day": "integer", "variable": "string", "value": "number"}


class ResultsError(UserError):
    """A folder is not a (finished) results folder."""


class StorageError(OSError, Stopped):
    """The results folder cannot be written (read-only, no space); the message is one line."""

    @staticmethod
    def reason(exc: OSError) -> str:
        """What went wrong, in words (``the disk is full``, ``the file system is read-only``, ...)."""
        import errno

        return {
            errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "the disk quota is exceeded",
            errno.EROFS: "the file system is read-only",
            errno.EACCES: "permission denied",
            errno.EPERM: "permission denied",
            errno.ENOTDIR: "not a folder",
        }.get(exc.errno, exc.strerror or type(exc).__name__)

    @classmethod
    def from_os_error(cls, folder: Path, exc: OSError) -> StorageError:
        """A one-line error naming the folder, the file and what went wrong."""
        what = cls.reason(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        return cls(
            exc.errno,
            f"{folder}: cannot write results: {what}{where}; finished chunks are kept, so rerun the same "
            "command to resume once the folder is writable",
        )

    def __str__(self) -> str:
        return str(self.strerror)


@dataclass
class Results:
    """A loaded experiment: pandas frames plus the summary and the composed config."""

    path: Path
    runs: pd.DataFrame
    series: pd.DataFrame
    summary: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def scenario(self) -> str:
        """Scenario name of the experiment."""
        return str(self.summary.get("experiment", {}).get("scenario", "?"))

    def series_wide(self, variable: str) -> pd.DataFrame:
        """One variable as a (day x run_id) table."""
        s = self.series[self.series["variable"] == variable]
        return s.pivot(index="day", columns="run_id", values="value")


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp)`` on a temporary name beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed write (disk full, interrupted) leaves nothing behind
        raise


def write_json(obj: Any, path: Path) -> None:
    """Write JSON (NaN as null), atomically."""

    def _write(p: Path) -> None:
        p.write_text(json.dumps(obj, indent=2, allow_nan=False, default=_jsonable) + "\n")

    atomic_write(Path(path), _write)


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def experiment_folders(path: str | os.PathLike) -> list[Path]:
    """The experiment folders of ``path``: itself, or a multirun folder's numbered subfolders, in order.

    Raises:
        ResultsError: ``path`` is neither, or does not exist.
    """
    root = Path(path)
    if not root.is_dir():
        raise ResultsError(f"{root}: no such folder")
    if (root / SUMMARY_FILE).is_file():
        return [root]
    subs = _experiments_in(root)
    if not subs:
        raise ResultsError(
            f"{root}: not a finished experiment (no {SUMMARY_FILE}) nor a multirun folder holding any"
        )
    return subs


def _experiments_in(root: Path) -> list[Path]:
    """The subfolders of ``root`` holding a finished experiment (a multirun folder's), in job order."""
    try:
        subs = [d for d in root.iterdir() if d.is_dir() and (d / SUMMARY_FILE).is_file()]
    except OSError as exc:
        raise ResultsError(f"{root}: cannot read the folder ({exc.strerror or type(exc).__name__})") from None

    def job(d: Path) -> tuple[float, str]:
        head = d.name.split("_", 1)[0]
        return (int(head), d.name) if head.isdigit() else (math.inf, d.name)

    return sorted(subs, key=job)


def labelled(loaded: Sequence[Results]) -> dict[str, Results]:
    """Experiments by scenario; where a scenario repeats, what differs (``baseline (horizon_days=90)``).

    The settings are those ``summary.json`` records as differing from the baseline; with none (or more
    than two) telling the experiments apart, the folder's name.
    """
    names = [r.scenario for r in loaded]
    out: dict[str, Results] = {}
    for r in loaded:
        label = r.scenario
        if names.count(r.scenario) > 1:
            tag = _what_differs(r, [x for x in loaded if x.scenario == r.scenario]) or r.path.name
            label = f"{r.scenario} ({tag})"
        if label in out:
            label = f"{r.scenario} ({r.path.name})"
        out[label] = r
    return out


def _what_differs(r: Results, same: Sequence[Results]) -> str:
    """``name=value`` of the (at most two) recorded settings whose values differ among ``same``."""

    def record(x: Results) -> dict[str, Any]:
        return {d["key"]: d for d in (x.summary.get("scenario") or {}).get("differs") or []}

    records = [record(x) for x in same]
    baseline = {k: d["baseline"] for rec in records for k, d in rec.items()}

    def value(rec: dict[str, Any], k: str) -> Any:
        return rec[k]["value"] if k in rec else baseline[k]

    varying = [k for k in sorted(baseline) if len({repr(value(rec, k)) for rec in records}) > 1]
    if not varying or len(varying) > 2:
        return ""
    mine = record(r)
    return ", ".join(f"{k.rpartition('.')[2]}={value(mine, k)}" for k in varying)


def load_all(
    path: str | os.PathLike,
    variables: Sequence[str] | Callable[[dict[str, Any], dict[str, Any]], Sequence[str]] | None = None,
) -> dict[str, Results]:
    """Every experiment of an experiment or multirun folder, labelled by scenario (:func:`labelled`)."""
    return labelled([load_experiment(f, variables) for f in experiment_folders(path)])


def load(
    path: str | os.PathLike,
    variables: Sequence[str] | Callable[[dict[str, Any], dict[str, Any]], Sequence[str]] | None = None,
) -> Results | dict[str, Results]:
    """Load a finished experiment folder, checking every file before anything uses it.

    A multirun folder (``python -m sim -m ...``) gives its experiments as a dict, label -> :class:`Results`
    (:func:`load_all`): one per scenario, the folder's name added where a scenario repeats.

    Args:
        path: the experiment's output folder, or a multirun folder.
        variables: load only these series variables (large experiments: the series of 10,000 runs of a
            year hold some 90 million rows), or a function of the composed config and the summary naming
            them (e.g. those the summary marks for fan charts); None loads them all.

    Returns:
        :class:`Results` with ``runs`` and ``series`` data frames, ``summary`` and ``config`` dicts (a dict
        of them for a multirun folder).

    Raises:
        ResultsError: one line naming the folder or the damaged file: missing, unreadable Parquet, a
            required column missing or of the wrong type, invalid JSON or YAML, files that disagree.
    """
    root = Path(path)
    if root.is_dir() and not (root / SUMMARY_FILE).is_file() and not (root / RUNS_FILE).is_file():
        subs = _experiments_in(root)
        if subs:
            return labelled([load_experiment(f, variables) for f in subs])
    return load_experiment(root, variables)


def load_experiment(
    path: str | os.PathLike,
    variables: Sequence[str] | Callable[[dict[str, Any], dict[str, Any]], Sequence[str]] | None = None,
) -> Results:
    """One experiment folder (:func:`load`); a multirun folder is refused, naming its experiments."""
    from sim.results.check import check_config, check_consistent, check_series, check_summary, read_parquet

    root = Path(path)
    if not root.is_dir():
        raise ResultsError(f"{root}: no such folder")
    missing = [f for f in (RUNS_FILE, SERIES_FILE, SUMMARY_FILE, CONFIG_FILE) if not (root / f).is_file()]
    if missing:
        subs = [d.name for d in _experiments_in(root)]
        if subs and not (root / SUMMARY_FILE).is_file():
            raise ResultsError(
                f"{root}: a multirun folder; give one of its experiments ({', '.join(subs[:8])})"
            )
        raise ResultsError(f"{root}: not a finished experiment (missing {', '.join(missing)})")
    summary = check_summary(root / SUMMARY_FILE)
    config = check_config(root / CONFIG_FILE)
    runs, kinds = read_parquet(root / RUNS_FILE, RUNS_COLUMNS)
    if callable(variables):
        variables = variables(config, summary)
    if variables is not None:  # typed: an empty list of names must still read as text (no variable at all)
        import pyarrow as pa

        filters = [("variable", "in", pa.array(list(variables), pa.string()))]
    else:
        filters = None
    series, _ = read_parquet(root / SERIES_FILE, SERIES_COLUMNS, filters=filters)
    check_consistent(root, runs, kinds, summary, config)
    check_series(root / SERIES_FILE, series, runs, summary)
    return Results(path=root, runs=runs, series=series, summary=summary, config=config)


def load_events(path: str | os.PathLike, run_id: int | None = None) -> pd.DataFrame | None:
    """The events of an experiment's runs (``events.parquet``: run_id, day, actor, kind, place, detail).

    Args:
        path: the experiment folder.
        run_id: only this run's events.

    Returns:
        The events by run and day; None for results written before runs recorded their events.

    Raises:
        ResultsError: the file cannot be read (one line naming it).
    """
    file = Path(path) / EVENTS_FILE
    if not file.is_file():
        return None
    filters = None if run_id is None else [("run_id", "==", int(run_id))]
    try:
        return pd.read_parquet(file, filters=filters)
    except Exception as exc:  # pyarrow's errors are many; the message names the file
        raise ResultsError(f"{file}: not a readable Parquet file ({type(exc).__name__})") from None
