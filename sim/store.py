"""Streaming results to disk, resuming, compacting.

While an experiment runs, every finished chunk of runs is written as two Parquet part files under
``<folder>/.parts/`` (series first, then runs; each written to a temporary name and renamed), so a kill
loses at most the chunks in flight. ``experiment.json`` records a fingerprint of the experiment's
config: rerunning into the same folder resumes only if it is the same experiment, and runs only the
run ids no runs part holds yet. At the end the parts are compacted into ``runs.parquet`` and
``series.parquet``, sorted by run id and streamed part by part (memory does not grow with the number of
runs), and the parts are removed. ``summary.json`` is written after that by the caller: a folder
without it is not a finished experiment.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sim.config import ConfigError
from sim.results import atomic_write

__all__ = ["ResultStore", "fingerprint"]

PARTS = ".parts"
EXPERIMENT_FILE = "experiment.json"
SERIES_SCHEMA = pa.schema(
    [("run_id", pa.int64()), ("day", pa.int32()), ("variable", pa.string()), ("value", pa.float64())]
)


def fingerprint(config_yaml: str) -> str:
    """A short hash identifying an experiment (its config, minus how and where it is run)."""
    return hashlib.sha256(config_yaml.encode()).hexdigest()[:16]


def _write_parquet(table: pa.Table, path: Path) -> None:
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))


class ResultStore:
    """The results folder of one experiment while it runs."""

    def __init__(self, folder: Path, fingerprint: str, n_runs: int) -> None:
        """Open (or create) the folder; refuse one that holds a different experiment."""
        self.folder = Path(folder)
        self.parts = self.folder / PARTS
        self.n_runs = n_runs
        meta = self.folder / EXPERIMENT_FILE
        if meta.exists():
            old = json.loads(meta.read_text())
            if old.get("fingerprint") != fingerprint:
                raise ConfigError(
                    f"{self.folder}: holds a different experiment (config changed); "
                    "use a new output folder or restore the original overrides to resume"
                )
        self.parts.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"fingerprint": fingerprint, "runs": n_runs}) + "\n"
        atomic_write(meta, lambda tmp: tmp.write_text(record))
        self._drop_orphans()

    # -- while running --------------------------------------------------------------------------

    def _drop_orphans(self) -> None:
        """Series parts whose runs part was never written (killed in between) are stale."""
        for f in self.parts.glob("series-*.parquet"):
            if not (self.parts / f.name.replace("series-", "runs-")).exists():
                f.unlink()
        for f in self.parts.glob(".*.tmp"):
            f.unlink()

    def done_ids(self) -> set[int]:
        """Run ids already saved (by this or an interrupted earlier attempt)."""
        files = sorted(self.parts.glob("runs-*.parquet"))
        if not files:
            return set()
        ids = ds.dataset(files, format="parquet").to_table(columns=["run_id"])
        return set(ids.column("run_id").to_pylist())

    def save_chunk(self, runs: pd.DataFrame, series: pd.DataFrame) -> None:
        """Write one finished chunk: series part first, runs part last (the runs part marks it done).

        The parts are named after the chunk's first and last run ids; ``series`` must be sorted by run id,
        variable and day (as :func:`sim.runner.series_frame` makes it).
        """
        name = f"{int(runs['run_id'].min()):09d}-{int(runs['run_id'].max()):09d}.parquet"
        _write_parquet(
            pa.Table.from_pandas(series, schema=SERIES_SCHEMA, preserve_index=False),
            self.parts / f"series-{name}",
        )
        _write_parquet(pa.Table.from_pandas(runs, preserve_index=False), self.parts / f"runs-{name}")

    # -- at the end -----------------------------------------------------------------------------

    def runs_frame(self) -> pd.DataFrame:
        """All saved runs, sorted by run id."""
        files = sorted(self.parts.glob("runs-*.parquet"))
        if not files:
            return pd.DataFrame()
        runs = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        return runs.sort_values("run_id", kind="stable").reset_index(drop=True)

    def _series_groups(self) -> list[list[Path]]:
        """Series parts in run-id order, grouped where their run-id ranges overlap.

        Chunks are consecutive run ids, so groups are single parts, except after a resume whose chunks
        straddle the gaps left by an interrupted attempt.
        """
        spans = []
        for f in self.parts.glob("series-*.parquet"):
            first, last = (int(x) for x in f.stem.removeprefix("series-").split("-"))
            spans.append((first, last, f))
        groups: list[list[Path]] = []
        top = -1
        for first, last, f in sorted(spans):
            if groups and first <= top:
                groups[-1].append(f)
            else:
                groups.append([f])
            top = max(top, last)
        return groups

    def compact(self, runs_path: Path, series_path: Path, rows_per_group: int = 131_072) -> pd.DataFrame:
        """Write the sorted final files, then remove the parts; returns the runs frame.

        The series parts are streamed in run-id order into row groups of about ``rows_per_group`` rows,
        so memory does not grow with the number of runs.
        """
        runs = self.runs_frame()
        atomic_write(runs_path, lambda tmp: runs.to_parquet(tmp, index=False))
        order = [("run_id", "ascending"), ("variable", "ascending"), ("day", "ascending")]

        def write_series(tmp: Path) -> None:
            with pq.ParquetWriter(tmp, SERIES_SCHEMA) as writer:
                pending: list[pa.Table] = []
                rows = 0
                for group in self._series_groups():
                    table = pa.concat_tables([pq.read_table(f, schema=SERIES_SCHEMA) for f in group])
                    pending.append(table.sort_by(order) if len(group) > 1 else table)
                    rows += table.num_rows
                    if rows >= rows_per_group:
                        writer.write_table(pa.concat_tables(pending))
                        pending, rows = [], 0
                if pending:
                    writer.write_table(pa.concat_tables(pending))

        atomic_write(series_path, write_series)
        shutil.rmtree(self.parts, ignore_errors=True)
        return runs

    def info(self) -> dict[str, Any]:
        """What the folder holds so far."""
        return {"folder": str(self.folder), "saved": len(self.done_ids()), "runs": self.n_runs}
