"""Reading the analysis commands' inputs: YAML files, entry lists, finite numbers, unique ids, output paths.

Every check raises the caller's error class (a :class:`~sim.errors.UserError`, shown as one line with exit
code 2) naming the file, the entry and field, and what is allowed, e.g.
``resolutions.yaml: resolutions[3].value: got nan; allowed: a finite number``.

YAML is parsed with PyYAML's safe loader (libyaml when installed), extended to refuse what ``safe_load``
silently accepts: a key given twice in one mapping (``safe_load`` keeps the last), and aliases that
expand the document beyond ``MAX_YAML_VALUES`` values or refer to themselves (a few lines of nested
``*name`` references expand to billions of entries). Aliases within that bound are fine: PyYAML's own
dumper writes them for shared objects.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml

from sim.errors import ConfigError, Stopped, UserError
from sim.limits import clip

__all__ = [
    "InputError",
    "WriteError",
    "a_date",
    "finite_number",
    "known_fields",
    "load_yaml",
    "once",
    "output_file",
    "output_folder",
    "parse_yaml",
    "read_entries",
    "show",
    "writing",
]

SHOWN_CHARS = 60  # a value quoted in an error message is cut to this length
MAX_YAML_VALUES = 2_000_000  # values of a YAML document once its aliases are expanded

_BASE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class InputError(UserError):
    """A bad input file or path (one line naming it)."""


class WriteError(Stopped):
    """An output could not be written (disk full, read-only, permission); one line, exit code 3."""


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: int, first: int) -> None:
        super().__init__(f"line {line}: key {show(key)} given twice (first on line {first})")


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:  # '<<: *base' merges; its keys may be overridden
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise _DuplicateKey(key, line, seen[key])
                seen[key] = line
            except TypeError:  # an unhashable key: the base class names it
                continue
        return super().construct_mapping(node, deep=deep)


def show(value: Any) -> str:
    """``repr(value)`` for an error message, cut to ``SHOWN_CHARS`` characters."""
    try:
        text = repr(value) if isinstance(value, str | int | float | bool | None) else _short_repr(value)
    except ValueError:  # an integer too long to print
        text = "a number too long to print"
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _short_repr(value: Any) -> str:
    if isinstance(value, dict):
        return f"a mapping of {len(value)} keys" if len(value) > 3 else repr(value)[:SHOWN_CHARS]
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items" if len(value) > 3 else repr(value)[:SHOWN_CHARS]
    return repr(value)[:SHOWN_CHARS]


def _fail(error: type[Exception], message: str) -> NoReturn:
    raise error(message)


def parse_yaml(text: str, name: str | Path, error: type[Exception] = InputError) -> Any:
    """Parse one YAML document safely, refusing duplicate keys and alias bombs.

    Args:
        text: the document.
        name: the file's name in messages.
        error: the error class to raise.

    Raises:
        error: one line: ``NAME: line N: key 'k' given twice ...``, ``NAME: not valid YAML (...)``.
    """
    loader = _Loader(text)
    try:
        node = _read(loader.get_single_node, name, error)
        if node is not None:
            _check_expansion(node, name, error)
        return None if node is None else _read(lambda: loader.construct_document(node), name, error)
    finally:
        loader.dispose()


def _read(step: Any, name: str | Path, error: type[Exception]) -> Any:
    """``step()``, its YAML errors turned into one line naming the file."""
    try:
        return step()
    except _DuplicateKey as exc:
        _fail(error, f"{name}: {exc}; allowed: each key once in a mapping")
    except yaml.YAMLError as exc:
        _fail(error, f"{name}: not valid YAML ({_yaml_problem(exc)})")
    except RecursionError:
        _fail(error, f"{name}: not valid YAML (nested too deeply)")
    except (ValueError, OverflowError) as exc:  # a timestamp such as 2020-13-45, an integer too long
        _fail(error, f"{name}: not valid YAML (a value cannot be read: {str(exc).splitlines()[0]})")


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)


def _check_expansion(root: yaml.Node, name: str | Path, error: type[Exception]) -> None:
    """Refuse aliases that refer to themselves or expand the document beyond ``MAX_YAML_VALUES`` values.

    An alias makes the node graph share a node; each node's expanded size is counted once (depth first,
    without recursion), so the check costs as much as the distinct nodes.
    """
    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            if size[key] > MAX_YAML_VALUES:
                _fail(
                    error,
                    f"{name}: line {node.start_mark.line + 1}: aliases expand the document beyond "
                    f"{MAX_YAML_VALUES:,} values; allowed: fewer, or no aliases",
                )
            continue
        if key in size:
            continue
        if key in open_nodes:
            _fail(
                error,
                f"{name}: line {node.start_mark.line + 1}: an alias refers to itself; "
                "allowed: aliases of finished values",
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load_yaml(path: str | Path, error: type[Exception] = InputError) -> Any:
    """Read and parse a YAML file (see :func:`parse_yaml`).

    Raises:
        error: one line naming the file: missing, unreadable, not UTF-8 text, not valid YAML, a key twice.
    """
    p = Path(path)
    if not p.exists():
        _fail(error, f"{p}: no such file")
    if not p.is_file():
        _fail(error, f"{p}: not a file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        _fail(error, f"{p}: not UTF-8 text (byte {exc.start})")
    except OSError as exc:
        _fail(error, f"{p}: cannot read ({exc.strerror or type(exc).__name__})")
    return parse_yaml(text, p, error)


def read_entries(
    path: Any, key: str, error: type[Exception] = ConfigError, *, non_empty: bool = True
) -> list[Any]:
    """The list under ``key`` of a YAML input file (resolutions, observations, claims), safely loaded.

    The file is parsed by :func:`load_yaml`: a key given twice in a mapping is refused
    (``yaml.safe_load`` keeps the last value), and so are aliases expanding it beyond bounds.

    Raises:
        error: one line naming the file: missing, not valid YAML, a key twice, or without the list.
    """
    doc = load_yaml(path, error)
    entries = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(entries, list) or (non_empty and not entries):
        raise error(f"{path}: needs a {'non-empty ' if non_empty else ''}list '{key}'")
    return entries


def finite_number(
    value: Any,
    where: str,
    error: type[Exception] = InputError,
    *,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """``value`` as a float: a number (not a boolean), finite, within ``[low, high]`` where given.

    Args:
        value: what the file holds (YAML ``.nan``, ``.inf``, ``true`` and ``'3'`` are refused).
        where: the file, entry and field, e.g. ``r.yaml: resolutions[3].value``.
        error: the error class to raise.
        low: the smallest allowed value (None: no bound).
        high: the largest allowed value (None: no bound).

    Raises:
        error: ``WHERE: got nan; allowed: a finite number in [0, 1]``.
    """
    allowed = "a finite number"
    if low is not None and high is not None:
        allowed += f" in [{low:g}, {high:g}]"
    elif low is not None:
        allowed += f" >= {low:g}"
    elif high is not None:
        allowed += f" <= {high:g}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(error, f"{where}: got {show(value)}; allowed: {allowed}")
    try:
        x = float(value)
    except OverflowError:  # an integer beyond any float
        x = math.inf
    if not math.isfinite(x) or (low is not None and x < low) or (high is not None and x > high):
        _fail(error, f"{where}: got {show(value)}; allowed: {allowed}")
    return x


def a_date(value: Any, where: str, error: type[Exception] = InputError) -> dt.date:
    """``value`` as a date: a YAML date, or text ``YYYY-MM-DD``.

    Raises:
        error: ``WHERE: got 'July'; allowed: a date YYYY-MM-DD``.
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(value if isinstance(value, str) else "?")
    except ValueError:
        _fail(error, f"{where}: got {show(value)}; allowed: a date YYYY-MM-DD")


