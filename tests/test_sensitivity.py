"""Sensitivity analysis on the runner's design tables: Sobol (Ishigami), Morris and Spearman."""

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sensitivity import sensitivity
from sim.runner.design import design_table
from sim.runner.uncertainty import UncertainParameter

NAMES = ["f.x1", "f.x2", "f.x3"]


def _params():
    return [UncertainParameter.from_spec(k, {"dist": "uniform", "low": -np.pi, "high": np.pi}) for k in NAMES]


def _ishigami(t, a=7.0, b=0.1):
    x1, x2, x3 = (t[k].to_numpy() for k in NAMES)
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def test_sobol_recovers_the_ishigami_indices():
    t = design_table(_params(), "sobol", 1024, seed=3)
    s = sensitivity(t[NAMES], _ishigami(t), design=t.attrs["design"])
    assert s.attrs["method"] == "sobol" and s.attrs["measures"] == ("ST", "S1")
    assert list(s.index) == NAMES and s.index.name == "parameter"  # x1 > x2 > x3 by ST
    assert list(s.columns) == ["index", "conf", "second"]
    np.testing.assert_allclose(s["index"], [0.558, 0.442, 0.244], atol=0.05)
    np.testing.assert_allclose(s["second"], [0.314, 0.442, 0.0], atol=0.05)
    assert (s["conf"] > 0).all() and (s["conf"] < 0.15).all()
    pd.testing.assert_frame_equal(s, sensitivity(t[NAMES], _ishigami(t), design=t.attrs["design"]))


def test_replications_are_averaged_by_design_point():
    one = design_table(_params(), "sobol", 256, seed=5)
    two = design_table(_params(), "sobol", 256, seed=5, replications=2)
    expected = sensitivity(one[NAMES], _ishigami(one), design=one.attrs["design"])
    noise = np.tile([0.5, -0.5], len(one))  # the replicates differ but their mean is the point's value
    y = _ishigami(two) + noise
    got = sensitivity(two[NAMES], y, design=two.attrs["design"], design_point=two.design_point)
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(sensitivity(two, y, design=two.attrs["design"]), expected)  # column
    with pytest.raises(ValueError, match=r"^y: 2560 design points but the sobol design has 1280"):
        sensitivity(two[NAMES], y, design=two.attrs["design"])


def test_morris_ranks_a_parameter_without_effect_last():
    t = design_table(_params(), "morris", 20, seed=1, replications=2)
    y = 2 * t["f.x1"] + t["f.x2"] ** 2
    s = sensitivity(t, y, design=t.attrs["design"])
    assert s.attrs["method"] == "morris" and s.attrs["measures"] == ("mu_star", "sigma")
    assert list(s.index) == NAMES
    assert s.loc["f.x3", "index"] == pytest.approx(0, abs=1e-9)
    assert s.loc["f.x2", "index"] > 1 and s.loc["f.x2", "second"] > 1  # non-linear: effects vary
    assert s.loc["f.x1", "second"] == pytest.approx(0, abs=1e-9)  # linear: one effect everywhere


def test_spearman_on_a_linear_outcome():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.random((500, 3)), columns=["x0", "x1", "x2"])
    y = 3 * X.x0 + 0.1 * X.x1 + rng.normal(0, 0.1, 500)
    s = sensitivity(X, y)
    assert s.attrs["method"] == "spearman" and s.attrs["measures"] == ("abs_rho", "rho")
    assert s.index[0] == "x0" and s.loc["x0", "second"] > 0.9
    assert s.loc["x0", "conf"] < 0.02 and 0.05 < s.loc["x2", "conf"] < 0.1
    assert s.attrs["pvalues"]["x0"] < 1e-10 and s.attrs["pvalues"]["x2"] > 1e-3
    s_neg = sensitivity(X, -y)
    assert s_neg.loc["x0", "second"] == pytest.approx(-s.loc["x0", "second"])
    assert s_neg.loc["x0", "index"] == pytest.approx(s.loc["x0", "index"])


def test_auto_uses_spearman_for_lhs_and_drops_missing_outcomes():
    t = design_table(_params(), "lhs", 200, seed=0)
    y = pd.Series(np.sin(t["f.x1"].to_numpy()))
    y[:50] = np.nan
    s = sensitivity(t, y, design=t.attrs["design"])
    assert s.attrs["method"] == "spearman" and s.index[0] == "f.x1"
    assert "design_point" not in s.index and "replication" not in s.index


def test_constant_parameter_and_constant_outcome_give_zeros():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": rng.random(100), "c": 2.0})
    s = sensitivity(X, X.x * 2)
    assert s.loc["c", "index"] == 0 and s.loc["c", "second"] == 0 and s.index[0] == "x"
    flat = sensitivity(X, np.ones(100))
    assert (flat["index"] == 0).all() and (flat["second"] == 0).all()
    t = design_table(_params(), "sobol", 64, seed=0)
    flat = sensitivity(t, np.zeros(len(t)), design=t.attrs["design"])
    assert (flat[["index", "second"]] == 0).all().all() and list(flat.index) == NAMES


def test_boolean_event_missing_counts_as_false():
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"x": rng.random(300), "z": rng.random(300)})
    event = pd.Series(X.x > 0.5, dtype="boolean")
    event[X.x > 0.9] = pd.NA  # missing events become False, so x > 0.9 now has no event
    s = sensitivity(X, event)
    filled = sensitivity(X, event.fillna(False).astype(bool))
    pd.testing.assert_frame_equal(s, filled)


def test_numeric_nan_is_refused_by_sobol():
    t = design_table(_params(), "sobol", 16, seed=0)
    y = _ishigami(t)
    y[3] = np.nan
    with pytest.raises(ValueError, match=r"^y: NaN values; sobol"):
        sensitivity(t, y, design=t.attrs["design"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "anova"}, r"^method: unknown method 'anova'; allowed: auto, sobol, morris, spearman$"),
        ({"method": "sobol"}, r"^method: 'sobol' needs"),
        ({"method": "morris", "design": {"design": "lhs"}}, r"^method: 'morris' needs"),
    ],
)
def test_bad_method_is_a_one_line_error(kwargs, match):
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=match):
        sensitivity(X, [1.0, 2.0, 3.0], **kwargs)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r"^X: must be a non-empty"):
        sensitivity(pd.DataFrame({"x": []}), [])
    with pytest.raises(ValueError, match=r"^y: length 2 does not match X \(3 rows\)"):
        sensitivity(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"^X: column 's' is not numeric"):
        sensitivity(pd.DataFrame({"s": ["a", "b", "c"]}), [1.0, 2.0, 3.0])
