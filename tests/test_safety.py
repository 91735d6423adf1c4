"""No code from configs: every route by which a config could make Hydra run code is refused.

Each payload tries to copy a file to a marker path (``shutil.copy`` as a Hydra callback, or as a logging
formatter factory ``()``): a refusal is one line naming the key, exit code 2, and the marker never exists;
nothing is written outside the (never created) results folder.
"""

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import preflight
from sim.config import ConfigError
from sim.runner.compose import compose
from sim.runner.pipeline import prepare_overrides
from sim.safety import check_factories, check_hydra

SMALL = ["mc.runs=2", "horizon_days=5", "executor=serial", "mc.progress=false", "analysis.report=false"]


def _callback(marker: Path) -> str:
    return (
        f"hydra:\n  callbacks:\n    x:\n      _target_: shutil.copy\n      src: {__file__}\n"
        f"      dst: {marker}\n"
    )


def _formatter(marker: Path) -> str:
    return (
        "hydra:\n  job_logging:\n    formatters:\n      simple:\n        '()': shutil.copy\n"
        f"        src: {__file__}\n        dst: {marker}\n"
    )


def _env(marker: Path) -> str:
    return f"hydra:\n  job:\n    env_set:\n      PYTHONSTARTUP: {marker}\n"


PAYLOADS = {
    "callback": (_callback, "hydra.callbacks.x"),
    "formatter": (_formatter, "hydra.job_logging.formatters.simple"),
    "env_set": (_env, "hydra.job.env_set.PYTHONSTARTUP"),
}


def _configs(tmp_path: Path, payload: str) -> tuple[Path, Path]:
    """A config folder with an evil scenario (and an evil primary config), and the payload's marker."""
    marker = tmp_path / "PWNED"
    make, _ = PAYLOADS[payload]
    folder = tmp_path / "mine"
    (folder / "scenario").mkdir(parents=True)
    (folder / "scenario" / "evil.yaml").write_text(
        "# @package _global_\nscenario:\n  name: evil\n" + make(marker)
    )
    (folder / "evil_main.yaml").write_text(
        "defaults:\n  - config\n  - _self_\n" + make(marker)
    )  # a primary config for --config-name, built on the project's
    return folder, marker


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


ROUTES = {  # route -> (payload, arguments); {search}, {out} and {sweep} are filled in
    "run": ("callback", ["scenario=evil", "{search}", "{out}", *SMALL]),
    "multirun": ("formatter", ["-m", "scenario=baseline,evil", "{search}", "{sweep}", *SMALL]),
    "config-dir": ("env_set", ["--config-dir", "{configs}", "scenario=evil", "{out}", *SMALL]),
    "config-name": (
        "formatter",
        ["--config-name", "evil_main", "--config-dir", "{configs}", "{out}", *SMALL],
    ),
    "print the config": ("callback", ["--cfg", "job", "scenario=evil", "{search}"]),
    "help": ("env_set", ["--help", "scenario=evil", "{search}"]),
}


#: Routes run as real commands (the wiring: the check comes before Hydra); the others through the same
#: pre-flight in this process, which is what ``python -m sim`` calls first.
SUBPROCESS = ("run", "help")


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_config_file_that_sets_hydra_code_is_refused_on_every_route(tmp_path, route):
    payload, args = ROUTES[route]
    configs, marker = _configs(tmp_path, payload)
    fill = {
        "{search}": f"hydra.searchpath=[file://{configs}]",
        "{out}": f"hydra.run.dir={tmp_path / 'out'}",
        "{sweep}": f"hydra.sweep.dir={tmp_path / 'sweep'}",
        "{configs}": str(configs),
    }
    args = [fill.get(a, a) for a in args]
    before = _snapshot(tmp_path)
    if route in SUBPROCESS:
        p = _run(args, tmp_path)
        assert p.returncode == 2, (p.stdout, p.stderr)
        assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr, p.stderr
        message = p.stderr.removeprefix("error: ")
    else:
        with pytest.raises(ConfigError) as err:
            preflight(args)
        message = str(err.value)
    assert message.startswith(PAYLOADS[payload][1]), message
    assert not marker.exists()
    assert _snapshot(tmp_path) == before  # nothing written: no results folder, no marker


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("+hydra.callbacks.x._target_=shutil.copy", "hydra.callbacks.x._target_"),
        ("+hydra.job.env_set.PYTHONSTARTUP=/tmp/x.py", "hydra.job.env_set.PYTHONSTARTUP"),
        ("hydra.job.chdir=true", "hydra.job.chdir"),
        ("hydra.output_subdir=.hydra", "hydra.output_subdir"),
        ("hydra.verbose=true", "hydra.verbose"),
        ("hydra/job_logging=default", "hydra/job_logging"),
        ("hydra.launcher._target_=os.system", "hydra.launcher._target_"),
        ("+hydra.launcher.setup=[touch /tmp/x]", "hydra.launcher.setup"),
        ("hydra.searchpath=[pkg://antigravity]", "hydra.searchpath"),
        ("+hydra.job_logging.formatters.simple.()=shutil.copy", "hydra.job_logging.formatters.simple.()"),
        ("+mechanisms.combat._target_=os.system", "mechanisms.combat._target_"),
    ],
)
def test_an_override_that_sets_hydra_code_is_refused(override, key):
    with pytest.raises(ConfigError) as err:
        prepare_overrides([override])
    assert str(err.value).startswith(f"{key}:") and "\n" not in str(err.value)


