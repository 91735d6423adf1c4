"""Kept for notebooks and scripts: ``from sim.experiment import compose, prepare`` (see :mod:`sim.runner`).

Composition lives in :mod:`sim.runner.compose`, the experiment in :mod:`sim.runner.experiment`.
"""

from sim.runner.compose import CONFIG_DIR, compose
from sim.runner.experiment import Experiment, prepare

__all__ = ["CONFIG_DIR", "Experiment", "compose", "prepare"]
