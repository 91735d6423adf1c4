"""Uncertain parameters: quantile maps, one-line parse errors, and setting values in a config."""

import math

import numpy as np
import pytest

from sim.config import ConfigError
from sim.runner.compose import compose
from sim.runner.experiment import to_config
from sim.runner.uncertainty import UncertainParameter, apply_values, parse_uncertain

U = (np.arange(10_000) + 0.5) / 10_000  # a fine grid of the unit interval


@pytest.fixture(scope="module")
def config():
    return to_config(compose([]))


def one(spec, kind="float"):
    return UncertainParameter.from_spec("x", spec, kind)


@pytest.mark.parametrize(
    ("spec", "u", "expected"),
    [
        ({"dist": "uniform", "low": 2, "high": 4}, 0.5, 3.0),
        ({"dist": "uniform", "low": 2, "high": 4}, 0.25, 2.5),
        ({"dist": "normal", "mean": 1, "sd": 2}, 0.5, 1.0),
        ({"dist": "normal", "mean": 0, "sd": 1}, 0.975, 1.959964),
        ({"dist": "lognormal", "mean": 1.5, "sigma": 0.7}, 0.5, math.exp(1.5)),
        ({"dist": "beta", "a": 2, "b": 2}, 0.5, 0.5),
        ({"dist": "beta", "a": 2, "b": 2, "low": 10, "high": 20}, 0.5, 15.0),
        ({"dist": "triangular", "low": 0, "mode": 1, "high": 2}, 0.5, 1.0),
        ({"dist": "triangular", "low": 0, "mode": 0, "high": 1}, 0.75, 0.5),  # F(x) = 1 - (1 - x)^2
        ({"dist": "truncnormal", "mean": 0, "sd": 1, "low": -1, "high": 1}, 0.5, 0.0),
        ({"dist": "truncnormal", "mean": 0, "sd": 5, "low": 0, "high": 1}, 0.999, 0.999),  # ~uniform
    ],
)
def test_quantiles(spec, u, expected):
    assert float(one(spec).ppf(u)) == pytest.approx(expected, abs=2e-3)


def test_truncnormal_and_beta_stay_in_bounds():
    for spec in (
        {"dist": "truncnormal", "mean": 0.9, "sd": 1, "low": 0.2, "high": 1},
        {"dist": "beta", "a": 0.5, "b": 0.5, "low": 0.2, "high": 1},
    ):
        x = one(spec).ppf(np.r_[0.0, U])
        assert x.min() >= 0.2 and x.max() <= 1.0


def test_unbounded_distributions_give_finite_values_at_the_cube_edge():
    assert np.isfinite(one({"dist": "normal", "mean": 0, "sd": 1}).ppf(np.array([0.0]))).all()
    assert one({"dist": "lognormal", "mean": 0, "sigma": 1}).ppf(0.0) > 0
    assert one({"dist": "normal", "mean": 0, "sd": 1}).bounds is None
    assert one({"dist": "uniform", "low": 2, "high": 4}).bounds == (2.0, 4.0)


def test_categorical_frequencies_follow_weights():
    p = one({"dist": "categorical", "values": ["LNA", "GNA", "none"], "weights": [6, 0, 2]}, "str")
    drawn = p.ppf(U)
    assert drawn.count("LNA") / len(U) == pytest.approx(0.75, abs=1e-3)
    assert drawn.count("none") / len(U) == pytest.approx(0.25, abs=1e-3)
    assert "GNA" not in drawn and "GNA" not in p.ppf(np.array([0.0, 0.75, 1 - 1e-16]))
    assert p.ppf(0.1) == "LNA" and p.bounds is None


@pytest.mark.parametrize("dist", ["integer", "randint"])
def test_integer_is_inclusive_and_equally_likely(dist):
    x = one({"dist": dist, "low": 3, "high": 6}).ppf(np.r_[0.0, U])
    assert x.dtype.kind == "i"
    values, counts = np.unique(x, return_counts=True)
    assert list(values) == [3, 4, 5, 6]
    assert counts.max() - counts.min() <= 1


