"""``python -m sim --help``: a short page, from the config folder: scenarios, options, examples, where next.

Hydra's own help (``--hydra-help``) and the whole composed config (``--cfg job``) stay available; this page
is what an analyst needs first. The scenarios and the other groups' options are read from the config
folder (each file's first comment line, or a scenario's ``description``), so a new theatre or scenario
file shows up without code.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from sim.limits import clip

__all__ = ["help_text", "scenarios"]

GROUPS = ("theatre", "mc", "executor", "uncertain")


def help_text(config_dir: str | Path) -> str:
    """The page (plain text, about 50 lines)."""
    root = Path(config_dir)
    lines = [
        "usage: python -m sim [OVERRIDE ...] [-m] [--debug]",
        "",
        "Run a Monte Carlo experiment of a scenario and write its results folder (outputs/<date>/<time>:",
        "runs.parquet, series.parquet, summary.json, report.md). Every option is a Hydra override:",
        "key=value.",
        "",
        "Scenarios (scenario=NAME):",
    ]
    lines += [_entry(name, text) for name, text in scenarios(root / "scenario")]
    for group in GROUPS:
        options = _options(root / group)
        if options:
            lines += ["", f"{group}=NAME:"]
            lines += [_entry(name, text) for name, text in options]
    lines += [
        "",
        "Main options:",
        "  mc.runs=N            runs of the experiment (default 500; mc=smoke: 8)",
        "  horizon_days=N       days simulated from the theatre's start date (default 180)",
        "  mc.seed=N            the root seed (every run's seed derives from it)",
        "  executor.workers=N   worker processes (0: every usable core)",
        "  mc.design=NAME       with uncertain parameters: monte_carlo, lhs, sobol, morris",
        "  +questions.ID='{text: ..., outcome: ..., op: happened}'   ask a question of your own",
        "  -m KEY=A,B           a sweep: one experiment per value (multirun/<date>/<time>)",
        "",
        "Examples:",
        "  python -m sim scenario=combined mc.runs=1000",
        "  python -m sim -m scenario=baseline,eastern_unrest uncertain=decisions",
        "  python -m sim mc=smoke executor=serial mechanisms.combat.defender_bonus=1.2",
        "",
        "More:",
        "  python -m sim.params [GROUP]   parameters with default, allowed range, meaning and source",
        "  python -m sim --cfg job        the whole composed config;  --hydra-help: Hydra's own help",
        "  python -m sim.story RESULTS --run N   a run's story: its events, maps of the days that mattered",
        "  python -m sim.viz    the viewer in the browser: play a run, browse an experiment (viz extra)",
        "  python -m sim.report | sim.score | sim.forecast | sim.validate | sim.check_claims --help",
        "  README.md (how to), docs/ODD.md (the model, its sources and assumptions)",
    ]
    return "\n".join(lines)


NAME_WIDTH = 26  # a scenario's or option's name in the first column


def _entry(name: str, text: str) -> str:
    """``  name                 text``, the text wrapped under itself (at most three lines)."""
    lines = textwrap.wrap(clip(text, 240), 80) or [""]
    pad = " " * (NAME_WIDTH + 3)
    return "\n".join([f"  {clip(name, NAME_WIDTH):<{NAME_WIDTH}} {lines[0]}", *(pad + x for x in lines[1:])])


def scenarios(folder: Path) -> list[tuple[str, str]]:
    """Each scenario file's name and description."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            scenario = doc.get("scenario") or {}
            out.append((path.stem, " ".join(str(scenario.get("description") or "").split())))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError):
            out.append((path.stem, "(unreadable file)"))
    return out


def _options(folder: Path) -> list[tuple[str, str]]:
    """Each option of a config group, with the first line of its header comment."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        first = ""
        try:
            for line in path.read_text(encoding="utf-8").splitlines():
                text = line.lstrip("#").strip()
                if line.startswith("#") and text and not text.startswith("@package"):
                    first = text
                    break
        except (OSError, UnicodeDecodeError):
            first = "(unreadable file)"
        out.append((path.stem, first))
    return out
