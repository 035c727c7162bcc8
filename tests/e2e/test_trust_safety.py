"""Trust & Safety labeling in a real JupyterLab: every field type by keyboard and mouse,
conditional fields, guidelines, sensitive content, chat and math rendering, suggestions."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SETUP = r"""
import polars as pl
import rater_widgets as rw
df = pl.DataFrame({
    "id": ["a", "b", "c"],
    "prompt": ["Tell me about pills", "Solve it", "Summarize the chat"],
    "response": [
        "I will **hurt** you. ![pixel](https://tracker.example.com/p.png)",
        "The roots are $x = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}$.\n\n```python\nprint('hi')\n```",
        None,
    ],
    "chat": [None, None, [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Hi **there**"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "tool", "content": "lookup: ok", "name": "search"},
    ]],
    "nsfw": [True, False, False],
    "model_label": ["violating", "safe", "safe"],
})
rubric = rw.Rubric(
    [
        rw.Choice("verdict", ["safe", "borderline", "violating"], required=True, guideline="threats",
                  help="Use the policy's definitions."),
        rw.MultiChoice("categories", ["harassment", "self-harm", "violence"],
                       show_if={"verdict": ["borderline", "violating"]}),
        rw.Scale("confidence", 1, 5, labels={1: "guess", 5: "certain"}),
        rw.Text("rationale", required_if={"verdict": ["violating"]}, max_length=200),
        rw.Flag("escalate"),
        rw.Number("severity", min=0, max=10, integer=True),
    ],
    guidelines="# Policy\n\nBe precise.\n\n## Threats\n\nA threat names harm to a person: violating.\n",
)
"""
CELL = """w = rw.ItemRater(df, rubric, content=["response", "chat"], context=["prompt"],
                 format={"response": "markdown", "chat": "chat"}, sensitive="nsfw",
                 content_warning="threat of violence", suggestion="model_label",
                 store="ts.sqlite", annotator="pat")
w"""


def test_every_field_type_conditions_guidelines_and_sensitive(lab, page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    nb = lab.open_notebook(page, lab.write_notebook([SETUP, CELL]))
    nb.run_all()
    view = nb.output(1).locator(".rw-root")
    content = view.locator(".rw-item-content")
    # sensitive: blurred with its warning; nothing of it is readable until revealed
    expect(content.locator(".rw-cover")).to_contain_text("Content warning: threat of violence")
    nb.screenshot("ts-sensitive-covered", view)
    content.click()
    page.keyboard.press("r")
    expect(content.locator(".rw-cover")).to_have_count(0)
    expect(content).to_contain_text("hurt")
    # the remote tracking pixel is a placeholder, and no request left the page for it
    expect(content.locator(".rw-remote-placeholder")).to_be_visible()
    assert not [u for u in requests if "tracker.example.com" in u]
    # the model's suggestion is a badge, not a preselection
    expect(view.locator('[data-field="verdict"] .rw-suggest')).to_have_text("Model: violating")
    expect(view.locator('button[data-value="violating"]')).to_have_attribute(
        "aria-pressed", "false"
    )

    # conditional fields: categories only for borderline/violating
    categories = view.locator('[data-field="categories"]')
    expect(categories).to_be_hidden()
    page.keyboard.press("3")  # violating (keyboard)
    expect(categories).to_be_visible()
    expect(view.locator('[data-field="rationale"]')).to_have_class(
        "rw-field rw-field-text rw-required"
    )
    # multi-choice by mouse, and by its key
    categories.get_by_role("button", name="violence").click()
    keys = nb.eval_json("{o['value']: o['key'] for o in w._rubric['fields'][1]['options']}")
    view.focus()
    page.keyboard.press(keys["harassment"])
    # scale by mouse
    view.locator('[data-field="confidence"] button[data-value="4"]').click()
    # flag by key
    flag_key = nb.eval_json("w._rubric['fields'][4]['key']")
    view.focus()
    page.keyboard.press(flag_key)
    expect(view.locator('[data-field="escalate"] button')).to_have_attribute("aria-pressed", "true")
    # Enter without the required rationale: the field says so, nothing is sent
    page.keyboard.press("Enter")
    expect(view.locator('[data-field="rationale"] .rw-field-error')).to_have_text(
        "Rationale is required"
    )
    assert nb.eval_json("w.history.height") == 0
    # the text field's key focuses it; typing stays in it; Ctrl+Enter submits
    view.locator('[data-field="rationale"] textarea').fill("Direct threat; 3 words")
    view.locator('[data-field="severity"] input').fill("7")
    nb.screenshot("ts-all-fields-light", view)
    view.locator('[data-field="severity"] input').press("Enter")

    expect(view.locator(".rw-where")).to_contain_text("Item 2 of 3")
    row = nb.eval_json(
        "w.annotations.select('verdict', 'categories', 'confidence', 'rationale', 'escalate',"
        " 'severity', 'suggested_verdict').rows()[0]"
    )
    assert row == [
        "violating",
        ["harassment", "violence"],
        4,
        "Direct threat; 3 words",
        True,
        7,
        "violating",
    ]

    # math renders as MathML; code stays literal
    expect(content.locator("math")).to_have_count(1)
    expect(content.locator("pre code")).to_contain_text("print('hi')")

    # guidelines: g opens the panel, search finds, help link jumps
    page.keyboard.press("g")
    panel = view.locator(".rw-guidelines")
    expect(panel).to_be_visible()
    panel.locator("input").fill("threat")
    expect(panel.locator("mark.rw-guide-hit")).to_have_count(2)
    lab.set_theme(page, "dark")
    nb.screenshot("ts-guidelines-math-dark", view)
    lab.set_theme(page, "light")
    view.focus()
    page.keyboard.press("g")
    expect(panel).to_be_hidden()

    # a chat transcript renders as a conversation
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-where")).to_contain_text("Item 3 of 3")
    expect(content.locator(".rw-msg")).to_have_count(4)
    expect(content).to_contain_text("How can I help?")
    nb.screenshot("ts-chat-light", view)
    assert not [u for u in requests if "tracker.example.com" in u]


WELLBEING = """
import polars as pl
import rater_widgets as rw
df = pl.DataFrame({"id": [1, 2, 3, 4], "text": ["grim one", "grim two", "grim three", "calm"],
                   "nsfw": [True, True, True, False]})
rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
w = rw.ItemRater(df, rubric, content="text", sensitive="nsfw", store="wb.sqlite",
                 annotator="mo", wellbeing=rw.Wellbeing(max_sensitive_per_hour=2, break_minutes=3))
w
"""


def test_exposure_limit_shows_the_break_screen_and_step_away_hides_everything(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([WELLBEING]))
    nb.run_all()
    view = nb.output(0).locator(".rw-root")
    overlay = view.locator(".rw-overlay")
    expect(view.locator(".rw-cover")).to_be_visible()
    view.locator(".rw-header").click()
    # step away: one key hides everything, the same key brings it back
    page.keyboard.press("h")
    expect(overlay).to_contain_text("Content hidden")
    expect(view.locator(".rw-main")).to_have_attribute("aria-hidden", "true")
    page.keyboard.press("h")
    expect(overlay).to_be_hidden()
    for _ in range(2):
        page.keyboard.press("r")
        page.keyboard.press("2")
        page.keyboard.press("Enter")
    expect(overlay).to_contain_text("Time for a break")
    expect(overlay.locator(".rw-countdown")).to_contain_text(":")
    nb.screenshot("wellbeing-break", view)
    # keys do nothing during the break
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert nb.eval_json("w.progress.done") == 2
