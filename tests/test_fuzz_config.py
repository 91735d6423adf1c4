"""Config fuzzing: generated bad overrides, each through the CLI's checks (``sim.cli.preflight``).

Every bad override must end in one line that names the key and what is allowed (a ``ConfigError``,
which ``python -m sim`` prints as ``error: ...`` with exit code 2), never another exception (which
would reach the user as a traceback), and nothing may be written to the results folder. The example
count comes from the Hypothesis profile (tests/conftest.py): 100 in the full suite, 1,000 when the
slow marker runs on its own (``pytest -m slow``, ``make test-slow``).
"""

import dataclasses
import math
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import preflight
from sim.config import Config, ConfigError, MechanismsConfig
from sim.runner.uncertainty import DISTRIBUTIONS


def _leaves(cls, prefix):
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key, tp = f"{prefix}.{f.name}" if prefix else f.name, hints[f.name]
        if dataclasses.is_dataclass(tp):
            yield from _leaves(tp, key)
        elif tp in (int, float, bool, str):
            yield key, tp, f.metadata


SKIP = ("theatre", "uncertain", "questions", "calibrated", "scenario.", "executor.address")
LEAVES = [leaf for leaf in _leaves(Config, "") if not leaf[0].startswith(SKIP)]
RANGED = [(k, tp, m["range"]) for k, tp, m in LEAVES if "range" in m and tp in (int, float)]
NUMERIC = [(k, tp) for k, tp, _ in LEAVES if tp in (int, float)]
CHOICE = [(k, m["choices"]) for k, _, m in LEAVES if "choices" in m]
BOOLS = [k for k, tp, _ in LEAVES if tp is bool]
GROUPS = ("scenario", "theatre", "mc", "executor", "uncertain", "questions")
PROBS = [k for k, tp, (lo, hi, _) in RANGED if (lo, hi) == (0.0, 1.0) and k.startswith("mechanisms.")]
MECH = [f.name for f in dataclasses.fields(MechanismsConfig)]

ident = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
junk = st.sampled_from(["abc", "[1, 2]", "{a: 1}", "''", "x y", "1.2.3", "--", "None?", "é", "0x1g"])


@st.composite
def out_of_range(draw):
    key, tp, (lo, hi, lo_open) = draw(st.sampled_from(RANGED))
    sides = [s for s, b in (("lo", lo), ("hi", hi)) if b is not None]
    side = draw(st.sampled_from(sides))
    delta = draw(st.floats(1e-3, 1e12, allow_nan=False)) if tp is float else draw(st.integers(1, 10**12))
    if side == "lo":
        value = lo - delta if not (lo_open and draw(st.booleans())) else lo
    else:
        value = hi + delta
    value = math.floor(value) if tp is int else value
    return key, f"{key}={value!r}"


@st.composite
def non_finite(draw):
    key, _ = draw(st.sampled_from(NUMERIC))
    return key, f"{key}={draw(st.sampled_from(['nan', 'inf', '-inf', '1e400', '-1e400']))}"


@st.composite
def wrong_type(draw):
    kind = draw(st.sampled_from(["numeric", "bool", "choice"]))
    if kind == "numeric":
        key, _ = draw(st.sampled_from(NUMERIC))
        return key, f"{key}={draw(junk | st.just(''))}"
    if kind == "bool":
        key = draw(st.sampled_from(BOOLS))
        return key, f"{key}={draw(st.sampled_from(['maybe', '2', '[true]', 'yes please', '']))}"
    key, choices = draw(st.sampled_from(CHOICE))
    value = draw(ident.filter(lambda v: v not in choices))
    return key, f"{key}={value}"


@st.composite
def unknown_key(draw):
    prefix = draw(st.sampled_from(["", "mc.", "executor.", "analysis."] + [f"mechanisms.{m}." for m in MECH]))
    name = draw(ident.filter(lambda n: n not in {k.rsplit(".", 1)[-1] for k, _, _ in LEAVES} | set(MECH)))
    key = f"{prefix}{name}"
    return key, f"{key}={draw(st.integers(-5, 5))}"


@st.composite
def unknown_group_option(draw):
    group = draw(st.sampled_from(GROUPS))
    return group, f"{group}={draw(ident)}_x"


@st.composite
def bad_distribution(draw):
    key = draw(st.sampled_from(PROBS))
    spec = draw(
        st.sampled_from(
            [
                "{dist: " + draw(ident.filter(lambda d: d not in DISTRIBUTIONS)) + ", low: 0, high: 1}",
                "{dist: uniform, low: 0.5}",
                "{dist: uniform, low: 0.8, high: 0.2}",
                "{dist: uniform, low: -1, high: 2}",
                "{dist: normal, mean: 0.5, sd: 0.1}",
                "{dist: beta, a: -1, b: 2}",
                "{dist: triangular, low: 0, mode: 2, high: 1}",
                "{dist: uniform, low: abc, high: 1}",
                "{dist: uniform, low: 0, high: 1, colour: red}",
                "{low: 0, high: 1}",
                "7",
            ]
        )
    )
    return f"uncertain.{key}", f"+uncertain.{key}={spec}"


