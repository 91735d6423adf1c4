"""Config composition through Hydra's compose API, and one-line errors for bad overrides."""

import pytest
from omegaconf import OmegaConf

from sim.cli import preflight
from sim.config import Config, ConfigError, ExecutorConfig, MCConfig, MechanismsConfig
from sim.runner.compose import compose
from sim.runner.experiment import prepare


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ([], {"scenario.name": "baseline", "horizon_days": 180, "mc.runs": 500, "mc.seed": 20200607}),
        ([], {"executor.kind": "processes", "mechanisms.combat.law": "square", "theatre.name": "libya2020"}),
        (["mc=smoke"], {"mc.runs": 8, "mc.progress": False, "mc.design": "monte_carlo"}),
        (["executor=serial"], {"executor.kind": "serial", "executor.workers": 0}),
        (
            ["executor=dask", "executor.address=tcp://10.0.0.5:8786"],
            {"executor.address": "tcp://10.0.0.5:8786"},
        ),
        (["mc.design=lhs", "mc.replications=3"], {"mc.design": "lhs", "mc.replications": 3}),
        (["mc=large", "mc.runs=50"], {"mc.runs": 50}),
        (["horizon_days=30", "mc.seed=1"], {"horizon_days": 30, "mc.seed": 1}),
        (["mechanisms.combat.kill_rate=0.01"], {"mechanisms.combat.kill_rate": 0.01}),
        (["mechanisms.oil.blockade=false"], {"mechanisms.oil.blockade": False}),
        (["theatre.units.wagner.strength=2000"], {"theatre.units.wagner.strength": 2000}),
        (["questions.gna_takes_sirte_30.value=60"], {"questions.gna_takes_sirte_30.value": 60}),
    ],
)
def test_compose(overrides, expected):
    cfg = compose(overrides)
    for key, value in expected.items():
        assert OmegaConf.select(cfg, key) == value


def test_defaults_live_in_the_schema():
    """The composed defaults equal the dataclass defaults: YAML files do not redefine them.

    The theatre file adds only its own names (which places, patrons and cities the mechanisms act on):
    every ``mechanisms`` key it sets is one whose schema default is empty, zero (neutral: e.g. no days of
    blockade before day 0) or an outcome-name prefix.
    """
    cfg = compose([])
    theatre_file = OmegaConf.load("configs/theatre/libya2020.yaml")
    schema = OmegaConf.structured(MechanismsConfig)
    for key, fields in theatre_file.mechanisms.items():
        for name in fields:
            assert schema[key][name] in ("", [], "none", "patrons", "region", 0), f"{key}.{name}"
    assert OmegaConf.to_container(cfg.mechanisms) == OmegaConf.to_container(
        OmegaConf.merge(schema, theatre_file.mechanisms)
    )
    assert OmegaConf.to_container(cfg.mc) == OmegaConf.to_container(OmegaConf.structured(MCConfig))
    assert OmegaConf.to_container(cfg.executor) == OmegaConf.to_container(
        OmegaConf.structured(ExecutorConfig)
    )
    assert cfg.horizon_days == Config.horizon_days


def test_prepare_gives_typed_config_and_theatre():
    exp = prepare(compose(["mc=smoke"]))
    assert isinstance(exp.config, Config)
    assert exp.scenario == "baseline"
    assert "sirte" in exp.theatre.places


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("scenario=nope", "scenario: unknown option 'nope'; allowed: baseline"),
        ("mc=nope", "mc: unknown option 'nope'; allowed: default, large, smoke"),
        (
            "mechanisms.combat.killed_share=1.5",
            "mechanisms.combat.killed_share: got 1.5; allowed range [0, 1]",
        ),
        ("mc.runs=0", "mc.runs: got 0; allowed range [1, 1000000]"),
        ("horizon_days=-5", "horizon_days: got -5; allowed range [1, 3650]"),
        ("executor=gpu", "executor: unknown option 'gpu'; allowed: dask, processes, serial"),
        ("executor.kind=gpu", "executor.kind: got 'gpu'; allowed: serial, processes, dask"),
        ("mc.design=grid", "mc.design: got 'grid'; allowed: monte_carlo, lhs, sobol, morris"),
        ("mechanisms.combat.law=cubic", "mechanisms.combat.law: got 'cubic'; allowed: square, linear"),
        (
            "mechanisms.air.loss_per_sortie=nan",
            "mechanisms.air.loss_per_sortie: got nan; must be a finite number",
        ),
        ("mc.runs=abc", "mc.runs: Value 'abc' of type 'str' could not be converted to Integer"),
        (
            "mechanisms.combat.bogus=1",
            "mechanisms.combat.bogus: unknown key; known keys here: law, kill_rate",
        ),
        ("theatre.units.wagner.strength=-5", "theatre.units.wagner.strength: -5 must be >= 0"),
    ],
)
def test_bad_override_gives_one_line_naming_the_key(override, message):
    with pytest.raises(ConfigError) as info:
        preflight([override])
    text = str(info.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_multirun_checks_every_job():
    preflight(["-m", "scenario=baseline", "horizon_days=10,20"])
    with pytest.raises(ConfigError, match="scenario: unknown option 'nope'"):
        preflight(["-m", "scenario=baseline,nope"])


def _hydra_compose(overrides):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.runner.compose import CONFIG_DIR

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=overrides)


def _outcome(make, overrides):
    from omegaconf import OmegaConf

    from sim.runner.pipeline import one_line_error

    try:
        return OmegaConf.to_yaml(make(overrides))
    except Exception as exc:
        return "error: " + one_line_error(exc, overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        ["mc.runs=7", "horizon_days=${mc.runs}"],
        ["scenario=combined", "mechanisms.combat.law=linear", "++mc.seed=4"],
        ["uncertain=june2020", "+uncertain.mechanisms.air.loss_per_sortie={dist: uniform, low: 0, high: 1}"],
        ["theatre.units.wagner.place=sirte", "mechanisms.unrest.cities=[benghazi,derna]"],
        ["mc.runs=abc"], ["mechanisms.combat.bogus=1"], ["+mc.runs=3"], ["mc.runs=1e400"],
    ],
)  # fmt: skip
def test_cached_compose_equals_hydra_composing_everything(overrides):
    from sim.runner.compose import compose

    assert _outcome(compose, overrides) == _outcome(_hydra_compose, overrides)
    assert _outcome(compose, overrides) == _outcome(compose, overrides)  # the cached base is never changed
