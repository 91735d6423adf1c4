"""The layers: figures and analysis read results only, and name no theatre."""

import ast
import re
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
#: what the figures (sim.plots) and the analysis (sim.analysis, the report) must not import
RUNNING = (
    "sim.model",
    "sim.runner.runs",
    "sim.runner.experiment",
    "sim.cli",
    "sim.runner.executors",
    "sim.runner.workers",
    "sim.config",
)
#: names of the first theatre's factions, places and powers (whole words, or parts of column names)
THEATRE_WORDS = "|".join(
    [
        *(r"\bgna\b", r"\blna\b", r"\buae\b", "gna_", "lna_", "_gna", "_lna", "sirte", "jufra", "egypt"),
        *("turkey", "russia", "wagner", "benghazi", "tripoli", "misrata", "libya"),
    ]
)


def modules(*parts: str) -> list[Path]:
    out = []
    for part in parts:
        path = SIM / part
        out += sorted(path.glob("*.py")) if path.is_dir() else [path]
    return out


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


@pytest.mark.parametrize(
    "path",
    modules("plots", "analysis", "figures.py", "report.py"),
    ids=lambda p: p.relative_to(SIM).as_posix(),
)
def test_figures_and_analysis_import_nothing_that_runs_the_model(path):
    bad = sorted(m for m in imported(path) if m.startswith(RUNNING))
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize(
    "path",
    modules("plots", "analysis", "figures.py", "report.py"),
    ids=lambda p: p.relative_to(SIM).as_posix(),
)
def test_figures_and_report_name_no_theatre(path):
    text = path.read_text(encoding="utf-8")
    found = [m.group(0) for m in re.finditer(THEATRE_WORDS, text, flags=re.IGNORECASE)]
    assert not found, f"{path.name} names {found}"
