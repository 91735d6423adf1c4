"""PRIM scenario discovery: a planted box is found, the trajectory is consistent, bad input is refused."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.analysis.prim import PrimResult, prim


def _planted(seed=0, n=3000):
    """Event with probability 0.9 inside x0 > 0.6 & x1 < 0.3, 0.05 outside; x2, x3 are noise."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.random((n, 4)), columns=["x0", "x1", "x2", "x3"])
    inside = (X.x0 > 0.6) & (X.x1 < 0.3)
    y = np.where(inside, rng.random(n) < 0.9, rng.random(n) < 0.05)
    return X, y


def _in_box(X, row, params):
    return np.all([(X[p] >= row[f"{p}_low"]) & (X[p] <= row[f"{p}_high"]) for p in params], axis=0)


def test_finds_the_planted_box_with_a_density_threshold():
    X, y = _planted()
    r = prim(X, y, threshold=0.85)
    box = r.box()
    assert list(box.index) == ["x0", "x1"]  # the noise parameters are never restricted
    assert abs(box.loc["x0", "low"] - 0.6) < 0.05 and box.loc["x0", "high"] > 0.99
    assert abs(box.loc["x1", "high"] - 0.3) < 0.05 and box.loc["x1", "low"] < 0.01
    row = r.trajectory.iloc[r.chosen]
    assert row.density >= 0.85 and row.coverage > 0.6
    ok = r.trajectory.density >= 0.85
    assert row.coverage == r.trajectory.coverage[ok].max()


def test_default_choice_is_highest_coverage_at_four_fifths_of_the_density_gain():
    X, y = _planted()
    r = prim(X, y)
    t = r.trajectory
    target = r.base_density + 0.8 * (t.density.max() - r.base_density)
    ok = t.density >= target
    assert ok[r.chosen] and t.coverage[r.chosen] == t.coverage[ok].max()
    assert t.density[r.chosen] > 2 * r.base_density
    assert set(r.box().index) == {"x0", "x1"}
    assert abs(r.box().loc["x0", "low"] - 0.6) < 0.05 and abs(r.box().loc["x1", "high"] - 0.3) < 0.06


def test_trajectory_is_consistent():
    X, y = _planted(seed=1)
    r = prim(X, y, alpha=0.1, min_mass=0.1)
    t = r.trajectory
    cols = ["coverage", "density", "mass", "n"] + [f"x{i}_{s}" for i in range(4) for s in ("low", "high")]
    assert list(t.columns) == cols and r.parameters == ["x0", "x1", "x2", "x3"]
    assert (np.diff(t.coverage) <= 0).all() and (np.diff(t.mass) < 0).all()
    assert t.mass.iloc[-1] >= 0.1 and len(t) > 5
    assert t.iloc[0][["coverage", "mass"]].tolist() == [1.0, 1.0] and t.n.iloc[0] == len(X)
    assert r.n_events == int(y.sum()) and r.base_density == pytest.approx(y.mean())
    for i in (0, len(t) // 2, len(t) - 1):  # every recorded box holds exactly its runs
        inside = _in_box(X, t.iloc[i], r.parameters)
        assert inside.sum() == t.n.iloc[i]
        assert y[inside].mean() == pytest.approx(t.density.iloc[i])
        assert y[inside].sum() / y.sum() == pytest.approx(t.coverage.iloc[i])


def test_box_format_and_row_zero_restricts_nothing():
    X, y = _planted()
    r = prim(X, y)
    assert isinstance(r, PrimResult)
    b = r.box(len(r.trajectory) - 1)
    assert b.index.name == "parameter" and list(b.columns) == ["low", "high", "range_low", "range_high"]
    assert (b.low >= b.range_low).all() and (b.high <= b.range_high).all()
    assert ((b.low > b.range_low) | (b.high < b.range_high)).all()
    assert b.range_low.loc["x0"] == X.x0.min() and b.range_high.loc["x0"] == X.x0.max()
    assert r.box(0).empty


def test_ties_and_discrete_parameters():
    # x is 0/1 with the event only at x == 1: one peel removes every 0 at once and the box is pure
    x = np.repeat([0, 1], 50)
    r = prim(pd.DataFrame({"x": x, "c": 5.0}), x == 1, min_mass=0.2)
    assert r.trajectory.density.iloc[r.chosen] == 1.0 and r.trajectory.n.iloc[r.chosen] == 50
    assert list(r.box().index) == ["x"] and r.box().loc["x", "low"] == 1


def test_no_peel_below_min_mass():
    X, y = _planted(n=400)
    r = prim(X, y, min_mass=0.5)
    assert r.trajectory.mass.min() >= 0.5


def test_higher_threshold_than_reachable_gives_the_densest_box():
    X, y = _planted()
    r = prim(X, y, threshold=1.01)
    assert r.chosen == int(r.trajectory.density.idxmax())


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "match"),
    [
        (pd.DataFrame({"a": [1.0, 2.0]}), [True], {}, r"^y: length 1 does not match X \(2 rows\)$"),
        (pd.DataFrame({"a": []}, dtype=float), [], {}, r"^X: no rows$"),
        (
            pd.DataFrame({"a": [1.0, 2.0], "s": ["p", "q"]}),
            [True, False],
            {},
            r"^X: column 's' is not numeric",
        ),
        (pd.DataFrame({"a": [1.0, 2.0]}), [False, False], {}, r"^y: no run has the event"),
        (pd.DataFrame({"a": [1.0, 2.0]}), [True, False], {"alpha": 0.5}, r"^alpha: must lie in \(0, 0\.5\)"),
        (pd.DataFrame({"a": [1.0, 2.0]}), [True, False], {"alpha": 0}, r"^alpha: "),
        (pd.DataFrame({"a": [1.0, 2.0]}), [True, False], {"min_mass": 1}, r"^min_mass: must lie in \(0, 1\)"),
        (pd.DataFrame({"a": [1.0, np.nan]}), [True, False], {}, r"^X: column 'a' has missing values$"),
        (pd.DataFrame({"a": [1.0, 2.0]}), [0.5, 1], {}, r"^y: must be boolean"),
    ],
)
def test_bad_input_is_a_one_line_error(X, y, kwargs, match):
    with pytest.raises(ValueError, match=match) as err:
        prim(X, y, **kwargs)
    assert "\n" not in str(err.value)


def test_analysis_modules_import_neither_matplotlib_nor_the_model():
    code = (
        "import sys, sim.analysis.prim, sim.analysis.sensitivity, sim.analysis.compare, sim.analysis.series; "
        "import sim.report, sim.score, sim.calibrate, sim.analysis.scoring; "
        "bad = [m for m in sys.modules if m.startswith(('matplotlib', 'sim.model', 'mesa'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # the report imports matplotlib only to draw
