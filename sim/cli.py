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

from sim.config import ConfigError, register_configs
from sim.experiment import CONFIG_DIR, Experiment, compose, prepare

__all__ = ["execute", "main", "one_line_error"]

# Hydra flags after which we hand over to Hydra untouched (help, info, printing the config, ...).
_PASS_THROUGH = {
    "-h", "--help", "--hydra-help", "-i", "--info", "-c", "--cfg", "--resolve", "--version",
    "-sc", "--shell-completion", "-p", "--package", "-cp", "--config-path", "-cn", "--config-name",
    "-cd", "--config-dir", "--experimental-rerun",
}  # fmt: skip

_EXIT_CODE = 0


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
        return "known keys here: " + ", ".join(str(k) for k in node.keys() if k != "hydra")
    return "see `python -m sim --cfg job` for the keys"


def _job_overrides(args: list[str]) -> tuple[list[list[str]], bool]:
    """The override lists of every job the command would run (one unless ``-m``)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    multirun = any(a in ("-m", "--multirun") for a in args)
    overrides = [a for a in args if not a.startswith("-")]
    ours = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    if not multirun:
        return [ours], False
    parsed = OverridesParser.create().parse_overrides(ours)
    return BasicSweeper.split_arguments(parsed, max_batch_size=None)[0], True


def preflight(args: list[str]) -> None:
    """Compose and validate every job's config before Hydra starts.

    Raises:
        ConfigError: with the one-line message to show.
    """
    try:
        jobs, _ = _job_overrides(args)
    except Exception as exc:
        raise ConfigError(one_line_error(exc, [a for a in args if not a.startswith("-")])) from exc
    for overrides in jobs:
        try:
            prepare(compose(overrides))
        except Exception as exc:
            raise ConfigError(one_line_error(exc, overrides)) from exc


def execute(exp: Experiment, outdir: Path, cfg: DictConfig | None = None) -> dict[str, Any]:
    """Run an experiment and write its results folder; print the summary table.

    Args:
        exp: the prepared experiment.
        outdir: the results folder (Hydra's output dir).
        cfg: the composed config, saved as ``.hydra/config.yaml`` if Hydra has not done so.

    Returns:
        The summary (as written to ``summary.json``).
    """
    from sim.results import RUNS_FILE, SERIES_FILE, SUMMARY_FILE, write_frame, write_json
    from sim.runner import run_experiment
    from sim.summary import format_summary, summarise

    outdir.mkdir(parents=True, exist_ok=True)
    if cfg is not None and not (outdir / ".hydra" / "config.yaml").exists():
        (outdir / ".hydra").mkdir(exist_ok=True)
        OmegaConf.save(cfg, outdir / ".hydra" / "config.yaml")
    (outdir / SUMMARY_FILE).unlink(missing_ok=True)  # an unfinished folder never carries a summary
    runs, series = run_experiment(exp)
    c = exp.config
    write_frame(runs, outdir / RUNS_FILE)
    write_frame(series, outdir / SERIES_FILE)
    questions = {k: vars(v) for k, v in c.questions.items()}
    experiment = {
        "scenario": exp.scenario,
        "theatre": c.theatre.name,
        "start_date": c.theatre.start_date,
        "horizon_days": c.horizon_days,
        "seed": c.mc.seed,
        "elapsed_s": round(runs.attrs.get("elapsed_s", 0.0), 2),
    }
    summary = summarise(runs, questions, experiment, mechanisms_on=exp.mechanisms_on)
    _save_figures(runs, c.horizon_days, exp.scenario, outdir / "figures")
    write_json(summary, outdir / SUMMARY_FILE)
    print(format_summary(summary))
    rate = len(runs) / max(experiment["elapsed_s"], 1e-9)
    print(f"\n{len(runs)} runs in {experiment['elapsed_s']:.1f} s ({rate:.1f} runs/s). Results: {outdir}")
    return summary


def _save_figures(runs, horizon: int, scenario: str, folder: Path) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import plot_outcomes

    folder.mkdir(parents=True, exist_ok=True)
    fig, _ = plot_outcomes(runs, horizon, scenario)
    tmp = folder / ".outcomes.png.tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, folder / "outcomes.png")


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    global _EXIT_CODE
    from hydra.core.hydra_config import HydraConfig

    for noisy in ("MESA", "matplotlib"):  # Mesa logs every step at INFO under Hydra's logging set-up
        logging.getLogger(noisy).setLevel(logging.WARNING)

    exp = prepare(cfg)
    outdir = Path(HydraConfig.get().runtime.output_dir)
    summary = execute(exp, outdir)
    if summary["experiment"]["failed"]:
        _EXIT_CODE = 1


def main() -> None:
    """Entry point of ``python -m sim`` (and the ``sim`` command)."""
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
    if _EXIT_CODE:
        print(
            "error: some runs failed; see the 'status' and 'error' columns of runs.parquet", file=sys.stderr
        )
        sys.exit(_EXIT_CODE)
