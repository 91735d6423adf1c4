"""``python -m sim``: run an experiment and write its results folder.

The command line around the runner's pipeline (:mod:`sim.runner.pipeline`): Hydra's ``@hydra.main``,
pre-flight checks of every job, exit codes. Nothing but ``python -m sim`` imports this module. Every
override is checked before Hydra creates an output folder: a bad override, an unknown scenario
or an out-of-range value ends the command with one line on stderr naming the key and what is allowed,
exit code 2, and nothing written. ``HYDRA_FULL_ERROR=1`` shows the full traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import hydra
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.command import DEBUG_FLAG, debugging, install_signal_handlers, report_error
from sim.config import ConfigError, register_configs
from sim.errors import EXIT_RUNS_FAILED, Interrupted, exit_code_of_signal
from sim.results import StorageError
from sim.runner import hydra_api, provenance
from sim.runner.compose import CONFIG_DIR, compose, merge_questions, split_questions
from sim.runner.experiment import Experiment, prepare
from sim.runner.pipeline import checked, execute

__all__ = ["main", "preflight"]

_EXIT_CODE = 0
MIN_FREE_BYTES = 1 << 20  # refuse to start an experiment on a disk with less free space than this


@dataclass(frozen=True)
class Where:
    """Where Hydra finds the configs: ``--config-path``, ``--config-name`` and ``--config-dir``."""

    config_dir: str = str(CONFIG_DIR)
    config_name: str = "config"
    extra_dir: str | None = None

    def compose(self, overrides: list[str], *, hydra: bool = False) -> DictConfig:
        """:func:`sim.runner.compose.compose` from here."""
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
    parser = hydra_api.args_parser()

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
    parsed = hydra_api.parse_overrides(overrides, where.config_dir, where.extra_dir)  # glob(...) sweeps
    hydra_args = [o.input_line for o in parsed if o.is_hydra_override()]
    task = [o.input_line for o in parsed if not o.is_hydra_override()]
    if not multirun:
        return [overrides]
    base = [o.input_line for o in parsed if not o.is_sweep_override()]
    params = OmegaConf.select(where.compose(base, hydra=True), "hydra.sweeper.params") or {}
    swept = hydra_api.parse_overrides(
        [f"{k}={v}" for k, v in params.items()] + task, where.config_dir, where.extra_dir
    )
    return [[*job, *hydra_args] for job in hydra_api.split_sweep(swept)]


def _job_folder(cfg: DictConfig, num: int, sweep_dir: Path | None) -> tuple[Path, str]:
    """The results folder of job ``num`` and its key: ``run.dir``, or ``sweep_dir`` / ``sweep.subdir``."""
    if sweep_dir is None:
        return Path(str(OmegaConf.select(cfg, "hydra.run.dir"))), "hydra.run.dir"
    with open_dict(cfg):
        cfg.hydra.job.num = num
        cfg.hydra.job.id = str(num)
    return sweep_dir / str(OmegaConf.select(cfg, "hydra.sweep.subdir")), "hydra.sweep.dir"


def preflight(args: list[str]) -> None:
    """Check the command line and every job's config and results folder before Hydra starts.

    Whatever can be checked before the first run is: Hydra's flags, every job's composed config (no code
    from configs, values in range, theatre references, questions' outcomes and operators,
    ``analysis.target``, the executor), and every job's results folder (writable, and holding nothing
    or this same experiment). ``--help``, ``--cfg``, ``--info`` and the like get the no-code check only.

    Raises:
        ConfigError: with the one-line message to show.
    """
    from sim.runner.executors import check_executor
    from sim.runner.runs import check_before_run

    ns = parse_command_line(args)  # --version prints and exits here
    where = _where(ns)
    overrides = list(ns.overrides)
    _refuse_sweeper_params(overrides)
    if ns.shell_completion:  # -sc install=SHELL: no config; a completion query gets the no-code check only
        if not any(o.startswith(("install=", "uninstall=")) for o in overrides):
            checked([], lambda: where.compose([]))
        return
    if ns.help or ns.hydra_help or ns.cfg or ns.info:
        cfg = checked(overrides, lambda: where.compose(overrides, hydra=True))
        if ns.cfg and ns.resolve:  # Hydra resolves while printing: a bad interpolation is one line here
            checked(overrides, lambda: _resolve_printed(cfg, ns.cfg))
        return
    jobs = checked(overrides, lambda: _job_overrides(overrides, ns.multirun, where))
    sweep_dir = None
    if ns.multirun:  # the sweep's own config (Hydra starts it before the jobs, and resolves sweep.dir once)
        base = [o for o in overrides if not _is_sweep(o)]
        sweep = checked(base, lambda: where.compose(base, hydra=True))
        sweep_dir = Path(str(checked(base, lambda: OmegaConf.select(sweep, "hydra.sweep.dir"))))
        _check_sweep_dir(
            sweep_dir,
            [o.input_line for o in hydra_api.parse_overrides(overrides) if not o.is_hydra_override()],
        )
    folders: dict[Path, int] = {}
    addresses: set[str | None] = set()
    for num, job in enumerate(jobs):
        cfg = checked(job, lambda job=job: where.compose(job, hydra=True))
        exp = checked(job, lambda cfg=cfg: prepare(cfg))
        checked(job, lambda exp=exp: check_before_run(exp))
        if exp.config.executor.address not in addresses:  # a Dask scheduler: well formed and reachable
            addresses.add(exp.config.executor.address)
            check_executor(exp.config.executor)
        folder, key = checked(job, lambda cfg=cfg, num=num: _job_folder(cfg, num, sweep_dir))
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

    from sim.runner.folder import EXPERIMENT_FILE, PARTS, RESULT_FILES
    from sim.runner.store import FolderError

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


def _refuse_sweeper_params(overrides: list[str]) -> None:
    """``hydra.sweeper.params`` cannot be set on the command line: Hydra cannot merge into its default."""
    for o in overrides:
        if o.lstrip("+~").startswith("hydra.sweeper.params"):
            raise ConfigError(
                f"{o.partition('=')[0]}: cannot be set on the command line (Hydra cannot merge into its "
                "empty default); give the sweep as overrides instead, e.g. -m scenario=baseline,combined"
            )


def _resolve_printed(cfg: DictConfig, part: str) -> None:
    """Resolve what ``--cfg PART --resolve`` prints: the job's config, and/or the results folders."""
    if part in ("job", "all"):
        job = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
        OmegaConf.to_container(job, resolve=True)
    if part in ("hydra", "all"):
        for key in ("hydra.run.dir", "hydra.sweep.dir"):  # the sweep's subdir needs a job number
            OmegaConf.select(cfg, key, throw_on_missing=True)


