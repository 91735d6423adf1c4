"""The model's parameters, with default, allowed range, meaning and source: ``python -m sim.params``.

::

    python -m sim.params                        # the groups, with how many parameters each holds
    python -m sim.params combat                 # every parameter of mechanisms.combat
    python -m sim.params mechanisms.oil.ramp_days scenario=combined

The values are those of the composed config (the baseline, or the overrides given: a scenario shows its
own values). The allowed range or options come from the schema (``sim/config.py`` and the mechanisms'
modules); the meaning and the source from the parameter tables of ``docs/ODD.md`` (§7), else from the
comment beside the field in the schema; the ranges the ensemble may sample from ``configs/uncertain/``.
The theatre (places, units, patrons) is data, not parameters: see its file in ``configs/theatre/``.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.command import ArgumentParser, run_command
from sim.config import ConfigError
from sim.limits import clip

__all__ = ["main", "parameters"]

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
SKIPPED = ("theatre", "questions", "uncertain", "calibrated", "scenario")  # data and lists, not parameters


def parameters(config: Any) -> list[dict[str, Any]]:
    """Every scalar parameter of a typed config: key, value, allowed range or options, comment."""
    out: list[dict[str, Any]] = []
    _walk(config, "", out)
    return out


def _walk(node: Any, prefix: str, out: list[dict[str, Any]]) -> None:
    comments = _comments(type(node))
    for f in dataclasses.fields(node):
        key = f"{prefix}{f.name}"
        if not prefix and f.name in SKIPPED:
            continue
        value = getattr(node, f.name)
        if dataclasses.is_dataclass(value):
            _walk(value, f"{key}.", out)
        elif not isinstance(value, dict):
            out.append(
                {
                    "key": key,
                    "value": value,
                    "allowed": _allowed(f, value),
                    "comment": comments.get(f.name, ""),
                }
            )


def _allowed(f: dataclasses.Field, value: Any) -> str:
    if "choices" in f.metadata:
        return "one of " + ", ".join(f.metadata["choices"])
    if "range" in f.metadata:
        lo, hi, lo_open = f.metadata["range"]
        left = "(" if lo_open else "["
        return f"{left}{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"
    return "true or false" if isinstance(value, bool) else ""


def _comments(cls: type) -> dict[str, str]:
    """The comment block above each field of a dataclass, and the one at the end of its line."""
    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return {}
    out, block = {}, []
    for line in lines:
        text = line.strip()
        if text.startswith("#"):
            block.append(text.lstrip("# "))
            continue
        m = re.match(r"(\w+)\s*:", text)
        if m:
            trailing = text.split("  # ", 1)[1] if "  # " in text else ""
            out[m.group(1)] = " ".join([*block, trailing]).strip()
        block = []
    return out


def odd_rows(path: Path = ODD) -> dict[str, tuple[str, str]]:
    """Parameter key -> (meaning, source) from the tables of ``docs/ODD.md`` (``…x`` keys expanded)."""
    if not path.is_file():
        return {}
    out, last = {}, ""
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        for key in re.findall(r"`([^`]+)`", cells[0]):  # one key or several: `…a`, `…b`
            if key.startswith("…"):
                key = last.rpartition(".")[0] + "." + key.lstrip("…").lstrip(".")
            if "." not in key or not key.startswith(("mechanisms.", "mc.", "executor.", "analysis.")):
                continue
            last = key
            out[key] = (cells[2], cells[3])
    return out


def sampled(folder: Path) -> dict[str, list[str]]:
    """Parameter key -> how each ``configs/uncertain/<group>`` file samples it."""
    out: dict[str, list[str]] = {}

    def flat(node: Any, prefix: str, group: str) -> None:
        if isinstance(node, dict) and "dist" in node:
            shown = ", ".join(f"{k} {v}" for k, v in node.items() if k != "dist")
            out.setdefault(prefix, []).append(f"{node['dist']} ({shown}) in uncertain={group}")
        elif isinstance(node, dict):
            for k, v in node.items():
                flat(v, f"{prefix}.{k}" if prefix else str(k), group)

    for path in sorted(folder.glob("*.yaml")):
        try:
            flat(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, "", path.stem)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.params [GROUP] [overrides...]``; returns the exit code.

    Raises:
        sim.errors.UserError: an unknown group or a bad override (one line; exit 2).
    """
    ap = ArgumentParser(prog="python -m sim.params", description=__doc__.splitlines()[0])
    ap.add_argument("args", nargs="*", help="a group or key (e.g. combat, mechanisms.oil) and overrides")
    args = ap.parse_args(argv)
    group = next((a for a in args.args if "=" not in a), None)
    overrides = [a for a in args.args if "=" in a]
    from sim.runner.compose import CONFIG_DIR, compose
    from sim.runner.experiment import to_config

    rows = parameters(to_config(compose(overrides)))
    groups: dict[str, int] = {}
    for r in rows:
        parts = r["key"].split(".")
        g = ".".join(parts[:2]) if parts[0] == "mechanisms" else parts[0] if len(parts) > 1 else "(top level)"
        groups[g] = groups.get(g, 0) + 1
    if group is None:
        print("Parameter groups (python -m sim.params GROUP lists one; a mechanism's name is enough):")
        for g, n in groups.items():
            print(f"  {g:<32} {n:>3} parameter{'s' if n != 1 else ''}")
        return 0
    wanted = [r for r in rows if _matches(r["key"], group)]
    if not wanted:
        raise ConfigError(f"group: {group!r} names no parameter; allowed: {', '.join(groups)} or a key")
    docs, ranges = odd_rows(), sampled(Path(CONFIG_DIR) / "uncertain")
    for r in wanted:
        meaning, source = docs.get(r["key"], ("", ""))
        head = f"{r['key']} = {_value(r['value'])}"
        print(head + (f"   allowed {r['allowed']}" if r["allowed"] else ""))
        for label, text in (("meaning", meaning), ("source", source or r["comment"])):
            if text and text != "—":
                print(f"    {label}: {clip(text, 400)}")
        for how in ranges.get(r["key"], []):
            print(f"    sampled: {how}")
    print(f"({len(wanted)} parameters; meanings and sources: docs/ODD.md section 7)")
    return 0


def _matches(key: str, group: str) -> bool:
    return key == group or key.startswith(group + ".") or key.startswith(f"mechanisms.{group}.")


def _value(v: Any) -> str:
    return (
        "null"
        if v is None
        else str(v).lower()
        if isinstance(v, bool)
        else f"{v!r}"
        if isinstance(v, str)
        else f"{v:g}"
        if isinstance(v, float)
        else str(v)
    )


if __name__ == "__main__":
    run_command(main)
