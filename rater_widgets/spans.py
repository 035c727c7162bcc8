"""Span annotations (``rw.Spans`` fields) in the widgets: where offsets point, the kernel's
check of every span against the item's own text, suggested spans, and the long frame.

The frontend sends ``start``, ``end`` and ``label`` (and ``step`` in a TraceRater); the
kernel is the judge: it checks ``0 <= start < end <= len(source)`` against the ORIGINAL
column value (or the kernel's own parse of the trace step), refuses anything else with
an error naming the field and the span, and stores ``text = source[start:end]``. Offsets
are Python string indices (code points), whatever the format the text is shown in.

>>> from rater_widgets.fields import Spans
>>> f = Spans("evidence", labels=["pii"])
>>> check_against(f, [{"start": 8, "end": 13, "label": "pii"}], "Call me Alice!", column="text")
[{'start': 8, 'end': 13, 'label': 'pii', 'text': 'Alice'}]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from rater_widgets.content import ContentSpec
from rater_widgets.fields import RubricError, Spans, describe_span, nearest
from rater_widgets.frames import SPAN_DTYPE
from rater_widgets.rubric import Rubric
from rater_widgets.traces import Trace

__all__ = [
    "SPAN_FORMATS",
    "TRACE_SPAN_DTYPE",
    "ItemSpans",
    "TraceSpans",
    "check_against",
    "long_spans",
    "spans_fields",
]

#: Formats whose shown text the frontend maps back to source offsets.
SPAN_FORMATS = ("text", "markdown", "code")
#: A TraceRater span: offsets into the text of step ``step`` (from 0).
TRACE_SPAN_DTYPE = pl.Struct(
    {
        "step": pl.Int64(),
        "start": pl.Int64(),
        "end": pl.Int64(),
        "label": pl.String(),
        "text": pl.String(),
    }
)
#: Suggested spans kept per field and item; more are dropped with a note.
MAX_SUGGESTIONS = 500


def spans_fields(rubric: Rubric) -> list[Spans]:
    """The rubric's ``Spans`` fields, in order (none for a non-rubric: the widget's own
    check names that mistake)."""
    return [f for f in getattr(rubric, "fields", ()) if isinstance(f, Spans)]


def check_against(
    field: Spans,
    spans: Sequence[Mapping[str, Any]],
    source: object,
    *,
    column: str,
    step: int | None = None,
) -> list[dict[str, Any]]:
    """Check shape-checked spans (``Spans.check``) against their source text and add
    ``text = source[start:end]``. Raises RubricError naming the field and the span.

    ``column`` names where the text comes from, for messages.
    """
    where = f"step {step + 1} of the trace" if step is not None else f"column {column!r}"
    if not isinstance(source, str):
        if not spans:
            return []
        kind = "empty" if source is None else f"a {type(source).__name__}, not text"
        raise RubricError(
            f"{describe_span(spans[0])}: {where} is {kind} for this item, so it has "
            "nothing to mark",
            field=field.name,
        )
    n = len(source)
    out: list[dict[str, Any]] = []
    for span in spans:
        start, end = span["start"], span["end"]
        if end > n:
            raise RubricError(
                f"{describe_span(span)}: end {end} is past the end of the text ({where} "
                f"has {n} characters, counted as Python code points)",
                field=field.name,
            )
        text = source[start:end]
        claimed = span.get("text")
        if claimed is not None and claimed != text:
            raise RubricError(
                f"{describe_span(span)}: its text {_clip(claimed)} is not the text at "
                f"{start}-{end} of {where} ({_clip(text)})",
                field=field.name,
            )
        checked = {k: span[k] for k in ("step", "start", "end", "label") if k in span}
        out.append({**checked, "text": text})
    return out


def _clip(text: str, n: int = 40) -> str:
    return repr(text if len(text) <= n else text[: n - 1] + "…")


def _visible_spans(
    rubric: Rubric, answer: Mapping[str, Any], ignore: Iterable[str]
) -> dict[str, list[dict[str, Any]] | None]:
    """Each spans field's shape-checked value, None when the field is hidden.

    Visibility is the rubric's: a widget that owns a spans key (TraceRater, for its
    column type) gets it back from ``validate`` untouched, even when hidden."""
    normalized = rubric.validate(answer, ignore=ignore)
    visible = set(rubric.visible(normalized))
    out: dict[str, list[dict[str, Any]] | None] = {}
    for f in spans_fields(rubric):
        value = normalized.get(f.name)
        out[f.name] = None if f.name not in visible else f.check(value or [])
    return out


def _raw_suggestions(value: object) -> list[Any] | None:
    """A cell of a suggestions column as a list (JSON text is read), None when empty."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if isinstance(value, pl.Series):
        value = value.to_list()
    if isinstance(value, Mapping):
        value = [value]
    return list(value) if isinstance(value, list | tuple) else None


