"""Schema of an experiment's settings: scenario, Monte Carlo, executor, questions, analysis, posterior.

Part of the configuration schema (:mod:`sim.config` re-exports every class); each numeric field's
default and bounds come from :mod:`sim.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from sim.schema import MAX_RUNS, choice, num

__all__ = [
    "RUN_TIMEOUT_MAX",
    "AnalysisConfig",
    "CalibratedConfig",
    "CalibratedParameterConfig",
    "ExecutorConfig",
    "MCConfig",
    "QuestionConfig",
    "ScenarioConfig",
    "TunedConfig",
]

#: Longest per-run time limit, in seconds (about 11.6 days): beyond it the clocks' arithmetic overflows.
RUN_TIMEOUT_MAX = 1_000_000.0


@dataclass
class ScenarioConfig:
    """Name and description of the scenario (set by ``configs/scenario/*.yaml``)."""

    name: str = "baseline"
    description: str = ""
    # The theatre this scenario is written for (its readings and assumptions are that conflict's), or ""
    # for a scenario any theatre can run. A scenario written for one theatre selects it in its defaults
    # list (`- override /theatre: <name>`); running it with another theatre is refused.
    theatre: str = ""
    # Questions whose answer this scenario fixes by assumption (question id -> why): reported as
    # "assumed by the scenario", not as forecasts, and not scored.
    assumes: dict[str, str] = field(default_factory=dict)


@dataclass
class MCConfig:
    """Monte Carlo settings: how many runs, which design, which seed."""

    # Design points (monte_carlo, lhs), base samples N (sobol: N x (d + 2) points) or trajectories
    # (morris: N x (d + 1) points) over the uncertain parameters; without any, simply the runs.
    runs: int = num(500, 1, MAX_RUNS)
    replications: int = num(1, 1, 10_000)  # seeds per design point
    design: str = choice("monte_carlo", ("monte_carlo", "lhs", "sobol", "morris"))
    seed: int = num(20200607, 0, 2**63 - 1)
    progress: bool = True  # a progress bar when stderr is a terminal
    resume: bool = True  # rerunning into a folder that holds part of this experiment runs only the rest


@dataclass
class ExecutorConfig:
    """Where runs are computed (``configs/executor/``): results are the same on every executor."""

    kind: str = choice("processes", ("serial", "processes", "dask"))
    # 0 = all usable cores; local workers (processes, local Dask cluster) are capped at the usable cores and
    # the number of chunks, with a line on stderr when a request is capped
    workers: int = num(0, 0, 1024)
    address: str | None = None  # dask: scheduler address, e.g. tcp://10.0.0.5:8786; none = LocalCluster
    chunk: int = num(0, 0, MAX_RUNS)  # runs per task sent to a worker; 0 = automatic
    max_tasks_per_child: int = num(200, 1, 1_000_000)  # processes: recycle a worker after this many chunks
    # A run's time limit in seconds (0 = none); a run over it is recorded as failed (RunTimeout) and the
    # experiment goes on. 900 s is ~1,000x a 365-day run of the heaviest scenario here (< 1 s), so only a
    # run that hangs meets it. The model checks it before each day; serial and processes also stop a run
    # stuck inside a day after the limit plus 10 % (at least 1 s). Not in the experiment's fingerprint.
    run_timeout_s: float = num(900.0, 0.0, RUN_TIMEOUT_MAX)


#: A question's operators (see QuestionConfig).
QUESTION_OP_NAMES = ("le", "lt", "ge", "gt", "eq", "happened", "not_happened", "true", "quantiles")


@dataclass
class QuestionConfig:
    """A forecast question over the per-run outcomes.

    ``op`` is one of ``le``/``lt``/``ge``/``gt`` (compare ``outcome`` with ``value``; a NaN outcome, an
    event that never happened, counts as no), ``eq`` (the outcome equals ``value``, a number or a label
    such as a faction holding a place: ``outcome: holder_<place>, op: eq, value: <faction>``),
    ``happened`` (the ``*_day`` outcome is not NaN, and at most ``by_day`` if given: the question's
    horizon, else the experiment's), ``not_happened`` (its opposite: e.g. a ceasefire still unbroken at
    the horizon), ``true`` (a boolean outcome) or ``quantiles`` (a numeric question: the outcome's
    distribution over the runs where it is defined).

    A question may be added on the command line: ``+questions.q='{text: ..., outcome: ..., op: ...}'``
    (:func:`sim.runner.compose.expand_questions`).
    """

    text: str = MISSING
    outcome: str = MISSING
    op: str = choice("happened", QUESTION_OP_NAMES)
    value: Any = None  # a number; for op eq also a label (text)
    by_day: int | None = None  # op (not_)happened: the event by this day (<= horizon_days); none: the horizon
    unit: str = ""  # op quantiles: the outcome's unit, for tables and figures
    # Mechanisms (keys of ``mechanisms``) of which at least one must be on for the question to be
    # answerable; otherwise the summary says "not modelled" instead of a probability of 0.
    requires: list[str] = field(default_factory=list)


@dataclass
class TunedConfig:
    """A parameter set by hand so the model reproduces historical facts (``analysis.tuned``)."""

    parameter: str = MISSING  # its config key, e.g. mechanisms.combat.assault_ratio
    to: list[str] = field(default_factory=list)  # the facts' event ids (``event`` in seeds/ files)
    how: str = ""  # what was matched, in words


@dataclass
class AnalysisConfig:
    """How summaries and reports are computed from the results (``python -m sim.report`` reads it too)."""

    confidence: float = num(0.9, 0.5, 0.999)  # level of every interval
    interval: str = choice("wilson", ("wilson", "jeffreys"))  # interval for probabilities (scipy)
    # The question (id in ``questions``, an event) or outcome column that sensitivity analysis and
    # scenario discovery (PRIM) explain from the uncertain parameters.
    target: str = ""  # set by the theatre file; "" = no explanation of any question
    report: bool = True  # write report.md and figures/ at the end of every experiment
    # Parameters set by hand to reproduce historical facts (set by the theatre file): those facts are
    # in-sample, and python -m sim.score scores the questions about them apart (not evidence of skill).
    tuned: list[TunedConfig] = field(default_factory=list)


@dataclass
class CalibratedParameterConfig:
    """One parameter of a calibrated posterior: its config key, its prior and its posterior draws."""

    key: str = MISSING
    prior: dict[str, Any] = field(default_factory=dict)  # the prior's distribution spec (a record)
    values: list[Any] = MISSING  # draw i of every parameter belongs to the same accepted run


@dataclass
class CalibratedConfig:
    """A joint posterior written by ``python -m sim.calibrate`` (``configs/calibrated/<name>.yaml``).

    Selected with ``+calibrated=<name>``: each run draws one accepted run's parameter values (all its
    parameters together, so their correlations are kept), replacing the priors of the same keys in
    ``uncertain``.
    """

    name: str = ""
    method: str = ""
    created: str = ""
    prior_experiment: str = ""  # results folder the prior runs came from
    accepted: int = 0
    prior_runs: int = 0
    observations: list[dict[str, Any]] = field(default_factory=list)  # what was matched (a record)
    parameters: list[CalibratedParameterConfig] = field(default_factory=list)
