"""Switchable mechanisms as plug-ins: one module per mechanism, named after its config key.

A mechanism module defines a :class:`Mechanism` subclass and names it ``MECHANISM``. The class declares
everything the rest of the toolkit needs to know about it, so adding a mechanism touches its module, its
config file and ``docs/ODD.md``, nothing else:

* ``key`` (its config key, ``mechanisms.<key>``) and ``order`` (mechanisms step in increasing order, after
  combat, supply and cohesion; docs/ODD.md, section 3);
* ``Config``: its parameter schema, a dataclass whose numbers carry their bounds (:mod:`sim.schema`),
  with an ``enabled`` flag; the config layer builds ``mechanisms`` from every registered schema;
* :meth:`Mechanism.check`: the theatre references it needs (places, factions, patrons), checked only when it
  is enabled, raising :class:`sim.errors.ConfigError` with one line naming the key;
* :meth:`Mechanism.declare_outcomes` and :meth:`Mechanism.declare_series`: its outcomes (name, kind, value
  when switched off, unit, label) and series, whose names may be built from the theatre's data.

The model builds one object per enabled mechanism; one switched off is never built, and its contract
outcomes hold their ``off`` values. Modules here import neither Mesa nor numba at import time (the config
layer imports them to build the schema): heavy engines are imported when a mechanism is built.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from sim.model.model import ConflictModel
    from sim.theatre import Theatre

__all__ = ["KINDS", "Mechanism", "Outcome", "Series", "name_part", "registry"]

#: Kinds of outcome: ``day`` (a day number, NaN if the event never happened), ``number``, ``flag``
#: (true/false) and ``label`` (a string, e.g. a faction id).
KINDS = ("day", "number", "flag", "label")


def name_part(text: str, default: str) -> str:
    """Theatre text (a prefix, a region's name) as a safe part of a column name: letters, digits, ``_``."""
    return re.sub(r"\W+", "_", text).strip("_") or default


@dataclass(frozen=True)
class Outcome:
    """A per-run outcome (a column of ``runs.parquet``).

    Attributes:
        name: column name (built from theatre data where it names a place, faction or patron).
        kind: one of :data:`KINDS`.
        off: its value in a run where it was not set (mechanism switched off, failed run).
        unit: unit for tables and figures (``day``, ``km``, ``b/d``, ...).
        label: a short human label for reports.
        contract: a column of every run, also when the mechanism is switched off (with ``off``); a
            non-contract outcome is a column only in experiments where its mechanism is on.
        headline: summarised by quantiles in ``summary.json`` (``outcomes``) and the terminal table.
    """

    name: str
    kind: str
    off: Any = math.nan
    unit: str = ""
    label: str = ""
    contract: bool = True
    headline: bool = False


@dataclass(frozen=True)
class Series:
    """A per-day series (a variable of ``series.parquet``).

    Attributes:
        name: variable name.
        unit: unit for tables and figures.
        label: a short human label.
        contract: a variable of every run (NaN when its mechanism is off); otherwise only when it is on.
        fan: drawn by the report as a fan chart (its quantile bands by day).
    """

    name: str
    unit: str = ""
    label: str = ""
    contract: bool = False
    fan: bool = False


class Mechanism:
    """Base class: a mechanism's schema, declarations, state, daily step, series and outcomes."""

    #: config key: ``mechanisms.<key>`` and the module's name
    key: ClassVar[str] = ""
    #: mechanisms step in increasing ``order`` (a later one may read what earlier ones left)
    order: ClassVar[int] = 0
    #: parameter schema (a dataclass with ``enabled``)
    Config: ClassVar[type]

    def __init__(self, model: ConflictModel) -> None:
        """Attach to the model (the model owns the RNG: draw only from ``model.rng``)."""
        self.model = model
        self.params = getattr(model.params, self.key)

    # -- declarations (no model needed) -------------------------------------------------------------

    @classmethod
    def check(cls, params: Any, theatre: Theatre) -> None:
        """Refuse settings naming what the theatre lacks (called only when the mechanism is enabled).

        Raises:
            sim.errors.ConfigError: one line naming ``mechanisms.<key>.<field>`` and what is allowed.
        """

    @classmethod
    def declare_outcomes(cls, params: Any, theatre: Theatre) -> tuple[Outcome, ...]:
        """The outcomes this mechanism sets, in column order."""
        return ()

    @classmethod
    def declare_series(cls, params: Any, theatre: Theatre) -> tuple[Series, ...]:
        """The per-day series this mechanism records."""
        return ()

    # -- a run --------------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance the mechanism by one day (called after combat, supply and cohesion)."""

    def record(self, day: int) -> None:
        """Write this day's values of its series into ``model.series``."""

    def outcomes(self) -> dict[str, Any]:
        """Per-run outcomes this mechanism sets (the names it declares)."""
        return {}


@cache
def registry() -> tuple[type[Mechanism], ...]:
    """Every mechanism class of this package, in step order (each module's ``MECHANISM``)."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cls = getattr(module, "MECHANISM", None)
        if cls is None:
            continue
        if cls.key != info.name:
            raise RuntimeError(f"{module.__name__}: MECHANISM.key is {cls.key!r}, not its module name")
        found.append(cls)
    return tuple(sorted(found, key=lambda c: (c.order, c.key)))
