"""Calibrate uncertain parameters to observed facts by rejection ABC: ``python -m sim.calibrate``.

An observations file records dated facts about the conflict after day 0, each a condition on a run's
results, with a tolerance::

    observations:
      - id: front_holds_60
        text: The front has not moved more than 50 km in the first 60 days
        variable: front_km          # a daily series (series.parquet) ...
        stat: range                 # ... over [since, date]: value (on the date), min, max, mean, range
        op: le                      # le: stat <= value; ge: stat >= value; near: |stat - value| <= tolerance
        value: 50
        tolerance: 0                # how far a run may miss and still match (default 0)
        date: 2020-08-06            # when it was observed: the window's last day
        source: https://...         # where it is recorded (required)
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

import datetime as dt
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.command import ArgumentParser, run_command
from sim.errors import Interrupted, UserError, exit_code_of_signal
from sim.inputs import a_date, finite_number, once, output_folder, show, writing
from sim.limits import clip, listing, print_lines
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

OPS = ("le", "ge", "near")
STATS = ("value", "min", "max", "mean", "range")
PRIOR_DESIGNS = ("monte_carlo", "lhs")  # designs whose points are independent prior draws
MIN_ACCEPTED = 30  # fewer accepted runs than this: the posterior is rough, and the summary says so
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


class CalibrationError(UserError):
    """Bad input or an empty posterior (one line, shown without a traceback)."""


@dataclass(frozen=True)
class Observation:
    """A dated fact as a condition on one run's results (see the module docstring)."""

    id: str
    text: str
    source: str
    date: str
    day: int  # the date as a model day
    op: str
    value: float
    tolerance: float = 0.0
    outcome: str | None = None
    variable: str | None = None
    stat: str = "value"
    since_day: int = 0

    def describe(self) -> str:
        """A short formula, e.g. ``range(front_km, days 0-60) <= 50``."""
        if self.outcome:
            what = self.outcome
        elif self.stat == "value":
            what = f"{self.variable} on day {self.day}"
        else:
            what = f"{self.stat}({self.variable}, days {self.since_day}-{self.day})"
        sign = {"le": "<=", "ge": ">=", "near": "="}[self.op]
        tol = f" +- {self.tolerance:g}" if self.tolerance else ""
        return f"{what} {sign} {self.value:g}{tol}"


OBSERVATION_FIELDS = ("id", "text", "source", "date", "since", "op", "value", "tolerance", "outcome",
                      "variable", "stat")  # fmt: skip