def test_int_target_gets_integers(config):
    (p,) = parse_uncertain({"theatre": {"units": {"wagner": {"strength": _u(800, 3000)}}}}, config)
    x = p.ppf(U)
    assert p.kind == "int" and x.dtype.kind == "i" and x.min() >= 800 and x.max() <= 3000


def _u(low, high):
    return {"dist": "uniform", "low": low, "high": high}


def test_parse_walks_the_tree_sorted_by_key(config):
    node = {
        "mechanisms": {
            "combat": {"kill_rate": _u(0.002, 0.004), "defender_bonus": _u(1.2, 2.0)},
            "ceasefire": {
                "pretext_prob": {"dist": "beta", "a": 2, "b": 2},
                "initial_offer": {"dist": "categorical", "values": ["LNA", "none"], "weights": [0.8, 0.2]},
            },
        },
        "theatre": {"units": {"wagner": {"strength": _u(800, 3000)}}},
    }
    params = parse_uncertain(node, config)
    assert [p.key for p in params] == [
        "mechanisms.ceasefire.initial_offer",
        "mechanisms.ceasefire.pretext_prob",
        "mechanisms.combat.defender_bonus",
        "mechanisms.combat.kill_rate",
        "theatre.units.wagner.strength",
    ]
    assert params[0].spec == node["mechanisms"]["ceasefire"]["initial_offer"]
    assert parse_uncertain({}, config) == []


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (
            {"mechanisms": {"combat": {"kill_rate": {"dist": "unifrom", "low": 1, "high": 2}}}},
            "uncertain.mechanisms.combat.kill_rate: unknown distribution 'unifrom'; allowed: beta, categ",
        ),
        (
            {"mechanisms": {"combat": {"kill_rate": {"dist": "uniform", "low": 0.001}}}},
            "uncertain.mechanisms.combat.kill_rate: missing argument 'high'",
        ),
        (
            {"mechanisms": {"combat": {"kill_rate": _u(0.004, 0.002)}}},
            "uncertain.mechanisms.combat.kill_rate: low (0.004) must be < high (0.002)",
        ),
        (
            {"mechanisms": {"combat": {"kill_rate": {"dist": "uniform", "low": "2e-3", "high": 0.004}}}},
            "uncertain.mechanisms.combat.kill_rate: low must be a finite number, got '2e-3'",
        ),
        (
            {"mechanisms": {"combat": {"kil_rate": _u(0.002, 0.004)}}},
            "uncertain.mechanisms.combat.kil_rate: unknown key 'kil_rate'; allowed: law, kill_rate",
        ),
        (
            {"theatre": {"units": {"wagnr": {"strength": _u(800, 3000)}}}},
            "uncertain.theatre.units.wagnr.strength: unknown key 'wagnr'; allowed: ",
        ),
        (
            {"mechanisms": {"combat": {"killed_share": _u(0.5, 1.5)}}},
            "uncertain.mechanisms.combat.killed_share: uniform takes values in [0.5, 1.5], outside the "
            "field's range [0, 1]",
        ),
        (
            {"mechanisms": {"combat": {"killed_share": {"dist": "normal", "mean": 0.3, "sd": 0.1}}}},
            "uncertain.mechanisms.combat.killed_share: normal takes values in [-inf, inf], outside",
        ),
        (
            {"mechanisms": {"combat": {"kill_rate": _u(0, 0.004)}}},  # kill_rate > 0
            "outside the field's range (0, 1]",
        ),
        (
            {"mechanisms": {"combat": {"kill_rate": {"dist": "categorical", "values": ["low", "high"]}}}},
            "uncertain.mechanisms.combat.kill_rate: categorical values must be floats",
        ),
        (
            {"mechanisms": {"combat": {"law": {"dist": "categorical", "values": ["square", "cubic"]}}}},
            "uncertain.mechanisms.combat.law: got 'cubic'; allowed: square, linear",
        ),
        (
            {"mechanisms": {"combat": {"law": _u(0, 1)}}},
            "uncertain.mechanisms.combat.law: a str field takes only a categorical distribution",
        ),
        (
            {"mechanisms": {"combat": {"kill_rate": {"dist": "normal", "mean": 0.003, "sd": 0}}}},
            "uncertain.mechanisms.combat.kill_rate: sd must be > 0",
        ),
        (
            {
                "mechanisms": {
                    "ceasefire": {
                        "initial_offer": {"dist": "categorical", "values": ["LNA"], "weights": [-1]}
                    }
                }
            },
            "uncertain.mechanisms.ceasefire.initial_offer: weights must be 1 numbers >= 0",
        ),
        (
            {"mechanisms": {"combat": {"kill_rate": 0.003}}},
            "uncertain.mechanisms.combat.kill_rate: expected a distribution",
        ),
        (
            {"mechanisms": {"combat": _u(0, 1)}},
            "uncertain.mechanisms.combat: not a number, string or boolean field",
        ),
        (
            {"mechanisms": {"bargaining": {"period_days": {"dist": "integer", "low": 0, "high": 9}}}},
            "uncertain.mechanisms.bargaining.period_days: integer takes values in [0, 9]",
        ),
    ],
)
def test_parse_errors_are_one_line_naming_the_key(config, node, message):
    with pytest.raises(ConfigError) as err:
        parse_uncertain(node, config)
    text = str(err.value)
    assert "\n" not in text
    assert message in text


