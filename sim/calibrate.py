"""Calibrate uncertain parameters to observed facts by rejection ABC: ``python -m sim.calibrate``.

An observations file records dated facts about the conflict after day 0, each a condition on a run's
results, with a tolerance::

    observations:
      - id: front_holds_60
        text: The front has not moved more than 50 km in the first 60 days
        variable: front_km          # a daily series (series.parquet) ...
        stat: range                 # ... over [since, date]: value (on the date), min, max, mean, range,
                                    # change (value on the date - value on since)
        op: le                      # le: stat <= value; ge: stat >= value; near: |stat - value| <= tolerance
        value: 50
        tolerance: 0                # how far a run may miss and still match (default 0)
        date: 2020-08-06            # when it was observed: the window's last day
        source: https://...         # where it is recorded (required)
        event: front_holds_summer_2020  # the historical fact (default: the id); a fact used here is
                                        # in-sample for python -m sim.score (sim.analysis.forecast_scores)
      - id: blockade_lifted
        outcome: blockade_lifted_day   # ... or a per-run outcome (runs.parquet); a *_day outcome
        op: near                       # that never happened (NaN) counts as later than any day
        value: 103
        tolerance: 21
        date: 2020-09-18
        source: ...

Approximate Bayesian computation by rejection (Pritchard et al. 1999; Beaumont 2010): run the prior
design (an experiment with uncertain parameters, ``uncertain=<group>``, through the runner and its
executors), keep the runs whose results match every observation within its tolerance; their parameter
values are draws from the approximate posterior. The posterior is written as the config group
``configs/calibrated/<name>.yaml``, used by a later experiment with ``+calibrated=<name>`` (each run then
takes one accepted run's values of all the parameters together, so their correlations are kept);
``calibration-<name>.json`` and ``figures/calibration-<name>.png`` (prior against posterior for each
parameter) go into the prior's results folder.

Usage::

    python -m sim.calibrate seeds/observations_2020.yaml --name june2020 uncertain=june2020 mc.runs=2000
    python -m sim.calibrate OBSERVATIONS.yaml --name NAME --results RESULTS_DIR   # reuse a prior experiment
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.analysis.abc import (  # noqa: F401 (PRIOR_DESIGNS re-exported)
    MIN_ACCEPTED,
    PRIOR_DESIGNS,
    calibrate,
    check_design,
    posterior_config,
    write_posterior,
)
from sim.analysis.observations import (  # noqa: F401 (OPS, STATS, OBSERVATION_FIELDS re-exported)
    OBSERVATION_FIELDS,
    OPS,
    STATS,
    CalibrationError,
    Observation,
    distances,
    load_observations,
    statistics,
)
from sim.command import ArgumentParser, run_command
from sim.errors import Interrupted, exit_code_of_signal
from sim.inputs import output_folder, writing
from sim.limits import clip, print_lines
from sim.results import Results, atomic_write, load, write_json

__all__ = [
    "MIN_ACCEPTED",
    "CalibrationError",
    "Observation",
    "calibrate",
    "distances",
    "load_observations",
    "main",
    "posterior_config",
    "statistics",
]

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


def _check_name(name: str) -> str:
    if not name or not set(name) <= _NAME_CHARS or name[0] in "-_":
        raise CalibrationError(f"--name: got {name!r}; allowed: lower-case letters, digits, '_' and '-'")
    return name


def _prior_experiment(overrides: Sequence[str]) -> Any:
    """The prior experiment the overrides compose, checked before anything runs.

    Raises:
        ConfigError: a bad override (one line).
        CalibrationError: no uncertain parameters, or a design that does not draw from the prior.
    """
    from sim.runner.pipeline import prepare_overrides

    exp = prepare_overrides(list(overrides))
    if not exp.parameter_keys:
        raise CalibrationError("the prior has no uncertain parameters to calibrate; add uncertain=<group>")
    check_design(exp.config.mc.design)
    return exp


def _check_folder(folder: Path, prior: Any) -> None:
    """The prior runs into ``folder`` only if it holds this prior or nothing (:func:`check_folder`).

    Raises:
        FolderError: one line starting with ``--folder``; nothing was changed.
    """
    from sim.runner.store import FolderError, check_folder

    try:
        check_folder(folder, prior.fingerprint(), resume=prior.config.mc.resume)
    except FolderError as exc:
        raise type(exc)(f"--folder: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.calibrate OBSERVATIONS.yaml --name NAME [--results DIR] [overrides...]``.

    Raises:
        sim.errors.UserError: bad input (one line; :func:`sim.command.run_command` exits 2).
    """
    args = _parser().parse_intermixed_args(argv)
    name = _check_name(args.name)
    target = _posterior_file(args, name)
    if args.results:
        res = _load_prior(args)
    else:
        res = _run_prior(args, name)
        if isinstance(res, int):  # interrupted: its exit code
            return res
    exp = res.summary["experiment"]
    observations = load_observations(
        args.observations,
        str(exp["start_date"]),
        int(exp["horizon_days"]),
        list(res.runs.columns),
        res.series["variable"].unique().tolist(),
    )
    posterior, report = calibrate(res, observations, name)
    overrides = [o for o in (args.overrides or []) if o.startswith("uncertain=")]
    usage = f"python -m sim {' '.join(overrides) + ' ' if overrides else ''}+calibrated={name}"
    report_file, figure = _write(res, report, posterior, target, name, usage)
    _print_summary(report, target, Path(res.path) / report_file, figure, usage)
    return 0


