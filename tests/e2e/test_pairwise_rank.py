"""PairwiseRater and RankRater in a real JupyterLab, rated with the keyboard in Chromium;
the kernel is then asked what it stored. The swapped-placement bug (a "left" choice stored
for the wrong column) is checked for BOTH placements."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PAIR_SETUP = """
import polars as pl
import rater_widgets as rw
n = 8
df = pl.DataFrame({
    "id": list(range(1, n + 1)),
    "prompt": [f"Question {i}: what is {i} + {i}?" for i in range(1, n + 1)],
    "response_a": [f"**A{i}**: the answer is {2 * i}." for i in range(1, n + 1)],
    "response_b": [f"B{i}: I think it is {2 * i + 1}, or maybe {2 * i}." for i in range(1, n + 1)],
    "model_a": ["cobalt-70b"] * n,
    "model_b": ["ember-8x7b"] * n,
})
"""
PAIR_CELL = (
    'w = rw.PairwiseRater(df, models=("model_a", "model_b"), store="pairs.sqlite", '
    'annotator="ana")\nw'
)

RANK_SETUP = """
import polars as pl
import rater_widgets as rw
df = pl.DataFrame({
    "id": ["q1", "q2", "q3"],
    "prompt": ["Name a colour.", "Name a fruit.", "Name a planet."],
    "r1": ["Red", "Apple", "Mars"],
    "r2": ["Blue", "Banana", "Venus"],
    "r3": ["Green", "Cherry", "Jupiter"],
    "m1": ["cobalt"] * 3, "m2": ["ember"] * 3, "m3": ["basil"] * 3,
})
"""
RANK_CELL = (
    'w = rw.RankRater(df, responses=["r1", "r2", "r3"], models=["m1", "m2", "m3"], '
    'store="ranks.sqlite", annotator="ana")\nw'
)


def test_pairwise_keyboard_preferences_are_stored_for_the_right_column(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([PAIR_SETUP, PAIR_CELL]))
    nb.run_all()
    view = nb.output(1).locator(".rw-root")
    expect(view.locator(".rw-where")).to_contain_text("Item 1 of 8")
    sides = nb.eval_json("[w.shown_left(i) for i in df['id']]")
    assert set(sides[:4]) == {"a", "b"}, sides  # both placements among the first items

    # what the browser shows on the left is the column the kernel placed there
    for i in range(2):
        left = view.locator(".rw-pair-left .rw-pair-scroll")
        expect(left).to_contain_text(f"{'A' if sides[i] == 'a' else 'B'}{i + 1}")
        if i == 0:
            nb.screenshot("pairwise-rater-light", view)
            # blind: no model name anywhere in the widget
            text = view.inner_text()
            assert "cobalt" not in text
            assert "ember" not in text
            nb.press(view, "1", "Enter")
        else:
            page.keyboard.press("1")
            page.keyboard.press("Enter")
    # item 3: right slightly better (5 on the 7-point scale); 4: tie; 5: both bad
    expect(view.locator(".rw-where")).to_contain_text("Item 3 of 8")
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-where")).to_contain_text("Item 4 of 8")
    page.keyboard.press("t")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-where")).to_contain_text("Item 5 of 8")
    page.keyboard.press("x")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-counts")).to_have_text("5 done · 0 skipped · 8 total")
    nb.wait_eval("w.annotations.height", 5)

    rows = nb.eval_json(
        "w.annotations.sort('id').select('id', 'shown_left', 'preference', 'winner').rows()"
    )
    expected = []
    for i, side in enumerate(sides[:5]):
        sign = 1 if side == "a" else -1
        if i < 2:  # key 1: left much better
            pref = 3 * sign
        elif i == 2:  # key 5: right slightly better
            pref = -1 * sign
        else:
            pref = 0 if i == 3 else None
        winner = "both_bad" if i == 4 else "tie" if pref == 0 else ("a" if pref > 0 else "b")
        expected.append([i + 1, side, pref, winner])
    assert rows == expected
    assert nb.eval_json("w.annotations['model_a'].unique().to_list()") == ["cobalt-70b"]

    # back to the first item: the stored answer shows in on-screen terms (key 1 pressed)
    for _ in range(5):
        page.keyboard.press("Backspace")
    expect(view.locator(".rw-where")).to_contain_text("Item 1 of 8")
    expect(view.locator('.rw-pair-criterion button[data-value="3"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    # the diff highlight marks changed words, literally
    page.keyboard.press("d")
    expect(view.locator(".rw-pair-left mark").first).to_be_visible()
    nb.screenshot("pairwise-rater-diff-light", view)
    lab.set_theme(page, "dark")
    nb.screenshot("pairwise-rater-dark", view)
    lab.set_theme(page, "light")

    # the DPO export reads the same choices
    out = nb.eval_json(
        "rw.export.preference_pairs(w).sort('id').select('id', 'chosen_model').rows()"
    )
    assert [r[1] for r in out] == [
        "cobalt-70b" if w == "a" else "ember-8x7b" for _, _, _, w in expected[:3]
    ]


def test_pairwise_narrow_widget_stacks_the_responses(lab, page):
    page.set_viewport_size({"width": 820, "height": 900})
    nb = lab.open_notebook(page, lab.write_notebook([PAIR_SETUP, PAIR_CELL]))
    nb.run_all()
    view = nb.output(1).locator(".rw-root")
    left = view.locator(".rw-pair-left")
    right = view.locator(".rw-pair-right")
    expect(left).to_be_visible()
    lb, rb = left.bounding_box(), right.bounding_box()
    assert lb is not None
    assert rb is not None
    assert rb["y"] >= lb["y"] + lb["height"] - 1  # right pane below the left one
    nb.screenshot("pairwise-rater-narrow", view)


def test_rank_with_the_keyboard_and_by_dragging(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([RANK_SETUP, RANK_CELL]))
    nb.run_all()
    view = nb.output(1).locator(".rw-root")
    expect(view.locator(".rw-rank-card")).to_have_count(3)
    orders = nb.eval_json("[w.shown_order(i) for i in df['id']]")
    nb.screenshot("rank-rater-light", view)

    # item 1: A best, B second, C third (focus moves on after each rank)
    nb.press(view, "1", "2", "3")
    expect(view.locator(".rw-rank-badge")).to_have_text(["#1", "#2", "#3"])
    page.keyboard.press("Enter")
    expect(view.locator(".rw-where")).to_contain_text("Item 2 of 3")
    # item 2: a tie for first between B and C, A last
    page.keyboard.press("3")
    page.keyboard.press("1")
    page.keyboard.press("1")
    expect(view.locator(".rw-rank-badge")).to_have_text(["#3", "#1", "#1"])
    lab.set_theme(page, "dark")
    nb.screenshot("rank-rater-dark", view)
    lab.set_theme(page, "light")
    page.keyboard.press("Enter")
    expect(view.locator(".rw-where")).to_contain_text("Item 3 of 3")
    # item 3: rank by keyboard, then drag C to the front of the ranking bar
    page.keyboard.press("1")
    page.keyboard.press("2")
    page.keyboard.press("3")
    chips = view.locator(".rw-rank-chip")
    chips.nth(2).drag_to(chips.nth(0), target_position={"x": 2, "y": 5})
    expect(view.locator(".rw-rank-badge")).to_have_text(["#2", "#3", "#1"])
    page.keyboard.press("Enter")
    expect(view.locator(".rw-counts")).to_have_text("3 done · 0 skipped · 3 total")
    nb.wait_eval("w.annotations.height", 3)

    stored = nb.eval_json("w.annotations.sort('id').select('ranks', 'shown_order').rows()")
    for (ranks, shown), order, on_screen in zip(
        stored, orders, [[1, 2, 3], [3, 1, 1], [2, 3, 1]], strict=True
    ):
        assert shown == order
        expected = [0, 0, 0]
        for place, original in enumerate(order):
            expected[original] = on_screen[place]
        assert ranks == expected
    pairs = nb.eval_json("w.pairs().height")
    assert pairs == 9
