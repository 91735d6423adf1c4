"""Every ASSUMPTION of the decision layer has an uncertain range (issue 15, docs/ODD.md 4.1).

A number of the decision layer whose comment says ``ASSUMPTION`` (on its line or in the comment lines
just above it) must appear in ``configs/uncertain/decisions.yaml``, so an experiment shows how much the
answers lean on it. Theatre data (which places, patrons, cities) and switches are not numbers of the layer.
"""

import inspect
import re
from pathlib import Path

import pytest
import yaml

from sim.config import OffensivesConfig, PatronSupportConfig
from sim.model.mechanisms import registry

ROOT = Path(__file__).resolve().parent.parent
DECISIONS = ROOT / "configs" / "uncertain" / "decisions.yaml"
CORE = {"offensives": OffensivesConfig, "patron_support": PatronSupportConfig}
LAYER = {**CORE, **{m.key: m.Config for m in registry()}}


def assumed_fields(cls: type) -> list[str]:
    """Fields of a dataclass whose own comment, or the comment block right above, says ASSUMPTION."""
    lines, _ = inspect.getsourcelines(cls)
    out, comment = [], []
    for line in lines:
        text = line.strip()
        if text.startswith("#"):
            comment.append(text)
            continue
        m = re.match(r"(\w+)\s*:\s*(int|float)\s*=", text)
        if m and not text.startswith(("def ", "class ", '"""')):
            own = text.split("#", 1)[1] if "#" in text else ""
            if "ASSUMPTION" in own or any("ASSUMPTION" in c for c in comment):
                out.append(m.group(1))
        comment = []
    return out


def ranged(key: str) -> set[str]:
    doc = yaml.safe_load(DECISIONS.read_text())
    return set(((doc or {}).get("mechanisms") or {}).get(key) or {})


@pytest.mark.parametrize("key", sorted(LAYER))
def test_every_assumption_of_the_decision_layer_has_a_range(key):
    missing = sorted(set(assumed_fields(LAYER[key])) - ranged(key))
    assert not missing, f"mechanisms.{key}: ASSUMPTION without a range in {DECISIONS.name}: {missing}"


def test_the_ranges_name_real_parameters():
    for key, cls in LAYER.items():
        unknown = ranged(key) - set(cls.__dataclass_fields__)
        assert not unknown, f"mechanisms.{key}: {sorted(unknown)} are not parameters"
