"""notebooks/reasoning_traces.ipynb runs headlessly, top to bottom, in a fresh folder, and
its analysis cells show real numbers from the annotations it made."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "reasoning_traces.ipynb"


def _text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "\n".join(parts)


def test_the_notebook_is_stored_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


@pytest.mark.notebooks
def test_reasoning_traces_notebook_runs(tmp_path: Path) -> None:
    path = tmp_path / NOTEBOOK.name
    shutil.copy(NOTEBOOK, path)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        assert not errors, errors
    # the store was written beside the notebook, by three annotators
    assert (tmp_path / "reasoning_traces.sqlite").is_file()
    joined = "\n".join(_text(c) for c in code)
    assert "TraceRater(study='traces-demo', annotator='ana'" in joined
    for name in ("ana", "bo", "cy"):
        assert f"│ {name}" in joined
    assert "step ratings (alpha, ordinal)" in joined
    assert "exact_first_error" in joined
    # the widget itself was displayed (a widget view, not only its text)
    views = [
        o
        for c in code
        for o in c.outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert len(views) == 1
    # Altair's renderer decides the mimetype (vega-lite JSON, or HTML embedding it)
    last = code[-1].outputs
    shown = json.dumps([o.get("data", {}) for o in last])
    assert "Where traces first fail" in shown, "the 'where traces first fail' chart is missing"
