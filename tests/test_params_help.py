"""Finding your way: a short python -m sim --help, and python -m sim.params."""

import subprocess
import sys
from pathlib import Path

import yaml
from analysis_inputs import command

from sim.params import main, odd_rows, parameters
from sim.runner.compose import CONFIG_DIR, compose
from sim.runner.experiment import to_config

SCENARIOS = sorted(p.stem for p in (Path(CONFIG_DIR) / "scenario").glob("*.yaml"))


def test_help_is_short_and_lists_the_scenarios_with_their_descriptions(tmp_path):
    p = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, timeout=120,
                       cwd=tmp_path)  # fmt: skip
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) < 80
    for name in SCENARIOS:
        doc = yaml.safe_load((Path(CONFIG_DIR) / "scenario" / f"{name}.yaml").read_text())
        first_words = " ".join(doc["scenario"]["description"].split()[:4])
        assert any(line.strip().startswith(name) and first_words in line for line in lines), name
    assert "python -m sim.params" in p.stdout and "--hydra-help" in p.stdout and "Examples:" in p.stdout
    assert not list(tmp_path.iterdir())  # nothing written


def test_params_lists_the_groups_and_a_group_with_range_meaning_source_and_sampling(capsys):
    code, out, _ = command(main, [], capsys)
    assert code == 0 and "mechanisms.combat" in out and "mechanisms.unrest" in out
    code, out, _ = command(main, ["combat"], capsys)
    assert code == 0
    assert "mechanisms.combat.kill_rate = 0.003   allowed (0, 1]" in out
    assert "meaning: per-capita daily casualty rate" in out and "source: ASSUMPTION" in out
    assert "sampled: uniform (low 0.002, high 0.004) in uncertain=june2020" in out


def test_params_shows_the_values_a_scenario_sets(capsys):
    _, base, _ = command(main, ["mechanisms.unrest.exclusion_penalty"], capsys)
    _, combined, _ = command(main, ["mechanisms.unrest.exclusion_penalty", "scenario=combined"], capsys)
    assert "exclusion_penalty = 0.05" in base and "exclusion_penalty = 0.1" in combined


def test_an_unknown_group_is_one_line(capsys):
    code, _, err = command(main, ["nope"], capsys)
    assert code == 2 and err.count("\n") == 1 and "group: 'nope' names no parameter; allowed:" in err


def test_every_mechanism_parameter_says_what_it_is():
    """A meaning and source in docs/ODD.md's tables, or at least a comment beside the field."""
    docs = odd_rows()
    rows = parameters(to_config(compose([])))
    bare = [r["key"] for r in rows
            if r["key"].startswith("mechanisms.") and not r["key"].endswith(".enabled")
            and r["key"] not in docs and not r["comment"]]  # fmt: skip
    assert not bare, bare


def test_odd_rows_expand_the_short_keys_of_a_table():
    docs = odd_rows()
    assert "mechanisms.patron_support.period_days" in docs  # a `…period_days` row
    assert "mechanisms.ceasefire.accept_bias" in docs  # the second key of a `…offer_bias`, `…accept_bias` row
