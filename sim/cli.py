"""``python -m sim``: run an experiment and write its results folder.

Every override is checked before Hydra creates an output folder: a bad override, an unknown scenario
or an out-of-range value ends the command with one line on stderr naming the key and what is allowed,
exit code 2, and nothing written. ``HYDRA_FULL_ERROR=1`` shows the full traceback instead.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf

from sim.command import debugging, install_signal_handlers, report_error
from sim.config import ConfigError, register_configs
from sim.errors import Stopped, Terminated, exit_code_of_signal
from sim.experiment import CONFIG_DIR, Experiment, compose, prepare
from sim.results import StorageError

__all__ = ["execute", "main", "one_line_error", "prepare_overrides"]

# Hydra flags after which we hand over to Hydra untouched (help, info, printing the config, ...).
_PASS_THROUGH = {
    "-h", "--help", "--hydra-help", "-i", "--info", "-c", "--cfg", "--resolve", "--version",
    "-sc", "--shell-completion", "-p", "--package", "-cp", "--config-path", "-cn", "--config-name",
    "-cd", "--config-dir", "--experimental-rerun",
}  # fmt: skip

_EXIT_CODE = 0
MIN_FREE_BYTES = 1 << 20  # refuse to start an experiment on a disk with less free space than this


def one_line_error(exc: BaseException, overrides: list[str] | None = None) -> str:
    """A one-line message for a config error: the key, and what is allowed where we can tell."""
    from hydra.errors import MissingConfigException, OverrideParseException
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

    chain, e = [], exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, ConfigError):
            return str(e)
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


def _job_overrides(args: list[str]) -> tuple[list[list[str]], bool]:
    """The override lists of every job the command would run (one unless ``-m``)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    multirun = any(a in ("-m", "--multirun") for a in args)
    overrides = [a for a in args if not a.startswith("-")]
    # Hydra's own settings are not ours to check, except the search path (config groups it adds).
    ours = [
        o for o in overrides if not o.lstrip("+~").startswith("hydra") or o.startswith("hydra.searchpath=")
    ]
    if not multirun:
        return [ours], False
    parsed = OverridesParser.create().parse_overrides(ours)
    return BasicSweeper.split_arguments(parsed, max_batch_size=None)[0], True


def prepare_overrides(overrides: list[str]) -> Experiment:
    """Compose and prepare an experiment; any failure (ours, Hydra's, OmegaConf's) is one line.

    Raises:
        ConfigError: with the one-line message to show.
    """
    try:
        return prepare(compose(list(overrides)))
    except Exception as exc:
        raise ConfigError(one_line_error(exc, list(overrides))) from exc


def preflight(args: list[str]) -> None:
    """Compose and validate every job's config before Hydra starts.

    Raises:
        ConfigError: with the one-line message to show.
    """
    from sim.executors import check_executor

    try:
        jobs, _ = _job_overrides(args)
    except Exception as exc:
        raise ConfigError(one_line_error(exc, [a for a in args if not a.startswith("-")])) from exc
    addresses = set()
    for overrides in jobs:
        exp = prepare_overrides(overrides)
        if exp.config.executor.address not in addresses:  # a Dask scheduler: well formed and reachable
            addresses.add(exp.config.executor.address)
            check_executor(exp.config.executor)
    run_dir = next((a.split("=", 1)[1] for a in args if a.startswith("hydra.run.dir=")), None)
    if run_dir and len(jobs) == 1:
        _check_folder(Path(run_dir), exp)
    sweep_dir = next((a.split("=", 1)[1] for a in args if a.startswith("hydra.sweep.dir=")), None)
    multirun = any(a in ("-m", "--multirun") for a in args)
    target = (sweep_dir or "multirun") if multirun else (run_dir or "outputs")
    _check_writable(Path(target), "hydra.sweep.dir" if multirun else "hydra.run.dir")


def _check_writable(folder: Path, key: str) -> None:
    """Refuse, before Hydra creates it, a results folder that cannot be written (one line)."""
    import errno
    import shutil
    import tempfile

    probe_in = folder
    while not probe_in.exists() and probe_in != probe_in.parent:
        probe_in = probe_in.parent  # the deepest folder that exists: Hydra creates the rest
    try:
        if not probe_in.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(probe_in))
        with tempfile.NamedTemporaryFile(dir=probe_in, prefix=".sim-write-test-"):
            pass
        free = shutil.disk_usage(probe_in).free
        if free < MIN_FREE_BYTES:
            raise OSError(errno.ENOSPC, "no space", str(probe_in))
    except OSError as exc:
        raise ConfigError(f"{key}: cannot write to {probe_in}: {StorageError.reason(exc)}") from None


def _check_folder(folder: Path, exp: Experiment) -> None:
    """Refuse, before Hydra writes into it, a folder that holds a different experiment."""
    import json

    from sim.store import EXPERIMENT_FILE

    meta = folder / EXPERIMENT_FILE
    if meta.is_file() and json.loads(meta.read_text()).get("fingerprint") != exp.fingerprint():
        raise ConfigError(
            f"hydra.run.dir: {folder} holds a different experiment (config changed); "
            "use a new folder, or the original overrides to resume it"
        )