def load_observations(
    path: str | Path,
    start_date: str,
    horizon_days: int,
    runs_columns: Sequence[str] | None,
    variables: Sequence[str] | None,
) -> list[Observation]:
    """Read and check an observations file against an experiment.

    Args:
        path: the YAML file.
        start_date: the experiment's day 0 (ISO date).
        horizon_days: its last day.
        runs_columns: outcome columns of its runs (None: not checked yet).
        variables: its series variables (None: not checked yet).

    Raises:
        CalibrationError: one line naming ``FILE: observations[i].field`` and what is allowed; an id
            given twice is refused too.
    """
    from sim.config import read_entries

    entries = read_entries(path, "observations", CalibrationError)
    start = dt.date.fromisoformat(start_date)
    out: list[Observation] = []
    ids: dict[Any, str] = {}
    for i, e in enumerate(entries):
        entry = f"observations[{i}]"
        key = f"{path}: {entry}"
        if not isinstance(e, dict):
            raise CalibrationError(
                f"{key}: got {show(e)}; allowed: a mapping with id, outcome or variable, op, value, date"
            )
        extra = [f for f in e if f not in OBSERVATION_FIELDS]
        if extra:
            raise CalibrationError(
                f"{key}.{clip(extra[0], 40)}: unknown field; allowed: {', '.join(sorted(OBSERVATION_FIELDS))}"
            )
        oid = e.get("id")
        if not isinstance(oid, str) or not oid.strip():
            raise CalibrationError(f"{key}.id: got {show(oid)}; allowed: a unique non-empty name")
        once(ids, oid, f"{key}.id", entry, CalibrationError)
        for field in ("text", "source", "outcome", "variable", "stat", "op"):
            if field in e and not isinstance(e[field], str):
                raise CalibrationError(f"{key}.{field}: got {show(e[field])}; allowed: text")
        if not str(e.get("source") or "").strip():
            raise CalibrationError(f"{key}.source: missing; every observation names where it is recorded")
        date = a_date(e.get("date"), f"{key}.date", CalibrationError)
        day = (date - start).days
        if not 0 <= day <= horizon_days:
            raise CalibrationError(
                f"{key}.date: {date} is day {day}; allowed: day 0 ({start}) to the horizon ({horizon_days})"
            )
        op = e.get("op")
        if op not in OPS:
            raise CalibrationError(f"{key}.op: got {show(op)}; allowed: {', '.join(OPS)}")
        value = finite_number(e.get("value"), f"{key}.value", CalibrationError)
        tol = finite_number(e.get("tolerance", 0), f"{key}.tolerance", CalibrationError, low=0)
        outcome, variable = e.get("outcome"), e.get("variable")
        if (outcome is None) == (variable is None):
            raise CalibrationError(
                f"{key}: give exactly one of outcome (a runs column) or variable (a series)"
            )
        stat, since_day = e.get("stat", "value"), 0
        if outcome is not None:
            if runs_columns is not None and outcome not in runs_columns:
                allowed = listing(c for c in runs_columns if not c.startswith("holder_"))
                raise CalibrationError(f"{key}.outcome: got {show(outcome)}; allowed: {allowed}")
            if "stat" in e or "since" in e:
                raise CalibrationError(f"{key}: stat and since apply to a variable, not an outcome")
        else:
            if variables is not None and variable not in variables:
                raise CalibrationError(
                    f"{key}.variable: got {show(variable)}; allowed: {listing(sorted(variables))}"
                )
            if stat not in STATS:
                raise CalibrationError(f"{key}.stat: got {show(stat)}; allowed: {', '.join(STATS)}")
            if "since" in e:
                since_day = (a_date(e["since"], f"{key}.since", CalibrationError) - start).days
                if not 0 <= since_day <= day:
                    raise CalibrationError(
                        f"{key}.since: day {since_day}; allowed: day 0 to the date's day {day}"
                    )
        out.append(
            Observation(
                id=oid,
                text=str(e.get("text") or oid),
                source=str(e["source"]).strip(),
                date=date.isoformat(),
                day=day,
                op=op,
                value=value,
                tolerance=tol,
                outcome=outcome,
                variable=variable,
                stat=stat,
                since_day=since_day,
            )
        )
    return out


