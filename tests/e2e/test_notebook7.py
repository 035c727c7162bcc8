"""ItemRater in the Jupyter Notebook 7 UI (not JupyterLab), through a real Chromium."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SETUP = """
import polars as pl
import rater_widgets as rw
df = pl.DataFrame({"id": [7, 8, 9],
                   "text": ["A friendly greeting.", "A **rude** remark.", "A neutral fact."]})
rubric = rw.Rubric([rw.Choice("verdict", ["safe", "borderline", "violating"], required=True)])
"""
CELL = 'w = rw.ItemRater(df, rubric, content="text", store="nb7.sqlite", annotator="ana", study="nb7")\nw'


def test_keyboard_labels_reach_the_kernel_in_notebook7(lab, page):
    nb = lab.open_notebook7(page, lab.write_notebook([SETUP, CELL]))
    nb.run_all()
    view = nb.output(1).locator(".rw-root")
    expect(view.locator(".rw-item-content")).to_contain_text("friendly greeting")
    view.locator(".rw-item-content").click()  # clicking the item focuses the widget
    nb.press(view, "1", "Enter")
    expect(view.locator(".rw-item-content")).to_contain_text("remark")
    nb.press(view, "3", "Enter")
    expect(view.locator(".rw-item-content")).to_contain_text("neutral fact")
    expect(view.locator(".rw-counts")).to_have_text("2 done · 0 skipped · 3 total")
    nb.wait_eval("w.annotations.height", 2)
    rows = nb.eval_json("w.annotations.select('id', 'verdict').rows()")
    assert rows == [[7, "safe"], [8, "violating"]]
    # the study manifest was recorded on first use, with the data fingerprint
    assert nb.eval_json("w.store.get_manifest('nb7')['data']['n_items']") == 3
    nb.screenshot("notebook7-item-rater", view)
    # Notebook 7 itself (notebook_core.js) throws this one while loading settings, with an
    # empty notebook too (checked with a `1+1` notebook); anything else would be ours
    known = "pageerror: Cannot read properties of undefined (reading 'schema')"
    assert [e for e in nb.console_errors if e != known] == []