def test_apply_values_sets_nested_values_and_leaves_the_original(config):
    new = apply_values(
        config,
        {
            "mechanisms.combat.kill_rate": np.float64(0.0035),
            "theatre.units.wagner.strength": 1234.6,
            "mechanisms.ceasefire.initial_offer": "none",
        },
    )
    assert new.mechanisms.combat.kill_rate == 0.0035
    assert new.theatre.units["wagner"].strength == 1235 and type(new.theatre.units["wagner"].strength) is int
    assert new.mechanisms.ceasefire.initial_offer == "none"
    assert config.mechanisms.combat.kill_rate == 0.003
    assert config.theatre.units["wagner"].strength != 1235
    assert config.mechanisms.ceasefire.initial_offer == "LNA"
    assert new.theatre.units["lna_sirte"] is config.theatre.units["lna_sirte"]  # untouched parts shared


def test_apply_values_rejects_out_of_range_and_unknown_keys(config):
    with pytest.raises(ConfigError, match=r"^mechanisms\.combat\.killed_share: got 1\.5; allowed range"):
        apply_values(config, {"mechanisms.combat.killed_share": 1.5})
    with pytest.raises(ConfigError, match=r"^mechanisms\.combat\.nope: unknown key 'nope'"):
        apply_values(config, {"mechanisms.combat.nope": 1.0})
    with pytest.raises(ConfigError, match=r"^mechanisms\.combat\.law: got 1; expected a str"):
        apply_values(config, {"mechanisms.combat.law": 1})


def test_a_list_item_is_named_by_its_index_and_set_in_a_copy():
    from sim.runner.compose import compose
    from sim.runner.experiment import prepare
    from sim.runner.uncertainty import apply_values

    config = prepare(compose(["scenario=baseline"])).config
    new = apply_values(config, {"theatre.roads.1.km": 99.0})
    assert new.theatre.roads[1].km == 99.0 and config.theatre.roads[1].km != 99.0
    assert new.theatre.roads[0] is config.theatre.roads[0]  # the rest is shared
    n = len(config.theatre.roads)
    with pytest.raises(
        ConfigError, match=rf"theatre.roads.{n}.km: '{n}' is not an index of the list; allowed: 0 to {n - 1}"
    ):
        apply_values(config, {f"theatre.roads.{n}.km": 1.0})