def _check_suggestion(
    field: Spans, raw: object, source_of: Any
) -> tuple[dict[str, Any] | None, str | None]:
    """(span, None) for a suggestion that fits its text, else (None, why)."""
    try:
        if isinstance(raw, Mapping):
            raw = {k: v for k, v in raw.items() if k != "text"}
        (span,) = field.check([raw])
        source, column = source_of(span)
        check_against(field, [span], source, column=column, step=span.get("step"))
    except RubricError as e:
        return None, e.message
    return span, None


def _suggested(field: Spans, cell: object, source_of: Any) -> dict[str, Any]:
    raw = _raw_suggestions(cell)
    if raw is None:
        return {"suggested": [], "warnings": []}
    kept: list[dict[str, Any]] = []
    dropped: list[str] = []
    for r in raw[:MAX_SUGGESTIONS]:
        span, why = _check_suggestion(field, r, source_of)
        if span is None:
            dropped.append(why or "does not fit")
        elif span not in kept:
            kept.append(span)
    warnings = []
    if dropped:
        warnings.append(
            f"{len(dropped)} suggested span(s) do not fit this item and are not shown, e.g. "
            f"{dropped[0]}"
        )
    if len(raw) > MAX_SUGGESTIONS:
        warnings.append(f"only the first {MAX_SUGGESTIONS} of {len(raw)} suggestions are shown")
    return {"suggested": kept, "warnings": warnings}


def _take_suggestions(f: Spans, columns: Sequence[str], into: dict[str, str]) -> None:
    """Record ``f``'s ``suggestions=`` column (it must exist) in ``into``."""
    if f.suggestions is None:
        return
    if f.suggestions not in columns:
        raise RubricError(
            f"suggestions={f.suggestions!r}: no such column; "
            f"{nearest(f.suggestions, list(columns))}",
            field=f.name,
        )
    into[f.name] = f.suggestions


