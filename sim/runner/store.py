"""The results folder while an experiment runs: who owns it, streaming, resuming, compacting.

Ownership (:mod:`sim.runner.folder`). A results folder belongs to one experiment, recorded by the fingerprint
of its config in ``experiment.json``. Before anything is written, moved or deleted, :func:`check_folder`
verifies, reading only, that the folder holds this experiment or nothing of any experiment; a folder
holding another experiment, or results files without a record, is refused whatever ``mc.resume`` says
(``mc.resume=false`` recomputes the same experiment from scratch; it never replaces another). A refusal
changes nothing. One process writes a folder at a time: the writer holds a lock on ``<folder>/.lock``
from the check to the end of the summary and report (:func:`open_folder`), released by the operating
system when the process ends, and a second writer stops at once.

Streaming and resume. While an experiment runs, every finished chunk of runs is written as two Parquet
part files under ``<folder>/.parts/`` (series first, then runs; each written to a temporary name and
renamed), so a kill loses at most the chunks in flight. Rerunning into the folder runs only the run ids
no runs part holds yet. At the end the parts are compacted into ``runs.parquet``, ``series.parquet`` and
``events.parquet`` (the runs' events, in the runs parts' ``_events`` column until then), sorted by run
id and streamed part by part (memory does not grow with the runs), and the parts are removed.
``summary.json`` is written after that by the caller: a folder without it is not a finished experiment.

Only this experiment's files are reused. Every part and both final files carry the fingerprint in their
Parquet schema metadata (key ``sim.fingerprint``), and each runs part records the row count of its series
twin; a file without the fingerprint is not reused. Parts that cannot be used (truncated, empty, garbage,
wrong schema, another experiment's, a runs part without its series twin or with a twin of the wrong
length) are removed with their twin when the folder is first read, or when compaction finds them
damaged, and their runs are rerun, with one note on stderr. Final files that cannot be read, or lack
runs, are removed and the experiment recomputed, with a note.
"""

from __future__ import annotations

import errno
import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.results import EVENTS_FILE, RUNS_FILE, SERIES_FILE, SUMMARY_FILE, atomic_write
from sim.runner.folder import (
    EXPERIMENT_FILE,
    LOCK_FILE,
    PARTS,
    FolderBusy,
    FolderError,
    check_folder,
    check_parts_are_files,
    open_folder,
    results_files,
)
from sim.runner.tasks import EVENTS_COLUMN, events_frame

__all__ = [
    "EXPERIMENT_FILE",
    "FINGERPRINT_KEY",
    "LOCK_FILE",
    "PARTS",
    "FolderBusy",
    "FolderError",
    "PartsDamaged",
    "ResultStore",
    "check_folder",
    "fingerprint",
    "open_folder",
    "results_files",
]

REMOVING = ".parts-removing"  # the parts of a compacted experiment, renamed away before removal
SERIES_SCHEMA = pa.schema(
    [("run_id", pa.int64()), ("day", pa.int32()), ("variable", pa.string()), ("value", pa.float64())]
)
#: Schema metadata key of the experiment fingerprint in every Parquet file of a results folder.
FINGERPRINT_KEY = b"sim.fingerprint"
SERIES_ROWS_KEY = b"sim.series_rows"  # in a runs part: the row count of its series twin


def fingerprint(config_yaml: str) -> str:
    """A short hash identifying an experiment (its config, minus how and where it is run)."""
    return hashlib.sha256(config_yaml.encode()).hexdigest()[:16]


class Damaged(Exception):
    """A Parquet file of the folder cannot be used (the message says why, in a few words)."""


class PartsDamaged(Exception):
    """Compaction found damaged parts; they were removed and their runs must be rerun."""


def _stamp(table: pa.Table, fp: str) -> pa.Table:
    return table.replace_schema_metadata({**(table.schema.metadata or {}), FINGERPRINT_KEY: fp.encode()})


