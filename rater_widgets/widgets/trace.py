"""TraceRater: judge a reasoning trace step by step (PRM800K style), mark where it first
goes wrong, and rate the whole trace against a rubric.

The kernel parses a trace (:func:`rater_widgets.traces.parse_trace`) only when its item
is sent to the frontend, so a million-row frame constructs as fast as its ids can be
checked, and every stored answer is checked against the kernel's own parse: a message
with the wrong number of ratings never reaches the store.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import traitlets

from rater_widgets._trace_text import Splitter
from rater_widgets.content import ContentSpec
from rater_widgets.fields import RubricError, nearest
from rater_widgets.flags import ItemFlags
from rater_widgets.frames import to_polars
from rater_widgets.rubric import Rubric
from rater_widgets.spans import TraceSpans, long_spans
from rater_widgets.store import Store
from rater_widgets.traces import Trace, parse_trace
from rater_widgets.widgets._checks import check_kwargs
from rater_widgets.widgets._rater import COMMON_ARGS, RaterWidget
from rater_widgets.widgets._trace_steps import (
    MAX_NOTE_CHARS,
    OWN_KEYS,
    StepScale,
    check_step_answer,
    long_steps,
    step_payload,
)

__all__ = ["TraceRater"]

_ARGS = (
    "trace", "question", "answer", "rubric", "step_labels", "require_all_steps", "id",
    "store", "annotator", "study", "splitter", "format", "labels", "order", "seed", "limit",
    "sensitive", "content_warning",
)  # fmt: skip
_STEP_FORMATS = ("markdown", "text")
#: Parsed traces kept for the items near the cursor (sent, then checked on submit).
_PARSE_CACHE = 64
#: Keys the trace view takes: 1-9 rate the focused step, n opens its note
#: (j, k and f are already in protocol.RESERVED_KEYS).
_STEP_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "n")


class TraceRater(RaterWidget):
    """Rate each step of a reasoning trace, mark the first error, judge the whole trace.

    >>> import polars as pl, rater_widgets as rw
    >>> df = pl.DataFrame({"id": [1], "problem": ["What is 3 * 4 - 5?"],
    ...                    "reasoning": ["Step 1: 3 * 4 = 12.\\nStep 2: 12 - 5 = 8."],
    ...                    "final_answer": ["8"]})
    >>> w = rw.TraceRater(df, rubric=rw.Rubric([rw.Flag("answer_correct")]),
    ...                   annotator="ana")  # doctest: +SKIP
    >>> w.submit({"step_ratings": [1, -1], "answer_correct": False})  # doctest: +SKIP
    >>> w.step_annotations  # doctest: +SKIP

    ``trace``: the column holding traces in any form ``parse_trace`` reads (a list of
    steps, "Step 1:" text, ``<think>`` blocks, chat messages with tool calls);
    ``splitter``: a ``str -> list[str]`` to split text traces yourself. ``question`` and
    ``answer``: columns shown above and below the steps (None for none). ``rubric``:
    whole-trace fields shown under the trace (final answer correct, faithfulness, ...).
    ``step_labels``: the ratings of one step, keys 1..n in the order given; a tuple of
    integers or ``{integer: name}`` (default PRM800K: -1 wrong, 0 neutral, +1 good).
    ``require_all_steps``: every step must be rated before the trace is submitted
    (default); False allows unrated steps (stored as null). ``format``: "markdown"
    (default) or "text" for the question, answer and steps, or ``{column: format}``.
    Queue control and modes (``stratify``, ``filter``, ``gold``, ``overlap``,
    ``annotators``, ``assignment``, ``mode``, ...) work as for every rater.

    Answers add ``step_ratings`` (List[Int8], one per step), ``step_notes`` (List[String]
    or null), ``first_error_step`` (the 0-based index of the first step rated with the
    lowest label, null when none: derived when left out, checked when given) and
    ``n_steps`` (the kernel's own count). Steps are numbered from 0 in every frame and
    from 1 on screen.

    ``sensitive`` (a boolean column, a callable, or True) blurs the whole trace until the
    rater reveals it (``r``); ``content_warning`` labels it, as in ItemRater.

    A ``rw.Spans`` field in the rubric marks stretches of the steps: each span has a
    ``step`` (from 0) and offsets into that step's text (``w.span_annotations``).
    """

    _kind = traitlets.Unicode("trace").tag(sync=True)
    _own_keys: ClassVar[tuple[str, ...]] = _STEP_KEYS
    _rubric_digits: ClassVar[bool] = False

    def __init__(
        self,
        data: Any,
        *,
        trace: str = "reasoning",
        question: str | None = "problem",
        answer: str | None = "final_answer",
        rubric: Rubric | None = None,
        step_labels: Sequence[int] | Mapping[int, str] = (-1, 0, 1),
        require_all_steps: bool = True,
        id: str = "id",
        store: str | Path | Store | None = None,
        annotator: str | None = None,
        study: str = "default",
        splitter: Splitter | None = None,
        format: str | Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        order: str = "as-is",
        seed: int = 0,
        limit: int | None = None,
        sensitive: str | bool | Callable[[Mapping[str, Any]], Any] | None = None,
        content_warning: str | Callable[[Mapping[str, Any]], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        check_kwargs("TraceRater", kwargs, _ARGS + COMMON_ARGS)
        frame = to_polars(data)
        columns = frame.columns
        _check_column(columns, trace, "trace", default="reasoning")
        for arg, name, default in (("question", question, "problem"),
                                   ("answer", answer, "final_answer")):  # fmt: skip
            if name is not None:
                _check_column(columns, name, arg, default=default)
        if trace in (question, answer):
            raise ValueError(
                f"trace={trace!r} is also the "
                f"{'question' if trace == question else 'answer'} column; pick another"
            )
        if not isinstance(require_all_steps, bool):
            raise TypeError(f"require_all_steps= must be True or False, got {require_all_steps!r}")
        if splitter is not None and not callable(splitter):
            raise TypeError(f"splitter= must be a function str -> list[str], got {splitter!r}")
        rubric = Rubric([]) if rubric is None else rubric
        if isinstance(rubric, Rubric):
            _check_rubric(rubric)
        self._scale = StepScale.parse(step_labels)
        self._trace_col = trace
        self._question_col = question
        self._answer_col = answer
        self._require_all = require_all_steps
        self._splitter = splitter
        self._step_format, shown_formats = _formats(format, trace, question, answer)
        self._parsed_cache: OrderedDict[int, Trace] = OrderedDict()
        self._steps_cache: tuple[tuple[int, int], pl.DataFrame] | None = None
        spec = _spec(columns, question, answer, shown_formats, labels)
        self._spans = TraceSpans(rubric, columns)
        super().__init__(
            frame, rubric, id=id, spec=spec, store=store, annotator=annotator, study=study,
            order=order, seed=seed, limit=limit, extra_columns=[trace, *self._spans.columns],
            flags=ItemFlags(columns, sensitive=sensitive, content_warning=content_warning),
            **kwargs,
        )  # fmt: skip

    # ------------------------------------------------------------ hooks

    def _frontend_config(self) -> dict[str, Any]:
        return {
            "step_labels": self._scale.wire(),
            "lowest": self._scale.lowest,
            "require_all_steps": self._require_all,
            "question": self._question_col,
            "answer": self._answer_col,
            "step_format": self._step_format,
            "max_note": MAX_NOTE_CHARS,
            **({"spans": self._spans.wire()} if self._spans else {}),
        }

    def _item_extra(self, row: Mapping[str, Any], pos: int) -> dict[str, Any]:
        trace = self._parse(pos, row[self._trace_col])
        if not self._spans:
            return step_payload(trace)
        return {**step_payload(trace), **self._spans.item_extra(row, trace)}

    def _own_answer_keys(self) -> dict[str, pl.DataType]:
        # spans fields are the rubric's, but their column type (with the step) is ours
        spans = getattr(self, "_spans", None)
        return {**OWN_KEYS, **(spans.dtypes if spans else {})}

    def _check_own_answer(self, answer: Mapping[str, Any], pos: int) -> dict[str, Any]:
        steps = check_step_answer(
            answer, self._parse(pos), self._scale, require_all=self._require_all
        )
        if not self._spans:
            return steps
        own = self._own_answer_keys()
        return {**steps, **self._spans.check_answer(self.rubric, answer, self._parse(pos), own)}

    def _record_manifest(self, *, order: str, seed: int) -> None:
        super()._record_manifest(order=order, seed=seed)
        manifest = self._store.get_manifest(self.study) or {}
        mine = {
            "trace_column": self._trace_col,
            "step_labels": dict(zip(map(str, self._scale.values), self._scale.names, strict=True)),
            "require_all_steps": self._require_all,
            "answer_keys": {k: str(v) for k, v in OWN_KEYS.items()},
        }
        before = manifest.get("trace")
        if before is None:
            self._store.put_manifest(self.study, {**manifest, "trace": mine})
        elif before.get("step_labels") != mine["step_labels"]:
            warnings.warn(
                f"study {self.study!r} in {self._store.url} was started with step labels "
                f"{before.get('step_labels')}, now {mine['step_labels']}; ratings on the two "
                "scales do not compare. Use a new study= name to keep them apart.",
                stacklevel=3,
            )

    # ------------------------------------------------------------ results

    @property
    def step_labels(self) -> dict[int, str]:
        """The step rating scale: ``{value: name}`` in key order (key 1 is the first).

        >>> w.step_labels  # doctest: +SKIP
        {-1: 'wrong', 0: 'neutral', 1: 'good'}
        """
        return dict(zip(self._scale.values, self._scale.names, strict=True))

    @property
    def step_annotations(self) -> pl.DataFrame:
        """One row per rated step: ``id``, ``annotator``, ``step`` (0-based), ``rating``
        (Int8, null if unrated), ``note``, ``step_text``, ``step_kind`` and
        ``is_first_error``, for everyone's latest answers in this study.

        Step text comes from re-parsing the annotated items' traces (each once).

        >>> w.step_annotations.group_by("step").agg(pl.col("rating").mean())  # doctest: +SKIP
        """
        ann = self.annotations
        last = self._store.change_token(self.study)  # sees purges too
        if self._steps_cache is not None and self._steps_cache[0] == last:
            return self._steps_cache[1]
        id_col = self._id_col
        src = self._frame.select(pl.col(id_col).alias("id"), pl.col(self._trace_col).alias("t"))
        src = src.filter(pl.col("id").is_in(ann.get_column("id").unique().implode()))
        out = long_steps(
            ann,
            zip(src.get_column("id"), src.get_column("t"), strict=True),
            self._parse_value,
            self._id_dtype,
        )
        self._steps_cache = (last, out)
        return out

    @property
    def span_annotations(self) -> pl.DataFrame:
        """One row per marked span in everyone's latest answers: ``id``, ``annotator``,
        ``field``, ``step`` (from 0), ``start``, ``end`` (code points into the step's
        text), ``label`` and ``text``.

        >>> w.span_annotations.group_by("step").len()  # doctest: +SKIP
        """
        names = [f.name for f in self._spans.fields]
        return long_spans(self.annotations, names, self._id_dtype, step=True)

    # ------------------------------------------------------------ parsing

    def _parse_value(self, value: object) -> Trace:
        return parse_trace(value, splitter=self._splitter)

    def _parse(self, pos: int, value: object = None) -> Trace:
        """The parse of the trace at queue position pos, from a small cache."""
        row = self._queue.row_at(pos)
        cached = self._parsed_cache.get(row)
        if cached is not None:
            self._parsed_cache.move_to_end(row)
            return cached
        if value is None:
            value = self._frame.get_column(self._trace_col)[row]
        parsed = self._parse_value(value)
        self._parsed_cache[row] = parsed
        while len(self._parsed_cache) > _PARSE_CACHE:
            self._parsed_cache.popitem(last=False)
        return parsed


def _check_column(columns: Sequence[str], name: object, arg: str, *, default: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{arg}= takes a column name, got {name!r}")
    if name not in columns:
        hint = (
            ""
            if arg == "trace" or name != default
            else f" (the default; pass {arg}=None to show none)"
        )
        raise ValueError(f"{arg}={name!r}: no such column{hint}; {nearest(name, list(columns))}")


def _check_rubric(rubric: Rubric) -> None:
    for f in rubric.fields:
        if f.name in OWN_KEYS:
            raise RubricError(
                f"the rubric field {f.name!r} clashes with a TraceRater answer key "
                f"({', '.join(OWN_KEYS)}); rename the field",
                field=f.name,
            )
    for key, where in rubric._explicit_keys():
        if key in _STEP_KEYS:
            raise RubricError(
                f"key {key!r} for {where} is used by TraceRater (1-9 rate the focused step, "
                "n opens its note); pick another key or leave it out"
            )


def _formats(
    format: str | Mapping[str, str] | None, trace: str, question: str | None, answer: str | None
) -> tuple[str, dict[str, str] | None]:
    """(step format, formats of the question/answer columns) from ``format=``."""
    shown = [c for c in (question, answer) if c]
    if format is None:
        return "markdown", None
    if isinstance(format, str):
        step = format
        per_column = dict.fromkeys(shown, format)
    elif isinstance(format, Mapping):
        for col in format:
            if col not in (trace, *shown):
                raise ValueError(
                    f"format= names {col!r}, which is not shown; {nearest(col, [trace, *shown])}"
                )
        step = format.get(trace, "markdown")
        per_column = {c: f for c, f in format.items() if c != trace}
    else:
        raise TypeError(f"format= takes a format name or a dict, got {format!r}")
    if step not in _STEP_FORMATS:
        raise ValueError(f"format for the trace steps is {step!r}; {nearest(step, _STEP_FORMATS)}")
    return step, per_column


class _NoBlocks(ContentSpec):
    """No question or answer column: everything shown comes with the parsed trace."""

    def __init__(self) -> None:  # nothing to check: there are no columns
        self.columns = []
        self.redact = None


def _spec(
    columns: Sequence[str],
    question: str | None,
    answer: str | None,
    formats: dict[str, str] | None,
    labels: Mapping[str, str] | None,
) -> ContentSpec:
    shown = [c for c in (question, answer) if c]
    if not shown:
        if labels:
            raise ValueError("labels= names columns, but no question or answer column is shown")
        return _NoBlocks()
    names = {**({question: "Question"} if question else {}),
             **({answer: "Final answer"} if answer else {})}  # fmt: skip
    for col in labels or {}:
        if col not in shown:
            raise ValueError(f"labels= names {col!r}, which is not shown; {nearest(col, shown)}")
    names.update(labels or {})
    if answer is None:
        assert question is not None
        spec = ContentSpec(columns, content=question, format=formats, labels=names)
        # shown above the steps, like any question
        spec.columns = [dataclasses.replace(c, role="context") for c in spec.columns]
        return spec
    # the question as context (above the steps), the answer as content (below them)
    return ContentSpec(columns, content=answer, context=question, format=formats, labels=names)
