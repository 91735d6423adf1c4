"""Scenario forecasting and simulation toolkit.

Layers (data flows one way): theatre data -> :class:`sim.model.ConflictModel` (Mesa) -> Monte Carlo
runner (:mod:`sim.runner`) -> results folder (:mod:`sim.results`) -> summaries, analysis
(:mod:`sim.analysis`), figures (:mod:`sim.figures`) and reports (:mod:`sim.report`).
``import sim`` stays light: it imports neither matplotlib nor the model.

From Python (notebooks, scripts), :func:`run` does what ``python -m sim <overrides>`` does and returns
the loaded results::

    import sim
    res = sim.run(["scenario=eastern_unrest", "mc.runs=200"], "outputs/east")
    res.summary["questions"]["gna_takes_sirte"]["probability"]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.results import Results

__version__ = "0.1.0"

__all__ = ["__version__", "load", "run"]


def run(
    overrides: Sequence[str] = (),
    folder: str | Path | None = None,
    *,
    quiet: bool = False,
    config_dir: str | Path | None = None,
) -> Results:
    """Run an experiment exactly as ``python -m sim <overrides>`` does, into ``folder``, and load it.

    The config is composed with Hydra's compose API from ``configs/`` and the same overrides as on the
    command line; the folder gets the same files (``runs.parquet``, ``series.parquet``, ``summary.json``,
    ``report.md`` and ``figures/`` unless ``analysis.report=false``, ``.hydra/config.yaml``). A folder
    holding part of the same experiment is resumed.

    Args:
        overrides: Hydra overrides, e.g. ``["scenario=eastern_unrest", "mc.runs=200"]``.
        folder: the results folder (default: ``outputs/<date>/<time>`` under the current directory).
        quiet: do not print the summary table.
        config_dir: a folder of your own configs (``theatre/``, ``scenario/``, ``questions/``, ...) searched
            besides ``configs/``, as ``python -m sim --config-dir DIR`` does.

    Returns:
        The loaded results (:class:`sim.results.Results`).

    Raises:
        sim.config.ConfigError: a bad override, question or target (one line naming the key), before
            anything is written.
        sim.runner.store.FolderError: ``folder`` holds another experiment, results without an experiment
            record, or another process is writing it (one line); nothing in it was changed.
    """
    import contextlib
    import io
    from datetime import datetime

    from sim.results import load as _load
    from sim.runner.compose import compose
    from sim.runner.experiment import prepare
    from sim.runner.pipeline import execute
    from sim.runner.runs import check_before_run

    cfg = compose(list(overrides), extra_dir=Path(config_dir) if config_dir is not None else None)
    exp = prepare(cfg)
    check_before_run(exp)  # questions' outcomes and operators, analysis.target: before anything is written
    if folder is None:
        folder = Path("outputs") / datetime.now().strftime("%Y-%m-%d/%H-%M-%S")
    folder = Path(folder)
    sink = io.StringIO() if quiet else None
    with contextlib.redirect_stdout(sink) if sink is not None else contextlib.nullcontext():
        execute(exp, folder, cfg)
    return _load(folder)


def load(path: str | Path) -> Results:
    """Load a finished results folder (see :func:`sim.results.load`)."""
    from sim.results import load as _load

    return _load(path)
