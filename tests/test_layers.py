"""Figures, analysis and the report name no theatre (their imports: ``tests/test_architecture.py``)."""

import re
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
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


@pytest.mark.parametrize(
    "path",
    modules("plots", "analysis", "figures.py", "report.py"),
    ids=lambda p: p.relative_to(SIM).as_posix(),
)
def test_figures_and_report_name_no_theatre(path):
    text = path.read_text(encoding="utf-8")
    found = [m.group(0) for m in re.finditer(THEATRE_WORDS, text, flags=re.IGNORECASE)]
    assert not found, f"{path.name} names {found}"
