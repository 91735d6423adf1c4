"""Uncertain parameters: distributions written in config, mapped from the unit cube through ``ppf``.

The config node ``uncertain`` mirrors config paths; each leaf is a distribution spec, e.g.
``{dist: beta, a: 2, b: 5}`` under ``uncertain.mechanisms.ceasefire.pretext_prob``. Distributions and
their arguments (each a frozen :mod:`scipy.stats` distribution):

- ``uniform`` (low, high): uniform on [low, high].
- ``normal`` (mean, sd): normal; unbounded, so not allowed on a field with a range.
- ``lognormal`` (mean, sigma): exp(N(mean, sigma)), i.e. ``mean`` and ``sigma`` are those of the log;
  median = exp(mean). Support (0, inf).
- ``beta`` (a, b[, low=0, high=1]): beta(a, b) rescaled to [low, high].
- ``triangular`` (low, mode, high).
- ``truncnormal`` (mean, sd, low, high): normal(mean, sd) truncated to [low, high].
- ``integer`` or ``randint`` (low, high): integers low..high, both inclusive, equally likely.
- ``categorical`` (values[, weights]): one of ``values`` with probability proportional to ``weights``
  (default equal); the unit interval is split by the cumulative weights.

Samplers (:mod:`sim.runner.design`) work in the unit cube and map each column through
:meth:`UncertainParameter.ppf`, so Monte Carlo, Latin hypercube, Sobol and Morris share one path.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from sim.config import ConfigError, _check_field

if TYPE_CHECKING:
    from sim.config import Config

__all__ = [
    "DISTRIBUTIONS",
    "UncertainParameter",
    "apply_values",
    "parse_uncertain",
]

# name -> (required arguments, optional arguments)
_ARGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "beta": (("a", "b"), ("low", "high")),
    "categorical": (("values",), ("weights",)),
    "integer": (("low", "high"), ()),
    "lognormal": (("mean", "sigma"), ()),
    "normal": (("mean", "sd"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "truncnormal": (("mean", "sd", "low", "high"), ()),
    "uniform": (("low", "high"), ()),
}
_ALIASES = {"randint": "integer"}
#: Distribution names accepted in ``dist``.
DISTRIBUTIONS = tuple(sorted([*_ARGS, *_ALIASES]))
_TINY = 1e-12  # unbounded distributions map u in [0, 1) through [_TINY, 1 - _TINY], so values are finite
_KINDS = {bool: "bool", int: "int", float: "float", str: "str"}
_TYPES = {v: k for k, v in _KINDS.items()}


def _number(key: str, spec: Mapping[str, Any], arg: str) -> float:
    x = spec[arg]
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ConfigError(f"uncertain.{key}: {arg} must be a finite number, got {x!r}")
    return float(x)


def _sequence(key: str, x: Any, arg: str) -> list[Any]:
    if isinstance(x, str | bytes) or not isinstance(x, Sequence) or len(x) == 0:
        raise ConfigError(f"uncertain.{key}: {arg} must be a non-empty list, got {x!r}")
    return list(x)


def _frozen(name: str, a: Mapping[str, float], low: float, high: float) -> Any:
    """The frozen scipy.stats distribution of a checked numeric spec."""
    mean, sd, width = a.get("mean", 0.0), a.get("sd", 1.0), high - low
    if name == "uniform":
        return stats.uniform(loc=low, scale=width)
    if name == "normal":
        return stats.norm(loc=mean, scale=sd)
    if name == "lognormal":
        return stats.lognorm(s=a["sigma"], scale=math.exp(mean))
    if name == "beta":
        return stats.beta(a["a"], a["b"], loc=low, scale=width)
    if name == "triangular":
        return stats.triang((a["mode"] - low) / width, loc=low, scale=width)
    if name == "truncnormal":
        return stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
    return stats.randint(int(low), int(high) + 1)


@dataclass(frozen=True)
class UncertainParameter:
    """A config value drawn from a distribution.

    Attributes:
        key: dotted config path, e.g. ``"mechanisms.combat.kill_rate"`` or
            ``"theatre.units.wagner.strength"``.
        spec: the distribution spec as written in config (kept for records).
        dist: the frozen :mod:`scipy.stats` distribution (for ``categorical``: over the value indices).
        kind: type of the target field, ``"float"``, ``"int"``, ``"str"`` or ``"bool"``; ``"int"`` targets
            get integer values.
        values: the categories of a ``categorical`` parameter, else None.
        weights: normalised category probabilities of a ``categorical`` parameter, else None.
    """

    key: str
    spec: Mapping[str, Any]
    dist: Any = field(repr=False, compare=False)
    kind: str = "float"
    values: tuple[Any, ...] | None = None
    weights: tuple[float, ...] | None = None

    @classmethod
    def from_spec(cls, key: str, spec: Mapping[str, Any], kind: str = "float") -> UncertainParameter:
        """Check a distribution spec and build its parameter (without looking at a config).

        Args:
            key: dotted config path of the parameter.
            spec: mapping with ``dist`` and the distribution's arguments.
            kind: type of the target field (see the class attributes).

        Raises:
            ConfigError: one line naming ``uncertain.<key>`` and what is allowed.
        """
        where = f"uncertain.{key}"
        dist = spec.get("dist")
        name = _ALIASES.get(dist, dist) if isinstance(dist, str) else None
        if name not in _ARGS:
            raise ConfigError(
                f"{where}: unknown distribution {spec.get('dist')!r}; allowed: {', '.join(DISTRIBUTIONS)}"
            )
        required, optional = _ARGS[name]
        usage = f"{spec['dist']} takes {', '.join(required)}" + (
            f"[, {', '.join(optional)}]" if optional else ""
        )
        for arg in required:
            if arg not in spec:
                raise ConfigError(f"{where}: missing argument {arg!r}; {usage}")
        for arg in spec:
            if arg != "dist" and arg not in required + optional:
                raise ConfigError(f"{where}: unexpected argument {arg!r}; {usage}")
        if name == "categorical":
            values = _sequence(key, spec["values"], "values")
            raw = _sequence(key, spec.get("weights", [1.0] * len(values)), "weights")
            w = [_number(key, {"weights": x}, "weights") for x in raw]
            if len(w) != len(values) or min(w) < 0 or sum(w) <= 0:
                raise ConfigError(
                    f"{where}: weights must be {len(values)} numbers >= 0 (one per value) with a positive sum"
                )
            p = np.asarray(w) / sum(w)
            dist = stats.rv_discrete(values=(np.arange(len(values)), p))
            return cls(key, dict(spec), dist, kind, tuple(values), tuple(float(x) for x in p))
        a = {arg: _number(key, spec, arg) for arg in required + optional if arg in spec}
        low, high = a.get("low", 0.0), a.get("high", 1.0)
        if low >= high:
            raise ConfigError(f"{where}: low ({low:g}) must be < high ({high:g})")
        for pos in ("sd", "sigma", "a", "b"):
            if pos in a and a[pos] <= 0:
                raise ConfigError(f"{where}: {pos} must be > 0, got {a[pos]:g}")
        if name == "triangular" and not low <= a["mode"] <= high:
            raise ConfigError(f"{where}: mode ({a['mode']:g}) must lie in [low, high] = [{low:g}, {high:g}]")
        if name == "integer" and not (low.is_integer() and high.is_integer()):
            raise ConfigError(f"{where}: low and high must be whole numbers, got {low:g} and {high:g}")
        return cls(key, dict(spec), _frozen(name, a, low, high), kind)

    @property
    def name(self) -> str:
        """Canonical distribution name (``randint`` is ``integer``)."""
        return _ALIASES.get(self.spec["dist"], self.spec["dist"])

    @property
    def support(self) -> tuple[float, float] | None:
        """Smallest and largest possible value (possibly infinite); None for non-numeric categories."""
        if self.values is not None:
            if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in self.values):
                return None
            return float(min(self.values)), float(max(self.values))
        lo, hi = self.dist.support()
        return float(lo), float(hi)

    @property
    def bounds(self) -> tuple[float, float] | None:
        """Finite support, or None when unbounded or categorical."""
        s = self.support
        if self.values is not None or s is None or not all(map(math.isfinite, s)):
            return None
        return s

    def ppf(self, u: np.ndarray | float) -> np.ndarray | list[Any] | Any:
        """Map unit-cube coordinates ``u`` in [0, 1) to values of the parameter.

        Returns:
            An array of floats (of ints for ``integer`` distributions and ``"int"`` targets), or for
            ``categorical`` a list of category values (a single value for a scalar ``u``).
        """
        u = np.asarray(u, dtype=float)
        if self.values is not None:
            last = max(i for i, w in enumerate(self.weights) if w > 0)
            cum = np.cumsum(self.weights)
            cum[last:] = 1.0  # u < 1 never lands on a zero-weight category, whatever the rounding
            idx = np.searchsorted(cum, u, side="right").clip(0, last)
            return self.values[int(idx)] if idx.ndim == 0 else [self.values[i] for i in idx.ravel()]
        if self.bounds is None:
            u = np.clip(u, _TINY, 1 - _TINY)
        x = self.dist.ppf(u)
        if self.name == "integer":
            lo, hi = self.support
            return np.clip(x, lo, hi).astype(np.int64)
        return np.rint(x).astype(np.int64) if self.kind == "int" else x


# --- parsing against a config --------------------------------------------------------------------


def _leaves(node: Any, prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if not isinstance(node, Mapping):
        raise ConfigError(f"uncertain{'.' + prefix if prefix else ''}: expected a mapping, got {node!r}")
    for k, v in node.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and "dist" in v:
            yield key, v
        elif isinstance(v, Mapping):
            yield from _leaves(v, key)
        else:
            raise ConfigError(
                f"uncertain.{key}: expected a distribution such as {{dist: uniform, low: .., high: ..}}, "
                f"got {v!r}"
            )


def _kind(tp: Any) -> str | None:
    if isinstance(tp, UnionType) or typing.get_origin(tp) is typing.Union:
        args = [t for t in typing.get_args(tp) if t is not NoneType]
        tp = args[0] if len(args) == 1 else None
    return _KINDS.get(tp)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """A config class's resolved field types (resolving them is slow, and runs set values per run)."""
    return typing.get_type_hints(cls)


