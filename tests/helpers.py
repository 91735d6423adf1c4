"""Helpers shared by the tests."""

import dataclasses
import time

from sim.config import MechanismsConfig


def with_mechanisms(mech: MechanismsConfig, **changes: dict) -> MechanismsConfig:
    """Mechanism parameters with some sub-configs changed, e.g. ``ceasefire={"enabled": True}``."""
    return dataclasses.replace(
        mech, **{k: dataclasses.replace(getattr(mech, k), **v) for k, v in changes.items()}
    )


def wait_for(condition, seconds: float, what: str) -> None:
    """Poll ``condition()`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {seconds} s waiting for {what}"
        time.sleep(0.05)