def statistics(observations: Sequence[Observation], runs: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """Each observation's statistic in each run (index ``run_id``, one column per observation id).

    A ``*_day`` outcome that never happened (NaN) is +inf; any other missing value stays NaN.
    """
    index = pd.Index(runs["run_id"].to_numpy(), name="run_id")
    columns: dict[str, np.ndarray] = {}
    for o in observations:
        if o.outcome is not None:
            x = pd.to_numeric(runs[o.outcome].map(_number), errors="coerce").to_numpy(dtype=float)
            if o.outcome.endswith("_day"):
                x = np.where(np.isnan(x), np.inf, x)
            columns[o.id] = x
            continue
        s = series[(series["variable"] == o.variable) & series["day"].between(o.since_day, o.day)]
        if o.stat == "value":
            stat = s[s["day"] == o.day].set_index("run_id")["value"]
        else:
            g = s.groupby("run_id")["value"]
            stat = g.max() - g.min() if o.stat == "range" else g.agg(o.stat)
        columns[o.id] = stat.reindex(index).to_numpy(dtype=float)
    return pd.DataFrame(columns, index=index, columns=[o.id for o in observations])


def _number(v: Any) -> Any:
    """A value of a runs column as a number where it is one (yes/no as 1/0, text as NaN)."""
    if v is None or isinstance(v, str):
        return math.nan
    return float(v) if isinstance(v, bool | np.bool_) else v


def distances(observations: Sequence[Observation], stats: pd.DataFrame) -> pd.DataFrame:
    """How far each run misses each observation (0 = satisfied; NaN statistics are infinitely far)."""
    columns: dict[str, np.ndarray] = {}
    for o in observations:
        x = stats[o.id].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            if o.op == "le":
                d = np.maximum(0.0, x - o.value)
            elif o.op == "ge":
                d = np.maximum(0.0, o.value - x)
            else:
                d = np.abs(x - o.value)
        columns[o.id] = np.where(np.isnan(d), np.inf, d)
    return pd.DataFrame(columns, index=stats.index, columns=[o.id for o in observations])


def _spec(config: Mapping[str, Any], key: str) -> Any:
    """The prior of ``key`` in the prior experiment's config: its ``uncertain`` spec or its posterior."""
    node: Any = config.get("uncertain") or {}
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if isinstance(node, Mapping) and "dist" in node:
        return dict(node)
    cal = config.get("calibrated") or {}
    if any(p.get("key") == key for p in cal.get("parameters") or []):
        return {"calibrated": cal.get("name", "")}
    return {}


def _plain(x: Any) -> Any:
    """A YAML-friendly scalar; floats keep 7 significant digits (the draws' spread is far coarser)."""
    if isinstance(x, np.generic):
        x = x.item()
    return float(f"{x:.7g}") if isinstance(x, float) else x


def posterior_config(
    name: str,
    accepted: pd.DataFrame,
    keys: Sequence[str],
    prior_config: Mapping[str, Any],
    observations: Sequence[Observation],
    *,
    prior_runs: int,
    prior_experiment: str,
) -> dict[str, Any]:
    """The ``calibrated`` config node (:class:`sim.config.CalibratedConfig`) of a rejection posterior."""
    return {
        "name": name,
        "method": "rejection ABC",
        "created": dt.date.today().isoformat(),
        "prior_experiment": prior_experiment,
        "accepted": len(accepted),
        "prior_runs": prior_runs,
        "observations": [
            {"id": o.id, "text": o.text, "condition": o.describe(), "date": o.date, "source": o.source}
            for o in observations
        ],
        "parameters": [
            {"key": k, "prior": _spec(prior_config, k), "values": [_plain(v) for v in accepted[k]]}
            for k in keys
        ],
    }


def write_posterior(node: Mapping[str, Any], path: Path, usage: str) -> None:
    """Write a posterior config group file (``# @package calibrated``), atomically."""
    import yaml

    header = (
        "# @package calibrated\n"
        f"# Joint posterior of rejection ABC, written by `python -m sim.calibrate` on {node['created']}:\n"
        f"# {node['accepted']} of {node['prior_runs']} prior runs ({node['prior_experiment']})\n"
        "# matched every observation below (each with its source). Draw i of every parameter is one\n"
        "# accepted run.\n"
        f"# Use: {usage}\n"
    )
    body = yaml.safe_dump(dict(node), sort_keys=False, width=110, allow_unicode=True, default_flow_style=None)
    atomic_write(path, lambda p: p.write_text(header + body))


def _describe(x: pd.Series) -> dict[str, Any]:
    v = pd.to_numeric(x, errors="coerce")
    if v.notna().all() and x.map(lambda y: not isinstance(y, bool | np.bool_)).all():
        q = v.quantile([0.05, 0.5, 0.95]).to_numpy()
        return {
            "mean": v.mean(),
            "sd": v.std(ddof=1) if len(v) > 1 else 0.0,
            "q05": q[0],
            "median": q[1],
            "q95": q[2],
        }
    return {"shares": {str(k): float(c) for k, c in x.value_counts(normalize=True).items()}}


def _check_design(design: str) -> None:
    """Rejection ABC needs independent draws from the prior."""
    if design not in PRIOR_DESIGNS:
        raise CalibrationError(
            f"mc.design: {design} does not draw independent prior samples; "
            f"allowed: {', '.join(PRIOR_DESIGNS)}"
        )


def calibrate(res: Results, observations: Sequence[Observation], name: str) -> tuple[dict, dict]:
    """Rejection ABC on a finished prior experiment.

    Returns:
        ``(posterior, report)``: the ``calibrated`` config node (:func:`posterior_config`) and a
        summary (acceptance, each observation's match share in the prior runs, prior and posterior
        summaries of each parameter), the latter also kept as ``report["accepted_runs"]`` (run ids).

    Raises:
        CalibrationError: the experiment has no uncertain parameters, is not a prior sample, or no run
            matched every observation.
    """
    keys = list(res.summary.get("experiment", {}).get("uncertain_parameters") or [])
    if not keys:
        raise CalibrationError(
            f"{res.path}: the experiment has no uncertain parameters to calibrate "
            "(run it with uncertain=<group>)"
        )
    _check_design((res.config.get("mc") or {}).get("design", "monte_carlo"))
    ok = res.runs[res.runs["status"] == "ok"].reset_index(drop=True)
    if ok.empty:
        raise CalibrationError(f"{res.path}: every run of the prior failed ({len(res.runs)} runs)")
    stats = statistics(observations, ok, res.series)
    dist = distances(observations, stats)
    tol = pd.Series({o.id: o.tolerance for o in observations})
    match = dist.le(tol, axis=1)
    accept = match.all(axis=1).to_numpy()
    n_acc = int(accept.sum())
    shares = {o.id: float(match[o.id].mean()) for o in observations}
    if n_acc == 0:
        worst = min(shares, key=shares.get)
        raise CalibrationError(
            f"no run of {len(ok)} matched every observation (least matched: {worst}, "
            f"{shares[worst]:.0%} of runs); loosen tolerances or run more prior draws"
        )
    accepted = ok.loc[accept]
    posterior = posterior_config(
        name,
        accepted,
        keys,
        res.config,
        observations,
        prior_runs=len(ok),
        prior_experiment=str(res.path),
    )
    report = {
        "name": name,
        "method": "rejection ABC",
        "prior_experiment": str(res.path),
        "scenario": res.scenario,
        "prior_runs": len(ok),
        "failed_runs": int((res.runs["status"] != "ok").sum()),
        "accepted": n_acc,
        "acceptance_rate": n_acc / len(ok),
        "observations": [
            {**posterior["observations"][i], "tolerance": o.tolerance, "prior_match_share": shares[o.id]}
            for i, o in enumerate(observations)
        ],
        "parameters": {k: {"prior": _describe(ok[k]), "posterior": _describe(accepted[k])} for k in keys},
        "notes": (
            [f"only {n_acc} runs accepted (< {MIN_ACCEPTED}): the posterior is rough; run more prior draws"]
            if n_acc < MIN_ACCEPTED
            else []
        ),
        "accepted_runs": [int(r) for r in accepted["run_id"]],
    }
    return posterior, report


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
    _check_design(exp.config.mc.design)
    return exp


def _check_folder(folder: Path, prior: Any) -> None:
    """The prior runs into ``folder`` only if it holds this prior or nothing (see sim.store.check_folder).

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
    args = ap.parse_intermixed_args(argv)
    name = _check_name(args.name)
    target = (
        output_folder(Path(args.config_dir) / "calibrated", "--config-dir", CalibrationError) / f"{name}.yaml"
    )
    if target.is_dir():
        raise CalibrationError(f"--name: {target} is a folder; choose another --name")
    if target.exists() and not args.force:
        raise CalibrationError(f"{target}: exists; pass --force to replace it, or choose another --name")
    if not Path(args.observations).is_file():
        raise CalibrationError(f"{args.observations}: no such file")
    if args.results:
        if args.overrides:
            raise CalibrationError("overrides: not used with --results (the prior experiment is already run)")
        output_folder(args.results, "--results", CalibrationError)  # the report and figure go there
        res = load(args.results)
    else:
        import sim

        overrides = [*args.overrides, "analysis.report=false"]
        prior = _prior_experiment(overrides)
        config = prior.config
        load_observations(args.observations, config.theatre.start_date, config.horizon_days, None, None)
        folder = output_folder(
            args.folder or Path("outputs") / "calibrate" / name, "--folder", CalibrationError
        )
        _check_folder(folder, prior)
        print(f"prior experiment: {folder}", file=sys.stderr)
        try:
            res = sim.run(overrides, folder, quiet=True)
        except Interrupted as stop:  # the finished chunks are saved in the folder
            print(f"{stop.what}: {stop}; to resume, rerun this command", file=sys.stderr)
            return exit_code_of_signal(stop)
    exp = res.summary["experiment"]
    observations = load_observations(
        args.observations,
        str(exp["start_date"]),
        int(exp["horizon_days"]),
        list(res.runs.columns),
        res.series["variable"].unique().tolist(),
    )
    posterior, report = calibrate(res, observations, name)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.figures import plot_calibration

    out = Path(res.path)
    report_file = f"calibration-{name}.json"
    overrides = [o for o in (args.overrides or []) if o.startswith("uncertain=")]
    usage = f"python -m sim {' '.join(overrides) + ' ' if overrides else ''}+calibrated={name}"
    fig, _ = plot_calibration(res.runs[res.runs["status"] == "ok"], report, where=report_file)
    figure = out / "figures" / f"calibration-{name}.png"
    with writing(out):
        atomic_write(figure, lambda p: fig.savefig(p, dpi=120, format="png"))
        plt.close(fig)
        write_json(report, out / report_file)
    with writing(target.parent):
        write_posterior(posterior, target, usage)
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
    print(f"report: {out / report_file}; figure: {figure}; use: {usage}")
    return 0


if __name__ == "__main__":
    run_command(main)
