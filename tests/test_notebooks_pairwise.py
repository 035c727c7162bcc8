"""notebooks/pairwise_rlhf.ipynb runs headlessly, top to bottom, in a fresh folder: three
simulated annotators, win rates, Bradley–Terry with CIs, position bias and a DPO file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.notebooks import cell_text, code_cells, run_notebook


@pytest.mark.notebooks
def test_pairwise_notebook_runs(tmp_path: Path) -> None:
    nb = run_notebook("pairwise_rlhf.ipynb", tmp_path, allow_stderr=True)
    code = code_cells(nb)
    joined = "\n".join(cell_text(c) for c in code)
    assert (tmp_path / "pairwise_rlhf.sqlite").is_file()
    for name, done in (("ana", 150), ("bo", 150), ("cy", 120)):
        assert f"annotator='{name}', done={done}" in joined
    # Bradley–Terry finds the strongest and the weakest model of the sample data
    bt_cell = next(c for c in code if "bradley_terry" in c.source)
    table = cell_text(bt_cell)
    models = ("cobalt-70b", "ember-8x7b", "basil-13b", "aurora-7b", "delta-mini")
    ranked = [
        cell for line in table.splitlines() if (cell := line.split("┆")[0].strip("│ ")) in models
    ]
    assert ranked[0] == "cobalt-70b"
    assert ranked[-1] == "delta-mini"
    shown = json.dumps([o.get("data", {}) for o in bt_cell.outputs])
    assert "Model strengths with 95% CIs" in shown
    # the left-leaning annotator is the one with a tiny p-value
    bias = cell_text(next(c for c in code if "position_bias" in c.source))
    bo = next(line for line in bias.splitlines() if line.startswith("│ bo"))
    assert float(bo.split("┆")[-1].strip(" │")) < 0.001
    # the DPO file: one JSON object per line with prompt, chosen, rejected
    lines = (tmp_path / "dpo_pairs.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) > 300
    first = json.loads(lines[0])
    assert {"prompt", "chosen", "rejected", "margin", "annotator", "id"} <= set(first)
    assert first["chosen"] != first["rejected"]
    # the rater itself was displayed once (a widget view, not only its text)
    views = [
        o
        for c in code
        for o in c.outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert len(views) == 1
