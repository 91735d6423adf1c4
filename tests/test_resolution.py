"""What the runs resolve: sensitivity intervals against 0 and each other, PRIM boxes against chance."""

import math

import pandas as pd
import pytest

from sim.analysis.resolution import PRIM_MIN_RUNS, prim_finding, sensitivity_resolution


def table(index, conf):
    return pd.DataFrame(
        {"index": index, "conf": conf, "second": 0.0}, index=[f"p{i}" for i in range(len(index))]
    )


def test_a_leader_clear_of_the_rest_is_named_and_an_interval_over_0_is_not_resolved():
    r = sensitivity_resolution(table([0.5, 0.1], [0.05, 0.2]))
    assert r["resolved"] == {"p0": True, "p1": False}
    assert r["leader"] == "p0" and "p0 moves it most" in r["why"]


def test_overlapping_leaders_name_no_leader():
    r = sensitivity_resolution(table([0.5, 0.4], [0.1, 0.1]))
    assert r["resolved"] == {"p0": True, "p1": True}
    assert r["leader"] is None and "overlaps p1's" in r["why"]


@pytest.mark.parametrize("conf", [math.nan, 0.6])
def test_an_interval_that_is_unknown_or_reaches_0_resolves_nothing(conf):
    r = sensitivity_resolution(table([0.5], [conf]))
    assert r == {
        "resolved": {"p0": False},
        "leader": None,
        "why": "no parameter's effect is resolved by the runs",
    }


def test_a_single_resolved_parameter_leads():
    assert sensitivity_resolution(table([0.3], [0.1]))["leader"] == "p0"


def test_a_prim_box_is_a_finding_only_with_enough_runs_and_a_rate_clearly_above_the_base():
    few, why = prim_finding(PRIM_MIN_RUNS - 1, 1.0, 0.1)
    assert not few and f"fewer than {PRIM_MIN_RUNS}" in why
    # 50 of 100 runs: the 95 % Wilson interval starts at ~40 %, clear of a base rate of 30 %
    assert prim_finding(100, 0.5, 0.3)[0]
    # 35 of 100 runs: the interval starts at ~26 %, below 30 %: chance could give that box
    found, why = prim_finding(100, 0.35, 0.3)
    assert not found and "not clearly above" in why
