"""What an experiment assumes, recorded for its report: ``summary.json``'s ``scenario``.

Its scenario's name and description, the mechanisms switched on, every value that differs from the
theatre's baseline (the same theatre, chosen by the command line or by the scenario file, composed with no
other override: the scenario file's and the command line's changes), the parameters the runs sample with
their distributions, a calibrated posterior, and the answers the scenario fixes (``scenario.assumes``). The
report opens each experiment with it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["MAX_DIFFERENCES", "scenario_record"]

MAX_DIFFERENCES = 200  # values recorded as differing from the baseline (the count is kept)
COMPARED = ("horizon_days", "mechanisms", "theatre")  # what the model is; not mc, executor or analysis


def scenario_record(exp: Any) -> dict[str, Any]:
    """The record (see the module docstring); ``baseline`` false when the baseline could not be composed."""
    from sim.runner.compose import compose
    from sim.runner.experiment import to_config

    c = exp.config
    try:  # the theatre the experiment ran, whether the command line or the scenario file chose it
        base = to_config(compose([f"theatre={c.theatre.name}"]))
    except Exception:  # the record is a courtesy: a baseline that does not compose is said, not raised
        base = None
    differs: list[dict[str, Any]] = []
    if base is not None:
        mine, theirs = dataclasses.asdict(c), dataclasses.asdict(base)
        for part in COMPARED:
            _diff(mine.get(part), theirs.get(part), part, differs)
    return {
        "name": c.scenario.name,
        "description": c.scenario.description,
        "mechanisms_on": sorted(exp.mechanisms_on),
        "baseline": base is not None,
        "differs": differs[:MAX_DIFFERENCES],
        "differs_total": len(differs),
        "sampled": [{"key": p.key, **dict(p.spec)} for p in exp.uncertain],
        "posterior": c.calibrated.name or None,
        "assumes": dict(c.scenario.assumes),
    }


def _diff(a: Any, b: Any, key: str, out: list[dict[str, Any]]) -> None:
    """Each leaf of ``a`` that differs from ``b``'s (a key only one of them has counts too)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in dict.fromkeys([*a, *b]):
            _diff(a.get(k), b.get(k), f"{key}.{k}", out)
    elif a != b:
        out.append({"key": key, "value": _plain(a), "baseline": _plain(b)})


def _plain(x: Any) -> Any:
    """A value as JSON holds it (lists and mappings shortened to their text past 200 characters)."""
    if isinstance(x, list | tuple | dict):
        text = str(x)
        return text if len(text) > 200 else x
    return x
