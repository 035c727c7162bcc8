"""RankRater: order N responses to one prompt, best first, by keyboard or drag and drop.

Responses are shown in a seeded shuffled order (per item, from ``(seed, item id)``) under
letters A, B, C...; the frontend sends the ranks it shows (``shown_ranks``, in on-screen
order) and the kernel stores them aligned to the ORIGINAL response order:

- ``ranks``: List[Int8], one per response in the order of ``responses=``, 1 = best; equal
  ranks are ties (when ``allow_ties``), normalized to competition ranking ("1, 1, 3");
- ``shown_order``: List[Int8], the original indices in the order they were shown;
- ``models``: List[String], the model of each response (when ``models=`` is given).

``rw.export.rank_to_pairs(w)`` (or ``w.pairs()``) turns rankings into pairwise
comparisons for ``rw.stats.bradley_terry``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import traitlets

from rater_widgets.content import check_columns
from rater_widgets.fields import RubricError
from rater_widgets.frames import to_polars
from rater_widgets.rubric import Rubric
from rater_widgets.store import Store
from rater_widgets.widgets._checks import check_kwargs
from rater_widgets.widgets._compare import (
    ArrangedSpec,
    Shown,
    comparison_rubric,
    id_text,
    shown_order,
)
from rater_widgets.widgets._rater import RaterWidget

__all__ = ["MAX_RESPONSES", "RankRater", "competition_ranks"]

#: One number key per rank.
MAX_RESPONSES = 9
VIEW_KEY = "shown_ranks"
_KERNEL_KEYS = ("shown_order", "models")
_ARGS = (
    "responses", "prompt", "models", "allow_ties", "blind", "seed", "rubric", "id", "format",
    "store", "annotator", "study", "order", "limit",
)  # fmt: skip


def competition_ranks(ranks: Sequence[int]) -> list[int]:
    """Ranks as competition ranking: 1 + how many are strictly better.

    >>> competition_ranks([2, 2, 3])
    [1, 1, 3]
    """
    return [1 + sum(other < r for other in ranks) for r in ranks]


class RankRater(RaterWidget):
    """Rank N responses per row (2 to 9), best first, blind and shuffled per item.

    >>> import polars as pl, rater_widgets as rw
    >>> df = pl.DataFrame({"id": [1], "prompt": ["Hi"], "r1": ["Hello!"], "r2": ["Hey."],
    ...                    "r3": ["Yo"]})
    >>> w = rw.RankRater(df, responses=["r1", "r2", "r3"])  # doctest: +SKIP
    >>> w.submit({"ranks": [2, 1, 3]})   # r2 best, then r1, then r3  # doctest: +SKIP
    >>> rw.stats.bradley_terry(w.pairs())  # doctest: +SKIP

    ``responses``: a list of columns, or one list column (rows may have different
    counts); ``models``: matching model-name columns, or one list column (stored as
    ``models``, hidden while rating when ``blind``); ``allow_ties``: equal ranks allowed;
    ``rubric``: extra fields (default: an optional ``rationale`` text).

    Keys: ↑/↓ focus a response, ``1``..``N`` give it that rank (again: clear), ``0``
    clears it; drag a response to reorder (the order becomes the ranking).
    From Python, ``w.submit`` takes ``{"ranks": [...]}`` in the original order.
    """

    _kind = traitlets.Unicode("rank").tag(sync=True)
    _own_keys: ClassVar[tuple[str, ...]] = tuple("0123456789")
    _rubric_digits: ClassVar[bool] = False

    def __init__(
        self,
        data: Any,
        *,
        responses: str | Sequence[str] = ("r1", "r2", "r3"),
        prompt: str | Sequence[str] | None = "prompt",
        models: str | Sequence[str] | None = None,
        allow_ties: bool = True,
        blind: bool = True,
        seed: int = 0,
        rubric: Rubric | None = None,
        id: str = "id",
        format: str | Mapping[str, str] | None = None,
        store: str | Path | Store | None = None,
        annotator: str | None = None,
        study: str = "default",
        order: str = "as-is",
        limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        check_kwargs("RankRater", kwargs, _ARGS)
        frame = to_polars(data)
        self._list = isinstance(responses, str)
        cols = [responses] if isinstance(responses, str) else list(responses)
        check_columns(frame.columns, cols, "responses")
        if self._list:
            _check_list_column(frame, cols[0], "responses")
        elif not 2 <= len(cols) <= MAX_RESPONSES:
            raise ValueError(
                f"responses= needs 2 to {MAX_RESPONSES} columns (one number key per rank), "
                f"got {len(cols)}"
            )
        model_cols = [models] if isinstance(models, str) else list(models or [])
        if model_cols:
            check_columns(frame.columns, model_cols, "models")
            if isinstance(models, str) != self._list or (
                not self._list and len(model_cols) != len(cols)
            ):
                raise ValueError(
                    "models= must match responses=: one model column per response column, "
                    "or a list column beside a list column"
                )
        rubric = comparison_rubric(rubric, "RankRater")
        clash = sorted(set(rubric.names) & {"ranks", VIEW_KEY, *_KERNEL_KEYS})
        if clash:
            raise ValueError(f"rubric field(s) {clash} clash with the ranking's own columns")
        self._responses = cols
        self._prompt_cols = [prompt] if isinstance(prompt, str) else list(prompt or [])
        self._model_cols = model_cols
        self._allow_ties = bool(allow_ties)
        self._blind = bool(blind)
        self._seed = seed
        spec = ArrangedSpec(
            frame.columns, responses=cols, context=prompt, format=format, arrange=self._arrange
        )
        super().__init__(
            frame, rubric, id=id, spec=spec, store=store, annotator=annotator, study=study,
            order=order, seed=seed, limit=limit, extra_columns=model_cols,
        )  # fmt: skip

    # ------------------------------------------------------------ what is shown where

    @property
    def response_names(self) -> list[str] | None:
        """Names of the responses in original order (the columns), or None for a list
        column (then responses are numbered ``response_1``...)."""
        return None if self._list else list(self._responses)

    def shown_order(self, item: Any = None) -> list[int]:
        """Original indices of the responses in the order shown for this item (an id;
        default: the current item).

        >>> w.shown_order(1)  # doctest: +SKIP
        [2, 0, 1]
        """
        pos = self._position(item)
        return self._order(self._queue.id_at(pos), self._count(self._row(pos)))

    def _order(self, item_id: str, n: int) -> list[int]:
        return shown_order(self._seed, item_id, n)

    def _values(self, row: Mapping[str, Any]) -> list[Any]:
        if self._list:
            return list(row.get(self._responses[0]) or [])
        return [row.get(c) for c in self._responses]

    def _count(self, row: Mapping[str, Any]) -> int:
        return len(self._values(row))

    def _arrange(self, row: Mapping[str, Any]) -> list[Shown]:
        values = self._values(row)
        order = self._order(id_text(row[self._id_col], self._id_dtype), len(values))
        out = []
        for j, i in enumerate(order):
            letter = string.ascii_uppercase[j]
            column = self._responses[0] if self._list else self._responses[i]
            out.append(Shown(letter, f"Response {letter}", column, values[i]))
        return out

    def _model_names(self, row: Mapping[str, Any]) -> list[str | None]:
        if not self._model_cols:
            return []
        raw = (
            list(row.get(self._model_cols[0]) or [])
            if self._list
            else [row.get(c) for c in self._model_cols]
        )
        return [None if m is None else str(m) for m in raw]

    # ------------------------------------------------------------ hooks

    def _frontend_config(self) -> dict[str, Any]:
        return {"allow_ties": self._allow_ties, "blind": self._blind}

    def _item_extra(self, row: Mapping[str, Any], pos: int) -> dict[str, Any]:
        n = self._count(row)
        extra: dict[str, Any] = {"n": n}
        names = self._model_names(row)
        if not self._blind and names:
            order = self._order(self._queue.id_at(pos), n)
            extra["models"] = [names[i] if i < len(names) else None for i in order]
        return extra

    def _own_answer_keys(self) -> dict[str, pl.DataType]:
        out: dict[str, pl.DataType] = {
            "ranks": pl.List(pl.Int8()),
            "shown_order": pl.List(pl.Int8()),
        }
        if self._model_cols:
            out["models"] = pl.List(pl.String())
        return out

    def _answer_for_view(self, answer: dict[str, Any] | None, pos: int) -> dict[str, Any] | None:
        if answer is None:
            return None
        out = {k: v for k, v in answer.items() if k not in self._own_answer_keys()}
        ranks = answer.get("ranks")
        if isinstance(ranks, list):
            order = self._order(self._queue.id_at(pos), len(ranks))
            out[VIEW_KEY] = [ranks[i] for i in order]
        return out

    def _to_stored(
        self, answer: Mapping[str, Any], pos: int, *, from_frontend: bool
    ) -> dict[str, Any]:
        if not isinstance(answer, Mapping):
            raise RubricError(f"an answer must be a dict of field -> value, got {answer!r}")
        for key in _KERNEL_KEYS:
            if key in answer:
                raise RubricError(f"{key!r} is recorded by the widget itself; do not send it", key)
        if from_frontend and "ranks" in answer:
            raise RubricError(
                f"the frontend answers in on-screen order ({VIEW_KEY!r}), not 'ranks'", "ranks"
            )
        if VIEW_KEY in answer and "ranks" in answer:
            raise RubricError(f"give either {VIEW_KEY!r} or 'ranks', not both", "ranks")
        row = self._row(pos)
        n = self._count(row)
        order = self._order(self._queue.id_at(pos), n)
        if VIEW_KEY in answer or from_frontend:
            shown = self._check_ranks(answer.get(VIEW_KEY), n, VIEW_KEY)
            ranks = [0] * n
            for j, i in enumerate(order):
                ranks[i] = shown[j]
        else:
            ranks = self._check_ranks(answer.get("ranks"), n, "ranks")
        out = {k: v for k, v in answer.items() if k not in ("ranks", VIEW_KEY)}
        out["ranks"] = competition_ranks(ranks)
        out["shown_order"] = order
        if self._model_cols:
            out["models"] = self._model_names(row)
        return out

    def _check_ranks(self, value: Any, n: int, field: str) -> list[int]:
        if not isinstance(value, list) or len(value) != n:
            raise RubricError(
                f"rank every response: a list of {n} ranks (1 = best), got {value!r}", field
            )
        unranked = [string.ascii_uppercase[j] for j, r in enumerate(value) if r is None]
        if unranked and field == VIEW_KEY:
            raise RubricError(f"response(s) {', '.join(unranked)} have no rank yet", field)
        for r in value:
            if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= n:
                raise RubricError(f"ranks must be integers from 1 to {n}, got {r!r}", field)
        if not self._allow_ties and len(set(value)) != n:
            raise RubricError(f"ties are not allowed here: give each rank 1..{n} once", field)
        return list(value)

    # ------------------------------------------------------------ analysis

    def pairs(self) -> pl.DataFrame:
        """Every ranking as pairwise comparisons (``rw.export.rank_to_pairs``).

        >>> rw.stats.bradley_terry(w.pairs())  # doctest: +SKIP
        """
        from rater_widgets.export import rank_to_pairs

        return rank_to_pairs(self)

    def bradley_terry(self, **kwargs: Any) -> pl.DataFrame:
        """``rw.stats.bradley_terry`` over :meth:`pairs`.

        >>> w.bradley_terry()  # doctest: +SKIP
        """
        from rater_widgets.stats import bradley_terry

        return bradley_terry(self.pairs(), **kwargs)


def _check_list_column(frame: pl.DataFrame, col: str, arg: str) -> None:
    dtype = frame.schema[col]
    if not isinstance(dtype, pl.List):
        raise ValueError(
            f"{arg}={col!r} is one column of type {dtype}; pass a list column, or a list of "
            "response columns"
        )
    lengths = frame.get_column(col).list.len()
    if lengths.null_count():
        raise ValueError(f"{arg}={col!r} has {lengths.null_count()} null row(s)")
    lo, hi = lengths.min(), lengths.max()
    assert isinstance(lo, int)
    assert isinstance(hi, int)
    if lo < 2 or hi > MAX_RESPONSES:
        raise ValueError(
            f"{arg}={col!r}: every row needs 2 to {MAX_RESPONSES} responses (one number key "
            f"per rank); found rows with {lo} to {hi}"
        )