def _target(config: Any, key: str, what: str) -> tuple[str, Mapping[str, Any]]:
    """Kind and field metadata of the config value at ``key``; ``what`` prefixes error messages."""
    obj, kind, meta = config, None, {}
    for part in key.split("."):
        if dataclasses.is_dataclass(obj):
            fields = {f.name: f for f in dataclasses.fields(obj)}
            if part not in fields:
                raise ConfigError(f"{what}{key}: unknown key {part!r}; allowed: {', '.join(fields)}")
            kind, meta = _kind(_hints(type(obj))[part]), fields[part].metadata
            obj = getattr(obj, part)
        elif isinstance(obj, dict):
            if part not in obj:
                raise ConfigError(f"{what}{key}: unknown key {part!r}; allowed: {', '.join(map(str, obj))}")
            obj = obj[part]
            kind, meta = _KINDS.get(type(obj)), {}
        elif isinstance(obj, list | tuple):  # an item of a list (a theatre's roads): its index
            if not (part.isdigit() and int(part) < len(obj)):
                last = len(obj) - 1
                raise ConfigError(f"{what}{key}: {part!r} is not an index of the list; allowed: 0 to {last}")
            obj = obj[int(part)]
            kind, meta = _KINDS.get(type(obj)), {}
        else:
            raise ConfigError(f"{what}{key}: {part!r} is below a value, not a config node")
    if kind is None or dataclasses.is_dataclass(obj) or isinstance(obj, dict | list):
        raise ConfigError(f"{what}{key}: not a number, string or boolean field, so it cannot be set")
    return kind, meta