def execute(
    exp: Experiment, outdir: Path, cfg: DictConfig | None = None, overrides: list[str] | None = None
) -> dict[str, Any]:
    """Run an experiment into its results folder (resuming one left unfinished); print the summary.

    Args:
        exp: the prepared experiment.
        outdir: the results folder (Hydra's output dir).
        cfg: the composed config, saved as ``.hydra/config.yaml`` unless the folder has one.
        overrides: the command line's overrides, saved as ``.hydra/overrides.yaml`` (a record).

    Returns:
        The summary (as written to ``summary.json``).

    Raises:
        sim.results.StorageError: the folder cannot be written (read-only, disk full); the chunks saved
            before stay, and no ``summary.json`` is written, so the folder does not look finished.
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
    import shutil

    from sim.results import SUMMARY_FILE, atomic_write, write_json
    from sim.runner import run_to_folder
    from sim.store import EXPERIMENT_FILE, PARTS
    from sim.summary import format_summary, summarise

    outdir.mkdir(parents=True, exist_ok=True)
    record = outdir / ".hydra"  # Hydra's own saving is off (hydra.output_subdir: null): errors are ours
    if cfg is not None and not (record / "config.yaml").exists():
        atomic_write(record / "config.yaml", lambda p: OmegaConf.save(cfg, p))
    if overrides is not None:
        atomic_write(
            record / "overrides.yaml", lambda p: OmegaConf.save(OmegaConf.create(list(overrides)), p)
        )
    (outdir / SUMMARY_FILE).unlink(missing_ok=True)  # an unfinished folder never carries a summary
    c = exp.config
    if not c.mc.resume:
        shutil.rmtree(outdir / PARTS, ignore_errors=True)
        (outdir / EXPERIMENT_FILE).unlink(missing_ok=True)
    try:
        runs = run_to_folder(exp, outdir, exp.fingerprint())
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP: the workers are gone, the chunks saved
        parts = len(list((outdir / PARTS).glob("runs-*.parquet")))
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(
            f"\n{what}: {parts} finished chunks saved in {outdir}; to resume, run the same command "
            f"with {_resume_setting(outdir)}",
            file=sys.stderr,
        )
        raise SystemExit(exit_code_of_signal(exc)) from None
    questions = {k: vars(v) for k, v in c.questions.items()}
    experiment = {
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
    a = c.analysis
    summary = summarise(
        runs, questions, experiment, exp.mechanisms_on, interval=a.interval, confidence=a.confidence
    )
    write_json(summary, outdir / SUMMARY_FILE)
    print(format_summary(summary))
    done = len(runs) - experiment["resumed_from"]
    rate = done / max(experiment["elapsed_s"], 1e-9)
    resumed = (
        f" (resumed: {experiment['resumed_from']} were already saved)" if experiment["resumed_from"] else ""
    )
    print(f"\n{done} runs in {experiment['elapsed_s']:.1f} s ({rate:.1f} runs/s){resumed}. Results: {outdir}")
    if c.analysis.report:
        from sim.report import FAN_VARIABLES, build_report
        from sim.results import load

        report = build_report({exp.scenario: load(outdir, variables=list(FAN_VARIABLES))}, outdir)
        print(f"Report: {report.path} ({len(report.figures)} figures)")
    return summary


def _resume_setting(outdir: Path) -> str:
    """The setting that resumes this folder: its sweep's folder in a multirun, else the folder itself."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
        return f"hydra.sweep.dir={Path(HydraConfig.get().sweep.dir).absolute()}"
    return f"hydra.run.dir={outdir}"


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    global _EXIT_CODE
    from hydra.core.hydra_config import HydraConfig

    # Mesa logs every step at INFO under Hydra's logging set-up; Dask every start, stop and cancelled task
    for noisy in ("MESA", "matplotlib", "distributed"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    exp = prepare(cfg)
    hc = HydraConfig.get()
    outdir = Path(hc.runtime.output_dir)
    try:
        summary = execute(exp, outdir, cfg, list(hc.overrides.task))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        _EXIT_CODE = 2
        return
    except Stopped as exc:  # the folder cannot be written, or the Dask scheduler is gone
        print(f"error: {exc}", file=sys.stderr)
        _EXIT_CODE = 3
        return
    if summary["experiment"]["failed"]:
        _EXIT_CODE = 1


def main() -> None:
    """Entry point of ``python -m sim`` (and the ``sim`` command).

    SIGTERM and SIGHUP are handled like Ctrl-C (:mod:`sim.command`): during the runs the finished chunks
    are saved and the workers stopped (exit code 143 for SIGTERM, 130 for Ctrl-C); at any other moment the
    command ends with one line and the same exit code.
    """
    install_signal_handlers()
    try:
        _main()
    except KeyboardInterrupt as exc:
        if debugging(sys.argv[1:]):
            raise
        sys.exit(report_error(exc))


def _main() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")  # the report writes files; never open windows
    register_configs()
    args = sys.argv[1:]
    if not any(a.split("=")[0] in _PASS_THROUGH for a in args):
        try:
            preflight(args)
        except ConfigError as exc:
            if os.environ.get("HYDRA_FULL_ERROR") == "1":
                raise
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
    _hydra_main()
    if _EXIT_CODE == 1:
        print(
            "error: some runs failed; see the 'status' and 'error' columns of runs.parquet", file=sys.stderr
        )
    if _EXIT_CODE:
        sys.exit(_EXIT_CODE)
