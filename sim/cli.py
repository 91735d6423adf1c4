"""``python -m sim``: run an experiment and write its results folder.

Every override is checked before Hydra creates an output folder: a bad override, an unknown scenario
or an out-of-range value ends the command with one line on stderr naming the key and what is allowed,
exit code 2, and nothing written. ``HYDRA_FULL_ERROR=1`` shows the full traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import hydra
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.command import DEBUG_FLAG, debugging, install_signal_handlers, report_error
from sim.config import ConfigError, register_configs
from sim.errors import EXIT_RUNS_FAILED, Interrupted, exit_code_of_signal
from sim.experiment import CONFIG_DIR, Experiment, compose, prepare
from sim.results import StorageError

__all__ = ["execute", "main", "one_line_error", "prepare_overrides"]

_EXIT_CODE = 0
MIN_FREE_BYTES = 1 << 20  # refuse to start an experiment on a disk with less free space than this


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
        if "is not a subclass of QuestionConfig" in str(e):
            name = str(getattr(e, "full_key", "") or "<id>").removeprefix("questions.")
            return (
                f"questions.{name}: a new question cannot be added on the command line (OmegaConf cannot add "
                "a typed entry there); write it in a questions file, configs/questions/<set>.yaml"
            )
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


@dataclass(frozen=True)
class Where:
    """Where Hydra finds the configs: ``--config-path``, ``--config-name`` and ``--config-dir``."""

    config_dir: str = str(CONFIG_DIR)
    config_name: str = "config"
    extra_dir: str | None = None

    def compose(self, overrides: list[str], *, hydra: bool = False) -> DictConfig:
        """:func:`sim.experiment.compose` from here."""
        return compose(
            overrides,
            self.config_dir,
            config_name=self.config_name,
            extra_dir=self.extra_dir,
            return_hydra_config=hydra,
        )


def parse_command_line(args: list[str]) -> argparse.Namespace:
    """Hydra's own command-line parser, with one-line errors.

    Raises:
        ConfigError: a flag Hydra does not know, or one we refuse.
    """
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()

    def error(message: str) -> NoReturn:
        raise ConfigError(f"command line: {message} (see python -m sim --help)")

    parser.error = error  # type: ignore[method-assign]
    ns = parser.parse_args(args)
    if ns.experimental_rerun is not None:
        raise ConfigError(
            "--experimental-rerun: not supported (it loads a pickled config, which can run code)"
        )
    return ns


def _where(ns: argparse.Namespace) -> Where:
    """The config folders and primary config of a command line (as Hydra resolves them)."""
    config_dir = str(CONFIG_DIR)
    if ns.config_path is not None:
        if ns.config_path.startswith("pkg://"):
            raise ConfigError(
                f"--config-path: got {ns.config_path!r}; allowed: a folder (pkg:// imports code)"
            )
        path = Path(ns.config_path)
        config_dir = str(path if path.is_absolute() else (Path(__file__).parent / path).resolve())
        if not Path(config_dir).is_dir():
            raise ConfigError(f"--config-path: {config_dir} is not a folder")
    extra = None
    if ns.config_dir is not None:
        extra = str(Path(ns.config_dir).resolve())
        if not Path(extra).is_dir():
            raise ConfigError(f"--config-dir: {extra} is not a folder")
    return Where(config_dir, ns.config_name or "config", extra)


def _job_overrides(overrides: list[str], multirun: bool, where: Where) -> list[list[str]]:
    """The override lists of every job the command would run (one unless ``-m``), as Hydra makes them.

    Hydra's own settings (``hydra.*``, ``hydra/...``) are added to every job: each job's config is
    checked with them, and they say where its results go.
    """
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra._internal.utils import create_config_search_path
    from hydra.core.config_search_path import SearchPathQuery
    from hydra.core.override_parser.overrides_parser import OverridesParser

    search = create_config_search_path(where.config_dir)
    if where.extra_dir:
        search.prepend(
            provider="command-line", path=f"file://{where.extra_dir}", anchor=SearchPathQuery("schema")
        )
    parser = OverridesParser.create(
        config_loader=ConfigLoaderImpl(config_search_path=search)
    )  # glob(...) sweeps
    parsed = parser.parse_overrides(overrides)
    hydra_args = [o.input_line for o in parsed if o.is_hydra_override()]
    task = [o.input_line for o in parsed if not o.is_hydra_override()]
    if not multirun:
        return [overrides]
    base = [o.input_line for o in parsed if not o.is_sweep_override()]
    params = OmegaConf.select(where.compose(base, hydra=True), "hydra.sweeper.params") or {}
    swept = parser.parse_overrides([f"{k}={v}" for k, v in params.items()] + task)
    return [[*job, *hydra_args] for job in BasicSweeper.split_arguments(swept, max_batch_size=None)[0]]


def _job_folder(cfg: DictConfig, num: int, sweep_dir: Path | None) -> tuple[Path, str]:
    """The results folder of job ``num`` and its key: ``run.dir``, or ``sweep_dir`` / ``sweep.subdir``."""
    if sweep_dir is None:
        return Path(str(OmegaConf.select(cfg, "hydra.run.dir"))), "hydra.run.dir"
    with open_dict(cfg):
        cfg.hydra.job.num = num
        cfg.hydra.job.id = str(num)
    return sweep_dir / str(OmegaConf.select(cfg, "hydra.sweep.subdir")), "hydra.sweep.dir"


def _checked(overrides: list[str], what: Callable[[], Any]) -> Any:
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
    return _checked(list(overrides), lambda: prepare(compose(list(overrides))))


def preflight(args: list[str]) -> None:
    """Check the command line and every job's config and results folder before Hydra starts.

    Whatever can be checked before the first run is: Hydra's flags, every job's composed config (no code
    from configs, values in range, theatre references, questions' outcomes and operators,
    ``analysis.target``, the executor), and every job's results folder (writable, and holding nothing
    or this same experiment). ``--help``, ``--cfg``, ``--info`` and the like get the no-code check only.

    Raises:
        ConfigError: with the one-line message to show.
    """
    from sim.executors import check_executor
    from sim.runner import check_before_run

    ns = parse_command_line(args)  # --version prints and exits here
    where = _where(ns)
    overrides = list(ns.overrides)
    for o in overrides:
        if o.lstrip("+~").startswith("hydra.sweeper.params"):
            raise ConfigError(
                f"{o.partition('=')[0]}: cannot be set on the command line (Hydra cannot merge into its "
                "empty default); give the sweep as overrides instead, e.g. -m scenario=baseline,combined"
            )
    if ns.shell_completion:  # -sc install=SHELL: no config; a completion query gets the no-code check only
        if not any(o.startswith(("install=", "uninstall=")) for o in overrides):
            _checked([], lambda: where.compose([]))
        return
    if ns.help or ns.hydra_help or ns.cfg or ns.info:
        cfg = _checked(overrides, lambda: where.compose(overrides, hydra=True))
        if ns.cfg and ns.resolve:  # Hydra resolves while printing: a bad interpolation is one line here
            _checked(overrides, lambda: _resolve_printed(cfg, ns.cfg))
        return
    jobs = _checked(overrides, lambda: _job_overrides(overrides, ns.multirun, where))
    sweep_dir = None
    if ns.multirun:  # the sweep's own config (Hydra starts it before the jobs, and resolves sweep.dir once)
        base = [o for o in overrides if not _is_sweep(o)]
        sweep = _checked(base, lambda: where.compose(base, hydra=True))
        sweep_dir = Path(str(_checked(base, lambda: OmegaConf.select(sweep, "hydra.sweep.dir"))))
        _check_sweep_dir(sweep_dir, [o for o in overrides if not _is_hydra(o)])
    folders: dict[Path, int] = {}
    addresses: set[str | None] = set()
    for num, job in enumerate(jobs):
        cfg = _checked(job, lambda job=job: where.compose(job, hydra=True))
        exp = _checked(job, lambda cfg=cfg: prepare(cfg))
        _checked(job, lambda exp=exp: check_before_run(exp))
        if exp.config.executor.address not in addresses:  # a Dask scheduler: well formed and reachable
            addresses.add(exp.config.executor.address)
            check_executor(exp.config.executor)
        folder, key = _checked(job, lambda cfg=cfg, num=num: _job_folder(cfg, num, sweep_dir))
        if folder in folders:
            raise ConfigError(
                f"hydra.sweep.subdir: jobs {folders[folder]} and {num} would write the same folder {folder}"
            )
        folders[folder] = num
        _check_writable(folder, key)
        _check_folder(folder, exp, key)


def _check_sweep_dir(sweep_dir: Path, task: list[str]) -> None:
    """A sweep folder holds one sweep: refuse an experiment's folder, or another sweep's (one line).

    Hydra writes ``multirun.yaml`` into the sweep folder before any job: into an experiment's folder it
    would add files, into another sweep's it would replace that sweep's record. The same sweep (the same
    overrides) may be rerun into its folder: its jobs resume.
    """
    import yaml

    from sim.folder import EXPERIMENT_FILE, PARTS, RESULT_FILES
    from sim.store import FolderError

    if not sweep_dir.is_dir():
        return
    found = [n for n in (EXPERIMENT_FILE, PARTS, *RESULT_FILES) if (sweep_dir / n).exists()]
    if found:
        raise FolderError(
            f"hydra.sweep.dir: {sweep_dir} is an experiment's results folder (it holds {found[0]}), not a "
            "sweep's; choose another folder"
        )
    record = sweep_dir / "multirun.yaml"
    if not record.exists():
        return
    try:
        before = (yaml.safe_load(record.read_text()) or {})["hydra"]["overrides"]["task"]
    except Exception:
        before = None
    if before != task:
        raise FolderError(
            f"hydra.sweep.dir: {sweep_dir} holds another sweep (its multirun.yaml has overrides {before}); "
            "choose another folder, or rerun that sweep's exact command to resume it"
        )


def _is_hydra(override: str) -> bool:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_overrides([override])[0].is_hydra_override()


def _resolve_printed(cfg: DictConfig, part: str) -> None:
    """Resolve what ``--cfg PART --resolve`` prints: the job's config, and/or the results folders."""
    if part in ("job", "all"):
        job = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
        OmegaConf.to_container(job, resolve=True)
    if part in ("hydra", "all"):
        for key in ("hydra.run.dir", "hydra.sweep.dir"):  # the sweep's subdir needs a job number
            OmegaConf.select(cfg, key, throw_on_missing=True)


