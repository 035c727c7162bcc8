"""Teams and quality on the kernel side of a rater: which items an adjudication or a
review walks, every annotator's answer to an item, and the screening quiz."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import polars as pl

from rater_widgets.adjudicate import disagreements, review_items
from rater_widgets.frames import typed_annotations, typed_history

if TYPE_CHECKING:
    from rater_widgets.widgets._rater import RaterWidget


def focus_items(w: RaterWidget, mode: str) -> pl.Series:
    latest = w._store.latest(w.study, role="annotator")
    if mode == "adjudicate":
        typed = typed_annotations(latest, w.rubric, extra=w._own_answer_keys())
        return disagreements(typed, w._disagree_on).get_column("id")
    typed_all = typed_history(latest, w.rubric, extra=w._own_answer_keys())
    return review_items(typed_all, w.rubric)


def others(w: RaterWidget, item_id: str) -> list[dict[str, Any]]:
    """Every annotator's latest answer to an item (adjudication and review)."""
    rows = w._store.history(w.study, item_ids=[item_id])
    latest = (
        rows.filter(pl.col("role") == "annotator")
        .sort("row_id")
        .group_by("annotator", maintain_order=True)
        .last()
    )
    return [
        {"annotator": r["annotator"], "kind": r["kind"],
         "answer": json.loads(r["answer"]) if r["answer"] else None}
        for r in latest.iter_rows(named=True)
    ]  # fmt: skip


def quiz_result(w: RaterWidget) -> dict[str, Any] | None:
    """The screening quiz for this annotator: ``{"asked", "answered", "correct",
    "passed"}`` (passed is None until every quiz item is answered); None without a
    quiz."""
    if not w._quiz_len:
        return None
    field = w.rubric.fields[0].name
    gold = str(w._gold_column)
    rows = [w._queue.row_at(p) for p in range(w._quiz_len)]
    truth = w._frame[rows].select(
        pl.col(w._id_col).cast(pl.String).alias("id"), pl.col(gold).cast(pl.String)
    )
    mine = w.annotations.filter(pl.col("annotator") == w.annotator).select(
        pl.col("id").cast(pl.String), pl.col(field).cast(pl.String)
    )
    joined = truth.join(mine, on="id", how="inner")
    correct = int((joined.get_column(field) == joined.get_column(gold)).sum())
    passed = None
    if joined.height == w._quiz_len:
        passed = correct / w._quiz_len >= w._quiz_pass_rate
    return {
        "asked": w._quiz_len, "answered": joined.height, "correct": correct,
        "passed": passed,
    }  # fmt: skip


def quiz_lock(w: RaterWidget) -> dict[str, Any] | None:
    """What the frontend must keep locked: every position after the quiz until it is
    passed (and for good when it was failed)."""
    result = quiz_result(w)
    if result is None or result["passed"]:
        return None
    need = math.ceil(w._quiz_pass_rate * w._quiz_len - 1e-9)
    if result["passed"] is False:
        message = (
            f"Screening quiz not passed: {result['correct']} of {result['asked']} "
            f"correct ({need} needed). The study items stay locked; ask your study lead."
        )
    else:
        message = (
            f"Answer the {result['asked']} screening items first ({need} correct "
            "needed); the study items open after them."
        )
    return {"after": w._quiz_len, "message": message, "failed": result["passed"] is False}