@st.composite
def bad_horizon_or_count(draw):
    key = draw(st.sampled_from(["horizon_days", "mc.runs", "mc.replications"]))
    values = [-1, 0, -(10**6), -(10**30)] + ([3651, 10**7, 10**30] if key == "horizon_days" else [])
    return key, f"{key}={draw(st.sampled_from(values))}"


BAD = st.one_of(
    out_of_range(), non_finite(), wrong_type(), unknown_key(), unknown_group_option(), bad_distribution(),
    bad_horizon_or_count(),
)  # fmt: skip


@pytest.mark.fuzz
@settings(
    max_examples=max(50, settings().max_examples // 2),  # each runs the whole pre-flight (~0.3 s)
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=BAD)
def test_every_bad_override_is_one_line_naming_the_key_and_writes_nothing(case, tmp_path):
    key, override = case
    folder = tmp_path / "results"
    try:
        preflight([override, f"hydra.run.dir={folder}"])
    except ConfigError as exc:
        message = str(exc)
    else:
        pytest.fail(f"accepted: {override}")
    assert message and "\n" not in message, (override, message)
    assert "Traceback" not in message
    assert key in message or key.split(".")[0] in message.split(":")[0], (override, message)
    assert not folder.exists()


# --- bad config files (a scenario file an analyst was sent) ---------------------------------------------


def _nest(key: str, value) -> dict:
    """``a.b.c`` and a value as the nested mapping a YAML file holds."""
    node = value
    for part in reversed(key.split(".")):
        node = {part: node}
    return node


# Hydra settings a scenario file may not change. (hydra.output_subdir, hydra.job.chdir and hydra.run.dir set
# in a scenario are overwritten by configs/config.yaml, which Hydra merges after it: they have no effect.)
HYDRA_KEYS = ["callbacks.x._target_", "job.env_set.LD_PRELOAD", "job_logging.root.level", "verbose", "mode",
              "help.app_name", "launcher._target_", "hydra_logging.formatters.f.()",
              "searchpath"]  # fmt: skip


@st.composite
def bad_file(draw):
    """A scenario file with one bad entry: (key the error must name, YAML text)."""
    import yaml

    kind = draw(st.sampled_from(["value", "hydra", "factory", "duplicate", "syntax", "not a mapping"]))
    head = "# @package _global_\nscenario:\n  name: fz\n"
    if kind == "value":
        # executor.* is set again by the executor group, which Hydra merges after the scenario
        bad = st.one_of(out_of_range(), non_finite(), wrong_type(), unknown_key())
        key, override = draw(bad.filter(lambda case: not case[0].startswith("executor.")))
        raw = override.split("=", 1)[1]
        try:
            value = yaml.safe_load(raw) if raw else None
        except yaml.YAMLError:
            value = raw
        return key, head + yaml.safe_dump(_nest(key, value))
    if kind == "hydra":
        key = f"hydra.{draw(st.sampled_from(HYDRA_KEYS))}"
        return key.rsplit(".", 1)[0] if key.endswith("()") else key, head + yaml.safe_dump(_nest(key, "x"))
    if kind == "factory":
        where = draw(
            st.sampled_from(["mechanisms.combat", "uncertain", "scenario", "questions.q", "analysis"])
        )
        factory = draw(st.sampled_from(["_target_", "()"]))
        key = f"{where}.{factory}"
        return where, head.replace("scenario:\n  name: fz\n", "") + yaml.safe_dump(_nest(key, "os.system"))
    if kind == "duplicate":
        return "duplicate", head + "mc:\n  runs: 3\n  runs: 4\n"
    if kind == "syntax":
        return "fz.yaml", head + draw(
            st.sampled_from(["mc: [1, 2\n", "mc:\n runs: 3\n  seed: 1\n", "a: b: c\n"])
        )
    return "", draw(st.sampled_from(["- 1\n- 2\n", "just text\n", "42\n"]))


@pytest.mark.fuzz
@settings(
    deadline=None,
    max_examples=max(12, settings().max_examples // 8),  # each composes the YAML files afresh (~1 s)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=bad_file())
def test_every_bad_config_file_is_one_line_naming_the_key_and_writes_nothing(case, tmp_path):
    key, text = case
    configs = tmp_path / "configs"
    (configs / "scenario").mkdir(parents=True, exist_ok=True)
    (configs / "scenario" / "fz.yaml").write_text(text)
    folder = tmp_path / "results"
    try:
        preflight(["scenario=fz", f"hydra.searchpath=[file://{configs}]", f"hydra.run.dir={folder}"])
    except ConfigError as exc:
        message = str(exc)
    else:
        pytest.fail(f"accepted:\n{text}")
    assert message and "\n" not in message, (text, message)
    assert key.split(".")[0] in message, (text, message)
    assert not folder.exists()
