"""notebooks/reasoning_traces.ipynb runs headlessly, top to bottom, in a fresh folder, and
its analysis cells show real numbers from the annotations it made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.notebooks import cell_text, code_cells, run_notebook


@pytest.mark.notebooks
def test_reasoning_traces_notebook_runs(tmp_path: Path) -> None:
    nb = run_notebook("reasoning_traces.ipynb", tmp_path, allow_stderr=True)
    code = code_cells(nb)
    # the store was written beside the notebook, by three annotators
    assert (tmp_path / "reasoning_traces.sqlite").is_file()
    joined = "\n".join(cell_text(c) for c in code)
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
