"""TraceRater in a real JupyterLab: rate a reasoning trace step by step with the keyboard,
mark the first error, judge the whole trace, and check the frame in the kernel."""

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CHAT = [
    {"role": "user", "content": "What is 17 * 23? Use the calculator."},
    {
        "role": "assistant",
        "content": "I will check with the calculator.",
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "calculator", "arguments": '{"expr": "17*23"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "391"},
    {"role": "assistant", "content": "<think>The tool says 391.</think>17 × 23 = 391."},
]

SETUP = f"""
import json
import polars as pl
chat = {CHAT!r}
import rater_widgets as rw
df = pl.DataFrame({{
    "id": ["t1", "t2"],
    "problem": ["A box holds $4$ pens. How many pens are in **3** boxes, minus 5?",
                "Multiply 17 by 23."],
    "reasoning": [
        "Step 1: Three boxes hold $3 \\\\times 4 = 12$ pens.\\n"
        "Step 2: Take away five: $12 - 5 = 8$.\\n"
        "Step 3: Check it in Python:\\n```python\\nprint(3 * 4 - 5)\\n```\\n"
        "Step 4: So there are 8 pens.\\nFinal answer: 8",
        json.dumps(chat),
    ],
    "final_answer": ["8", "391"],
}})
rubric = rw.Rubric([
    rw.Choice("answer_correct", ["yes", "no"], required=True),
    rw.Choice("faithful", ["faithful", "unfaithful"]),
    rw.Text("comment"),
])
"""
CELL = 'w = rw.TraceRater(df, rubric=rubric, store="traces.sqlite", annotator="ana")\nw'


def rater(nb, cell=1):
    return nb.output(cell).locator(".rw-root")


def test_rate_a_trace_by_keyboard_and_read_it_back_in_the_kernel(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([SETUP, CELL]))
    nb.run_all()
    view = rater(nb)
    steps = view.locator(".rw-step")
    expect(steps).to_have_count(4)
    expect(view.locator(".rw-trace-question")).to_contain_text("How many pens")
    expect(view.locator(".rw-trace-question math")).to_have_count(1)  # $4$ as MathML
    expect(steps.nth(2).locator("pre code")).to_have_text("print(3 * 4 - 5)")
    expect(steps.nth(0).locator("math")).to_have_count(1)
    expect(view.locator(".rw-trace-summary")).to_have_text("0 of 4 steps rated · first error: none")

    # focus the widget by clicking on a step's text (not a control): step 1 stays focused
    steps.nth(0).locator(".rw-step-body").click()
    expect(steps.nth(0)).to_have_class(re.compile("rw-focused"))
    page.keyboard.press("3")  # step 1 good, on to step 2
    page.keyboard.press("f")  # step 2 is the first error (rated -1)
    expect(steps.nth(1).locator(".rw-step-first")).to_be_visible()
    page.keyboard.press("n")
    page.keyboard.type("12 - 5 is 7, not 8")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("2")  # step 3 neutral
    page.keyboard.press("1")  # step 4 wrong (uses the wrong value)
    page.keyboard.press("o")  # answer_correct = no (rubric keys never take digits)
    page.keyboard.press("u")  # faithful = unfaithful
    expect(view.locator(".rw-trace-summary")).to_have_text(
        "4 of 4 steps rated · first error: step 2"
    )
    nb.screenshot("trace-rater-light", view)
    lab.set_theme(page, "dark")
    nb.screenshot("trace-rater-dark", view)
    lab.set_theme(page, "light")

    view.locator(".rw-trace-summary").click()  # back in the widget after the theme switch
    page.keyboard.press("Enter")
    # the chat trace comes next: tool call and result are steps of their own
    expect(view.locator(".rw-where")).to_contain_text("Item 2 of 2")
    expect(steps).to_have_count(4)  # the <think> of the last turn is reasoning too
    expect(steps.nth(1).locator(".rw-step-kind")).to_have_text("tool call · calculator")
    expect(steps.nth(2).locator(".rw-step-kind")).to_have_text("tool result · calculator")
    expect(view.locator(".rw-trace-question")).to_contain_text("What is 17 * 23?")
    nb.wait_eval("w.progress.done", 1)

    rows = nb.eval_json(
        "w.annotations.select('id', 'annotator', 'answer_correct', 'faithful', 'step_ratings',"
        " 'step_notes', 'first_error_step', 'n_steps').rows()"
    )
    assert rows == [
        ["t1", "ana", "no", "unfaithful", [1, -1, 0, -1], [None, "12 - 5 is 7, not 8", None, None],
         1, 4],
    ]  # fmt: skip
    assert nb.eval_json("str(w.annotations.schema['step_ratings'])") == "List(Int8)"
    long = nb.eval_json(
        "w.step_annotations.select('step', 'rating', 'note', 'is_first_error').rows()"
    )
    assert long == [
        [0, 1, None, False],
        [1, -1, "12 - 5 is 7, not 8", True],
        [2, 0, None, False],
        [3, -1, None, False],
    ]

    view.locator(".rw-trace-summary").click()
    for key in ["3", "3", "3", "3", "y"]:
        page.keyboard.press(key)
    nb.screenshot("trace-rater-tools-light", view)
    page.keyboard.press("Enter")
    expect(view.locator(".rw-done")).to_contain_text("All 2 items done")
    nb.wait_eval("w.progress.done", 2)
    assert nb.eval_json("w.step_annotations.filter(pl.col('id') == 't2')['step_kind'].to_list()") == [
        "reasoning", "tool_call", "tool_result", "reasoning",
    ]  # fmt: skip

    # back to the first trace: the stored ratings come back on screen
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    expect(view.locator(".rw-trace-summary")).to_have_text(
        "4 of 4 steps rated · first error: step 2"
    )
    expect(steps.nth(1).locator('.rw-step-opt[data-value="-1"]')).to_have_attribute(
        "aria-pressed", "true"
    )


def test_tampered_step_ratings_are_refused_and_nothing_is_stored(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([SETUP, CELL]))
    nb.run_all()
    view = rater(nb)
    expect(view.locator(".rw-step")).to_have_count(4)
    send = """(root, answer) => root.__rwModel.send({type: "submit", seq: 77, item: "t1", pos: 0,
                answer, ms: 5, need: [], client: {session: "evil", view: "v"}})"""
    view.evaluate(send, {"step_ratings": [1, 1, 1], "answer_correct": "yes"})
    expect(view.locator(".rw-banner")).to_contain_text("step 4 has no rating")
    view.evaluate(send, {"step_ratings": [1, 1, 1, 1], "n_steps": 9, "answer_correct": "yes"})
    expect(view.locator(".rw-banner")).to_contain_text("this trace has 4")
    view.evaluate(send, {"step_ratings": [1, 5, 1, 1], "answer_correct": "yes"})
    expect(view.locator(".rw-banner")).to_contain_text("step 2: rating 5 is not one of")
    assert nb.eval_json("w.history.height") == 0


LONG = """
n = 500
steps = [
    f"Step {i}: we have $x_{{{i}}} = {i}^2 = {i * i}$, so the running sum is "
    f"**{sum(k * k for k in range(1, i + 1))}**." + (" More words to read." * (i % 7))
    for i in range(1, n + 1)
]
short = [f"Step 1: warm up {i}.\\nStep 2: done." for i in range(6)]
long_df = pl.DataFrame({"id": [f"short{i}" for i in range(6)] + ["long"],
                        "reasoning": short + ["\\n".join(steps)]})
print(sum(len(s) for s in steps))
"""
LONG_CELL = 'lw = rw.TraceRater(long_df, question=None, answer=None, store="long.sqlite", annotator="ana")\nlw'

# Time from a keypress to the next painted frame, measured in the page.
_KEY_TO_PAINT = """async (root, key) => {
  const t0 = performance.now();
  root.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true, cancelable: true}));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""
# ArrowRight `n` times at once to the 500-step trace, until its steps are on screen with
# content rendered. From 6 items away it is outside the look-ahead: the kernel parses and
# sends it only then (cold); from the item before, it is already cached and built (warm).
_SHOW_LONG = """async (root, n) => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    root.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true, cancelable: true}));
  }
  while (root.querySelectorAll(".rw-step").length !== 500
         || root.querySelector('.rw-step[data-step="0"] .rw-step-placeholder')) {
    await new Promise(r => requestAnimationFrame(r));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const shown = performance.now() - t0;
  const builds = performance.getEntriesByName("rw:trace-build")
    .filter(e => e.detail && e.detail.steps === 500).map(e => e.duration);
  const rendered = root.querySelectorAll(".rw-step-body:not(.rw-step-placeholder)").length;
  return {shown, build: builds[builds.length - 1], rendered};
}"""


def test_a_500_step_trace_stays_responsive(lab, page):
    """Measures (prints, never asserts) how long a 500-step, ~60k-character trace takes."""
    nb = lab.open_notebook(page, lab.write_notebook([SETUP, LONG, LONG_CELL]))
    nb.run_all()
    view = rater(nb, 2)
    expect(view.locator(".rw-step")).to_have_count(2)
    view.locator(".rw-trace-legend").click()
    cold = view.evaluate(_SHOW_LONG, 6)
    expect(view.locator(".rw-step")).to_have_count(500)
    view.evaluate(
        "root => root.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft', bubbles: true}))"
    )
    expect(view.locator(".rw-step")).to_have_count(2)
    result = view.evaluate(_SHOW_LONG, 1)
    expect(view.locator(".rw-step")).to_have_count(500)
    # only what is near the visible part of the list is rendered
    assert result["rendered"] < 100, result
    assert cold["rendered"] < 100, cold
    keys = [view.evaluate(_KEY_TO_PAINT, "3") for _ in range(40)]
    steps = view.locator(".rw-step")
    focused = steps.nth(40)
    expect(focused).to_have_class(re.compile("rw-focused"))
    # the focused step scrolled into the step list's view, with its content rendered
    box = view.locator(".rw-steps").bounding_box()
    row = focused.bounding_box()
    assert box
    assert row
    assert box["y"] <= row["y"]
    assert row["y"] + 20 <= box["y"] + box["height"]
    expect(focused.locator(".rw-step-body math")).to_have_count(1)
    expect(view.locator(".rw-trace-summary")).to_have_text(
        "40 of 500 steps rated · first error: none"
    )
    nb.screenshot("trace-rater-500-steps", view)
    keys.sort()
    report = {
        "show_500_steps_cold_ms": round(cold["shown"], 1),
        "show_500_steps_warm_ms": round(result["shown"], 1),
        "build_view_ms": round(result["build"], 1) if result["build"] is not None else None,
        "steps_rendered_at_first": result["rendered"],
        "rate_key_to_paint_ms_median": round(keys[len(keys) // 2], 1),
        "rate_key_to_paint_ms_max": round(keys[-1], 1),
    }
    print("TraceRater 500-step timings:", json.dumps(report))
    lab.record("trace: show a 500-step trace, not prefetched", cold["shown"] / 1000)
    lab.record("trace: show a 500-step trace, prefetched", result["shown"] / 1000)
