"""Experimental designs: unit-cube samples and the table of runs."""

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError
from sim.runner.design import design_table, salib_problem
from sim.runner.uncertainty import UncertainParameter
from sim.sampling import DESIGNS, salib_inputs, unit_sample


def _params():
    return [
        UncertainParameter.from_spec("a.x", {"dist": "uniform", "low": 2, "high": 4}),
        UncertainParameter.from_spec("a.y", {"dist": "integer", "low": 1, "high": 5}, "int"),
        UncertainParameter.from_spec("b.z", {"dist": "categorical", "values": ["p", "q"]}, "str"),
    ]


def test_lhs_puts_one_point_in_each_bin_of_every_axis():
    n, d = 50, 4
    u = unit_sample("lhs", d, n, seed=3)
    assert u.shape == (n, d)
    for j in range(d):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))


@pytest.mark.parametrize(("n", "d"), [(8, 1), (16, 3)])
def test_sobol_has_n_times_d_plus_2_points_in_the_unit_cube(n, d):
    u = unit_sample("sobol", d, n, seed=1)
    assert u.shape == (n * (d + 2), d)
    assert u.min() >= 0 and u.max() < 1


@pytest.mark.parametrize(("n", "d", "levels"), [(5, 2, 4), (3, 4, 6)])
def test_morris_has_n_times_d_plus_1_points_at_level_centres(n, d, levels):
    u = unit_sample("morris", d, n, seed=1, morris_levels=levels)
    assert u.shape == (n * (d + 1), d)
    assert set(np.round(u.ravel() * levels - 0.5, 9)) <= set(range(levels))
    steps = np.diff(u.reshape(n, d + 1, d), axis=1)  # each step of a trajectory moves one coordinate
    assert ((steps != 0).sum(axis=2) == 1).all()


@pytest.mark.parametrize("design", DESIGNS)
def test_designs_are_deterministic_in_the_seed(design):
    a = design_table(_params(), design, 8, seed=7, replications=2)
    pd.testing.assert_frame_equal(a, design_table(_params(), design, 8, seed=7, replications=2))
    assert not a.equals(design_table(_params(), design, 8, seed=8, replications=2))


def test_unknown_design_is_a_one_line_error():
    with pytest.raises(ConfigError, match=r"^design: unknown design 'grid'; allowed: monte_carlo, lhs"):
        unit_sample("grid", 2, 10, seed=0)


def test_monte_carlo_marginals_are_roughly_uniform():
    u = unit_sample("monte_carlo", 3, 20_000, seed=11)
    assert u.min() >= 0 and u.max() < 1
    for j in range(3):
        counts = np.histogram(u[:, j], bins=10, range=(0, 1))[0]
        assert np.all(np.abs(counts - 2000) < 200)


def test_table_shape_and_run_order():
    params = _params()
    t = design_table(params, "lhs", 4, seed=0, replications=3)
    assert list(t.columns) == ["design_point", "replication", "a.x", "a.y", "b.z"]
    assert t.index.name == "run_id" and list(t.index) == list(range(12))
    assert list(t.design_point) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert list(t.replication) == [0, 1, 2] * 4
    assert (t.groupby("design_point")[["a.x", "a.y", "b.z"]].nunique() == 1).all().all()
    assert t["a.y"].dtype.kind == "i" and set(t["b.z"]) <= {"p", "q"}


def test_sobol_and_morris_tables_have_their_row_counts():
    assert len(design_table(_params(), "sobol", 8, seed=0)) == 8 * 5
    assert len(design_table(_params(), "morris", 4, seed=0, replications=2)) == 4 * 4 * 2


def test_no_parameters_gives_n_points_of_nothing():
    for design in DESIGNS:
        t = design_table([], design, 5, seed=0, replications=2)
        assert list(t.columns) == ["design_point", "replication"] and len(t) == 10


def test_lhs_values_follow_the_distribution():
    n = 40
    t = design_table(_params(), "lhs", n, seed=5)
    bins = np.floor((t["a.x"].to_numpy() - 2) / (2 / n)).astype(int)
    assert sorted(bins) == list(range(n))  # exactly one value per bin of width 2/n
    assert sorted(t["a.y"].value_counts()) == [8] * 5  # integer 1..5: strata map evenly
    assert t["b.z"].value_counts().to_dict() == {"p": 20, "q": 20}


def test_salib_problem_and_inputs_analyse_on_the_unit_cube():
    from SALib.analyze import sobol

    params = _params()[:2]
    t = design_table(params, "sobol", 64, seed=2, replications=2)
    problem = salib_problem(params)
    assert problem == {"num_vars": 2, "names": ["a.x", "a.y"], "bounds": [[0.0, 1.0]] * 2}
    x = salib_inputs(t)
    assert x.shape == (64 * 4, 2)
    y = (t["a.x"] * 10 + t["a.y"] * 0.1).groupby(t.design_point).mean().to_numpy()
    si = sobol.analyze(problem, y, calc_second_order=False, seed=0)
    assert si["ST"][0] > 0.9 > 0.1 > si["ST"][1]
    assert np.array_equal(x[:, 0], unit_sample("sobol", 2, 64, seed=2)[:, 0])
