"""The notebooks run from top to bottom (so they cannot rot)."""

import os

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

import simulator.cli as cli


def assert_charts_are_images(notebook, at_least: int) -> None:
    """Every figure a cell returns is shown as a picture, not as "<Figure size …>"."""
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    texts = [o.get("data", {}).get("text/plain", "") for o in outputs
             if "image/png" not in o.get("data", {})]
    assert len(images) >= at_least
    assert not [t for t in texts if t.startswith("<Figure size")], texts


@pytest.mark.slow
def test_report_charts_notebook(tmp_path, monkeypatch):
    run = tmp_path / "baseline"
    assert cli.main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "-n", "1000",
                     "--out", str(run), "-q", "--no-report"]) == 0
    monkeypatch.setenv("LANDSIM_RUN", str(run))
    notebook = nbformat.read(ROOT / "notebooks" / "report-charts.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    assert (run / "charts" / "fan-briefing.png").stat().st_size > 20_000
    assert (run / "charts" / "fan-briefing.svg").exists()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert os.environ["LANDSIM_RUN"] == str(run)
    assert_charts_are_images(notebook, at_least=2)


@pytest.mark.slow
def test_sensitivity_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDSIM_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("LANDSIM_NOTEBOOK_REPLICATIONS", "100")
    notebook = nbformat.read(ROOT / "notebooks" / "sensitivity.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    assert (tmp_path / "sweep" / "points.csv").exists()
    assert (tmp_path / "morris" / "indices.csv").exists()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any("largest swing" in o.get("text", "") for o in outputs)
    assert_charts_are_images(notebook, at_least=2)
