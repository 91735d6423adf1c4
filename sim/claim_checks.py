"""The checks of a claims file: read and validated against an experiment, tested on a model, judged.

A claim's ``check`` (format in :mod:`sim.check_claims`) holds conditions on the model's state over a window
of days, how the claim reads (``expect``: a fact of the seed, or an analyst's expectation that something
is likely, unlikely or possible) and why the window is what it is (``window``: the seed's words, quoted, or
a dated source). :func:`load_checks` validates a file; :func:`holds` tests one condition on a model;
:func:`verdict` judges the share of runs reproducing a claim against what it expects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.config import ConfigError, read_entries
from sim.inputs import finite_number, once, show
from sim.limits import clip, listing

__all__ = ["CHECK_FIELDS", "EXPECT", "OUTCOME_OPS", "TESTS", "WHEN", "holds", "load_checks", "verdict"]

CHECK_FIELDS = ("what", "days", "conditions", "when", "expect", "window", "requires")
#: test -> its arguments (``value`` of ``outcome`` only with gt and lt)
TESTS: dict[str, tuple[str, ...]] = {
    "held_by": ("place", "faction"),
    "unit_at": ("unit", "place"),
    "front_short_of": ("place", "km"),
    "producing": ("system",),
    "escalates": ("patron",),
    "outcome": ("outcome", "op"),
}
OUTCOME_OPS = ("happened", "not_happened", "gt", "lt")
#: every day: the conditions hold on each day of the window; some day: on at least one
WHEN = ("every day", "some day")
#: how a claim reads -> (side, share of runs). Thresholds from the Intelligence Community's words of
#: likelihood (ICD 203, 2015: "likely" 55-80 %, "unlikely" 20-45 %, "almost no chance" 1-5 %): a fact of
#: the seed or a likely event needs at least 55 % of the runs, an unlikely one at most 45 %, a possible one
#: (an analyst's "possibility", "may") at least 5 % (more than almost no chance).
EXPECT: dict[str, tuple[str, float]] = {
    "fact": ("at least", 0.55),
    "likely": ("at least", 0.55),
    "unlikely": ("at most", 0.45),
    "possible": ("at least", 0.05),
}


def load_checks(path: str | Path, exp: Any) -> list[dict[str, Any]]:
    """The checks of the claims file, validated against the experiment's theatre and mechanisms.

    Returns:
        One dict per checked claim: ``id``, ``claim``, ``what``, ``days`` (first, last), ``conditions``,
        ``when``, ``expect``, ``window``, ``motivates`` and ``needs`` (the mechanisms switched off in this
        experiment that its outcomes, or its ``requires``, need: the claim is not checked then).

    Raises:
        ConfigError: one line naming ``FILE: claims[i].check...`` and what is allowed; a claim id given
            twice is refused too.
    """
    from sim.model.contract import core_outcomes, registry

    claims = read_entries(path, "claims", non_empty=False)
    th = exp.theatre
    mech = exp.config.mechanisms
    outcomes = {o.name: None for o in core_outcomes(th)}
    for cls in registry():
        for o in cls.declare_outcomes(getattr(mech, cls.key), th):
            outcomes.setdefault(o.name, None if getattr(mech, cls.key).enabled else cls.key)
    names = {"place": sorted(th.places), "faction": sorted(th.factions), "unit": sorted(th.units),
             "system": sorted(th.oil_systems), "patron": sorted(th.patrons),
             "outcome": sorted(outcomes)}  # fmt: skip
    out, ids = [], {}
    for i, c in enumerate(claims):
        entry = f"claims[{i}]"
        if not isinstance(c, dict):
            raise ConfigError(f"{path}: {entry}: got {show(c)}; allowed: a mapping with id, claim, check")
        if "id" in c:
            if not isinstance(c["id"], str) or not c["id"].strip():
                raise ConfigError(
                    f"{path}: {entry}.id: got {show(c['id'])}; allowed: a unique non-empty name"
                )
            once(ids, c["id"], f"{path}: {entry}.id", entry, ConfigError)
        for field in ("claim", "what"):
            if field in c and not isinstance(c[field], str):
                raise ConfigError(f"{path}: {entry}.{field}: got {show(c[field])}; allowed: text")
        spec = c.get("check")
        if spec is None:
            continue
        key = f"{path}: {entry}.check"
        check = _check(spec, c, c.get("id", entry), key, names, exp.config.horizon_days, th)
        needs = {outcomes[x["outcome"]] for x in check["conditions"] if x["test"] == "outcome"} - {None}
        needs |= {k for k in _requires(spec, key, mech) if not getattr(mech, k).enabled}
        out.append(check | {"needs": sorted(needs)})
    if not out:
        raise ConfigError(f"{path}: no claim has a check")
    return out


def _requires(spec: dict[str, Any], key: str, mech: Any) -> list[str]:
    """The mechanisms a check needs switched on (``requires``, as a question's), checked to exist."""
    from sim.model.contract import registry

    keys = [cls.key for cls in registry()]
    req = spec.get("requires", [])
    if not isinstance(req, list) or not all(isinstance(k, str) and k in keys for k in req):
        raise ConfigError(
            f"{key}.requires: got {show(req)}; allowed: a list of mechanisms of {', '.join(keys)}"
        )
    return req


def _check(
    spec: Any, claim: dict[str, Any], cid: str, key: str, names: dict[str, list[str]], horizon: int, th: Any
) -> dict[str, Any]:
    """One claim's check, validated (see :func:`load_checks`)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("conditions"), list) or not spec["conditions"]:
        raise ConfigError(
            f"{key}: expected a mapping with what, days, window and a non-empty list of conditions"
        )
    extra = [f for f in spec if f not in CHECK_FIELDS]
    if extra:
        raise ConfigError(f"{key}.{clip(extra[0], 40)}: unknown field; allowed: {', '.join(CHECK_FIELDS)}")
    for field in ("what", "window"):
        if not isinstance(spec.get(field, ""), str):
            raise ConfigError(f"{key}.{field}: got {show(spec[field])}; allowed: text")
    if not str(spec.get("window") or "").strip():
        raise ConfigError(
            f"{key}.window: missing; say why the window is what it is (the seed's words, quoted)"
        )
    for field, allowed in (("when", WHEN), ("expect", tuple(EXPECT))):
        if field in spec and spec[field] not in allowed:
            raise ConfigError(f"{key}.{field}: got {show(spec[field])}; allowed: {', '.join(allowed)}")
    days = _days(spec.get("days"), key, horizon)
    for j, cond in enumerate(spec["conditions"]):
        _condition(cond, f"{key}.conditions[{j}]", names, th)
    return {
        "id": cid,
        "claim": " ".join(str(claim.get("claim", "")).split()),
        "what": str(spec.get("what") or cid),
        "days": days,
        "conditions": [dict(x) for x in spec["conditions"]],
        "when": spec.get("when", "every day"),
        "expect": spec.get("expect", "fact"),
        "window": " ".join(spec["window"].split()),
        "motivates": claim.get("motivates"),
    }


def _days(days: Any, key: str, horizon: int) -> tuple[int, int]:
    """``[first, last]``, last a day or ``horizon`` (the experiment's last day)."""
    if isinstance(days, list) and len(days) == 2 and days[1] == "horizon":
        days = [days[0], horizon]
    if (
        not isinstance(days, list)
        or len(days) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
        or not 0 <= days[0] <= days[1] <= horizon
    ):
        raise ConfigError(
            f"{key}.days: got {show(days)}; allowed: [first, last] with 0 <= first <= last <= {horizon}"
            " (last may be 'horizon')"
        )
    return days[0], days[1]


def _condition(cond: Any, where: str, names: dict[str, list[str]], th: Any) -> None:
    """One condition: a known test with its arguments, each a known name or a number."""
    test = cond.get("test") if isinstance(cond, dict) else None
    if not isinstance(test, str) or test not in TESTS:
        raise ConfigError(f"{where}.test: got {show(test)}; allowed: {', '.join(TESTS)}")
    args = TESTS[test] + (("value",) if test == "outcome" and cond.get("op") in ("gt", "lt") else ())
    extra = [f for f in cond if f != "test" and f not in args]
    if extra:
        raise ConfigError(f"{where}.{clip(extra[0], 40)}: unknown field; {test} takes {', '.join(args)}")
    for arg in args:
        if arg not in cond:
            raise ConfigError(f"{where}.{arg}: missing; {test} takes {', '.join(args)}")
        if arg in ("km", "value"):
            finite_number(cond[arg], f"{where}.{arg}", ConfigError, low=0 if arg == "km" else None)
        elif arg == "op":
            if cond[arg] not in OUTCOME_OPS:
                raise ConfigError(f"{where}.op: got {show(cond[arg])}; allowed: {', '.join(OUTCOME_OPS)}")
        elif not isinstance(cond[arg], str) or cond[arg] not in names[arg]:
            raise ConfigError(f"{where}.{arg}: got {show(cond[arg])}; allowed: {listing(names[arg])}")
    if test == "front_short_of" and cond["place"] not in th.coastal_km:
        raise ConfigError(f"{where}.place: {cond['place']!r} is not on the coastal road")


def holds(model: Any, cond: Mapping[str, Any], start: Mapping[str, float]) -> bool:
    """Whether one condition holds in the model's state (``start``: each patron's day-0 escalation)."""
    th = model.theatre
    test = cond["test"]
    if test == "held_by":
        return model.control[th.index(cond["place"])] == cond["faction"]
    if test == "unit_at":
        u = model.unit_by_key.get(cond["unit"])
        return u is not None and u.dest < 0 and u.node == th.index(cond["place"])
    if test == "front_short_of":
        gap = th.coastal_km[cond["place"]] - model.front_km()
        return not math.isnan(gap) and 0 <= gap <= cond["km"]
    if test == "escalates":
        return model.escalation[cond["patron"]] > start[cond["patron"]]
    if test == "outcome":
        x = model.outcomes().get(cond["outcome"])
        happened = x is not None and not (isinstance(x, float) and math.isnan(x))
        if cond["op"] in ("happened", "not_happened"):
            return happened == (cond["op"] == "happened")
        return happened and (x > cond["value"] if cond["op"] == "gt" else x < cond["value"])
    from sim.model.mechanisms.oil import OilEconomy

    oil = model.mechanism(OilEconomy)
    return oil is not None and oil.level[cond["system"]] > 0


def verdict(expect: str, low: float, high: float) -> str:
    """``reproduced``, ``not reproduced`` or ``not resolved``: the share's interval against the claim."""
    side, threshold = EXPECT[expect]
    if side == "at least":
        return "reproduced" if low >= threshold else "not reproduced" if high < threshold else "not resolved"
    return "reproduced" if high <= threshold else "not reproduced" if low > threshold else "not resolved"