def _is_sweep(override: str) -> bool:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_overrides([override])[0].is_sweep_override()


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


def _check_folder(folder: Path, exp: Experiment, key: str = "hydra.run.dir") -> None:
    """Refuse, before Hydra writes into it, a folder this experiment may not write (one line naming ``key``).

    See :func:`sim.store.check_folder`: the folder must hold this experiment or nothing of any experiment,
    and no other process may be writing it.
    """
    from sim.store import FolderError, check_folder

    try:
        check_folder(folder, exp.fingerprint(), resume=exp.config.mc.resume)
    except FolderError as exc:
        raise type(exc)(f"{key}: {exc}") from None


def execute(
    exp: Experiment, outdir: Path, cfg: DictConfig | None = None, overrides: list[str] | None = None
) -> dict[str, Any]:
    """Run an experiment into its results folder (resuming one left unfinished); print the summary.

    The folder is checked before anything in it is written, moved or deleted, and held (one writer at a
    time) until the summary and report are written: see :func:`sim.store.open_folder`.

    Args:
        exp: the prepared experiment.
        outdir: the results folder (Hydra's output dir).
        cfg: the composed config, saved as ``.hydra/config.yaml`` unless the folder has one.
        overrides: the command line's overrides, saved as ``.hydra/overrides.yaml`` (a record).

    Returns:
        The summary (as written to ``summary.json``).

    Raises:
        sim.store.FolderError: the folder holds another experiment, results without an experiment record,
            or another process is writing it; nothing in it was changed.
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
    from sim.runner import run_to_folder
    from sim.store import EXPERIMENT_FILE, PARTS, open_folder

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
        try:
            runs = run_to_folder(exp, outdir, fp, resume=c.mc.resume)
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP: the workers are gone, the chunks saved
            saved = len(list((outdir / PARTS).glob("runs-*.parquet")))
            raise Interrupted(outdir, saved, getattr(exc, "signum", signal.SIGINT)) from None
        return _finish(exp, outdir, runs)


def _finish(exp: Experiment, outdir: Path, runs: Any) -> dict[str, Any]:
    """Write and print the summary (and the report) of the finished runs."""
    from sim.results import SUMMARY_FILE, write_json
    from sim.summary import format_summary, summarise

    c = exp.config
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
    from sim.model.contract import describe_outcomes

    summary = summarise(
        runs,
        questions,
        experiment,
        exp.mechanisms_on,
        interval=a.interval,
        confidence=a.confidence,
        outcomes=describe_outcomes(c.mechanisms, exp.theatre),
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
        from sim.report import build_report, report_series
        from sim.results import load

        report = build_report({exp.scenario: load(outdir, variables=report_series)}, outdir)
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

    hc = HydraConfig.get()
    try:
        exp = prepare(cfg)
        summary = execute(exp, Path(hc.runtime.output_dir), cfg, list(hc.overrides.task))
    except Interrupted as exc:  # stops a sweep too: Hydra lets it through
        print(
            f"\n{exc.what}: {exc}; to resume, run the same command with {_resume_setting(exc.folder)}",
            file=sys.stderr,
        )
        raise SystemExit(exit_code_of_signal(exc)) from None
    except Exception as exc:  # one line and an exit code; Ctrl-C and SIGTERM stop a sweep (not caught)
        if debugging():
            raise
        _EXIT_CODE = max(_EXIT_CODE, report_error(exc))
        return
    if summary["experiment"]["failed"]:
        _EXIT_CODE = max(_EXIT_CODE, EXIT_RUNS_FAILED)


def _skip_hydras_mode_probe() -> None:
    """Skip Hydra's composition of the whole config that only reads ``hydra.mode`` (~1 s).

    No config may set ``hydra.mode`` here (:mod:`sim.safety`), so the probe always finds nothing; Hydra's
    answer for that (``-m`` decides) is given at once.
    """
    from hydra._internal.hydra import Hydra

    Hydra.get_mode = lambda self, config_name, overrides: None  # type: ignore[method-assign]


def main() -> None:
    """Entry point of ``python -m sim`` (and the ``sim`` command).

    SIGTERM and SIGHUP are handled like Ctrl-C (:mod:`sim.command`): during the runs the finished chunks
    are saved and the workers stopped (exit code 143 for SIGTERM, 130 for Ctrl-C); at any other moment the
    command ends with one line and the same exit code. Any other error is one line too (``--debug``
    shows the traceback).
    """
    os.environ.setdefault("MPLBACKEND", "Agg")  # the report writes files; never open windows
    args = [a for a in sys.argv[1:] if a != DEBUG_FLAG]
    if debugging(sys.argv[1:]):
        os.environ["HYDRA_FULL_ERROR"] = "1"
    sys.argv = [sys.argv[0], *args]  # Hydra reads sys.argv
    install_signal_handlers()
    try:
        register_configs()
        preflight(args)
        _skip_hydras_mode_probe()
        _hydra_main()
    except SystemExit:
        raise
    except BaseException as exc:
        if debugging():
            raise
        sys.exit(report_error(exc))
    if _EXIT_CODE == EXIT_RUNS_FAILED:
        print(
            "error: some runs failed; see the 'status' and 'error' columns of runs.parquet", file=sys.stderr
        )
    if _EXIT_CODE:
        sys.exit(_EXIT_CODE)