def _parser() -> ArgumentParser:
    from sim.runner.compose import CONFIG_DIR

    ap = ArgumentParser(prog="python -m sim.calibrate", description=__doc__.splitlines()[0])
    ap.add_argument("observations", help="YAML file of dated observations")
    ap.add_argument("--name", required=True, help="name of the posterior: +calibrated=NAME")
    ap.add_argument("--results", help="a finished prior experiment (default: run one with the overrides)")
    ap.add_argument("--folder", help="where to run the prior experiment (default: outputs/calibrate/NAME)")
    ap.add_argument(
        "--config-dir", default=str(CONFIG_DIR), help="configs folder to write calibrated/NAME.yaml into"
    )
    ap.add_argument("--force", action="store_true", help="replace an existing posterior of that name")
    ap.add_argument(
        "overrides", nargs="*", help="Hydra overrides of the prior experiment, e.g. uncertain=june2020"
    )
    return ap


def _posterior_file(args: Any, name: str) -> Path:
    """``CONFIG_DIR/calibrated/NAME.yaml``, checked before any work, as is the observations file."""
    target = (
        output_folder(Path(args.config_dir) / "calibrated", "--config-dir", CalibrationError) / f"{name}.yaml"
    )
    if target.is_dir():
        raise CalibrationError(f"--name: {target} is a folder; choose another --name")
    if target.exists() and not args.force:
        raise CalibrationError(f"{target}: exists; pass --force to replace it, or choose another --name")
    if not Path(args.observations).is_file():
        raise CalibrationError(f"{args.observations}: no such file")
    return target


def _load_prior(args: Any) -> Results:
    """The finished prior experiment of ``--results``."""
    if args.overrides:
        raise CalibrationError("overrides: not used with --results (the prior experiment is already run)")
    output_folder(args.results, "--results", CalibrationError)  # the report and figure go there
    return load(args.results)


def _run_prior(args: Any, name: str) -> Results | int:
    """Run the prior experiment the overrides compose (checked first); an exit code if interrupted."""
    import sim

    overrides = [*args.overrides, "analysis.report=false"]
    prior = _prior_experiment(overrides)
    config = prior.config
    load_observations(args.observations, config.theatre.start_date, config.horizon_days, None, None)
    folder = output_folder(args.folder or Path("outputs") / "calibrate" / name, "--folder", CalibrationError)
    _check_folder(folder, prior)
    print(f"prior experiment: {folder}", file=sys.stderr)
    try:
        return sim.run(overrides, folder, quiet=True)
    except Interrupted as stop:  # the finished chunks are saved in the folder
        print(f"{stop.what}: {stop}; to resume, rerun this command", file=sys.stderr)
        return exit_code_of_signal(stop)


def _write(
    res: Results, report: dict, posterior: dict, target: Path, name: str, usage: str
) -> tuple[str, Path]:
    """The report and figure into the prior's folder, the posterior into the configs; their names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.figures import plot_calibration

    out = Path(res.path)
    report_file = f"calibration-{name}.json"
    fig, _ = plot_calibration(res.runs[res.runs["status"] == "ok"], report, where=report_file)
    figure = out / "figures" / f"calibration-{name}.png"
    with writing(out):
        atomic_write(figure, lambda p: fig.savefig(p, dpi=120, format="png"))
        plt.close(fig)
        write_json(report, out / report_file)
    with writing(target.parent):
        write_posterior(posterior, target, usage)
    return report_file, figure


def _print_summary(report: dict, target: Path, report_path: Path, figure: Path, usage: str) -> None:
    """Acceptance, each observation's match share and each parameter's shift, on stdout."""
    report_file = report_path.name
    print(
        f"{report['accepted']:,} of {report['prior_runs']:,} prior runs accepted "
        f"({report['acceptance_rate']:.1%}); posterior: {target}"
    )
    print_lines(
        [
            f"  {clip(o['id'], 40)}: {clip(o['condition'], 80)}; "
            f"matched by {o['prior_match_share']:.0%} of prior runs"
            for o in report["observations"]
        ],
        report_file,
    )
    lines = []
    for k, v in report["parameters"].items():
        a, b = v["prior"], v["posterior"]
        if "median" in a:
            lines.append(
                f"  {clip(k, 60)}: median {a['median']:.4g} -> {b['median']:.4g} "
                f"(90% {b['q05']:.4g} to {b['q95']:.4g})"
            )
    print_lines(lines, report_file)
    print_lines([f"note: {n}" for n in report["notes"]], report_file)
    print(f"report: {report_path}; figure: {figure}; use: {usage}")


if __name__ == "__main__":
    run_command(main)
