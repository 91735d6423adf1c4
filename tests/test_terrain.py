"""Terrain on roads: a road's ``speed`` (share of the normal road speed) slows movement and supply on it.

A theatre gives mountain roads and passes ``speed`` < 1; movement and supply reckon such a link as
``km / speed`` travel km, while the front line and the positions written in the file stay in km. Checked on
the fictional toy theatre (tests/configs/theatre/toy.yaml): the millbay - ridge road is roads[1].
"""

from pathlib import Path

import numpy as np
import pytest

from sim.config import ConfigError
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import simulate

TOY = Path(__file__).parent / "configs"


def toy(speed: float, horizon: int = 12):
    return prepare(compose(["theatre=toy", "scenario=baseline", f"theatre.roads.1.speed={speed}",
                            f"horizon_days={horizon}"], extra_dir=TOY))  # fmt: skip


def test_a_slow_road_is_longer_to_travel_but_the_front_line_is_measured_in_km():
    plain, slow = toy(1.0).theatre, toy(0.5).theatre
    assert slow.edge_km("millbay", "ridge") == 2 * plain.edge_km("millbay", "ridge") == 230.0
    assert slow.edge_km("westport", "millbay") == plain.edge_km("westport", "millbay")  # other roads as given
    assert slow.coastal_km == plain.coastal_km  # km along the front's road, whatever the terrain
    i, j = slow.index("westport"), slow.index("ridge")
    assert slow.dist[i, j] == plain.dist[i, j] + 115.0
    column = slow.units["west_front"]  # 60 km along the road in the file: 120 travel km, half way still
    assert column.km == 120.0 and plain.units["west_front"].km == 60.0


def days_to_contact(speed: float, seeds=range(8)) -> list[int]:
    """Days until the western column stops advancing (in contact before Ridge), one per seed."""
    exp = toy(speed)
    out = []
    for seed in seeds:
        front = simulate(exp.theatre, exp.config.mechanisms, 12, seed).series["front_km"]
        out.append(int(np.argmax(front >= front.max())))
    return out


def test_a_slower_road_delays_the_advance_along_it():
    fast, slow, slowest = (np.mean(days_to_contact(s)) for s in (1.0, 0.5, 0.25))
    assert fast < slow < slowest
    assert slowest >= 3 * fast  # 80 km a day on the road: 55 km left at full speed, 220 travel km at 0.25


def test_a_slower_road_thins_supply_at_its_far_end():
    supplies = {}
    for speed in (1.0, 0.25):
        exp = toy(speed)
        runs = [simulate(exp.theatre, exp.config.mechanisms, 12, seed) for seed in range(5)]
        supplies[speed] = np.mean([u.supply for m in runs for u in m.units_of["WEST"] if u.dest >= 0])
    assert supplies[0.25] < supplies[1.0] == 1.0


@pytest.mark.parametrize("speed", ["0", "1.5", "-1"])
def test_a_road_speed_outside_0_1_is_one_line_naming_the_road(speed):
    with pytest.raises(
        ConfigError, match=r"theatre\.roads\[1\] \(millbay - ridge\)\.speed: got .*; allowed \(0, 1\]"
    ):
        toy(float(speed))
