"""ItemRater: rate one item at a time (a model reply, a post, a chat, an image) against
a rubric, with the keyboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rater_widgets.content import ContentSpec
from rater_widgets.frames import to_polars
from rater_widgets.rubric import Rubric
from rater_widgets.store import Store
from rater_widgets.widgets._rater import RaterWidget, check_kwargs

__all__ = ["ItemRater"]

_ARGS = (
    "id", "content", "context", "format", "labels", "store", "annotator", "study", "order",
    "seed", "limit",
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
        **kwargs: Any,
    ) -> None:
        check_kwargs("ItemRater", kwargs, _ARGS)
        frame = to_polars(data)  # once; the base class takes it as it is
        spec = ContentSpec(
            frame.columns, content=content, context=context, format=format, labels=labels
        )
        super().__init__(
            frame, rubric, id=id, spec=spec, store=store, annotator=annotator, study=study,
            order=order, seed=seed, limit=limit,
        )  # fmt: skip
