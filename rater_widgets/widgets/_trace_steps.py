"""Step ratings of reasoning traces (private helper of :mod:`rater_widgets.widgets.trace`).

Pure functions, no widget: the step-label scale, the check of the widget-owned answer
keys against the kernel's own parse of a trace, the per-item payload the frontend gets,
and the long per-step frame for analysis.

Steps are indexed from 0 in every stored value (``first_error_step``, the ``step``
column), so ``step_ratings[first_error_step]`` is the first error's rating; people read
"step 1" for index 0, and messages say both when it matters.

>>> scale = StepScale.parse((-1, 0, 1))
>>> scale.values, scale.names, scale.lowest
((-1, 0, 1), ('wrong', 'neutral', 'good'), -1)
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from rater_widgets.fields import RubricError
from rater_widgets.traces import Trace

__all__ = [
    "MAX_NOTE_CHARS",
    "OWN_KEYS",
    "StepScale",
    "check_step_answer",
    "long_steps",
    "step_payload",
]

#: Answer keys a TraceRater owns, with their column types in ``w.annotations``.
OWN_KEYS: dict[str, pl.DataType] = {
    "step_ratings": pl.List(pl.Int8()),
    "step_notes": pl.List(pl.String()),
    "first_error_step": pl.Int64(),
    "n_steps": pl.Int64(),
}
#: Longest note on one step; longer ones are refused rather than cut.
MAX_NOTE_CHARS = 5_000
#: PRM800K's scale: -1 wrong, 0 neutral or unhelpful, +1 correct and useful.
_PRM800K = {-1: ("wrong", "incorrect"), 0: ("neutral", "neutral or unhelpful"),
            1: ("good", "correct and useful")}  # fmt: skip
_MISSING = object()


@dataclass(frozen=True)
class StepScale:
    """The ratings a step may get, in key order (key 1 rates ``values[0]``, ...).

    ``lowest`` (the smallest value) is what the first error is rated.

    >>> StepScale.parse({-1: "bad", 1: "ok"}).names
    ('bad', 'ok')
    """

    values: tuple[int, ...]
    names: tuple[str, ...]
    descriptions: tuple[str | None, ...]

    @property
    def lowest(self) -> int:
        return min(self.values)

    def name(self, value: int) -> str:
        """``-1 (wrong)``: a value as messages show it."""
        return f"{_signed(value)} ({self.names[self.values.index(value)]})"

    def wire(self) -> list[dict[str, Any]]:
        """The scale for the frontend: value, name, description and key per rating."""
        return [
            {"value": v, "name": n, "description": d, "key": str(i + 1)}
            for i, (v, n, d) in enumerate(
                zip(self.values, self.names, self.descriptions, strict=True)
            )
        ]

    @classmethod
    def parse(cls, raw: object) -> StepScale:
        """A tuple of integers, or ``{integer: name}``; 2 to 9 distinct values in -128..127.

        >>> StepScale.parse((1, 2, 3)).names
        ('+1', '+2', '+3')
        """
        if isinstance(raw, Mapping):
            pairs: list[tuple[object, object]] = list(raw.items())
        elif isinstance(raw, Sequence) and not isinstance(raw, str | bytes):
            pairs = [(v, None) for v in raw]
        else:
            raise TypeError(
                "step_labels= takes a tuple of integers such as (-1, 0, 1) or a dict such as "
                f"{{-1: 'wrong', 0: 'meh', 1: 'good'}}, got {raw!r}"
            )
        if not 2 <= len(pairs) <= 9:
            raise ValueError(
                f"step_labels= needs 2 to 9 ratings (keys 1-9 rate a step), got {len(pairs)}"
            )
        values: list[int] = []
        for v, _ in pairs:
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise ValueError(f"step_labels=: rating {v!r} is not an integer")
            if not -128 <= int(v) <= 127:
                raise ValueError(
                    f"step_labels=: rating {v!r} is outside -128..127 (stored as Int8)"
                )
            if int(v) in values:
                raise ValueError(f"step_labels=: rating {v!r} is given twice")
            values.append(int(v))
        prm = set(values) == set(_PRM800K)
        names: list[str] = []
        descriptions: list[str | None] = []
        for v, name in zip(values, (n for _, n in pairs), strict=True):
            if name is not None and (not isinstance(name, str) or not name.strip()):
                raise ValueError(f"step_labels=: the name of rating {v} must be a non-empty string")
            default, description = _PRM800K[v] if prm else (_signed(v), None)
            names.append(name.strip() if isinstance(name, str) else default)
            descriptions.append(description)
        return cls(tuple(values), tuple(names), tuple(descriptions))


def _signed(v: int) -> str:
    return f"+{v}" if v > 0 else str(v)


def _integer(x: object) -> int | None:
    """x as an int when it is one (1 or 1.0, never True), else None."""
    if isinstance(x, bool):
        return None
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return None


def check_step_answer(
    answer: Mapping[str, Any], trace: Trace, scale: StepScale, *, require_all: bool
) -> dict[str, Any]:
    """Validate the step keys of an answer against the kernel's parse of the trace.

    Returns ``step_ratings`` (one per step; None for an unrated step, allowed only when
    ``require_all`` is false), ``step_notes`` (None when there are none), ``first_error_step``
    and ``n_steps`` (always the kernel's own count). The first error is the first step
    rated ``scale.lowest``: when the answer leaves the key out it is derived, when it
    gives one it must be that step. Raises RubricError naming the step.

    >>> from rater_widgets.traces import parse_trace
    >>> t = parse_trace(["2 + 2 = 5", "so 5"])
    >>> check_step_answer({"step_ratings": [-1, 0]}, t, StepScale.parse((-1, 0, 1)),
    ...                   require_all=True)["first_error_step"]
    0
    """
    n = len(trace.steps)
    claimed = answer.get("n_steps")
    if claimed is not None and _integer(claimed) != n:
        raise RubricError(
            f"the answer is for {claimed!r} steps but this trace has {n}; reload the item",
            field="n_steps",
        )
    ratings = _ratings(answer.get("step_ratings"), n, scale, require_all=require_all)
    first = _first_error(answer.get("first_error_step", _MISSING), ratings, n, scale)
    notes = _notes(answer.get("step_notes"), n)
    return {"step_ratings": ratings, "step_notes": notes, "first_error_step": first, "n_steps": n}


def _ratings(raw: object, n: int, scale: StepScale, *, require_all: bool) -> list[int | None]:
    if raw is None:
        raw = [None] * n
    if not isinstance(raw, list | tuple):
        raise RubricError(f"must be a list with one rating per step, got {raw!r}", "step_ratings")
    if len(raw) < n:
        raise RubricError(
            f"step {len(raw) + 1} has no rating: got {len(raw)} rating(s) for {n} steps",
            field="step_ratings",
        )
    if len(raw) > n:
        raise RubricError(
            f"got {len(raw)} ratings but the trace has {n} steps: there is no step {n + 1}",
            field="step_ratings",
        )
    allowed = ", ".join(scale.name(v) for v in scale.values)
    out: list[int | None] = []
    for i, r in enumerate(raw):
        if r is None:
            if require_all:
                raise RubricError(
                    f"step {i + 1} is not rated; every step needs a rating ({allowed})",
                    field="step_ratings",
                )
            out.append(None)
            continue
        value = _integer(r)
        if value is None or value not in scale.values:
            raise RubricError(
                f"step {i + 1}: rating {r!r} is not one of {allowed}", field="step_ratings"
            )
        out.append(value)
    return out


def _first_error(raw: object, ratings: list[int | None], n: int, scale: StepScale) -> int | None:
    derived = next((i for i, r in enumerate(ratings) if r == scale.lowest), None)
    if raw is _MISSING:
        return derived
    lowest = scale.name(scale.lowest)
    if raw is None:
        if derived is not None:
            raise RubricError(
                f"step {derived + 1} is rated {lowest}, so it is the first error, but "
                "first_error_step is null",
                field="first_error_step",
            )
        return None
    index = _integer(raw)
    if index is None or not 0 <= index < n:
        where = f"steps are numbered 0 to {n - 1}" if n else "the trace has no steps"
        raise RubricError(
            f"{raw!r} is not a step of this trace ({where}, from 0)", field="first_error_step"
        )
    rated = ratings[index]
    if rated != scale.lowest:
        got = "unrated" if rated is None else f"rated {scale.name(rated)}"
        raise RubricError(
            f"step {index + 1} is marked as the first error but is {got}; the first error "
            f"must be rated {lowest}",
            field="first_error_step",
        )
    if derived is not None and derived < index:
        raise RubricError(
            f"step {derived + 1} is rated {lowest} before the marked first error "
            f"(step {index + 1}); the first error is the first step rated {lowest}",
            field="first_error_step",
        )
    return index


def _notes(raw: object, n: int) -> list[str | None] | None:
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or len(raw) != n:
        got = f"{len(raw)} notes" if isinstance(raw, list | tuple) else repr(raw)
        raise RubricError(f"must be a list with one note per step ({n}), got {got}", "step_notes")
    out: list[str | None] = []
    for i, note in enumerate(raw):
        if note is not None and not isinstance(note, str):
            raise RubricError(f"step {i + 1}: a note must be text, got {note!r}", "step_notes")
        text = (note or "").strip()
        if len(text) > MAX_NOTE_CHARS:
            raise RubricError(
                f"step {i + 1}: the note has {len(text):,} characters; at most {MAX_NOTE_CHARS:,}",
                field="step_notes",
            )
        out.append(text or None)
    return out if any(out) else None


def _json_safe(x: object) -> Any:
    return json.loads(json.dumps(x, ensure_ascii=False, default=str))


def step_payload(trace: Trace) -> dict[str, Any]:
    """What the frontend needs of one parsed trace (``Item.extra``).

    Tool steps carry their tool name, arguments, call id and error flag; reasoning steps
    only their text, so a 500-step trace costs little more than its characters. Steps of
    string traces also carry ``start``/``end``, their code-point offsets in the column
    value, so marks inside a step can be stored as offsets into the source.
    """
    steps: list[dict[str, Any]] = []
    for s in trace.steps:
        step: dict[str, Any] = {"text": s.text, "kind": s.kind}
        if s.start is not None and s.end is not None:
            step["start"], step["end"] = s.start, s.end
        if s.kind != "reasoning":
            keep = ("name", "arguments", "id", "tool_call_id", "is_error")
            step["meta"] = _json_safe({k: s.meta[k] for k in keep if k in s.meta})
        steps.append(step)
    return {
        "steps": steps,
        "n_steps": len(steps),
        "answer": trace.answer,
        "context": _json_safe(trace.context),
        "warnings": list(trace.warnings),
        "truncated": trace.truncated,
        "format": trace.format,
    }


def long_steps(
    ann: pl.DataFrame,
    sources: Iterable[tuple[Any, object]],
    parse: Callable[[object], Trace],
    id_dtype: pl.DataType,
) -> pl.DataFrame:
    """One row per (item, annotator, step) from a frame of TraceRater annotations.

    ``sources``: (id, trace value) of the annotated items; each is parsed once, whatever
    the number of annotators, for the step text and kind.
    """
    rated = ann.select(
        "id",
        "annotator",
        "first_error_step",
        pl.int_ranges(pl.col("step_ratings").list.len(), dtype=pl.Int64).alias("step"),
        pl.col("step_ratings").alias("rating"),
    ).explode("step", "rating")
    rated = rated.filter(pl.col("step").is_not_null())  # a trace without steps has no rows
    noted = (
        ann.filter(pl.col("step_notes").is_not_null())
        .select(
            "id",
            "annotator",
            pl.int_ranges(pl.col("step_notes").list.len(), dtype=pl.Int64).alias("step"),
            pl.col("step_notes").alias("note"),
        )
        .explode("step", "note")
        .filter(pl.col("note").is_not_null())
    )
    ids: list[Any] = []
    steps: list[int] = []
    texts: list[str] = []
    kinds: list[str] = []
    for item_id, value in sources:
        for i, s in enumerate(parse(value).steps):
            ids.append(item_id)
            steps.append(i)
            texts.append(s.text)
            kinds.append(s.kind)
    text = pl.DataFrame(
        {"id": ids, "step": steps, "step_text": texts, "step_kind": kinds},
        schema={"id": id_dtype, "step": pl.Int64(), "step_text": pl.String(),
                "step_kind": pl.String()},
    )  # fmt: skip
    out = (
        rated.join(noted, on=["id", "annotator", "step"], how="left")
        .join(text, on=["id", "step"], how="left")
        .with_columns(
            (pl.col("step") == pl.col("first_error_step")).fill_null(False).alias("is_first_error")
        )
    )
    return out.select(
        "id", "annotator", "step", "rating", "note", "step_text", "step_kind", "is_first_error"
    ).sort("id", "annotator", "step")
