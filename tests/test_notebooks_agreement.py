"""notebooks/agreement_study.ipynb runs headlessly, top to bottom, in a fresh folder: five
simulated annotators with overlap 2, agreement with CIs, disagreements, annotator stats,
gold accuracy, model-vs-human confusion, and a report file with no item text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import rater_widgets as rw
from tests.notebooks import cell_text, code_cell, code_cells, run_notebook


@pytest.mark.notebooks
def test_agreement_notebook_runs_and_its_report_holds_no_item_text(tmp_path: Path) -> None:
    nb = run_notebook("agreement_study.ipynb", tmp_path, allow_stderr=True)
    code = code_cells(nb)
    assert (tmp_path / "agreement_study.sqlite").is_file()

    # five annotators, every item to two of them (gold items to all)
    done = re.findall(r"annotator='(\w+)', done=(\d+), skipped=0, total=(\d+)", cell_text(code[3]))
    assert [name for name, _, _ in done] == ["ana", "bo", "cy", "di", "eve"]
    assert all(d == t for _, d, t in done)
    assert 80 <= int(done[0][1]) <= 90  # 200 items x 2 / 5, plus the gold items

    # agreement with CIs: the careful pair agrees more than the careless one
    kappas = cell_text(code_cell(nb, "cohen_kappa"))
    pair = dict(re.findall(r"Cohen's kappa, (\w+ vs \w+): (-?[\d.]+) \(95% CI", kappas))
    assert float(pair["ana vs bo"]) > float(pair["di vs eve"]) + 0.2
    assert re.search(r"Krippendorff's alpha: +0\.\d+ \(95% CI 0\.\d+ to 0\.\d+", kappas)

    # the careless annotator has the lowest agreement with the others and gold accuracy
    people = cell_text(code_cell(nb, "annotator_stats"))
    agreement = {
        row[0]: float(row[3])
        for line in people.splitlines()
        if line.startswith("│ ")
        and (row := [c.strip(" │") for c in line.split("┆")])[0] in ("ana", "bo", "cy", "di", "eve")
    }
    assert min(agreement, key=agreement.__getitem__) == "di"
    gold = cell_text(code_cell(nb, "gold_accuracy"))
    assert "n_gold" in gold
    assert "│ di" in gold

    # model vs human: a 3x3 confusion table with off-diagonal counts
    confusion = cell_text(code_cell(nb, "stats.confusion"))
    assert "borderline" in confusion
    assert "violating" in confusion
    assert "error_rate" in cell_text(code_cell(nb, "error_rates"))

    # the report: every chart that applies, shown as images, saved as one file
    shown = code_cell(nb, "report(w")
    assert "'confusion_verdict', 'disagreements', 'gold_accuracy'" in cell_text(shown)
    html_out = json.dumps([o.get("data", {}).get("text/html", "") for o in shown.outputs])
    assert "data:image/svg+xml;base64" in html_out
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "This report holds ids, labels and statistics only" in report
    df = rw.datasets.moderation(n=200, seed=0)
    for column in ("prompt", "response"):
        texts = [t for t in df[column].to_list() if len(t) > 24]
        assert texts
        leaked = [t for t in texts if t in report]
        assert not leaked, leaked[:2]
    assert "simulated note" not in report  # the rationales
    assert "item texts or rationales found in it: 0" in cell_text(code[-1])

    # the rater itself was displayed once (a widget view, not only its text)
    views = [
        o
        for c in code
        for o in c.outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert len(views) == 1
