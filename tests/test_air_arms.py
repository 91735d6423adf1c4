"""A faction's own air arm (``factions.<id>.assets``, ``air_defence``): it strikes and covers for the faction.

No patron's choice scales it. Checked on the fictional toy theatre (tests/configs).
"""

from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config import ConfigError
from sim.model import ConflictModel
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import simulate

TOY = Path(__file__).parent / "configs"
DRONES = {"kind": "drone", "count": 8, "base": "eastport", "sortie_rate": 1.0, "range_km": 400.0}


def toy(assets=(), sites=(), *overrides: str):
    cfg = compose(["theatre=toy", "horizon_days=30", *overrides], extra_dir=TOY)
    own = {"assets": list(assets), "air_defence": list(sites)}
    return prepare(OmegaConf.merge(cfg, {"theatre": {"factions": {"EAST": own}}}))


def west_losses(exp, seeds=range(12)) -> float:
    out = []
    for seed in seeds:
        m = simulate(exp.theatre, exp.config.mechanisms, 30, seed)
        out.append(m.losses_cum["WEST"])
    return float(np.mean(out))


def test_a_factions_own_drones_strike_its_enemy():
    assert west_losses(toy([DRONES])) > 1.2 * west_losses(toy())


def test_no_patrons_choice_scales_a_factions_own_aircraft():
    exp = toy([DRONES])
    m = ConflictModel(exp.theatre, exp.config.mechanisms, 30, rng=1)
    arm = next(a for a in m.patrons_of["EAST"] if a.key == "EAST air arm")
    place = m.theatre.index("ridge")
    before = [n for _, _, n in arm.sorties_over(place)]
    for key in m.support:  # every patron de-escalates to nothing (as a deal or a choice of support might)
        m.support[key] = 0.0
    assert [n for _, _, n in arm.sorties_over(place)] == before == [8.0]
    assert all(n == 0 for pa in m.patrons.values() for _, _, n in pa.sorties_over(place))
    assert "EAST air arm" not in m.patrons  # no decision, outcome or bargaining of its own


def test_a_factions_own_air_defence_covers_its_places():
    site = {"place": "ridge", "radius_km": 100.0, "strength": 0.9}
    exp = toy((), [site])
    m = ConflictModel(exp.theatre, exp.config.mechanisms, 30, rng=1)
    covered = max(pa.air_defence_over(m.theatre.index("ridge")) for pa in m.patrons_of["EAST"])
    assert covered == 0.9


def test_a_bad_own_asset_is_one_line_naming_it():
    with pytest.raises(
        ConfigError, match=r"theatre\.factions\.EAST\.assets\[0\]\.base: unknown place 'nowhere'"
    ):
        toy([{**DRONES, "base": "nowhere"}])