class ItemSpans:
    """The spans fields of an ItemRater, their source columns resolved and checked.

    ``source=None`` means the main content column (the first ``content=`` column). The
    source must be shown (content or context) as text, markdown or code, and not
    redacted: offsets index the original value, so the rater must see it as it is.
    """

    def __init__(self, rubric: Rubric, spec: ContentSpec, columns: Sequence[str]) -> None:
        self.fields = spans_fields(rubric)
        shown = {c.name: c for c in spec.columns}
        main = next((c.name for c in spec.columns if c.role == "content"), None)
        self.sources: dict[str, str] = {}
        self.suggestion_columns: dict[str, str] = {}
        for f in self.fields:
            col = f.source or main
            if col not in shown:
                raise RubricError(
                    f"source={col!r} is not a column the rater sees; "
                    f"{nearest(col, list(shown))} (content= and context= columns)",
                    field=f.name,
                )
            fmt = shown[col].format
            if fmt is not None and fmt not in SPAN_FORMATS:
                raise RubricError(
                    f"source column {col!r} is shown as {fmt!r}; spans mark text shown as "
                    f"{', '.join(SPAN_FORMATS)}",
                    field=f.name,
                )
            if spec.redact is not None:
                raise RubricError(
                    "redact= changes the text the rater sees, so span offsets could not "
                    "index the original column; use spans or redaction, not both",
                    field=f.name,
                )
            self.sources[f.name] = col
            _take_suggestions(f, columns, self.suggestion_columns)

    def __bool__(self) -> bool:
        return bool(self.fields)

    @property
    def columns(self) -> list[str]:
        """Columns the widget must keep besides the shown ones (the suggestions)."""
        return list(dict.fromkeys(self.suggestion_columns.values()))

    def wire(self) -> dict[str, Any]:
        """For the frontend's config: each field's source column."""
        return {name: {"source": col} for name, col in self.sources.items()}

    def item_extra(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Suggested spans of one item (``Item.extra["spans"]``), each checked against the
        item's text; suggestions that do not fit are dropped with a note."""
        if not self.suggestion_columns:
            return {}
        out: dict[str, Any] = {}
        for f in self.fields:
            col = self.suggestion_columns.get(f.name)
            if col is None:
                continue
            source = row.get(self.sources[f.name])

            def source_of(
                span: Mapping[str, Any], source: object = source, f: Spans = f
            ) -> tuple[object, str]:
                if span.get("step") is not None:
                    raise RubricError(f"{describe_span(span)} has a step; items have none", f.name)
                return source, self.sources[f.name]

            out[f.name] = _suggested(f, row.get(col), source_of)
        return {"spans": out}

    def check_answer(
        self, rubric: Rubric, answer: Mapping[str, Any], row: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Every shown spans field checked against the row's text, with ``text`` filled."""
        out: dict[str, Any] = {}
        for name, spans in _visible_spans(rubric, answer, ()).items():
            if spans is None:
                out[name] = None
                continue
            f = next(f for f in self.fields if f.name == name)
            stepped = next((s for s in spans if "step" in s), None)
            if stepped is not None:
                raise RubricError(
                    f"{describe_span(stepped)}: an ItemRater span has no step", field=name
                )
            col = self.sources[name]
            out[name] = check_against(f, spans, row.get(col), column=col)
        return out


class TraceSpans:
    """The spans fields of a TraceRater: each span sits in one step and its offsets index
    that step's text (the kernel's own parse). ``source=`` is not taken here."""

    def __init__(self, rubric: Rubric, columns: Sequence[str]) -> None:
        self.fields = spans_fields(rubric)
        self.suggestion_columns: dict[str, str] = {}
        for f in self.fields:
            if f.source is not None:
                raise RubricError(
                    f"source={f.source!r}: in a TraceRater spans mark the steps of the trace "
                    "(offsets into each step's text); leave source= out",
                    field=f.name,
                )
            _take_suggestions(f, columns, self.suggestion_columns)

    def __bool__(self) -> bool:
        return bool(self.fields)

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(self.suggestion_columns.values()))

    @property
    def dtypes(self) -> dict[str, pl.DataType]:
        """Column types of the spans fields (with ``step``) in ``w.annotations``."""
        return {f.name: pl.List(TRACE_SPAN_DTYPE) for f in self.fields}

    def wire(self) -> dict[str, Any]:
        return {f.name: {"source": None} for f in self.fields}

    def _source_of(self, trace: Trace, name: str) -> Any:
        def source_of(span: Mapping[str, Any]) -> tuple[object, str]:
            step = span.get("step")
            n = len(trace.steps)
            if step is None:
                raise RubricError(
                    f"{describe_span(span)}: a span in a trace needs the step it marks", name
                )
            if step >= n:
                raise RubricError(
                    f"{describe_span(span)}: step {step} is not a step of this trace (steps "
                    f"are numbered 0 to {n - 1})"
                    if n
                    else f"{describe_span(span)}: the trace has no steps",
                    field=name,
                )
            return trace.steps[step].text, "step"

        return source_of

    def item_extra(self, row: Mapping[str, Any], trace: Trace) -> dict[str, Any]:
        if not self.suggestion_columns:
            return {}
        out = {
            f.name: _suggested(f, row.get(col), self._source_of(trace, f.name))
            for f in self.fields
            if (col := self.suggestion_columns.get(f.name)) is not None
        }
        return {"spans": out}

    def check_answer(
        self, rubric: Rubric, answer: Mapping[str, Any], trace: Trace, ignore: Iterable[str]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spans in _visible_spans(rubric, answer, ignore).items():
            if spans is None:
                out[name] = None
                continue
            f = next(f for f in self.fields if f.name == name)
            source_of = self._source_of(trace, name)
            checked: list[dict[str, Any]] = []
            for span in spans:
                source, _ = source_of(span)
                checked += check_against(f, [span], source, column="step", step=span["step"])
            out[name] = checked
        return out


def long_spans(
    ann: pl.DataFrame, fields: Sequence[str], id_dtype: pl.DataType, *, step: bool = False
) -> pl.DataFrame:
    """One row per marked span: ``id``, ``annotator``, ``field``, (``step``,) ``start``,
    ``end``, ``label``, ``text``, from an annotations frame with spans columns.

    >>> long_spans(w.annotations, ["evidence"], pl.Int64)  # doctest: +SKIP
    """
    keys = ["step", "start", "end", "label", "text"] if step else ["start", "end", "label", "text"]
    schema: dict[str, pl.DataType] = {
        "id": id_dtype,
        "annotator": pl.String(),
        "field": pl.String(),
    }
    inner = TRACE_SPAN_DTYPE if step else SPAN_DTYPE
    for f in inner.fields:
        if f.name in keys:
            schema[f.name] = f.dtype if isinstance(f.dtype, pl.DataType) else f.dtype()
    parts = []
    for name in fields:
        part = (
            ann.select("id", pl.col("annotator").cast(pl.String), pl.col(name).alias("_s"))
            .explode("_s")
            .drop_nulls("_s")
            .select(
                "id",
                "annotator",
                pl.lit(name, dtype=pl.String).alias("field"),
                *[pl.col("_s").struct.field(k) for k in keys],
            )
        )
        parts.append(part)
    if not parts:
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).cast(schema)  # type: ignore[arg-type]
    return out.sort("id", "annotator", "field", *keys[:3])
