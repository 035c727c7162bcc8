"""Span marking in a real JupyterLab with a real Chromium: mouse and keyboard selection in
markdown and unicode content, a span in a trace step, and the offsets the kernel stored
(``source[start:end] == text`` for every span, checked in the kernel)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.e2e

TEXT_1 = (
    "Hey 👋🏽 Zoë,\n\n**I will find you** at 東京タワー tonight.\n\n"
    "> مرحبا بالعالم — call 555-0100 or write to `zoe@example.org`.\n\n"
    "Formula $x^2 + y$ stays whole; Zoe\u0301 has a combining accent."
)
TEXT_2 = "Plain text 🙂 line: nothing to **see** here."

SETUP = f"""
import polars as pl
import rater_widgets as rw
from rater_widgets.fields import Spans
TEXT_1 = {TEXT_1!r}
TEXT_2 = {TEXT_2!r}
df = pl.DataFrame({{
    "id": [1, 2],
    "text": [TEXT_1, TEXT_2],
    "model_spans": [[{{"start": TEXT_1.index("555-0100"), "end": TEXT_1.index("555-0100") + 8,
                      "label": "pii"}},
                     {{"start": TEXT_1.index("tonight"), "end": TEXT_1.index("tonight") + 7,
                      "label": "threat"}}], None],
}})
rubric = rw.Rubric([
    rw.Choice("verdict", ["safe", "violating"], required=True),
    Spans("evidence", labels=["threat", "slur", "self-harm", "pii"], suggestions="model_spans"),
])
"""
CELL = 'w = rw.ItemRater(df, rubric, content="text", store="spans.sqlite", annotator="ana")\nw'
#: every stored span checked in the kernel against its own source
CHECK = (
    "[(r['text'], r['start'], r['end'], r['label'], "
    "dict(zip(df['id'], df['text']))[r['id']][r['start']:r['end']] == r['text']) "
    "for r in w.span_annotations.iter_rows(named=True)]"
)


def rater(nb: Any, cell: int = 1) -> Locator:
    return nb.output(cell).locator(".rw-root")


def drag_select(page: Page, box: Locator, text: str) -> None:
    """Select ``text`` as shown in ``box`` with a real mouse drag (first to last character)."""
    rects = box.evaluate(
        """(box, text) => {
            const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
            const nodes = [];
            for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
            const all = nodes.map((n) => n.data).join("");
            const at = all.indexOf(text);
            if (at < 0) return null;
            const point = (pos) => {
                let acc = 0;
                for (const n of nodes) {
                    if (pos < acc + n.data.length) return [n, pos - acc];
                    acc += n.data.length;
                }
            };
            const rect = (pos) => {
                const [n, o] = point(pos);
                const r = document.createRange();
                r.setStart(n, o);
                r.setEnd(n, Math.min(n.data.length, o + 1));
                const b = r.getBoundingClientRect();
                return [b.left, b.right, b.top + b.height / 2];
            };
            const [n] = point(at);
            const rtl = getComputedStyle(n.parentElement).direction === "rtl";
            return [rect(at), rect(at + text.length - 1), rtl];
        }""",
        text,
    )
    assert rects, f"{text!r} is not shown"
    (l0, r0, y0), (l1, r1, y1), rtl = rects
    # from the leading edge of the first character to the trailing edge of the last
    x0, x1 = (r0 - 1, l1 + 1) if rtl else (l0 + 1, r1 - 1)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    shown = page.evaluate("() => document.getSelection().toString()")
    assert shown.strip() == text, f"the drag selected {shown!r}, not {text!r}"


def test_mark_spans_by_mouse_and_keyboard_in_markdown_and_unicode(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([SETUP, CELL]))
    nb.run_all()
    view = rater(nb)
    box = view.locator('section[data-rw-block="text"] > .rw-content')
    expect(box).to_contain_text("東京タワー")
    labels = view.locator(".rw-span-label")
    expect(labels).to_have_count(4)
    keys = {lab_: view.locator(".rw-span-label", has_text=lab_).locator("kbd").inner_text()
            for lab_ in ("threat", "slur", "self-harm", "pii")}  # fmt: skip

    # mouse: bold markdown, then CJK, then right-to-left text
    drag_select(page, box, "I will find you")
    page.keyboard.press(keys["threat"])
    drag_select(page, box, "東京タワー")
    page.keyboard.press(keys["pii"])
    drag_select(page, box, "مرحبا بالعالم")
    page.keyboard.press(keys["slur"])
    drag_select(page, box, "you at")  # overlaps the threat
    page.keyboard.press(keys["pii"])
    spans = view.locator('[data-field="evidence"] .rw-span-list:not(.rw-span-suggestions) li')
    expect(spans).to_have_count(4)
    # painted with the Custom Highlight API: one highlight per label, the overlap, the
    # dashed suggestions (nothing is inserted into the sanitized content)
    painted = page.evaluate(
        "() => [...CSS.highlights.keys()].map((k) => k.replace(/^rw-sp\\d+-/, '')).sort()"
    )
    assert painted == ["0-0", "0-0-s", "0-1", "0-3", "0-3-s", "overlap"], painted
    assert box.locator("mark, span.rw-span").count() == 0
    page.evaluate("() => document.getSelection().removeAllRanges()")  # for the picture
    nb.screenshot("spans-overlap-suggestions-light", view.locator(".rw-item-content"))

    # keyboard: v puts a caret on the first word; Shift+→ extends by word (emoji included)
    nb.press(view, "v")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("() => document.getSelection().toString()") == "Hey 👋🏽"
    page.keyboard.press(keys["slur"])
    # End, then back by words to the combining accent: "Zoé has" ... select "Zoé"
    page.keyboard.press("End")
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("() => document.getSelection().toString()") == "Zoe\u0301"
    page.keyboard.press(keys["self-harm"])
    page.keyboard.press("Escape")
    expect(spans).to_have_count(6)

    # the suggested spans, in reading order: accept the first (y), reject the next (x)
    sugg = view.locator(".rw-span-suggestions li")
    expect(sugg).to_have_count(2)
    page.keyboard.press("y")
    page.keyboard.press("x")
    expect(sugg).to_have_count(0)
    expect(spans).to_have_count(7)

    # a focused span in the list: Delete removes it
    view.locator(".rw-span-list li", has_text="東京タワー").focus()
    page.keyboard.press("Delete")
    expect(spans).to_have_count(6)
    nb.screenshot("spans-item-light", view)
    lab.set_theme(page, "dark")
    nb.screenshot("spans-item-dark", view)
    lab.set_theme(page, "light")

    view.locator(".rw-span-list li").first.focus()
    page.keyboard.press("Escape")  # leave the list: focus back on the widget
    nb.press(view, "2", "Enter")
    nb.wait_eval("w.progress.done", 1)
    rows = nb.eval_json(CHECK)
    assert all(ok for *_, ok in rows), rows
    got = {(text, label) for text, _, _, label, _ in rows}
    assert got == {
        ("I will find you", "threat"),
        ("مرحبا بالعالم", "slur"),
        ("Hey 👋🏽", "slur"),
        ("Zoe\u0301", "self-harm"),
        ("tonight", "threat"),
        ("you** at", "pii"),  # the source between: the bold's closing markup
    }
    # offsets are Python code points into the column value
    expected = nb.eval_json("[TEXT_1.index('I will find you'), TEXT_1.index('Zoe\u0301 has')]")
    starts = {text: start for text, start, *_ in rows}
    assert [starts["I will find you"], starts["Zoe\u0301"]] == expected
    assert nb.eval_json("str(w.annotations.schema['evidence'])").startswith("List(Struct")


TRACE_SETUP = """
import polars as pl
import rater_widgets as rw
from rater_widgets.fields import Spans
from rater_widgets.traces import parse_trace
df = pl.DataFrame({
    "id": ["t1"],
    "problem": ["A box holds 4 pens. How many pens are in 3 boxes, minus 5?"],
    "reasoning": ["Step 1: Three boxes hold $3 \\\\times 4 = 12$ pens 📦.\\n"
                  "Step 2: Take away **five**: 12 - 5 = 8 → eight.\\n"
                  "Step 3: So there are 8 pens.\\nFinal answer: 8"],
    "final_answer": ["7"],
})
rubric = rw.Rubric([Spans("error_spans", labels=["arithmetic", "logic"])])
"""
TRACE_CELL = (
    'w = rw.TraceRater(df, rubric=rubric, store="trace_spans.sqlite", annotator="ana",'
    " require_all_steps=False)\nw"
)
TRACE_CHECK = (
    "[(r['step'], r['text'], r['label'], "
    "parse_trace(df['reasoning'][0]).steps[r['step']].text[r['start']:r['end']] == r['text']) "
    "for r in w.span_annotations.iter_rows(named=True)]"
)


def test_mark_a_span_in_a_trace_step(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([TRACE_SETUP, TRACE_CELL]))
    nb.run_all()
    view = rater(nb)
    step2 = view.locator('[data-step="1"] .rw-step-body > .rw-content')
    expect(step2).to_contain_text("Take away five")
    key_of = {lab_: view.locator(".rw-span-label", has_text=lab_).locator("kbd").inner_text()
              for lab_ in ("arithmetic", "logic")}  # fmt: skip
    drag_select(page, step2, "12 - 5 = 8")
    page.keyboard.press(key_of["arithmetic"])
    # keyboard: the drag focused step 2; k goes back to step 1, v starts selecting there
    nb.press(view, "k", "v")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press(key_of["logic"])
    page.keyboard.press("Escape")
    items = view.locator('[data-field="error_spans"] .rw-span-list li')
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_contain_text("step 2")
    nb.screenshot("spans-trace-light", view)
    nb.press(view, "Enter")
    nb.wait_eval("w.progress.done", 1)
    rows = nb.eval_json(TRACE_CHECK)
    assert rows == [[0, "Three boxes", "logic", True], [1, "12 - 5 = 8", "arithmetic", True]]
    assert nb.eval_json("w.annotations['error_spans'].to_list()")[0][1]["step"] == 1
