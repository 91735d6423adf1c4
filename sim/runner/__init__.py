"""The Monte Carlo runner: from overrides to a finished results folder.

One module per step, each importable on its own (importing this package imports none of them):

* :mod:`~sim.runner.compose`: Hydra composition, as ``python -m sim`` composes (no code from configs);
  :mod:`~sim.runner.hydra_api` is the only module that touches Hydra's private API;
* :mod:`~sim.runner.experiment`: a composed config validated into an :class:`Experiment`;
* :mod:`~sim.runner.uncertainty`, :mod:`~sim.runner.calibrated`, :mod:`~sim.runner.design`: uncertain
  parameters, calibrated joint posteriors and the designs that sample them;
* :mod:`~sim.runner.runs`: the run list, seeds, running chunks of runs, streaming into a folder;
* :mod:`~sim.runner.executors` (serial, a process pool of :mod:`~sim.runner.workers`),
  :mod:`~sim.runner.dask_executor`: where runs are computed;
* :mod:`~sim.runner.folder`, :mod:`~sim.runner.store`: who may write a results folder; parts, resume,
  compaction;
* :mod:`~sim.runner.pipeline`: overrides -> experiment -> runs -> summary -> report, as the CLI,
  :func:`sim.run`, ``sim.calibrate`` and ``sim.check_claims`` use it.

The runner imports the model (:mod:`sim.model`) and writes the results contract (:mod:`sim.results`); the
analysis and the figures never import it. ``from sim.runner import run_experiment`` (and the other names
of :mod:`sim.runner.runs`) keeps working.
"""

from __future__ import annotations

from typing import Any

#: names importable from the package itself, each from its module (imported when first asked for)
_RUNS = (
    "RunResult",
    "Task",
    "check_before_run",
    "map_tasks",
    "outcome_columns",
    "plan",
    "run_chunk",
    "run_experiment",
    "run_seed",
    "run_to_folder",
    "simulate",
    "task_setup",
)

__all__ = list(_RUNS)


def __getattr__(name: str) -> Any:
    if name in _RUNS:
        from sim.runner import runs

        return getattr(runs, name)
    raise AttributeError(f"module 'sim.runner' has no attribute {name!r}")
