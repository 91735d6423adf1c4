"""Who may write a results folder: the ownership check and the one-writer lock.

A results folder belongs to one experiment. Its ``experiment.json`` records the experiment's fingerprint
(:meth:`sim.runner.experiment.Experiment.fingerprint`: its config minus how it is run). :func:`check_folder`
reads, and never changes, a folder before anything writes, moves or deletes a file in it:

* a folder that does not exist, or holds no results files: this experiment may claim it;
* ``experiment.json`` with this experiment's fingerprint: resumed (or, with ``mc.resume=false``,
  recomputed from scratch);
* ``experiment.json`` with another fingerprint, or one that cannot be read: refused, whatever
  ``mc.resume`` says (``mc.resume=false`` recomputes the same experiment; it never replaces another);
* results files (``runs.parquet``, ``series.parquet``, ``summary.json``, ``report.md``, parts in
  ``.parts/``) without ``experiment.json``: refused (they may belong to any experiment);
* another process writing the folder: refused.

A refusal is a :class:`FolderError`: one line naming the folder and what to do (exit code 2).

One writer at a time: :func:`open_folder` checks, then holds an exclusive ``flock`` on ``<folder>/.lock``
(the holder's pid written inside) while the caller writes; the operating system releases it when the
process ends, however it ends, so a killed experiment never leaves a stale lock. A second process finds
the lock held and stops at once, having changed nothing. The lock is per process and re-entrant in the
thread that holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sim.config import ConfigError

__all__ = [
    "EXPERIMENT_FILE",
    "LOCK_FILE",
    "PARTS",
    "FolderBusy",
    "FolderError",
    "check_folder",
    "check_parts_are_files",
    "open_folder",
    "recorded_fingerprint",
    "results_files",
]

EXPERIMENT_FILE = "experiment.json"
PARTS = ".parts"
LOCK_FILE = ".lock"
#: Files that only an experiment writes: a folder holding any of them without a record is not claimable.
RESULT_FILES = ("runs.parquet", "series.parquet", "summary.json", "report.md")


class FolderError(ConfigError):
    """A results folder this experiment may not write; one line naming it and what to do (exit 2).

    A :class:`~sim.config.ConfigError` (so a :class:`~sim.errors.UserError`): every command reports it
    as bad input.
    """


class FolderBusy(FolderError):
    """Another process is writing the folder."""


def recorded_fingerprint(folder: Path) -> str | None:
    """The fingerprint in the folder's ``experiment.json``; None if it has none.

    Raises:
        FolderError: the record exists but cannot be read.
    """
    record = Path(folder) / EXPERIMENT_FILE
    try:
        text = record.read_text()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable(folder, exc) from None
    try:
        fp = json.loads(text).get("fingerprint")
    except (ValueError, AttributeError) as exc:
        raise _unreadable(folder, exc) from None
    if not isinstance(fp, str) or not fp:
        raise _unreadable(folder, ValueError("no fingerprint"))
    return fp


def _unreadable(folder: Path, exc: BaseException) -> FolderError:
    return FolderError(
        f"{folder}: its experiment record ({EXPERIMENT_FILE}) cannot be read ({type(exc).__name__}), "
        "so whose results it holds is unknown; use another folder"
    )


def results_files(folder: Path) -> list[str]:
    """The results files (and parts) a folder holds, by name."""
    folder = Path(folder)
    found = [name for name in RESULT_FILES if (folder / name).exists()]
    parts = folder / PARTS
    if parts.is_dir() and any(parts.glob("*.parquet")):
        found.append(f"{PARTS}/")
    return found


def _check_contents(folder: Path, fingerprint: str, resume: bool) -> None:
    """Refuse a folder holding another experiment, or results without a record (reads only)."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise FolderError(f"{folder}: is a file, not a folder; use another folder")
    old = recorded_fingerprint(folder)
    if old is None:
        found = results_files(folder)
        if found:
            raise FolderError(
                f"{folder}: holds results ({', '.join(found)}) but no experiment record ({EXPERIMENT_FILE}), "
                "so they may belong to another experiment; use another folder"
            )
    elif old != fingerprint:
        why = "" if resume else ", and mc.resume=false recomputes only the same experiment, never another"
        raise FolderError(
            f"{folder}: holds a different experiment (config changed){why}; use another folder, "
            "or the original overrides to resume it"
        )


def check_folder(folder: str | os.PathLike, fingerprint: str, *, resume: bool = True) -> None:
    """Check, without changing anything, that an experiment may write its results into ``folder``.

    The command-line pre-flight calls this for every job's output folder before Hydra starts;
    :func:`open_folder` (hence :func:`sim.runner.pipeline.execute`, :func:`sim.run`, ``sim.calibrate``)
    calls it before writing anything.

    Args:
        folder: the results folder (it need not exist).
        fingerprint: the experiment's (:meth:`sim.runner.experiment.Experiment.fingerprint`).
        resume: the experiment's ``mc.resume``; it changes only the wording: a folder holding another
            experiment is refused either way.

    Raises:
        FolderError: one line naming the folder and what to do; the folder is a file, holds another
            experiment, holds results without an experiment record, or has an unreadable record.
        FolderBusy: another process is writing the folder.
    """
    folder = Path(folder)
    _check_contents(folder, fingerprint, resume)
    pid = _writer(folder)
    if pid is not None:
        raise _busy(folder, pid)