def _write_parquet(table: pa.Table, path: Path) -> None:
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def _reading(path: Path, read):
    """``read(path)``, turning what a damaged file raises into :class:`Damaged`."""
    try:
        return read(path)
    except FileNotFoundError:
        raise Damaged(f"{path.name} is missing") from None
    except OSError as exc:
        if exc.errno not in (None, errno.EIO):  # permissions, no memory, ...: not the file's fault
            raise
        raise Damaged(f"{path.name} cannot be read") from None
    except (pa.ArrowException, ValueError, KeyError):
        raise Damaged(f"{path.name} cannot be read") from None


class ResultStore:
    """The results folder of one experiment while it runs (the caller holds :func:`open_folder`)."""

    def __init__(self, folder: Path, fingerprint: str, n_runs: int, *, resume: bool = True) -> None:
        """Open (or create) the folder; drop what cannot be reused.

        Args:
            folder: the results folder.
            fingerprint: the experiment's.
            n_runs: how many runs it has.
            resume: false: remove this experiment's parts and final files (and summary and report) to
                recompute it from scratch.

        Raises:
            FolderError: the folder holds another experiment, or results without a record.
        """
        self.folder = Path(folder)
        self.parts = self.folder / PARTS
        self.fingerprint = fingerprint
        self.n_runs = n_runs
        check_folder(self.folder, fingerprint, resume=resume)
        check_parts_are_files(self.parts)
        if not resume:
            self._clear()
        self.folder.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"fingerprint": fingerprint, "runs": n_runs}) + "\n"
        atomic_write(self.folder / EXPERIMENT_FILE, lambda tmp: tmp.write_text(record))
        shutil.rmtree(self.folder / REMOVING, ignore_errors=True)
        self.parts.mkdir(exist_ok=True)
        self._drop_orphans()
        self._ids: dict[str, set[int]] | None = None  # run ids of each runs part (by file name), once read

    def _clear(self) -> None:
        from sim.report import REPORT_FILE

        shutil.rmtree(self.parts, ignore_errors=True)
        for name in (SUMMARY_FILE, REPORT_FILE, RUNS_FILE, SERIES_FILE, EVENTS_FILE):
            (self.folder / name).unlink(missing_ok=True)

    # -- opening: what can be reused -----------------------------------------------------------

    def _drop_orphans(self) -> None:
        """Series parts whose runs part was never written (killed in between) are stale."""
        for f in self.parts.glob("series-*.parquet"):
            if not self._twin(f).exists():
                f.unlink()
        for f in self.parts.glob(".*.tmp"):
            f.unlink()

    @staticmethod
    def _twin(part: Path) -> Path:
        kind, _, rest = part.name.partition("-")
        return part.with_name(f"{'series' if kind == 'runs' else 'runs'}-{rest}")

    @staticmethod
    def _span(part: Path) -> tuple[int, int]:
        first, last = (int(x) for x in part.stem.split("-", 1)[1].split("-"))
        return first, last

    def _check_stamp(self, path: Path, schema: pa.Schema) -> None:
        stamp = (schema.metadata or {}).get(FINGERPRINT_KEY)
        if stamp is None:
            raise Damaged(f"{path.name} carries no experiment fingerprint")
        if stamp != self.fingerprint.encode():
            raise Damaged(f"{path.name} is another experiment's")

    def _check_pair(self, part: Path) -> set[int]:
        """The run ids of a runs part, checked with its series twin (reads their footers and run ids).

        Raises:
            Damaged: either part cannot be read, is not this experiment's, has the wrong schema, or
                disagrees with its name or its twin.
        """
        try:
            first, last = self._span(part)
        except ValueError:
            raise Damaged(f"{part.name}: not a part name") from None

        def read(path: Path) -> tuple[list[int], int]:
            with pq.ParquetFile(path) as pf:
                schema = pf.schema_arrow
                self._check_stamp(path, schema)
                if schema.field("run_id").type != pa.int64():
                    raise Damaged(f"{path.name}: run_id is not int64")
                rows = int((schema.metadata or {}).get(SERIES_ROWS_KEY, b"-1"))
                return pf.read(columns=["run_id"]).column("run_id").to_pylist(), rows

        ids, series_rows = _reading(part, read)
        if not ids or len(set(ids)) != len(ids) or min(ids) < first or max(ids) > last:
            raise Damaged(f"{part.name}: its run ids do not match its name")
        if self._check_series(self._twin(part)) != series_rows:
            raise Damaged(f"{self._twin(part).name}: not the rows its runs part records")
        return set(ids)

    def _check_series(self, path: Path) -> int:
        """Check a series file's footer (schema, stamp); returns its row count."""

        def read(path: Path) -> tuple[pa.Schema, int]:
            with pq.ParquetFile(path) as pf:
                return pf.schema_arrow, pf.metadata.num_rows

        schema, rows = _reading(path, read)
        self._check_stamp(path, schema)
        if not schema.remove_metadata().equals(SERIES_SCHEMA):
            raise Damaged(f"{path.name}: not the series schema")
        return rows

    @property
    def _held(self) -> dict[str, set[int]]:
        """The run ids of each runs part; the first use checks every part (see :meth:`_scan`)."""
        if self._ids is None:
            self._ids = {}
            self._scan()
        return self._ids

    def _scan(self) -> None:
        """Read the run ids of every runs part; remove damaged parts with their twins (one note)."""
        damaged = []
        for part in sorted(self.parts.glob("runs-*.parquet")):
            try:
                self._held[part.name] = self._check_pair(part)
            except Damaged:
                damaged.append(part)
        if damaged:
            self._discard(damaged, "damaged parts removed")

    def _discard(self, parts: list[Path], what: str) -> None:
        """Remove parts (either twin) and their twins; one note naming how many runs will be rerun."""
        lost: set[int] = set()
        runs_parts = {p if p.name.startswith("runs-") else self._twin(p) for p in parts}
        for part in runs_parts:
            ids = self._held.pop(part.name, None)
            if ids is None:
                try:
                    first, last = self._span(part)  # bounded by the runs there are, whatever the name
                    ids = set(range(max(0, first), min(last, self.n_runs - 1) + 1))
                except ValueError:
                    ids = set()
            lost |= ids
            part.unlink(missing_ok=True)
            self._twin(part).unlink(missing_ok=True)
        lost -= self.done_ids()
        _note(f"{self.folder}: {len(runs_parts)} {what}; their {len(lost)} runs will be rerun")

    # -- while running --------------------------------------------------------------------------

    def done_ids(self) -> set[int]:
        """Run ids already saved (by this or an interrupted earlier attempt)."""
        return set().union(*self._held.values())

    def save_chunk(self, runs: pd.DataFrame, series: pd.DataFrame) -> None:
        """Write one finished chunk: series part first, runs part last (the runs part marks it done).

        Parts are named after the chunk's first and last run ids; ``series`` sorted as ``series_frame``'s.
        """
        name = f"{int(runs['run_id'].min()):09d}-{int(runs['run_id'].max()):09d}.parquet"
        series_table = pa.Table.from_pandas(series, schema=SERIES_SCHEMA, preserve_index=False)
        _write_parquet(_stamp(series_table, self.fingerprint), self.parts / f"series-{name}")
        runs_table = _stamp(pa.Table.from_pandas(runs, preserve_index=False), self.fingerprint)
        rows = {SERIES_ROWS_KEY: str(series_table.num_rows).encode()}  # lets the twins be checked together
        runs_table = runs_table.replace_schema_metadata({**runs_table.schema.metadata, **rows})
        _write_parquet(runs_table, self.parts / f"runs-{name}")
        self._held[f"runs-{name}"] = {int(i) for i in runs["run_id"]}

    # -- at the end -----------------------------------------------------------------------------

    def finished_runs(self, run_ids: set[int]) -> pd.DataFrame | None:
        """The runs frame if the folder already holds this whole experiment compacted, else None.

        Final files left by an interrupted compaction (parts remain) are ignored: compaction rewrites
        them. Final files that cannot be read, or lack runs, with no parts left, are removed (a note).
        """
        runs_path, series_path = self.folder / RUNS_FILE, self.folder / SERIES_FILE
        if not runs_path.exists() and not series_path.exists():
            return None
        try:
            self._check_stamp(runs_path, _reading(runs_path, pq.read_schema))
            runs = _reading(runs_path, pd.read_parquet)
            self._check_series(series_path)
            if not set(runs["run_id"]) >= run_ids:
                raise Damaged(f"{RUNS_FILE} lacks some of the runs")
        except Damaged as exc:
            if not any(self.parts.glob("runs-*.parquet")):  # else left by an interrupted compaction
                _note(f"{self.folder}: {exc}; the experiment's {len(run_ids)} runs will be rerun")
                runs_path.unlink(missing_ok=True)
                series_path.unlink(missing_ok=True)
            return None
        self._remove_parts()  # left by a compaction killed after writing the final files
        return runs

    def runs_frame(self) -> pd.DataFrame:
        """All saved runs, sorted by run id.

        Raises:
            PartsDamaged: a part cannot be read; it was removed (with its twin), so its runs must be rerun.
        """
        files = sorted(self.parts.glob("runs-*.parquet"))
        if not files:
            return pd.DataFrame()
        runs = pd.concat([self._read_part(f, pd.read_parquet) for f in files], ignore_index=True)
        return runs.sort_values("run_id", kind="stable").reset_index(drop=True)

    def _read_part(self, part: Path, read):
        try:
            return _reading(part, read)
        except Damaged:
            self._discard([part], "parts found damaged while compacting, removed")
            raise PartsDamaged(str(part)) from None

    def _series_groups(self) -> list[list[Path]]:
        """Series parts in run-id order, grouped where their run-id ranges overlap.

        Chunks are consecutive run ids, so groups are single parts, except after a resume whose chunks
        straddle the gaps left by an interrupted attempt.
        """
        spans = []
        for f in self.parts.glob("series-*.parquet"):
            first, last = self._span(f)
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

        Raises:
            PartsDamaged: a part turned out damaged; it was removed (with its twin) and nothing final was
                written, so the caller reruns its runs and compacts again.
        """
        runs = self.runs_frame()
        events = events_frame(runs)
        runs = runs.drop(columns=[EVENTS_COLUMN], errors="ignore")
        table = _stamp(pa.Table.from_pandas(runs, preserve_index=False), self.fingerprint)
        events_table = _stamp(pa.Table.from_pandas(events, preserve_index=False), self.fingerprint)
        order = [("run_id", "ascending"), ("variable", "ascending"), ("day", "ascending")]
        schema = SERIES_SCHEMA.with_metadata({FINGERPRINT_KEY: self.fingerprint.encode()})

        def read_series(path: Path) -> pa.Table:
            return pq.read_table(path, schema=SERIES_SCHEMA)

        def write_series(tmp: Path) -> None:
            with pq.ParquetWriter(tmp, schema) as writer:
                pending: list[pa.Table] = []
                rows = 0
                for group in self._series_groups():
                    t = pa.concat_tables([self._read_part(f, read_series) for f in group])
                    pending.append(t.sort_by(order) if len(group) > 1 else t)
                    rows += t.num_rows
                    if rows >= rows_per_group:
                        writer.write_table(pa.concat_tables(pending))
                        pending, rows = [], 0
                if pending:
                    writer.write_table(pa.concat_tables(pending))

        atomic_write(series_path, write_series)  # series first: the runs file is there only when complete
        atomic_write(runs_path.with_name(EVENTS_FILE), lambda tmp: pq.write_table(events_table, tmp))
        atomic_write(runs_path, lambda tmp: pq.write_table(table, tmp))
        self._remove_parts()
        return runs

    def _remove_parts(self) -> None:
        """Remove the parts at once (a rename), then the files: a kill never leaves half of them."""
        if self.parts.exists():
            shutil.rmtree(self.folder / REMOVING, ignore_errors=True)
            self.parts.rename(self.folder / REMOVING)
        shutil.rmtree(self.folder / REMOVING, ignore_errors=True)
        self._ids = {}

    def info(self) -> dict[str, Any]:
        """What the folder holds so far."""
        return {"folder": str(self.folder), "saved": len(self.done_ids()), "runs": self.n_runs}


def _note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr)
