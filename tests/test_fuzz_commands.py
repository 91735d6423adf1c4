"""Fuzzing the analysis commands: generated bad inputs, each through ``sim.command.run_command``.

Bad YAML documents (resolutions for ``sim.score``, observations for ``sim.calibrate``, claims for
``sim.check_claims``: wrong types, NaN, inf, booleans, duplicates, missing fields, unknown ids and fields,
duplicate keys, cut-off text, huge lists) and damaged results folders (truncated, garbage, flipped bytes,
empty or missing files, for ``sim.report``, ``sim.score`` and ``sim.calibrate``). Every example must end
with exit code 2 and exactly one line on stderr starting ``error: `` (or exit code 0 when the input
happens to be valid), never a traceback, and a refusal writes nothing into the results folder. The
commands run in-process (``run_command`` raising ``SystemExit``); ``tests/test_commands.py`` runs them as
subprocesses. Examples: 100 per test in the full suite, 1,000 with ``-m slow`` (tests/conftest.py).
"""

import copy
import datetime as dt
import math
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from analysis_inputs import command, small_experiment, snapshot
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from sim import calibrate, check_claims, report, score

FUZZ = settings(  # each example runs a whole command: a quarter of the profile's examples
    max_examples=max(10, settings().max_examples // 4),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """A small finished experiment with uncertain parameters: 8 runs, 20 days from 2020-06-07."""
    return small_experiment(tmp_path_factory.mktemp("fuzz") / "exp", "uncertain=june2020")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-scratch")


def check(code: int, out: str, err: str, *, folder: Path | None = None, before: dict | None = None) -> None:
    """Exit 0, or exit 2 with exactly one ``error: `` line and nothing written; never a traceback."""
    event(f"exit {code}")
    assert "Traceback" not in out + err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1 and err.endswith("\n"), err
        if folder is not None:
            assert snapshot(folder) == before, "a refusal wrote into the results folder"


# -- values ------------------------------------------------------------------------------------------------

NOT_A_NUMBER = st.sampled_from([math.nan, math.inf, -math.inf, True, False, 10**400])
WEIRD = st.one_of(
    NOT_A_NUMBER,
    st.sampled_from([None, "", "abc", "1e400", "2020-13-45", [], {}]),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.dates().map(str),
)


YES_NO = ["gna_takes_sirte", "gna_takes_sirte_30", "gna_takes_jufra", "oil_above_500k", "tr_deal"]
NUMERIC = ["front_line_km", "oil_output", "fatalities"]
FINITE = st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-(10**6), 10**6)
DATES = st.dates(min_value=dt.date(2020, 6, 7), max_value=dt.date(2020, 6, 27))  # the experiment's days 0-20


@st.composite
def resolution(draw, question: str) -> dict:
    entry = {"question": question, "date": str(draw(DATES)), "source": draw(st.text(min_size=1, max_size=20))}
    if question in NUMERIC:
        return {**entry, "value": draw(FINITE)}
    base = {"base_rate": draw(st.floats(0, 1))} if draw(st.booleans()) else {}
    return {**entry, "outcome": draw(st.booleans()), **base}


@st.composite
def resolutions(draw) -> list:
    chosen = draw(st.lists(st.sampled_from(YES_NO + NUMERIC), min_size=1, max_size=6, unique=True))
    return [draw(resolution(q)) for q in chosen]


@st.composite
def observation(draw, oid: str) -> dict:
    date = draw(DATES)
    op = draw(st.sampled_from(["le", "ge", "near"]))
    value = draw(FINITE) if draw(st.booleans()) else {"le": 1e9, "ge": -1e9, "near": 0}[op]  # often matched
    entry = {"id": oid, "op": op, "value": value, "date": str(date), "source": "s"}
    if op == "near" or draw(st.booleans()):
        entry["tolerance"] = draw(st.sampled_from([1e12, 0])) if op == "near" else draw(st.floats(0, 1000))
    if draw(st.booleans()):
        outcome = draw(st.sampled_from(["front_km_final", "sirte_captured_day", "ceasefire_pretext"]))
        return {**entry, "outcome": outcome}
    entry["variable"] = draw(st.sampled_from(["front_km", "oil_output_bpd", "lna_cohesion"]))
    entry["stat"] = draw(st.sampled_from(["value", "min", "max", "mean", "range"]))
    if draw(st.booleans()):
        entry["since"] = str(draw(st.dates(min_value=date.replace(day=7), max_value=date)))
    return entry


@st.composite
def observations(draw) -> list:
    return [draw(observation(f"o{i}")) for i in range(draw(st.integers(1, 4)))]


CONDITIONS = st.sampled_from(
    [
        {"test": "held_by", "place": "sirte", "faction": "LNA"},
        {"test": "unit_at", "unit": "wagner", "place": "jufra"},
        {"test": "front_short_of", "place": "sirte", "km": 30},
        {"test": "producing", "system": "sharara"},
    ]
)


@st.composite
def claims(draw) -> list:
    out = []
    for i in range(draw(st.integers(1, 3))):
        first = draw(st.integers(0, 8))
        check = {
            "days": [first, draw(st.integers(first, 8))],
            "window": "the seed's words",
            "conditions": draw(st.lists(CONDITIONS, min_size=1, max_size=3)),
        }
        out.append({"id": f"c{i}", "claim": "text", "check": check})
    if draw(st.booleans()):
        out.append({"id": "no_check", "claim": "a claim without a check"})
    return out


UNKNOWN_IDS = {"question": "nope", "outcome": "nope", "variable": "nope", "place": "atlantis", "test": "nope"}


def _paths(x, prefix=()):
    """Every (path, value) inside nested dicts and lists."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield (*prefix, k), v
            yield from _paths(v, (*prefix, k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield (*prefix, i), v
            yield from _paths(v, (*prefix, i))


def _at(x, path):
    for p in path:
        x = x[p]
    return x


DEFECTS = ["none", "none", *["number"] * 3, "value", "drop", "unknown field", "twice", "unknown id", "huge"]


@st.composite
def mutated(draw, valid) -> list:
    """A valid entry list with at most one defect.

    The defect: a number made NaN, infinite, a boolean or too large; any value made odd; a field gone or
    unknown; an entry twice; an unknown id; or a huge list.
    """
    items = copy.deepcopy(draw(valid))  # never change what a strategy drew (it may be a shared constant)
    how = draw(st.sampled_from(DEFECTS))
    places = [p for p, _ in _paths(items) if len(p) > 1]
    numbers = [p for p, v in _paths(items) if isinstance(v, int | float) and not isinstance(v, bool)]
    if how == "number" and numbers:
        path = draw(st.sampled_from(numbers))
        _at(items, path[:-1])[path[-1]] = draw(NOT_A_NUMBER)
    elif how == "value" and places:
        path = draw(st.sampled_from(places))
        _at(items, path[:-1])[path[-1]] = copy.deepcopy(draw(WEIRD))
    elif how == "drop" and places:
        path = draw(st.sampled_from(places))
        parent = _at(items, path[:-1])
        if isinstance(parent, dict):
            del parent[path[-1]]
    elif how == "unknown field":
        mappings = [p for p, v in _paths(items) if isinstance(v, dict)]
        if mappings:
            _at(items, draw(st.sampled_from(mappings)))[draw(st.text(min_size=1, max_size=8))] = (
                copy.deepcopy(draw(WEIRD))
            )
    elif how == "twice":
        items.append(yaml.safe_load(yaml.safe_dump(draw(st.sampled_from(items)))))
    elif how == "unknown id":
        known = [p for p, v in _paths(items) if p[-1] in UNKNOWN_IDS]
        if known:
            path = draw(st.sampled_from(known))
            _at(items, path[:-1])[path[-1]] = UNKNOWN_IDS[path[-1]]
    elif how == "huge":
        first = items[0]
        copies = draw(st.sampled_from([200, 1000]))
        items = [{**first, "id": f"{first['id']}_{j}"} if "id" in first else first for j in range(copies)]
    event(f"defect: {how}")
    return items


@st.composite
def document(draw, key: str, items):
    """The YAML text of ``{key: items}``, maybe damaged as text (a key twice, cut off, junk, not a list)."""
    items = draw(items)
    doc = draw(st.sampled_from(["list"] * 8 + ["not a list", "other key"]))
    body = {key: items} if doc == "list" else ({key: draw(WEIRD)} if doc == "not a list" else {"x": items})
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
    how = draw(st.sampled_from(["as is"] * 7 + ["key twice", "cut", "junk"]))
    if how == "key twice" and "\n  " in text:
        lines = text.splitlines(keepends=True)
        i = draw(st.integers(0, len(lines) - 1))
        text = "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])  # a line twice: often a key twice
    elif how == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif how == "junk":
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.text(min_size=1, max_size=5)) + text[i:]
    return text


# -- the YAML inputs ---------------------------------------------------------------------------------------


@pytest.mark.fuzz
@FUZZ
@given(text=document("resolutions", mutated(resolutions())))
def test_score_refuses_bad_resolutions_in_one_line(experiment, scratch, capsys, text):
    work = Path(tempfile.mkdtemp(dir=scratch))
    path = work / "resolutions.yaml"
    path.write_text(text)
    before = snapshot(experiment)
    code, out, err = command(score.main, [experiment, path, "--out", work / "out"], capsys)
    check(code, out, err, folder=experiment, before=before)
    if code == 2:
        assert not (work / "out").exists()
    shutil.rmtree(work)


@pytest.mark.fuzz
@FUZZ
@given(text=document("observations", mutated(observations())))
def test_calibrate_refuses_bad_observations_in_one_line(experiment, scratch, capsys, text):
    work = Path(tempfile.mkdtemp(dir=scratch))
    path = work / "observations.yaml"
    path.write_text(text)
    before = snapshot(experiment)
    args = [path, "--name", "fuzz", "--results", experiment, "--config-dir", work / "configs"]
    code, out, err = command(calibrate.main, args, capsys)
    check(code, out, err, folder=experiment, before=before)
    if code == 2:
        assert not (work / "configs" / "calibrated" / "fuzz.yaml").exists()
    shutil.rmtree(work)


@pytest.mark.fuzz
@FUZZ
@given(text=document("claims", mutated(claims())))
def test_check_claims_refuses_bad_claims_in_one_line(scratch, capsys, text):
    work = Path(tempfile.mkdtemp(dir=scratch))
    path = work / "claims.yaml"
    path.write_text(text)
    args = ["--claims", path, "--out", work / "out.json", "mc.runs=2", "horizon_days=8", "executor=serial"]
    code, out, err = command(check_claims.main, args, capsys)
    check(code, out, err)
    if code == 2:
        assert not (work / "out.json").exists()
    shutil.rmtree(work)


# -- damaged results folders -------------------------------------------------------------------------------

FILES = ["runs.parquet", "series.parquet", "summary.json", ".hydra/config.yaml"]
RESOLUTION = {"question": "gna_takes_sirte", "outcome": False, "date": "2020-07-01", "source": "s"}
OBSERVATION = {
    "id": "o",
    "outcome": "front_km_final",
    "op": "ge",
    "value": 0,
    "date": "2020-06-20",
    "source": "s",
}


@st.composite
def damage(draw):
    """(file, how, argument): truncated, garbage, empty, missing, or bytes flipped."""
    name = draw(st.sampled_from(FILES))
    how = draw(st.sampled_from(["truncate", "garbage", "empty", "missing", "flip"]))
    if how == "truncate":
        return name, how, draw(st.floats(0, 0.999))
    if how == "garbage":
        return name, how, draw(st.binary(max_size=200))
    if how == "flip":
        return (
            name,
            how,
            draw(st.lists(st.tuples(st.floats(0, 0.999), st.integers(1, 255)), min_size=1, max_size=8)),
        )
    return name, how, None


def apply(folder: Path, name: str, how: str, arg) -> None:
    path = folder / name
    if how == "missing":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(arg)
    elif how == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * arg)])
    else:
        data = bytearray(path.read_bytes())
        for where, mask in arg:
            data[int(len(data) * where)] ^= mask
        path.write_bytes(bytes(data))


@pytest.mark.fuzz
@FUZZ
@given(harm=damage(), cmd=st.sampled_from(["score", "report", "calibrate"]))
@example(harm=("series.parquet", "flip", [(0.03, 193)]), cmd="report")  # readable, but day -1056964592
def test_a_damaged_results_folder_is_one_line_naming_the_file(experiment, scratch, capsys, harm, cmd):
    work = Path(tempfile.mkdtemp(dir=scratch))
    folder = Path(shutil.copytree(experiment, work / "exp"))
    apply(folder, *harm)
    before = snapshot(folder)
    resolutions = work / "r.yaml"
    resolutions.write_text(yaml.safe_dump({"resolutions": [RESOLUTION]}))
    observations = work / "o.yaml"
    observations.write_text(yaml.safe_dump({"observations": [OBSERVATION]}))
    args = {
        "score": (score.main, [folder, resolutions, "--out", work / "out"]),
        "report": (report.main, [folder, "--out", work / "out"]),
        "calibrate": (
            calibrate.main,
            [observations, "--name", "f", "--results", folder, "--config-dir", work],
        ),
    }
    main, argv = args[cmd]
    code, out, err = command(main, argv, capsys)
    check(code, out, err, folder=folder, before=before)
    if code == 2:
        assert str(folder) in err, err  # names the folder or its damaged file
    shutil.rmtree(work)