def _busy(folder: Path, pid: int) -> FolderBusy:
    who = f"pid {pid}" if pid else "pid unknown"
    return FolderBusy(
        f"{folder}: another sim process ({who}) is writing this experiment; wait for it or use another folder"
    )


@dataclass
class _Hold:
    fd: int
    thread: int
    depth: int = 1


_HELD: dict[str, _Hold] = {}  # folders this process writes, by real path


def _key(folder: Path) -> str:
    return os.path.realpath(folder)


def _pid_in(fd: int) -> int:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0)
    except (OSError, ValueError):
        return 0


def _writer(folder: Path) -> int | None:
    """The pid of the process writing ``folder`` (0 if unknown), or None if none (reads only)."""
    held = _HELD.get(_key(folder))
    if held is not None:
        return None if held.thread == threading.get_ident() else os.getpid()
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # no lock file (or no folder): nobody has written here since
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # conflicts only with a writer's exclusive lock
        except BlockingIOError:
            return _pid_in(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _lock(folder: Path) -> tuple[int, bool]:
    """Take the folder's writer lock; returns the lock's descriptor and whether the lock file is new.

    Raises:
        FolderBusy: another process holds it.
    """
    path = folder / LOCK_FILE
    while True:
        try:
            fd, made = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644), True
        except FileExistsError:
            try:
                fd, made = os.open(path, os.O_RDWR | os.O_CLOEXEC), False
            except FileNotFoundError:  # removed in between: try again
                continue
        try:
            for attempt in range(5):  # a checker's shared lock lasts microseconds: retry briefly
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if attempt == 4:
                        raise _busy(folder, _pid_in(fd)) from None
                    time.sleep(0.05)
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the file was replaced after we opened it: lock the new one
                os.close(fd)
                continue
            # The lock's inode must stay the same, so the pid (a hint for the busy message) is written in
            # place rather than by atomic rename.
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd, made
        except BaseException:
            os.close(fd)
            raise


@contextmanager
def open_folder(folder: str | os.PathLike, fingerprint: str, *, resume: bool = True) -> Iterator[Path]:
    """Check ``folder``, then hold its writer lock (creating the folder) while the block writes it.

    Nothing is created, written or removed unless the folder passes :func:`check_folder`. The contents
    are checked again once the lock is held (another process may have claimed the folder in between);
    a refusal then removes the lock file if this call created it, and nothing else.
    Within the thread that holds the lock, a nested call only checks the contents.

    Args:
        folder: the results folder.
        fingerprint: the experiment's.
        resume: the experiment's ``mc.resume`` (see :func:`check_folder`).

    Yields:
        The folder.

    Raises:
        FolderError: as :func:`check_folder`.
        FolderBusy: another process (or thread) is writing the folder.
    """
    folder = Path(folder)
    key = _key(folder)
    held = _HELD.get(key)
    if held is not None and held.thread == threading.get_ident():
        _check_contents(folder, fingerprint, resume)
        held.depth += 1
        try:
            yield folder
        finally:
            held.depth -= 1
        return
    check_folder(folder, fingerprint, resume=resume)
    folder.mkdir(parents=True, exist_ok=True)
    fd, made = _lock(folder)
    try:
        try:
            _check_contents(folder, fingerprint, resume)  # claimed by another process since the check?
        except FolderError:
            if made:  # then it is theirs, with their files in it: take back only the lock file
                (folder / LOCK_FILE).unlink(missing_ok=True)
            raise
        _HELD[key] = _Hold(fd, threading.get_ident())
        try:
            yield folder
        finally:
            del _HELD[key]
    finally:
        os.close(fd)  # releases the lock


def check_parts_are_files(parts: Path) -> None:
    """Refuse (one line, nothing touched) a ``.parts`` that is not a folder, or holds a folder as a part.

    A damaged part file is removed and its runs rerun (:class:`sim.runner.store.ResultStore`); a folder
    where a part belongs is not something a run could have written, so it is left to the user to remove.
    """
    if parts.exists() and not parts.is_dir():
        raise FolderError(f"{parts} is not a folder (the results folder is damaged): remove it and rerun")
    if parts.is_dir():
        for entry in parts.iterdir():
            if entry.name.endswith((".parquet", ".tmp")) and not entry.is_file():
                raise FolderError(
                    f"{entry} is not a file (the results folder is damaged): remove it and rerun"
                )
