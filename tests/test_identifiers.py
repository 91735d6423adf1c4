"""No theatre's names in Python: the ids of the theatre files are data, never code.

Every place, faction, patron, unit, oil system and city id of ``configs/theatre/*.yaml`` must not appear in
the code of ``sim/`` (comments and docstrings aside).

A name counts as appearing when its words (split on ``_``) occur as consecutive words of an identifier or
a string literal, case-insensitively: ``sirte_captured_day`` contains ``sirte``, ``gna`` contains ``GNA``;
``hundred`` does not contain ``hun``.
"""

import io
import re
import tokenize
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
THEATRES = sorted((ROOT / "configs" / "theatre").glob("*.yaml"))


def theatre_ids(path: Path) -> set[str]:
    """Every id a theatre file defines or names: places, factions, patrons, units, oil systems, cities."""
    doc = yaml.safe_load(path.read_text())
    th = doc.get("theatre", doc)
    ids = set(th["places"]) | set(th["factions"]) | set(th.get("patrons", {})) | set(th.get("units", {}))
    ids |= set(th.get("oil", {}).get("systems", {}))
    mech = doc.get("mechanisms", {})
    ids |= set(mech.get("unrest", {}).get("cities", []))
    for key in ("prefix", "region"):  # outcome-name prefixes of the theatre (tr_deal_day, east_govt_...)
        ids |= {m[key] for m in mech.values() if isinstance(m, dict) and key in m}
    return {i.lower() for i in ids}


def code_words(path: Path) -> list[tuple[int, list[str]]]:
    """(line, words) of every identifier and string literal that is not a docstring; comments skipped."""
    out = []
    previous = tokenize.NEWLINE
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if tok.type == tokenize.STRING and previous in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            previous = tok.type  # a docstring (a string standing alone as a statement)
            continue
        if tok.type in (tokenize.NAME, tokenize.STRING) or tok.type == getattr(
            tokenize, "FSTRING_MIDDLE", -1
        ):
            words = [w.lower() for w in re.split(r"[^A-Za-z0-9]+|_", tok.string) if w]
            out.append((tok.start[0], words))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok.type
    return out


def contains(words: list[str], name: list[str]) -> bool:
    n = len(name)
    return any(words[i : i + n] == name for i in range(len(words) - n + 1))


@pytest.mark.parametrize("theatre", THEATRES, ids=lambda p: p.stem)
def test_no_theatre_name_in_the_code(theatre):
    names = {i: i.split("_") for i in theatre_ids(theatre)}
    assert len(names) > 20  # the test reads the file it means to
    found = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        for line, words in code_words(path):
            found += [f"{path.relative_to(ROOT)}:{line}: {i}" for i, n in names.items() if contains(words, n)]
    assert not found, "theatre names in the code:\n" + "\n".join(found)


def test_the_check_sees_a_name(tmp_path):
    """The scanner finds a name in code and ignores the same name in comments and docstrings."""
    src = 'def f():\n    """About sirte."""\n    x = "sirte_captured_day"  # sirte\n    return gna_strength\n'
    tmp = tmp_path / "example.py"
    tmp.write_text(src)
    words = [w for _, ws in code_words(tmp) for w in ws]
    assert contains(words, ["sirte"]) and contains(words, ["gna"])
    assert words.count("sirte") == 1  # the docstring and the comment are not code
    assert not contains(["hundred"], ["hun"])