def test_experimental_rerun_is_refused_because_it_loads_a_pickle(tmp_path):
    p = _run(["--experimental-rerun", str(tmp_path / "config.pickle")], tmp_path)
    assert p.returncode == 2
    assert p.stderr == (
        "error: --experimental-rerun: not supported (it loads a pickled config, which can run code)\n"
    )


def test_the_library_entry_points_refuse_too(tmp_path):
    configs, marker = _configs(tmp_path, "callback")
    evil = ["scenario=evil", f"hydra.searchpath=[file://{configs}]", *SMALL]
    with pytest.raises(ConfigError, match=r"^hydra\.callbacks\.x: a config may not set"):
        sim.run(evil, tmp_path / "out")
    with pytest.raises(ConfigError, match=r"^hydra\.callbacks\.x"):
        compose(evil)
    assert not marker.exists() and not (tmp_path / "out").exists()


def test_calibrate_and_check_claims_refuse_an_evil_scenario(tmp_path):
    configs, marker = _configs(tmp_path, "formatter")
    evil = ["scenario=evil", f"hydra.searchpath=[file://{configs}]"]
    for cmd in (["sim.check_claims", *evil], ["sim.calibrate", "obs.yaml", "--name", "x", *evil]):
        p = subprocess.run(
            [sys.executable, "-m", *cmd], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert p.returncode == 2, (cmd, p.stderr)
        assert "Traceback" not in p.stderr
        assert not marker.exists()


def test_allowed_hydra_settings_still_work(tmp_path):
    cfg = compose(
        [
            f"hydra.run.dir={tmp_path}/a",
            f"hydra.sweep.dir={tmp_path}/b",
            "hydra.sweep.subdir=${hydra.job.num}",
            f"hydra.searchpath=[file://{tmp_path}]",
            "hydra/launcher=basic",
            "hydra/sweeper=basic",
            "hydra.sweeper.max_batch_size=2",
        ],
        return_hydra_config=True,
    )
    assert cfg.hydra.run.dir == f"{tmp_path}/a" and cfg.hydra.sweeper.max_batch_size == 2


def test_a_plugin_parameter_may_change_but_not_its_factory():
    ref = {"launcher": {"_target_": "a.B", "n": 1, "extra": {}}, "runtime": {"choices": {}}}
    check_hydra({**ref, "launcher": {"_target_": "a.B", "n": 5, "extra": {"k": 1}}}, ref)
    with pytest.raises(ConfigError, match=r"^hydra\.launcher\.extra\.x\._target_: a config may not set"):
        check_hydra(
            {**ref, "launcher": {"_target_": "a.B", "n": 1, "extra": {"x": {"_target_": "os.system"}}}}, ref
        )
    with pytest.raises(ConfigError, match=r"^hydra\.launcher\.setup: "):
        check_hydra({**ref, "launcher": {"_target_": "a.B", "n": 1, "extra": {}, "setup": ["rm -rf ~"]}}, ref)


def test_factory_keys_anywhere_outside_sim_are_refused():
    check_factories({"a": {"_target_": "sim.model.ConflictModel"}, "b": [1, {"c": 2}]})
    with pytest.raises(ConfigError, match=r"^b\[1\]\._target_: got 'os\.system'"):
        check_factories({"b": [1, {"_target_": "os.system"}]})
    with pytest.raises(ConfigError, match=r"^a\.\(\): a config may not name a factory"):
        check_factories({"a": {"()": "sim.x"}})


def test_a_config_file_with_duplicate_keys_is_one_line(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "dup.yaml").write_text(
        "# @package _global_\nscenario:\n  name: dup\n  name: again\n"
    )
    p = _run(["scenario=dup", f"hydra.searchpath=[file://{tmp_path}]", *SMALL], tmp_path)
    assert p.returncode == 2
    assert p.stderr.startswith("error: ") and p.stderr.count("\n") == 1, p.stderr
    assert "duplicate key" in p.stderr and "dup.yaml:4" in p.stderr, p.stderr


@pytest.mark.parametrize("route", ["override", "primary config file"])
def test_a_package_search_path_is_refused_before_hydra_imports_it(tmp_path, route):
    """Hydra imports a ``pkg://`` search path's package while composing: refused before, nothing imported."""
    name = "sim_test_never_imported"
    (tmp_path / f"{name}.py").write_text("raise SystemExit('imported')\n")
    sys.path.insert(0, str(tmp_path))
    try:
        if route == "override":
            args, kwargs = [f"hydra.searchpath=[pkg://{name}]"], {}
        else:
            (tmp_path / "evil.yaml").write_text(
                f"defaults:\n  - config\n  - _self_\nhydra:\n  searchpath: [pkg://{name}]\n"
            )
            args, kwargs = [], {"extra_dir": tmp_path, "config_name": "evil"}
        with pytest.raises(ConfigError, match=rf"hydra.searchpath: 'pkg://{name}'; allowed: folders"):
            compose(args, **kwargs)
        assert name not in sys.modules
    finally:
        sys.path.remove(str(tmp_path))
