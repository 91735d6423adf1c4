"""The notebooks run top to bottom on small experiments, and are committed without outputs."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_compare_scenarios.ipynb",
        "03_what_drives_it.ipynb",
        "04_honest_forecasts.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_NOTEBOOK_RUNS", "8")
    monkeypatch.setenv("SIM_NOTEBOOK_SOBOL_N", "4")
    monkeypatch.setenv("SIM_NOTEBOOK_HORIZON", "40")
    monkeypatch.setenv("SIM_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("SIM_NOTEBOOK_OVERRIDES", "executor=serial analysis.report=false")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "every notebook shows at least one figure"
    text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    assert "%" in text  # probabilities are stated from the runs
    assert any(tmp_path.iterdir())  # results went to SIM_NOTEBOOK_OUT


def test_committed_notebooks_carry_no_outputs():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{path.name} cell {i}: strip outputs"
                )


def test_notebooks_use_only_the_public_api():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "import sim" in code or "from sim" in code
        assert "from sim.model" not in code and "._" not in code.replace("__", ""), path.name
