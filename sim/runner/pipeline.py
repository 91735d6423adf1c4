"""The experiment pipeline: overrides -> experiment -> runs in a results folder -> summary -> report.

``python -m sim`` (:mod:`sim.cli`), :func:`sim.run`, :mod:`sim.calibrate` and :mod:`sim.check_claims`
go through here: :func:`prepare_overrides` composes and prepares an experiment (any failure is one line,
:func:`one_line_error`), and :func:`execute` runs it into its folder and writes the summary and report.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError
from sim.errors import Interrupted
from sim.results import StorageError
from sim.runner import provenance
from sim.runner.assumptions import scenario_record
from sim.runner.compose import compose
from sim.runner.experiment import Experiment, prepare

__all__ = ["checked", "execute", "one_line_error", "prepare_overrides"]


def one_line_error(exc: BaseException, overrides: list[str] | None = None) -> str:
    """A one-line message for a config error: the key, and what is allowed where we can tell."""
    import yaml
    from hydra.errors import MissingConfigException, OverrideParseException
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

    chain, e = [], exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, ConfigError):
            return str(e)
        if isinstance(e, yaml.MarkedYAMLError) and e.problem_mark is not None:
            mark = e.problem_mark
            return f"{mark.name}:{mark.line + 1}: {e.problem}"
        if isinstance(e, MissingConfigException) and str(e).startswith("Cannot find primary config"):
            return f"--config-name: no primary config {e.missing_cfg_file!r} in the config folders"
        if isinstance(e, MissingConfigException) and e.options is not None and e.missing_cfg_file:
            group, _, name = e.missing_cfg_file.rpartition("/")
            allowed = ", ".join(sorted(e.options)) or "(none)"
            return f"{group or 'config'}: unknown option {name!r}; allowed: {allowed}"
        if isinstance(e, OverrideParseException):
            return f"{e.override}: cannot parse this override ({_first_line(e.message)})"
        if isinstance(e, ConfigKeyError | ConfigAttributeError) and getattr(e, "full_key", None):
            return f"{e.full_key}: unknown key; {_known_keys(e.full_key, overrides)}"
        if isinstance(e, OmegaConfBaseException) and getattr(e, "full_key", None):
            return f"{e.full_key}: {_first_line(str(getattr(e, 'msg', e)))}"
    message = _first_line(str(exc)) or type(exc).__name__
    return f"{' '.join(overrides)}: {message}" if overrides else message


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _known_keys(full_key: str, overrides: list[str] | None) -> str:
    parent = full_key.rpartition(".")[0]
    try:
        base = compose([o for o in (overrides or []) if o.startswith(("scenario=", "theatre="))])
        node = OmegaConf.select(base, parent) if parent else base
    except Exception:  # the hint is optional
        return "see `python -m sim --cfg job` for the keys"
    if isinstance(node, DictConfig):
        keys = [str(k) for k in node.keys() if k != "hydra"]
        if not keys:
            return f"to add a new key there, write +{full_key}=..."
        return "known keys here: " + ", ".join(keys)
    return "see `python -m sim --cfg job` for the keys"


def checked(overrides: list[str], what: Callable[[], Any]) -> Any:
    """``what()``, with any failure (ours, Hydra's, OmegaConf's) on ``overrides`` as one line.

    Raises:
        ConfigError: with the one-line message to show (:func:`one_line_error`).
    """
    try:
        return what()
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(one_line_error(exc, list(overrides))) from exc


def prepare_overrides(overrides: list[str]) -> Experiment:
    """Compose and prepare an experiment; any failure (ours, Hydra's, OmegaConf's) is one line.

    Raises:
        ConfigError: with the one-line message to show.
    """
    return checked(list(overrides), lambda: prepare(compose(list(overrides))))


def execute(
    exp: Experiment, outdir: Path, cfg: DictConfig | None = None, overrides: list[str] | None = None
) -> dict[str, Any]:
    """Run an experiment into its results folder (resuming one left unfinished); print the summary.

    The folder is checked before anything in it is written, moved or deleted, and held (one writer at a
    time) until the summary and report are written: see :func:`sim.runner.store.open_folder`.

    Args:
        exp: the prepared experiment.
        outdir: the results folder (Hydra's output dir).
        cfg: the composed config, saved as ``.hydra/config.yaml`` unless the folder has one.
        overrides: the command line's overrides, saved as ``.hydra/overrides.yaml`` (a record).

    Returns:
        The summary (as written to ``summary.json``).

    Raises:
        sim.runner.store.FolderError: the folder holds another experiment, results without an experiment
            record, or another process is writing it; nothing in it was changed.
        sim.results.StorageError: the folder cannot be written (read-only, disk full); the chunks saved
            before stay, and no ``summary.json`` is written, so the folder does not look finished.
        sim.errors.Interrupted: Ctrl-C, SIGTERM or SIGHUP during the runs; the finished chunks are saved.
    """
    try:
        return _execute(exp, outdir, cfg, overrides)
    except StorageError:
        raise
    except OSError as exc:
        raise StorageError.from_os_error(outdir, exc) from exc


def _execute(
    exp: Experiment, outdir: Path, cfg: DictConfig | None, overrides: list[str] | None
) -> dict[str, Any]:
    from sim.results import SUMMARY_FILE, atomic_write
    from sim.runner.runs import run_to_folder
    from sim.runner.store import EXPERIMENT_FILE, PARTS, open_folder

    c = exp.config
    fp = exp.fingerprint()
    with open_folder(outdir, fp, resume=c.mc.resume):  # checked before anything is written; one writer
        fresh = not c.mc.resume or not (outdir / EXPERIMENT_FILE).exists()
        record = outdir / ".hydra"  # Hydra's own saving is off (hydra.output_subdir: null): errors are ours
        if cfg is not None and (fresh or not (record / "config.yaml").exists()):
            atomic_write(record / "config.yaml", lambda p: OmegaConf.save(cfg, p))
        if overrides is not None:
            atomic_write(
                record / "overrides.yaml", lambda p: OmegaConf.save(OmegaConf.create(list(overrides)), p)
            )
        (outdir / SUMMARY_FILE).unlink(missing_ok=True)  # an unfinished folder never carries a summary
        provenance.start(outdir)
        try:
            runs = run_to_folder(exp, outdir, fp, resume=c.mc.resume)
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP: the workers are gone, the chunks saved
            saved = len(list((outdir / PARTS).glob("runs-*.parquet")))
            raise Interrupted(outdir, saved, getattr(exc, "signum", signal.SIGINT)) from None
        summary = _finish(exp, outdir, runs, scenario_record(exp))
        provenance.finish(outdir)
        return summary


def _finish(exp: Experiment, outdir: Path, runs: Any, scenario: dict[str, Any]) -> dict[str, Any]:
    """Write and print the summary (and the report) of the finished runs; ``scenario``: what it assumes."""
    from sim.results import SUMMARY_FILE, write_json
    from sim.results.summary import format_summary, summarise

    c = exp.config
    experiment = _record(exp, runs)
    a = c.analysis
    from sim.model.contract import describe_outcomes, describe_series

    summary = summarise(
        runs,
        {k: vars(v) for k, v in c.questions.items()},
        experiment,
        exp.mechanisms_on,
        interval=a.interval,
        confidence=a.confidence,
        outcomes=describe_outcomes(c.mechanisms, exp.theatre),
        series=describe_series(c.mechanisms, exp.theatre),
        assumed=dict(c.scenario.assumes),
    )
    summary["scenario"] = scenario
    towns = {exp.theatre.places[p].name: km for p, km in exp.theatre.coastal_km.items()}
    summary["landmarks"] = {"front_km": towns, "front_km_final": towns}  # the front's scale, in towns
    write_json(summary, outdir / SUMMARY_FILE)
    print(format_summary(summary))
    done = len(runs) - experiment["resumed_from"]
    rate = done / max(experiment["elapsed_s"], 1e-9)
    resumed = (
        f" (resumed: {experiment['resumed_from']} were already saved)" if experiment["resumed_from"] else ""
    )
    print(f"\n{done} runs in {experiment['elapsed_s']:.1f} s ({rate:.1f} runs/s){resumed}. Results: {outdir}")
    if c.analysis.report:
        from sim.report import build_report, report_series
        from sim.results import load

        report = build_report({exp.scenario: load(outdir, variables=report_series)}, outdir)
        page = report.path.with_suffix(".html")
        print(f"Report: {report.path} ({len(report.figures)} figures); one page to share: {page}")
    return summary


def _record(exp: Experiment, runs: Any) -> dict[str, Any]:
    """What ``summary.json`` records about the experiment and how it ran."""
    c = exp.config
    return {
        "scenario": exp.scenario,
        "theatre": c.theatre.name,
        "start_date": c.theatre.start_date,
        "horizon_days": c.horizon_days,
        "seed": c.mc.seed,
        "design": c.mc.design,
        "uncertain_parameters": exp.parameter_keys,
        "executor": c.executor.kind,
        "elapsed_s": round(runs.attrs.get("elapsed_s", 0.0), 2),
        "resumed_from": runs.attrs.get("resumed_from", 0),
    }
