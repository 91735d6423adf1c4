"""The results folder: write it atomically, load it with pandas alone.

An experiment folder holds ``runs.parquet`` (one row per run), ``series.parquet`` (long format:
``run_id, day, variable, value``), ``summary.json`` (forecast questions with intervals),
``figures/*.png`` and Hydra's ``.hydra/`` (the composed config). Every file is written to a temporary
name and renamed into place, and ``summary.json`` is written last: a folder without it is not a
finished experiment. No pickle anywhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import Stopped, UserError

__all__ = ["Results", "ResultsError", "StorageError", "atomic_write", "load", "write_json"]

RUNS_FILE = "runs.parquet"
SERIES_FILE = "series.parquet"
SUMMARY_FILE = "summary.json"
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


def load(
    path: str | os.PathLike,
    variables: Sequence[str] | Callable[[dict[str, Any], dict[str, Any]], Sequence[str]] | None = None,
) -> Results:
    """Load a finished experiment folder, checking every file before anything uses it.

    Args:
        path: the experiment's output folder.
        variables: load only these series variables (large experiments: the series of 10,000 runs of a
            year hold some 90 million rows), or a function of the composed config and the summary naming
            them (e.g. those the summary marks for fan charts); None loads them all.

    Returns:
        :class:`Results` with ``runs`` and ``series`` data frames, ``summary`` and ``config`` dicts.

    Raises:
        ResultsError: one line naming the folder or the damaged file: missing, unreadable Parquet, a
            required column missing or of the wrong type, invalid JSON or YAML, files that disagree.
    """
    from sim.results.check import check_config, check_consistent, check_series, check_summary, read_parquet

    root = Path(path)
    if not root.is_dir():
        raise ResultsError(f"{root}: no such folder")
    missing = [f for f in (RUNS_FILE, SERIES_FILE, SUMMARY_FILE, CONFIG_FILE) if not (root / f).is_file()]
    if missing:
        raise ResultsError(f"{root}: not a finished experiment (missing {', '.join(missing)})")
    summary = check_summary(root / SUMMARY_FILE)
    config = check_config(root / CONFIG_FILE)
    runs, kinds = read_parquet(root / RUNS_FILE, RUNS_COLUMNS)
    if callable(variables):
        variables = variables(config, summary)
    filters = None if variables is None else [("variable", "in", list(variables))]
    series, _ = read_parquet(root / SERIES_FILE, SERIES_COLUMNS, filters=filters)
    check_consistent(root, runs, kinds, summary, config)
    check_series(root / SERIES_FILE, series, runs, summary)
    return Results(path=root, runs=runs, series=series, summary=summary, config=config)
