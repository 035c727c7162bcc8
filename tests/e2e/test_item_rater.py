"""ItemRater in a real JupyterLab, driven through a real Chromium with the keyboard."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SETUP = """
import polars as pl
import rater_widgets as rw
df = pl.DataFrame({
    "id": [101, 102, 103, 104, 105],
    "text": ["You are **wonderful**.", "I will find where you live.", "Buy cheap pills now",
             "Ordinary weather report: sunny, 21°C.", "مرحبا بالعالم — right-to-left text"],
})
rubric = rw.Rubric([rw.Choice("verdict", ["safe", "borderline", "violating"], required=True),
                    rw.Text("rationale")])
"""
CELL = 'w = rw.ItemRater(df, rubric, id="id", content="text", store="study.sqlite", annotator="ana")\nw'


def rater(nb, cell=1):
    return nb.output(cell).locator(".rw-root")


def test_label_with_keyboard_then_restart_resume_and_reload(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([SETUP, CELL]))
    nb.run_all()
    view = rater(nb)
    expect(view.locator(".rw-where")).to_contain_text("Item 1 of 5")
    expect(view.locator(".rw-item-content")).to_contain_text("wonderful")
    expect(view.locator(".rw-counts")).to_have_text("0 done · 0 skipped · 5 total")
    # the static summary printed for pages without widgets is there, and hidden here
    expect(nb.output(1).locator(".rw-static-fallback")).to_have_count(1)
    expect(nb.output(1).locator(".rw-static-fallback")).to_be_hidden()
    nb.screenshot("item-rater-light", view)

    view.locator(".rw-item-content").click()
    page.keyboard.press("1")
    expect(view.locator('button[data-value="safe"]')).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")
    # the next item shows at once, from the look-ahead
    expect(view.locator(".rw-item-content")).to_contain_text("find where you live")
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-item-content")).to_contain_text("cheap pills")
    page.keyboard.press("s")  # skip 103
    expect(view.locator(".rw-item-content")).to_contain_text("weather")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-counts")).to_have_text("3 done · 1 skipped · 5 total")
    expect(view.locator(".rw-saved")).to_contain_text("Saved")

    rows = nb.eval_json("w.annotations.select('id', 'annotator', 'verdict').rows()")
    assert rows == [[101, "ana", "safe"], [102, "ana", "violating"], [104, "ana", "borderline"]]
    assert nb.eval_json("str(w.annotations.schema['verdict'])").startswith("Enum")
    assert nb.eval_json("w.progress.to_dict()") == {"done": 3, "skipped": 1, "total": 5}

    # Backspace goes back and shows the stored answer
    page.keyboard.press("Backspace")
    expect(view.locator(".rw-item-content")).to_contain_text("weather")
    expect(view.locator('button[data-value="borderline"]')).to_have_attribute(
        "aria-pressed", "true"
    )

    lab.set_theme(page, "dark")
    nb.screenshot("item-rater-dark", view)
    lab.set_theme(page, "light")

    # restart the kernel and rerun: resume at the first unlabeled item (105)
    nb.restart_kernel()
    nb.run_all()
    view = rater(nb)
    expect(view.locator(".rw-where")).to_contain_text("Item 5 of 5")
    expect(view.locator(".rw-item-content")).to_contain_text("مرحبا")
    expect(view.locator(".rw-counts")).to_have_text("3 done · 1 skipped · 5 total")
    view.locator(".rw-item-content").click()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(view.locator(".rw-item-content")).to_contain_text("cheap pills")  # the skipped one
    page.keyboard.press("ArrowLeft")
    expect(view.locator('button[data-value="violating"]')).to_have_attribute("aria-pressed", "true")

    # reload the tab: the live kernel re-renders the widget, nothing lost
    nb.reload()
    view = rater(nb)
    expect(view.locator(".rw-counts")).to_have_text("3 done · 1 skipped · 5 total")
    assert nb.eval_json("w.annotations.height") == 3


def test_tampered_message_is_rejected_and_nothing_is_stored(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([SETUP, CELL]))
    nb.run_all()
    view = rater(nb)
    expect(view.locator(".rw-item-content")).to_contain_text("wonderful")
    view.evaluate(
        """root => root.__rwModel.send({type: "submit", seq: 99, item: "104", pos: 0,
             answer: {verdict: "safe"}, ms: 5, need: [],
             client: {session: "evil", view: "v"}})"""
    )
    expect(view.locator(".rw-banner")).to_contain_text("not the item at position 0")
    view.evaluate(
        """root => root.__rwModel.send({type: "submit", seq: 100, item: "101", pos: 0,
             answer: {verdict: "<img src=x onerror=alert(1)>"}, ms: 5, need: [],
             client: {session: "evil", view: "v"}})"""
    )
    expect(view.locator(".rw-banner")).to_contain_text("is not an option")
    view.evaluate(
        """root => root.__rwModel.send({type: "submit", seq: 101, item: "101", pos: 0,
             answer: {verdict: "safe", admin: true}, ms: 5, need: [],
             client: {session: "evil", view: "v"}})"""
    )
    expect(view.locator(".rw-banner")).to_contain_text("unknown field 'admin'")
    assert nb.eval_json("w.history.height") == 0
    # the real path still works afterwards
    view.locator(".rw-item-content").click()
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-counts")).to_have_text("1 done · 0 skipped · 5 total")
    assert nb.eval_json("w.annotations['verdict'].to_list()") == ["safe"]


FULL = """
import polars as pl
import rater_widgets as rw
from rater_widgets.store.sqlite import SQLiteStore
df = pl.DataFrame({"id": list(range(400)), "text": [f"item {i}" for i in range(400)]})
rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True), rw.Text("why")])
# SQLite's max_page_count fails exactly as a full disk does (SQLITE_FULL)
store = SQLiteStore("full.sqlite", pragmas={"max_page_count": 48})
w = rw.ItemRater(df, rubric, content="text", store=store, annotator="ana")
for answer in ({"verdict": "safe", "why": "r" * 3000}, {"verdict": "safe"}):
    try:  # fill it up, then top it off with small answers: no room left for any
        while True:
            w.submit(answer)
    except rw.StoreError:
        pass
saved = w.progress.done
w
"""


def test_a_full_disk_shows_a_clear_error_and_keeps_the_answer_on_screen(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([FULL]))
    nb.run_all()
    view = nb.output(0).locator(".rw-root")
    saved = nb.eval_json("saved")
    expect(view.locator(".rw-where")).to_contain_text(f"Item {saved + 1} of 400")
    view.locator(".rw-item-content").click()
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-banner")).to_contain_text("disk is full")
    expect(view.locator(".rw-saved")).to_have_text("Not saved ✗")
    # back on the item that was not saved, with the answer still chosen
    expect(view.locator(".rw-where")).to_contain_text(f"Item {saved + 1} of 400")
    expect(view.locator('button[data-value="violating"]')).to_have_attribute("aria-pressed", "true")
    nb.screenshot("item-rater-disk-full", view)
    assert nb.eval_json("w.progress.done") == saved
