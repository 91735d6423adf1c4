"""The layers of ``sim/`` and the size of its pieces, checked on every module's imports (``ast``).

Data flows one way: theatre data and config -> the model (``sim.model``, one simulation) -> the runner
(``sim.runner``: compose, run, write) -> the results contract (``sim.results``) -> analysis
(``sim.analysis``), figures (``sim.plots``) and reports. Each rule below names the modules it governs and
what they may not import; every import counts, at the top of a module or inside a function.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
ROOT = SIM.parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


#: every module of sim/, by dotted name
MODULES = {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (``from a import b``: a and a.b)."""
    names = set()
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names |= {f"{module}.{a.name}" for a in node.names}
    return names


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@dataclass(frozen=True)
class Rule:
    """Modules ``of`` (dotted-name prefixes, minus ``except_``) may not import any of ``forbidden``."""

    id: str
    of: tuple[str, ...]
    forbidden: tuple[str, ...]
    why: str
    except_: tuple[str, ...] = ()

    def modules(self) -> list[str]:
        return [m for m in MODULES if under(m, self.of) and not under(m, self.except_)]

    def violations(self) -> list[str]:
        return [
            f"{MODULES[m].relative_to(ROOT)} imports {name}"
            for m in self.modules()
            for name in sorted(imported(MODULES[m]))
            if under(name, self.forbidden)
        ]


COMMANDS = (
    "sim.cli",
    "sim.__main__",
    "sim.score",
    "sim.calibrate",
    "sim.check_claims",
    "sim.forecast",
    "sim.validate",
    "sim.params",
)
RUNNER = ("sim.runner", "sim.experiment")  # sim.experiment: the runner's names kept for notebooks
ANALYSIS = ("sim.analysis", "sim.plots", "sim.figures", "sim.report")
CONFIG = ("sim.config", "sim.theatre")
RULES = [
    Rule(
        "model",
        of=("sim.model",),
        forbidden=(*RUNNER, "sim.results", *ANALYSIS, *COMMANDS),
        why="the model runs one simulation: it knows nothing of the runner, results files, analysis, "
        "figures or commands",
    ),
    Rule(
        "analysis-and-plots",
        of=ANALYSIS,
        forbidden=("sim.model", *RUNNER, *CONFIG, *COMMANDS),
        why="analysis, figures and reports read results folders only (sim.results), never the model, "
        "the runner or the config schema",
    ),
    Rule(
        "results",
        of=("sim.results",),
        forbidden=("sim.model", *RUNNER, *ANALYSIS, *CONFIG, *COMMANDS),
        why="the results contract is what the runner writes and the analysis reads: it imports nothing "
        "above it",
    ),
    Rule(
        "cli",
        of=("sim",),
        except_=("sim.cli", "sim.__main__"),
        forbidden=("sim.cli",),
        why="only python -m sim (sim.__main__) imports sim.cli: library code uses sim.runner.pipeline",
    ),
    Rule(
        "viewer",
        of=("sim",),
        except_=("sim.viz",),
        forbidden=("sim.viz", "solara", "ipyvuetify", "ipyvue", "reacton"),
        why="the viewer (sim.viz, an optional extra) sits on top: nothing else imports it or Solara, so "
        "the toolkit works without the viz extra",
    ),
    Rule(
        "viewer-page",
        of=("sim.viz",),
        except_=("sim.viz.app",),
        forbidden=("solara", "ipyvuetify", "ipyvue", "reacton"),
        why="only sim/viz/app.py lays out the page; the viewer's logic is plain Python, tested without one",
    ),
    Rule(
        "hydra-private-api",
        of=("sim",),
        except_=("sim.runner.hydra_api",),
        forbidden=("hydra._internal", "hydra.core.override_parser"),
        why="Hydra's private API (hydra._internal, the override parser) is called from "
        "sim/runner/hydra_api.py only",
    ),
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_layer_rule(rule):
    assert rule.modules(), f"rule {rule.id!r} governs no module: its prefixes are out of date"
    bad = rule.violations()
    assert not bad, f"{rule.why}; but:\n  " + "\n  ".join(bad)


def test_the_scan_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    pkg = tmp_path / "sim" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "mod.py").write_text(
        "def f():\n    from sim.runner import runs\n    import hydra._internal.utils\nfrom . import other\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert imported(pkg / "mod.py") == {
        "sim.runner",
        "sim.runner.runs",
        "hydra._internal.utils",
        "sim.pkg",
        "sim.pkg.other",
    }


# ---- sizes -----------------------------------------------------------------------------------------------

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60  # from the def line to the last line of the body; numba kernels (@njit) are exempt

# Modules and functions allowed over the limits, each with its size: none today. An entry may not grow,
# and once it fits the limit the test asks for its entry to be removed.
MODULES_OVER: dict[str, int] = {}
FUNCTIONS_OVER: dict[str, int] = {}


def lines_of(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def is_numba_kernel(node: ast.FunctionDef) -> bool:
    def name(d: ast.expr) -> str:
        d = d.func if isinstance(d, ast.Call) else d
        return d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "")

    return any(name(d) == "njit" for d in node.decorator_list)


def function_sizes() -> dict[str, int]:
    """``file::function`` -> lines, for every function and method of sim/ but numba kernels."""
    sizes = {}
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not is_numba_kernel(node):
                key = f"{path.relative_to(ROOT).as_posix()}::{node.name}"
                sizes[key] = max(sizes.get(key, 0), node.end_lineno - node.lineno + 1)
    return sizes


def over_the_limit(sizes: dict[str, int], limit: int, allowed: dict[str, int], what: str) -> list[str]:
    problems = []
    for key, n in sorted(sizes.items()):
        if n > limit and key not in allowed:
            problems.append(f"{key}: {n} lines (limit {limit}): split the {what}")
        elif key in allowed and n > allowed[key]:
            problems.append(
                f"{key}: {n} lines, more than the {allowed[key]} it is allowed today: it may only shrink"
            )
    for key in sorted(allowed):
        if key not in sizes:
            problems.append(f"{key}: listed as over the limit but not found: remove it from the list")
        elif sizes[key] <= limit:
            problems.append(f"{key}: now {sizes[key]} lines, within the limit: remove it from the list")
    return problems


def test_no_module_is_over_400_lines():
    sizes = {p.relative_to(ROOT).as_posix(): lines_of(p) for p in MODULES.values()}
    problems = over_the_limit(sizes, MAX_MODULE_LINES, MODULES_OVER, "module")
    assert not problems, "\n".join(problems)


def test_no_function_is_over_60_lines():
    problems = over_the_limit(function_sizes(), MAX_FUNCTION_LINES, FUNCTIONS_OVER, "function")
    assert not problems, "\n".join(problems)


def test_numba_kernels_are_recognised():
    kernels = [
        n.name
        for n in ast.walk(ast.parse((SIM / "model" / "epstein_kernels.py").read_text(encoding="utf-8")))
        if isinstance(n, ast.FunctionDef) and is_numba_kernel(n)
    ]
    assert kernels, "no @njit function found in sim/model/epstein_kernels.py: the exemption is out of date"
