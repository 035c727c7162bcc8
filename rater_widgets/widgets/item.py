"""ItemRater: rate one item at a time (a model reply, a post, a chat, an image) against
a rubric, with the keyboard."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from rater_widgets.content import ContentSpec
from rater_widgets.flags import ItemFlags, SuggestionMode, Suggestions
from rater_widgets.frames import to_polars
from rater_widgets.redact import Redactor
from rater_widgets.rubric import Rubric
from rater_widgets.spans import ItemSpans, long_spans
from rater_widgets.store import Store
from rater_widgets.widgets._checks import check_kwargs
from rater_widgets.widgets._rater import COMMON_ARGS, RaterWidget

__all__ = ["ItemRater"]

_ARGS = (
    "id", "content", "context", "format", "labels", "store", "annotator", "study", "order",
    "seed", "limit", "sensitive", "content_warning", "blur_media", "suggestion",
    "suggestion_mode", "reveal_after", "redact",
)  # fmt: skip


class ItemRater(RaterWidget):
    """Label the rows of a frame one at a time.

    >>> import polars as pl, rater_widgets as rw
    >>> df = pl.DataFrame({"id": [1, 2], "text": ["hello", "**world**"]})
    >>> rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
    >>> w = rw.ItemRater(df, rubric, content="text", annotator="ana")  # doctest: +SKIP
    >>> w  # doctest: +SKIP
    >>> w.annotations  # doctest: +SKIP

    ``content``: the column(s) to rate; ``context``: columns shown above it (e.g. the
    prompt); ``format``: "text", "markdown" (default for strings), "html", "image",
    "chat", "code", or ``{column: format}``; ``labels``: ``{column: label}``.

    Sensitive content: ``sensitive`` (a boolean column, a callable ``row -> bool``, or
    True) blurs an item until the rater reveals it (``r``); ``content_warning`` (a column,
    a callable, or a text) labels it; ``blur_media=True`` blurs every image until revealed.

    Model labels: ``suggestion`` (a column for the first choice field, or
    ``{field: column}``) is shown beside the field (``suggestion_mode="show"``) or
    prefilled (``"prefill"``); with ``reveal_after=True`` it stays hidden until the rater
    has answered, to avoid anchoring. ``w.annotations`` then has ``suggested_<field>``
    columns beside the human ones.

    Queue (which items, in which order; see :func:`rater_widgets.ordering.plan_order`):
    ``order`` ("as-is", "random", a column, ``(column, "desc")``, a callable),
    ``seed``, ``stratify`` (a column: equal counts per slice, round-robin), ``limit``,
    ``filter`` (a Polars expression), ``gold`` (a column of known answers: those rows are
    quality-control items, interleaved at ``gold_rate``), ``overlap=k`` with
    ``annotators=[...]`` (each item to k of them) or ``assignment=rw.Assignment(...)``.

    Wellbeing: ``wellbeing=rw.Wellbeing(max_sensitive_per_hour=..., break_minutes=...,
    session_reminder_minutes=..., grayscale=..., blur_media=...)``; ``h`` hides everything
    at once ("step away").

    Personal data: ``redact=True`` masks e-mail addresses, phone numbers and card numbers
    in the kernel, before anything reaches the browser (or pick some: ``["email"]``, or
    pass a ``str -> str`` callable); answers record that the rater saw a redacted view.

    Spans: a ``rw.Spans`` field lets the rater mark stretches of the text (mouse or
    keyboard, then the label's key); offsets index the original ``source`` column (the
    first content column by default) and the kernel checks each span against it.
    ``w.span_annotations`` lists them, one row per span.
    """

    def __init__(
        self,
        data: Any,
        rubric: Rubric,
        *,
        id: str = "id",
        content: str | Sequence[str] = "text",
        context: str | Sequence[str] | None = None,
        format: str | Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        store: str | Path | Store | None = None,
        annotator: str | None = None,
        study: str = "default",
        order: str = "as-is",
        seed: int = 0,
        limit: int | None = None,
        sensitive: str | bool | Callable[[Mapping[str, Any]], Any] | None = None,
        content_warning: str | Callable[[Mapping[str, Any]], Any] | None = None,
        blur_media: bool = False,
        suggestion: str | Mapping[str, str] | None = None,
        suggestion_mode: SuggestionMode = "show",
        reveal_after: bool = False,
        redact: bool | str | Sequence[str] | Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> None:
        check_kwargs("ItemRater", kwargs, _ARGS + COMMON_ARGS)
        frame = to_polars(data)  # once; the base class takes it as it is
        redactor = Redactor(redact)
        spec = ContentSpec(
            frame.columns, content=content, context=context, format=format, labels=labels,
            redact=redactor if redactor else None,
        )  # fmt: skip
        flags = ItemFlags(frame.columns, sensitive=sensitive, content_warning=content_warning)
        suggestions = Suggestions(
            frame.columns, rubric, suggestion, mode=suggestion_mode, reveal_after=reveal_after
        )
        self._spans = ItemSpans(rubric, spec, frame.columns)
        super().__init__(
            frame, rubric, id=id, spec=spec, store=store, annotator=annotator, study=study,
            order=order, seed=seed, limit=limit, flags=flags, suggestions=suggestions,
            blur_media=blur_media, extra_columns=self._spans.columns, **kwargs,
        )  # fmt: skip

    def _frontend_config(self) -> dict[str, Any]:
        return {"spans": self._spans.wire()} if self._spans else {}

    def _item_extra(self, row: Mapping[str, Any], pos: int) -> dict[str, Any]:
        return self._spans.item_extra(row) if self._spans else {}

    def _check_own_answer(self, answer: Mapping[str, Any], pos: int) -> dict[str, Any]:
        if not self._spans:
            return {}
        return self._spans.check_answer(self.rubric, answer, self._row(pos))

    @property
    def span_annotations(self) -> pl.DataFrame:
        """One row per marked span in everyone's latest answers: ``id``, ``annotator``,
        ``field``, ``start``, ``end`` (code points into the source column), ``label``,
        ``text`` (``source[start:end]``).

        >>> w.span_annotations.group_by("label").len()  # doctest: +SKIP
        """
        names = [f.name for f in self._spans.fields]
        return long_spans(self.annotations, names, self._id_dtype)
