"""Helpers shared by the tests."""

import dataclasses

from sim.config import MechanismsConfig


def with_mechanisms(mech: MechanismsConfig, **changes: dict) -> MechanismsConfig:
    """Mechanism parameters with some sub-configs changed, e.g. ``ceasefire={"enabled": True}``."""
    return dataclasses.replace(
        mech, **{k: dataclasses.replace(getattr(mech, k), **v) for k, v in changes.items()}
    )