def known_fields(entry: Any, where: str, fields: Sequence[str], error: type[Exception], shape: str) -> dict:
    """``entry``, a mapping whose every key is one of ``fields`` (an entry of a YAML input file).

    Raises:
        error: ``WHERE: got X; allowed: SHAPE`` (not a mapping), or ``WHERE.KEY: unknown field; allowed:
            FIELDS`` naming the first other key.
    """
    if not isinstance(entry, dict):
        _fail(error, f"{where}: got {show(entry)}; allowed: {shape}")
    extra = [k for k in entry if k not in fields]
    if extra:
        _fail(error, f"{where}.{clip(extra[0], 40)}: unknown field; allowed: {', '.join(fields)}")
    return entry


def once(seen: dict[Any, str], value: Any, where: str, first_where: str, error: type[Exception]) -> None:
    """Refuse ``value`` if an earlier entry had it; else remember it (``seen``: value -> that entry).

    Args:
        seen: values met so far, each with the entry it was met in (updated).
        value: the entry's id (hashable).
        where: the file, entry and field, e.g. ``r.yaml: resolutions[3].question``.
        first_where: this entry's name, as later messages call it (``resolutions[3]``).
        error: the error class to raise.

    Raises:
        error: ``WHERE: 'x' again (first in resolutions[0]); allowed: each one once``.
    """
    if value in seen:
        _fail(error, f"{where}: {show(value)} again (first in {seen[value]}); allowed: each one once")
    seen[value] = first_where


