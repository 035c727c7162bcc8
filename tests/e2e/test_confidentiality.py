"""Confidentiality in the browser: a notebook saved mid-labeling with widget state holds
no item text; without its kernel the cell shows only a summary; two views of one widget
stay consistent and keys act only on the focused one."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SECRET = ["Zebra-Alpha-771 confidential memo", "Quokka-Bravo-552 leaked address",
          "Narwhal-Charlie-993 private chat"]  # fmt: skip
SETUP = """
import polars as pl
import rater_widgets as rw
# built from parts, so the cell source itself never contains the item text
parts = [("Zebra", "Alpha-771", "confidential memo"), ("Quokka", "Bravo-552", "leaked address"),
         ("Narwhal", "Charlie-993", "private chat")]
df = pl.DataFrame({"id": [1, 2, 3], "text": [f"{a}-{b} {c}" for a, b, c in parts]})
rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
w = rw.ItemRater(df, rubric, content="text", store="c.sqlite", annotator="ana")
"""


def test_saved_notebook_holds_no_item_text_and_shows_a_summary_without_kernel(lab, page):
    path = lab.write_notebook([SETUP, "w"])
    nb = lab.open_notebook(page, path)
    nb.run_all()
    view = nb.output(1).locator(".rw-root")
    expect(view.locator(".rw-item-content")).to_contain_text("Zebra")
    view.locator(".rw-item-content").click()
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-item-content")).to_contain_text("Quokka")  # mid-labeling
    text = nb.save(with_widget_state=True)
    assert "application/vnd.jupyter.widget-state+json" in text
    for secret in SECRET:
        # the joined id ("Zebra-Alpha-771") exists only in the item, never in the source
        assert secret.split()[0] not in text, f"{secret!r} leaked into the saved notebook"
    # the saved text/html fallback (GitHub, nbviewer) is the static summary
    assert "verdict" in text
    assert "Run the notebook with a live kernel" in text

    # reopen elsewhere without running it: the widget comes from saved state, no kernel
    # object behind it, so it says what it needs instead of showing content
    copy = lab.write_notebook([], name="shared")  # a colleague's copy, another kernel
    (lab.server.root / copy).write_text(text)
    page2 = lab.new_context().new_page()
    nb2 = lab.open_notebook(page2, copy)
    view2 = nb2.output(1).locator(".rw-root")
    expect(view2.locator(".rw-done")).to_contain_text("needs a running kernel", timeout=15000)
    expect(view2).to_contain_text("1 done, 0 skipped of 3")
    expect(view2).not_to_contain_text("Zebra")
    nb2.screenshot("confidential-no-kernel", view2)
    page2.context.close()


def test_two_views_stay_consistent_and_keys_act_only_on_the_focused_one(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([SETUP, "w", "w"]))
    nb.run_all()
    first = nb.output(1).locator(".rw-root")
    second = nb.output(2).locator(".rw-root")
    expect(first.locator(".rw-item-content")).to_contain_text("Zebra")
    expect(second.locator(".rw-item-content")).to_contain_text("Zebra")
    second.locator(".rw-item-content").click()
    page.keyboard.press("2")
    # only the focused view's control was pressed... but the draft is shared state, so
    # both views show the same answer: one widget, one truth
    expect(second.locator('button[data-value="violating"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(first.locator('button[data-value="violating"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    page.keyboard.press("Enter")
    expect(first.locator(".rw-item-content")).to_contain_text("Quokka")
    expect(second.locator(".rw-item-content")).to_contain_text("Quokka")
    assert nb.eval_json("w.annotations['verdict'].to_list()") == ["violating"]
    # focus is in the second view: the first view's root is not focused and got no key
    assert second.evaluate("el => el.contains(document.activeElement)")
    assert not first.evaluate("el => el.contains(document.activeElement)")
    # a key pressed while neither view has focus does nothing to the widget
    nb.cell(0).click()
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert nb.eval_json("w.history.height") == 1
