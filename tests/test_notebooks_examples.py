"""notebooks/quickstart.ipynb and notebooks/trust_safety.ipynb run headlessly, top to
bottom, in a fresh folder (widgets driven through ``w.submit``); their analysis cells run
from a study bundle; the exported HTML of an executed notebook holds no item content."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import polars as pl
import pytest

import rater_widgets as rw
from tests.notebooks import NOTEBOOKS, cell_text, code_cell, run_notebook

NAMES = tuple(sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


@pytest.mark.notebooks
def test_quickstart_runs_and_its_bundle_reads_back(tmp_path: Path) -> None:
    nb = run_notebook("quickstart.ipynb", tmp_path)
    assert "Progress(done=3, skipped=0, total=3)" in cell_text(code_cell(nb, "w.progress"))
    # the analysis from the bundle gives what the store holds
    store = rw.open_store(tmp_path / "study.sqlite")
    study = rw.load_study(tmp_path / "quickstart-bundle")
    assert study.annotations.height == store.latest("default").height == 6
    counts = dict(study.annotations.group_by("verdict").len().rows())
    assert counts == {"safe": 4, "violating": 2}
    shown = cell_text(code_cell(nb, 'study.annotations.group_by("verdict")'))
    assert "safe" in shown
    assert "violating" in shown
    assert "same data as the study: True" in cell_text(code_cell(nb, "study.check(df)"))
    # the rater cell was a live widget with the static summary beside it
    rater = code_cell(nb, "rw.ItemRater(df, rubric")
    view, summary = (o["data"] for o in rater.outputs)
    assert "application/vnd.jupyter.widget-view+json" in view
    assert "<b>ItemRater</b> · study <code>default</code>" in summary["text/html"]


@pytest.fixture(scope="module")
def trust_safety(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, nbformat.NotebookNode]:
    folder = tmp_path_factory.mktemp("ts")
    return folder, run_notebook("trust_safety.ipynb", folder)


@pytest.mark.notebooks
def test_trust_safety_runs_from_labels_to_bundle(trust_safety) -> None:
    folder, nb = trust_safety
    progress = cell_text(code_cell(nb, "for seed, rater in"))
    assert progress.count("Progress(done=121, skipped=0, total=121)") == 2
    live = cell_text(code_cell(nb, "Cohen's kappa (lead vs sam)"))
    bundled = cell_text(code_cell(nb, "Cohen's kappa from the bundle"))
    kappa = live.split("(lead vs sam):")[1].split()[0]
    assert 0.5 < float(kappa) < 1.0  # two raters with their own slips
    assert f"from the bundle: {kappa}" in bundled
    # the same model-vs-human confusion table, live and from the bundle
    live_table = cell_text(code_cell(nb, "confusion.pivot"))
    assert "borderline" in live_table
    assert live_table in cell_text(code_cell(nb, 'rw.load_study("ts-bundle")'))
    study = rw.load_study(folder / "ts-bundle")
    assert not study.contains_content
    assert study.manifest["rubric"]["guidelines"].strip().startswith("## Moderation policy")
    assert set(study.annotations.get_column("annotator").unique()) == {"lead", "sam"}
    # every answer records that the rater saw the redacted view
    store = rw.open_store(folder / "trust_safety.sqlite")
    metas = store.history("ts-pilot").get_column("meta").to_list()
    assert all(json.loads(m)["redacted_view"] for m in metas)


@pytest.mark.notebooks
def test_bundle_and_exported_html_hold_no_item_content(trust_safety) -> None:
    from nbconvert import HTMLExporter

    folder, nb = trust_safety
    responses = rw.datasets.moderation(n=120, seed=0).get_column("response").to_list()
    snippets = [r.strip()[:40] for r in responses if len(r.strip()) >= 20]
    for path in (folder / "ts-bundle").iterdir():
        raw = path.read_bytes().decode("utf-8", errors="replace")
        assert not [s for s in snippets if s in raw], path.name
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert not [s for s in snippets if s in html]
    # the exported page shows the summary where the widget cannot run (no CDN, no kernel)
    assert "Run the notebook with a live kernel to rate" in html
    assert "<b>ItemRater</b> · study <code>ts-pilot</code>" in html
    # the page carries the widget state the frontend's no-kernel summary is drawn from:
    # the rubric and the counts, and nothing of the items
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    raters = [s["state"] for s in state.values() if s["state"].get("_kind") == "item"]
    assert raters
    assert raters[0]["_progress"]["total"] == 121
    # the first items travel with the widget's first message, and are emptied when the
    # cell that made the widget ends: the state nbclient saved holds none
    assert all(r["_boot"] == [] for r in raters)
    assert [f["name"] for f in raters[0]["_rubric"]["fields"]][:2] == ["verdict", "categories"]
    assert '"_progress"' in html
    # the text/html summary (shown where widgets do not run) names the rater and counts
    summary = code_cell(nb, "redact=True,\n").outputs[1]["data"]["text/html"]
    assert "<b>ItemRater</b> · study <code>ts-pilot</code>" in summary
    assert "of 121" in summary
    assert not [s for s in snippets if s in summary]


def test_bundle_analysis_needs_no_widget(tmp_path: Path) -> None:
    """What the notebooks' bundle cells do, in a process with no widget on the store."""
    df = pl.DataFrame({"id": [1, 2], "text": ["x", "y"]})
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
    w = rw.ItemRater(df, rubric, content="text", store=str(tmp_path / "s.sqlite"), annotator="a")
    w.submit({"verdict": "safe"})
    rw.export.study_bundle(w, tmp_path / "b")
    w.close()
    (tmp_path / "s.sqlite").unlink()  # the store is gone: the bundle stands alone
    study = rw.load_study(tmp_path / "b")
    assert study.annotations.get_column("verdict").to_list() == ["safe"]