def _deepest_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    return probe


def output_folder(path: str | Path, key: str, error: type[Exception] = InputError) -> Path:
    """A folder to write into: an existing writable folder, or a path that can be created as one.

    Checked before any work starts, so that a bad ``--out`` costs nothing.

    Raises:
        error: ``KEY: PATH is a file; allowed: a folder, or a path that does not exist yet`` (or below a
            file, a broken link, not writable).
    """
    p = Path(path)
    allowed = "allowed: a folder, or a path that does not exist yet"
    if p.exists() and not p.is_dir():
        _fail(error, f"{key}: {p} is a file; {allowed}")
    _check_parents(p, key, allowed, error)
    return p


def output_file(path: str | Path, key: str, error: type[Exception] = InputError) -> Path:
    """A file to write: not a folder, in a folder that exists or can be created (checked before any work).

    The file is written to a temporary name and renamed into place, which would replace whatever stands
    at the path: so an existing path must be a regular file, and a link is followed (its target is
    written, the link kept).

    Returns:
        The path to write (a link's target).

    Raises:
        error: ``KEY: PATH is a folder; allowed: a file name`` (or a device, pipe or socket, below a file,
            not writable).
    """
    p = Path(path)
    if p.is_symlink() and p.exists():
        p = Path(os.path.realpath(p))
    if p.is_dir():
        _fail(error, f"{key}: {p} is a folder; allowed: a file name (in a folder that exists or can be made)")
    if p.exists() and not p.is_file():
        _fail(error, f"{key}: {p} is not a regular file (a device, pipe or socket); allowed: a file name")
    _check_parents(p, key, "allowed: a file in a folder that exists or can be made", error)
    return p


def _check_parents(p: Path, key: str, allowed: str, error: type[Exception]) -> None:
    probe = _deepest_existing(p)
    if probe.is_symlink() and not probe.exists():
        _fail(error, f"{key}: {probe} is a broken link; {allowed}")
    if probe != p and not probe.is_dir():
        _fail(error, f"{key}: {p} is below the file {probe}; {allowed}")
    folder = probe if probe.is_dir() else probe.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        _fail(error, f"{key}: {p}: cannot write into {folder} (permission denied)")


@contextlib.contextmanager
def writing(folder: str | Path) -> Iterator[None]:
    """A failed write in the block (disk full, read-only, no permission) is one :class:`WriteError` line."""
    try:
        yield
    except OSError as exc:
        from sim.results import StorageError

        what = f" {exc.filename}" if exc.filename else ""
        raise WriteError(f"{folder}: cannot write{what}: {StorageError.reason(exc)}") from exc
