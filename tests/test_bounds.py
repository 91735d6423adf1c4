"""Bounds that hold: every value inside a field's allowed range runs.

Every bounded number of the mechanisms' schema is run at both ends of its range (an open end just inside
it), and every switch both ways, in the scenario with every mechanism on; random corners (many fields at
their ends at once) are drawn by Hypothesis. A run at the ends must finish with finite outcomes, or the
value must be refused before running by a cross-field check, in one line.
"""

import dataclasses
import math
import typing

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import ConfigError, MechanismsConfig
from sim.model.decide import bayes
from sim.runner.compose import compose
from sim.runner.experiment import _check_references, prepare
from sim.runner.runs import simulate
from sim.runner.uncertainty import apply_values

HORIZON = 30


def _fields(cls: type, prefix: str) -> list[tuple[str, type, dataclasses.Field]]:
    out = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            out += _fields(kind, f"{prefix}.{f.name}")
        elif kind in (int, float, bool) or "choices" in f.metadata:
            out.append((f"{prefix}.{f.name}", kind, f))
    return out


FIELDS = _fields(MechanismsConfig, "mechanisms")


def _ends(kind: type, f: dataclasses.Field) -> list:
    if kind is bool:
        return [False, True]
    if "choices" in f.metadata:
        return list(f.metadata["choices"])
    lo, hi, lo_open = f.metadata["range"]
    assert lo is not None and hi is not None, f"{f.name}: every number needs both bounds"
    if lo_open:
        lo = math.nextafter(lo, math.inf) if kind is float else lo + 1
    return [kind(lo), kind(hi)]


CASES = [(key, v) for key, kind, f in FIELDS for v in _ends(kind, f)]


@pytest.fixture(scope="module")
def combined():
    return prepare(compose(["scenario=combined", f"horizon_days={HORIZON}"]))


def _run(exp, values: dict, seed: int = 1):
    """Run one model with ``values`` set; None if a cross-field check refuses them (one line)."""
    config = apply_values(exp.config, values)
    try:
        _check_references(config, exp.theatre)
    except ConfigError as exc:
        assert "\n" not in str(exc)
        return None
    model = simulate(exp.theatre, config.mechanisms, HORIZON, seed)
    for name, value in model.outcomes().items():
        if isinstance(value, float) and not name.endswith("_day"):
            assert not math.isinf(value), (name, value)
    for name, series in model.series.items():  # NaN: a mechanism switched off
        assert not np.isinf(series).any(), name
    return model


def test_every_number_of_the_schema_has_both_bounds():
    """Mechanisms, and the experiment's own settings (horizon, Monte Carlo, executor, analysis)."""
    from sim.config import AnalysisConfig, Config, ExecutorConfig, MCConfig

    every = [*FIELDS, *_fields(MCConfig, "mc"), *_fields(ExecutorConfig, "executor")]
    every += [*_fields(AnalysisConfig, "analysis")]
    every += [(f"{f.name}", int, f) for f in dataclasses.fields(Config) if f.name == "horizon_days"]
    unbounded = [
        key
        for key, kind, f in every
        if kind in (int, float) and (f.metadata.get("range") is None or None in f.metadata["range"][:2])
    ]
    assert not unbounded, unbounded


@pytest.mark.parametrize(("key", "value"), CASES, ids=[f"{k}={v}" for k, v in CASES])
def test_every_field_runs_at_each_end_of_its_range(combined, key, value):
    _run(combined, {key: value})


@pytest.mark.fuzz
@settings(
    max_examples=max(10, settings().max_examples // 10),  # ~0.5 s each
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_corners_run(combined, data):
    picks = data.draw(st.lists(st.sampled_from(CASES), min_size=2, max_size=12, unique_by=lambda c: c[0]))
    values = dict(picks)
    if values.get("mechanisms.unrest.grid_size", 0) > 50 and values.get("mechanisms.unrest.vision", 0) > 5:
        values["mechanisms.unrest.vision"] = 5.0  # both at their top ends: ~30 s a run; each alone is tested
    _run(combined, values, seed=data.draw(st.integers(0, 2**32)))


def test_bayes_update_at_its_bounds_does_not_divide_by_zero(combined):
    """The reported crash: a prior at 1, and evidence a sincere type never gives, seen every day."""
    forced = {
        "mechanisms.ceasefire.prior_sincere": 1.0,
        "mechanisms.ceasefire.signal_if_sincere": 0.0,
        "mechanisms.ceasefire.signal_if_pretext": 1.0,
        "mechanisms.ceasefire.pretext_prob": 1.0,
        "mechanisms.ceasefire.accept_bias": 50.0,  # the GNA accepts the standing offer at once
    }
    for seed in range(3):
        model = _run(combined, forced, seed)
        belief = model.series["gna_belief_sincere"]
        assert model.outcomes()["ceasefire_declared_day"] <= 1
        assert belief.min() == pytest.approx(0.01)  # the evidence moved it to the floor, no crash


def test_bayes_rule():
    assert bayes(0.5, 0.1, 0.4) == pytest.approx(0.2)
    assert bayes(0.3, 1.0, 1.0) == pytest.approx(0.3)  # evidence both types give: no update
    assert bayes(1.0, 0.0, 1.0) == 1.0  # impossible at this prior: unchanged, not 0/0
    assert bayes(0.0, 0.0, 0.0) == 0.0


@pytest.mark.parametrize(
    "overrides",
    [
        ["horizon_days=1"],
        ["horizon_days=3650", "mc.runs=1"],
        ["mc.seed=0"],
        ["mc.seed=9223372036854775807"],
        ["analysis.confidence=0.5"],
        ["analysis.confidence=0.999", "analysis.interval=jeffreys"],
        ["executor.run_timeout_s=1000000", "executor.chunk=1000000"],
        [
            "executor=processes",
            "executor.workers=1",
            "executor.run_timeout_s=1000000",
            "executor.max_tasks_per_child=1000000",
        ],
    ],
    ids=lambda o: " ".join(o),
)
def test_experiment_settings_run_at_the_ends_of_their_ranges(tmp_path, overrides):
    import sim

    res = sim.run(
        [
            "executor=serial",
            "mc.runs=2",
            "horizon_days=20",
            "mc.progress=false",
            "analysis.report=false",
            *overrides,
        ],
        tmp_path / "exp",
        quiet=True,
    )
    assert (res.runs["status"] == "ok").all()


def test_the_largest_experiment_allowed_is_planned_and_one_more_is_refused():
    from sim.config import MAX_RUNS
    from sim.runner.experiment import MAX_TOTAL_RUNS

    assert MAX_TOTAL_RUNS == 2 * MAX_RUNS
    prepare(compose([f"mc.runs={MAX_RUNS}", "mc.replications=2"]))
    with pytest.raises(
        ConfigError, match=r"^mc\.runs: 1,000,000 \(monte_carlo, 0 uncertain parameters\) x 3"
    ):
        prepare(compose([f"mc.runs={MAX_RUNS}", "mc.replications=3"]))
    with pytest.raises(ConfigError, match=r"^mc\.runs: .* \(sobol, \d+ uncertain parameters\)"):
        prepare(compose(["uncertain=june2020", "mc.design=sobol", f"mc.runs={MAX_RUNS // 2}"]))