def _check_fits(p: UncertainParameter, kind: str, meta: Mapping[str, Any]) -> None:
    """The distribution's values must suit the field's type, choices and range."""
    where = f"uncertain.{p.key}"
    if kind in ("str", "bool") or "choices" in meta:
        if p.values is None:
            raise ConfigError(f"{where}: a {kind} field takes only a categorical distribution")
        if not all(type(v) is _TYPES[kind] for v in p.values):
            raise ConfigError(f"{where}: categorical values must be {kind}s, got {list(p.values)}")
        bad = [v for v in p.values if "choices" in meta and v not in meta["choices"]]
        if bad:
            raise ConfigError(f"{where}: got {bad[0]!r}; allowed: {', '.join(meta['choices'])}")
        return
    support = p.support
    if support is None or (kind == "int" and p.values and not all(float(v).is_integer() for v in p.values)):
        raise ConfigError(f"{where}: categorical values must be {kind}s for this field, got {list(p.values)}")
    if "range" not in meta:
        return
    lo, hi, lo_open = meta["range"]
    a, b = support
    open_low = p.name == "lognormal"  # its lower end, 0, is never drawn
    bad_lo = lo is not None and (a < lo or (lo_open and a == lo and not open_low))
    if bad_lo or (hi is not None and b > hi):
        lo_s, hi_s = ("-inf" if lo is None else f"{lo:g}"), ("inf" if hi is None else f"{hi:g}")
        raise ConfigError(
            f"{where}: {p.spec['dist']} takes values in [{a:g}, {b:g}], outside the field's range "
            f"{'(' if lo_open else '['}{lo_s}, {hi_s}]; "
            "use a distribution bounded within it (uniform, beta, triangular, truncnormal, integer)"
        )