def _is_sweep(override: str) -> bool:
    return hydra_api.parse_overrides([override])[0].is_sweep_override()


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

    See :func:`sim.runner.store.check_folder`: the folder must hold this experiment or nothing of any
    experiment, and no other process may be writing it.
    """
    from sim.runner.store import FolderError, check_folder

    try:
        check_folder(folder, exp.fingerprint(), resume=exp.config.mc.resume)
    except FolderError as exc:
        raise type(exc)(f"{key}: {exc}") from None


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
        merge_questions(cfg, split_questions(_QUESTIONS)[1])
        exp = prepare(cfg)
        summary = execute(exp, Path(hc.runtime.output_dir), cfg, [*hc.overrides.task, *_QUESTIONS])
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


_QUESTIONS: list[str] = []  # overrides giving a whole question (+questions.q={...}), merged after Hydra


def _questions_apart(args: list[str]) -> tuple[list[str], list[str]]:
    """The command line without the overrides that give a whole question, and those overrides."""
    rest, _ = split_questions(args)
    return rest, [a for a in args if a not in rest]


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
    hydra_args, _QUESTIONS[:] = _questions_apart(args)
    provenance.ARGV = [sys.argv[0], *args]  # recorded as typed (Hydra gets the questions apart)
    sys.argv = [sys.argv[0], *hydra_args]  # Hydra reads sys.argv; questions given whole are merged after
    install_signal_handlers()
    try:
        register_configs()
        preflight(args)  # with --help too: the config the overrides name is checked (nothing runs)
        if "--help" in args or "-h" in args:  # a short page; Hydra's own, with the config: --hydra-help
            from sim.help_text import help_text

            try:
                print(help_text(_where(parse_command_line(args)).config_dir), flush=True)
            except BrokenPipeError:  # python -m sim --help | head: the reader has gone, nothing to say
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        hydra_api.skip_mode_probe()  # ~1 s: no config may set hydra.mode (sim.safety)
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
