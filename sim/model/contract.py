"""What a run produces: its outcomes and series, from the mechanisms' declarations and the theatre.

The declarations are those of :mod:`sim.model.mechanisms`. The runner's results frame, the
questions' checks and the summary take their lists from here, never from a fixed list of names: a
theatre's place, faction and patron ids become outcome and series names (``<place>_captured_day``,
``<faction>_strength``, ``<patron>_intervened_day``). Light: no Mesa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.model.mechanisms import Outcome, Series, registry

if TYPE_CHECKING:
    from sim.theatre import Theatre

__all__ = [
    "check_mechanisms",
    "core_outcomes",
    "describe_outcomes",
    "describe_series",
    "empty_outcomes",
    "outcomes_of",
    "series_of",
    "switched_on",
]


def switched_on(mechanisms: Any) -> list[type]:
    """The registered mechanism classes enabled in ``mechanisms`` (``cfg.mechanisms``), in step order."""
    return [cls for cls in registry() if getattr(mechanisms, cls.key).enabled]


def check_mechanisms(mechanisms: Any, theatre: Theatre) -> None:
    """Each enabled mechanism checks the theatre references it needs (one-line ConfigError)."""
    for cls in switched_on(mechanisms):
        cls.check(getattr(mechanisms, cls.key), theatre)


def interveners(theatre: Theatre) -> list[str]:
    """Patrons with standby forces (assets or units) they can commit by intervening."""
    standby = {u.standby for u in theatre.units.values() if u.standby is not None}
    return [pid for pid, p in theatre.patrons.items() if p.standby_assets or pid in standby]


def core_outcomes(theatre: Theatre) -> tuple[Outcome, ...]:
    """Outcomes of the core model (movement, combat, patrons), whatever mechanisms are on."""
    out = [
        Outcome(
            f"{p}_captured_day", "day", unit="day", label=f"{theatre.places[p].name} captured", headline=True
        )
        for p in theatre.watch_places
    ]
    out.append(
        Outcome(
            "front_km_final",
            "number",
            unit=_front_unit(theatre),
            label="Front line at the horizon",
            headline=True,
        )
    )
    out += [
        Outcome(f"{pid}_intervened_day", "day", unit="day", label=f"{theatre.patrons[pid].name} intervened")
        for pid in interveners(theatre)
    ]
    out.append(Outcome("fatalities_total", "number", unit="killed", label="Fatalities", headline=True))
    return tuple(out)


def holder_outcomes(theatre: Theatre) -> tuple[Outcome, ...]:
    """Who holds each place at the horizon (the report's map); not set in a failed run."""
    return tuple(
        Outcome(
            f"holder_{pid}", "label", off="", label=f"Holder of {theatre.places[pid].name}", contract=False
        )
        for pid in theatre.place_ids
    )


def outcomes_of(mechanisms: Any, theatre: Theatre) -> tuple[Outcome, ...]:
    """Every outcome column of a run, in order: the core's, each mechanism's, the place holders.

    A mechanism switched off contributes only its contract outcomes (which then hold their ``off``
    value); one switched on contributes all it declares.
    """
    out = list(core_outcomes(theatre))
    for cls in registry():
        params = getattr(mechanisms, cls.key)
        out += [o for o in cls.declare_outcomes(params, theatre) if params.enabled or o.contract]
    return (*out, *holder_outcomes(theatre))


def describe_outcomes(mechanisms: Any, theatre: Theatre) -> dict[str, dict[str, Any]]:
    """Every outcome column as plain data (``summary.json``'s ``columns``): kind, unit, label, headline."""
    return {
        o.name: {"kind": o.kind, "unit": o.unit, "label": o.label, "headline": o.headline}
        for o in outcomes_of(mechanisms, theatre)
        if not o.name.startswith("holder_")
    }


def empty_outcomes(mechanisms: Any, theatre: Theatre) -> dict[str, Any]:
    """Outcomes of a run in which nothing was set (a failed run): each contract outcome's ``off`` value."""
    return {o.name: o.off for o in outcomes_of(mechanisms, theatre) if o.contract}


def core_series(theatre: Theatre) -> tuple[Series, ...]:
    """Series of the core model: front line, factions' strength and cohesion, fatalities, patrons' escalation.

    The report draws the front line and the cohesion of each faction but the front faction (whose
    advance the front line measures) as fan charts.
    """
    factions = theatre.factions.values()
    out = [Series("front_km", _front_unit(theatre), "Front line", contract=True, fan=True)]
    out += [Series(f"{f.id.lower()}_strength", "personnel", f"{f.label} strength", True) for f in factions]
    out += [
        Series(
            f"{f.id.lower()}_cohesion",
            "0-1",
            f"{f.label} cohesion",
            contract=True,
            fan=f.id != theatre.front_faction,
        )
        for f in factions
    ]
    out.append(Series("fatalities_cum", "killed", "Fatalities (cumulative)", contract=True))
    patrons = theatre.patrons.items()
    out += [Series(f"{k}_escalation", "0-1", f"{p.name} escalation", contract=True) for k, p in patrons]
    return tuple(out)


def _front_unit(theatre: Theatre) -> str:
    """``km from <the place at coastal km 0>``, or ``km`` when no place is there."""
    at_zero = [p for p, km in theatre.coastal_km.items() if km == 0]
    return f"km from {theatre.places[at_zero[0]].name}" if at_zero else "km"


def series_of(mechanisms: Any, theatre: Theatre) -> tuple[Series, ...]:
    """Every series variable of a run: the core's, then each mechanism's (contract ones also when off)."""
    out = list(core_series(theatre))
    for cls in registry():
        params = getattr(mechanisms, cls.key)
        out += [s for s in cls.declare_series(params, theatre) if params.enabled or s.contract]
    seen: dict[str, Series] = {}
    for s in out:
        seen.setdefault(s.name, s)
    return tuple(seen.values())


def describe_series(mechanisms: Any, theatre: Theatre) -> dict[str, dict[str, Any]]:
    """Every series variable as plain data (``summary.json``'s ``series``): unit, label, fan."""
    return {s.name: {"unit": s.unit, "label": s.label, "fan": s.fan} for s in series_of(mechanisms, theatre)}