def parse_uncertain(node: Mapping[str, Any], config: Config) -> list[UncertainParameter]:
    """Parse the ``uncertain`` config node into parameters, checked against ``config``.

    Args:
        node: the plain nested dict under ``uncertain`` (leaves are mappings with a ``dist`` key).
        config: the typed config the keys refer to.

    Returns:
        The parameters, sorted by key.

    Raises:
        ConfigError: one line naming ``uncertain.<key>`` and what is allowed.
    """
    params = []
    for key, spec in _leaves(node or {}, ""):
        kind, meta = _target(config, key, "uncertain.")
        p = UncertainParameter.from_spec(key, spec, kind)
        _check_fits(p, kind, meta)
        params.append(p)
    return sorted(params, key=lambda p: p.key)


# --- setting values -------------------------------------------------------------------------------


def _coerce(key: str, kind: str, value: Any) -> Any:
    if kind in ("str", "bool"):
        if type(value) is not _TYPES[kind] and not (kind == "bool" and isinstance(value, np.bool_)):
            raise ConfigError(f"{key}: got {value!r}; expected a {kind}")
        return _TYPES[kind](value)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{key}: got {value!r}; expected a number")
    return round(float(value)) if kind == "int" else float(value)


def _set(obj: Any, parts: list[str], value: Any) -> Any:
    head, rest = parts[0], parts[1:]
    if isinstance(obj, list | tuple):
        i = int(head)
        return type(obj)([*obj[:i], _set(obj[i], rest, value) if rest else value, *obj[i + 1 :]])
    child = getattr(obj, head) if dataclasses.is_dataclass(obj) else obj[head]
    new = _set(child, rest, value) if rest else value
    if dataclasses.is_dataclass(obj):
        return dataclasses.replace(obj, **{head: new})
    return {**obj, head: new}


def apply_values(config: Config, values: Mapping[str, Any]) -> Config:
    """A new config with each dotted key set to its value; ``config`` is not changed.

    Nodes along each path are copied (``dataclasses.replace``, a new dict or list; a list item is named by
    its index, e.g. ``theatre.roads.17.speed``); subtrees off
    the paths are shared with ``config``. Integer fields get ``int(round(v))``. Each value set is checked
    against its field's bounds; the rest of ``config`` is taken as valid (as :func:`sim.runner.experiment.
    prepare` leaves it): a whole-tree check per run cost more than some runs' model.

    Args:
        config: the base config.
        values: dotted key -> value, e.g. one row of :func:`sim.runner.design.design_table`.

    Raises:
        ConfigError: one line naming the key, if it is unknown, has the wrong type or is out of range.
    """
    new = config
    for key in sorted(values):
        kind, meta = _target(new, key, "")
        value = _coerce(key, kind, values[key])
        _check_field(key, value, meta)
        new = _set(new, key.split("."), value)
    return new
