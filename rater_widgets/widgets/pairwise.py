"""PairwiseRater: two responses to one prompt, judged blind, side by side.

The rater sees "Left" and "Right"; which column sits on which side is decided per item
from ``(seed, item id)`` and never sent to the browser. The frontend sends what the rater
chose on screen (``left_preference``: positive = left better); the kernel, using the
placement it computed itself, stores the answer relative to the columns:

- ``shown_left``: ``"a"`` or ``"b"`` (the column shown on the left);
- ``preference``: an integer from -k to k (k = scale // 2), POSITIVE = column ``a``
  better, whatever side it was on; 0 = about the same (a tie); null for both-bad;
- ``winner``: ``"a"``, ``"b"``, ``"tie"`` or ``"both_bad"``;
- ``model_a``/``model_b``: the model names of the two columns (when ``models=`` is given).

With one criterion the columns are ``preference`` and ``winner``; with several they are
``preference_<criterion>`` and ``winner_<criterion>`` (``w.comparisons()`` gives the long
form with a ``criterion`` column). ``w.annotations`` types them (Int8, Enum), so
``group_by`` and the stats functions work without casting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import traitlets

from rater_widgets.fields import RubricError, nearest
from rater_widgets.frames import to_polars
from rater_widgets.rubric import Rubric
from rater_widgets.store import Store
from rater_widgets.widgets._checks import check_kwargs
from rater_widgets.widgets._compare import (
    ArrangedSpec,
    Shown,
    check_name,
    comparison_rubric,
    id_text,
    left_side,
)
from rater_widgets.widgets._rater import RaterWidget

__all__ = ["WINNERS", "PairwiseRater", "point_labels"]

#: The outcomes stored in ``winner``, relative to the columns.
WINNERS = ("a", "b", "tie", "both_bad")
#: The key the frontend answers under: per criterion, positive = the LEFT response better.
VIEW_KEY = "left_preference"
_KERNEL_KEYS = ("shown_left", "model_a", "model_b")
_ARGS = (
    "a", "b", "prompt", "criteria", "scale", "blind", "seed", "models", "rubric", "id",
    "format", "store", "annotator", "study", "order", "limit",
)  # fmt: skip
_DEGREES = {
    1: ["better"],
    2: ["much better", "better"],
    3: ["much better", "better", "slightly better"],
    4: ["much better", "better", "somewhat better", "slightly better"],
}


def point_labels(scale: int) -> list[str]:
    """Labels of the scale's points, left to right (key 1 first).

    >>> point_labels(3)
    ['Left better', 'About the same', 'Right better']
    """
    degrees = _DEGREES[scale // 2]
    return (
        [f"Left {d}" for d in degrees] + ["About the same"] + [f"Right {d}" for d in degrees[::-1]]
    )


class PairwiseRater(RaterWidget):
    """Compare two responses per row, blind and position-randomized, per criterion.

    >>> import polars as pl, rater_widgets as rw
    >>> df = pl.DataFrame({"id": [1], "prompt": ["Hi"], "response_a": ["Hello!"],
    ...                    "response_b": ["Hey."], "model_a": ["m1"], "model_b": ["m2"]})
    >>> w = rw.PairwiseRater(df, models=("model_a", "model_b"))  # doctest: +SKIP
    >>> w.submit({"preference": 2})  # column a better by 2, whatever side  # doctest: +SKIP
    >>> rw.stats.bradley_terry(w.annotations)  # doctest: +SKIP

    ``a``/``b``: the two response columns (text, markdown, or chat message lists);
    ``prompt``: the context column(s) shown above them (None for none); ``criteria``: one
    name or a list (each becomes a row of the scale); ``scale``: an odd number of points
    from 3 to 9 (keys ``1``..``scale``, 1 = left much better), plus ``t`` (tie, the middle
    point) and ``x`` (both bad); ``blind``: hide model names while rating; ``seed``:
    decides the placement per item (and the order with ``order="random"``);
    ``models``: the two columns holding the model names, stored as ``model_a``/``model_b``;
    ``rubric``: extra fields (default: an optional ``rationale`` text).

    From Python, ``w.submit`` takes the column-relative form (``{"preference": 2}``,
    ``{"winner": "both_bad"}``; with several criteria ``preference_<criterion>`` /
    ``winner_<criterion>``) or the on-screen form the frontend sends
    (``{"left_preference": {"overall": 2}}``).
    """

    _kind = traitlets.Unicode("pairwise").tag(sync=True)
    _own_keys: ClassVar[tuple[str, ...]] = (*"123456789", "d")
    _rubric_digits: ClassVar[bool] = False

    def __init__(
        self,
        data: Any,
        *,
        a: str = "response_a",
        b: str = "response_b",
        prompt: str | Sequence[str] | None = "prompt",
        criteria: str | Sequence[str] = ("overall",),
        scale: int = 7,
        blind: bool = True,
        seed: int = 0,
        models: Sequence[str] | None = None,
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
        check_kwargs("PairwiseRater", kwargs, _ARGS)
        frame = to_polars(data)
        if a == b:
            raise ValueError(f"a= and b= must be two different columns, both are {a!r}")
        if isinstance(scale, bool) or not isinstance(scale, int) or scale not in (3, 5, 7, 9):
            raise ValueError(
                f"scale={scale!r}: use an odd number of points from 3 to 9 (3, 5, 7 or 9); "
                "each point has a number key"
            )
        names = [criteria] if isinstance(criteria, str) else list(criteria)
        if not names:
            raise ValueError("criteria= needs at least one criterion, e.g. ['overall']")
        for c in names:
            check_name(c, "criterion")
        if len(set(names)) != len(names):
            raise ValueError(f"criteria= has duplicates: {names}")
        rubric = comparison_rubric(rubric, "PairwiseRater")
        clash = sorted(set(rubric.names) & {*names, *self._stored_names(names), VIEW_KEY})
        if clash:
            raise ValueError(f"rubric field(s) {clash} clash with the comparison's own columns")
        model_cols: list[str] = []
        if models is not None:
            if isinstance(models, str) or len(models) != 2:
                raise ValueError(
                    f"models= takes two columns (model of a, model of b), got {models!r}"
                )
            model_cols = list(models)
        self._a, self._b = a, b
        self._prompt_cols = [prompt] if isinstance(prompt, str) else list(prompt or [])
        self._criteria = names
        self._scale = scale
        self._k = scale // 2
        self._blind = bool(blind)
        self._seed = seed
        self._models = model_cols
        spec = ArrangedSpec(
            frame.columns, responses=[a, b], context=prompt, format=format, arrange=self._arrange
        )
        super().__init__(
            frame, rubric, id=id, spec=spec, store=store, annotator=annotator, study=study,
            order=order, seed=seed, limit=limit, extra_columns=model_cols,
        )  # fmt: skip

    # ------------------------------------------------------------ placement

    def shown_left(self, item: Any = None) -> str:
        """The column (``"a"`` or ``"b"``) shown on the left for this item (an id; default:
        the current item). Decided by ``(seed, item id)`` alone.

        >>> w.shown_left(1)  # doctest: +SKIP
        'b'
        """
        return left_side(self._seed, self._queue.id_at(self._position(item)))

    def _side_at(self, pos: int) -> str:
        return left_side(self._seed, self._queue.id_at(pos))

    def _arrange(self, row: Mapping[str, Any]) -> list[Shown]:
        side = left_side(self._seed, id_text(row[self._id_col], self._id_dtype))
        left, right = (self._a, self._b) if side == "a" else (self._b, self._a)
        return [
            Shown("left", "Left", left, row.get(left)),
            Shown("right", "Right", right, row.get(right)),
        ]

    # ------------------------------------------------------------ hooks

    def _frontend_config(self) -> dict[str, Any]:
        return {
            "criteria": [
                {"name": c, "label": c.replace("_", " ").capitalize()} for c in self._criteria
            ],
            "scale": self._scale,
            "points": point_labels(self._scale),
            "blind": self._blind,
        }

    def _item_extra(self, row: Mapping[str, Any], pos: int) -> dict[str, Any]:
        if self._blind or not self._models:
            return {}
        side = self._side_at(pos)
        ma, mb = (_name(row.get(c)) for c in self._models)
        left, right = (ma, mb) if side == "a" else (mb, ma)
        return {"models": {"left": left, "right": right}}

    @staticmethod
    def _stored_names(criteria: Sequence[str]) -> list[str]:
        if len(criteria) == 1:
            return ["preference", "winner"]
        return [f"{p}_{c}" for c in criteria for p in ("preference", "winner")]

    def _keys(self, criterion: str) -> tuple[str, str]:
        if len(self._criteria) == 1:
            return "preference", "winner"
        return f"preference_{criterion}", f"winner_{criterion}"

    def _own_answer_keys(self) -> dict[str, pl.DataType]:
        out: dict[str, pl.DataType] = {"shown_left": pl.Enum(["a", "b"])}
        for c in self._criteria:
            pref, win = self._keys(c)
            out[pref] = pl.Int8()
            out[win] = pl.Enum(list(WINNERS))
        if self._models:
            out["model_a"] = pl.String()
            out["model_b"] = pl.String()
        return out

    def _answer_for_view(self, answer: dict[str, Any] | None, pos: int) -> dict[str, Any] | None:
        """The stored answer in on-screen terms: no sides, no model names."""
        if answer is None:
            return None
        own = self._own_answer_keys()
        out = {k: v for k, v in answer.items() if k not in own}
        sign = 1 if self._side_at(pos) == "a" else -1
        seen: dict[str, int | str] = {}
        for c in self._criteria:
            pref, win = self._keys(c)
            if answer.get(win) == "both_bad":
                seen[c] = "both_bad"
            elif isinstance(answer.get(pref), int):
                seen[c] = sign * int(answer[pref])
        out[VIEW_KEY] = seen
        return out

    # ------------------------------------------------------------ answers in, column-relative

    def _to_stored(
        self, answer: Mapping[str, Any], pos: int, *, from_frontend: bool
    ) -> dict[str, Any]:
        if not isinstance(answer, Mapping):
            raise RubricError(f"an answer must be a dict of field -> value, got {answer!r}")
        stored_keys = self._stored_names(self._criteria)
        for key in _KERNEL_KEYS:
            if key in answer:
                raise RubricError(
                    f"{key!r} is recorded by the widget itself (from the placement it chose); "
                    "do not send it",
                    field=key,
                )
        sent_stored = [k for k in stored_keys if k in answer]
        if from_frontend and sent_stored:
            raise RubricError(
                f"the frontend answers in on-screen terms ({VIEW_KEY!r}), not {sent_stored}",
                field=sent_stored[0],
            )
        if VIEW_KEY in answer and sent_stored:
            raise RubricError(f"give either {VIEW_KEY!r} or {sent_stored}, not both")
        side = self._side_at(pos)
        out = {k: v for k, v in answer.items() if k != VIEW_KEY and k not in stored_keys}
        out["shown_left"] = side
        if VIEW_KEY in answer or from_frontend:
            per = self._from_view(answer.get(VIEW_KEY), side)
        else:
            per = {c: self._from_columns(answer, c) for c in self._criteria}
        for c, (pref, win) in per.items():
            pref_key, win_key = self._keys(c)
            out[pref_key], out[win_key] = pref, win
        if self._models:
            row = self._row(pos)
            out["model_a"], out["model_b"] = (_name(row.get(m)) for m in self._models)
        return out

    def _from_view(self, seen: Any, side: str) -> dict[str, tuple[int | None, str]]:
        seen = {} if seen is None else seen
        if not isinstance(seen, Mapping):
            raise RubricError(
                f"{VIEW_KEY!r} must be an object {{criterion: -{self._k}..{self._k} or "
                f"'both_bad'}}, got {seen!r}",
                field=self._criteria[0],
            )
        for c in seen:
            if c not in self._criteria:
                raise RubricError(
                    f"unknown criterion {c!r}; {nearest(c, self._criteria)}", field=str(c)
                )
        sign = 1 if side == "a" else -1
        out: dict[str, tuple[int | None, str]] = {}
        for c in self._criteria:
            value = seen.get(c)
            if value is None:
                raise RubricError(self._missing(c), field=c)
            if value == "both_bad":
                out[c] = (None, "both_bad")
            elif value == "tie":
                out[c] = (0, "tie")
            else:
                pref = sign * self._point(value, c)
                out[c] = (pref, _winner(pref))
        return out

    def _from_columns(self, answer: Mapping[str, Any], c: str) -> tuple[int | None, str]:
        pref_key, win_key = self._keys(c)
        pref, win = answer.get(pref_key), answer.get(win_key)
        if win is not None and win not in WINNERS:
            raise RubricError(f"{win!r} is not a winner; {nearest(win, WINNERS)}", field=win_key)
        if win == "both_bad":
            if pref not in (None, 0):
                raise RubricError(f"both_bad has no preference, got {pref!r}", field=pref_key)
            return None, "both_bad"
        if pref is None:
            if win == "tie":
                return 0, "tie"
            if win in ("a", "b") and self._k == 1:
                return (1 if win == "a" else -1), win
            if win in ("a", "b"):
                raise RubricError(
                    f"give {pref_key!r} too: how much better, 1..{self._k} for a, "
                    f"-{self._k}..-1 for b",
                    field=pref_key,
                )
            raise RubricError(self._missing(c), field=pref_key)
        value = self._point(pref, pref_key)
        if win is not None and _winner(value) != win:
            raise RubricError(
                f"{pref_key}={value} means winner {_winner(value)!r}, but {win_key}={win!r}",
                field=win_key,
            )
        return value, _winner(value)

    def _point(self, value: Any, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > self._k:
            raise RubricError(
                f"preference must be an integer from -{self._k} to {self._k} "
                f"(or 'both_bad'), got {value!r}",
                field=field,
            )
        return value

    def _missing(self, c: str) -> str:
        return f"criterion {c!r} has no preference; choose a point (1..{self._scale}), t or x"

    # ------------------------------------------------------------ analysis

    def comparisons(self) -> pl.DataFrame:
        """The annotations in long form: one row per (item, annotator, criterion) with
        ``criterion``, ``shown_left``, ``preference``, ``winner``, ``model_a``, ``model_b``
        (the column names ``a``/``b`` stand in for models when ``models=`` is not given).

        >>> rw.stats.win_rates(w.comparisons(), by="criterion")  # doctest: +SKIP
        """
        from rater_widgets.export import comparisons

        return comparisons(self)

    def win_rates(self, **kwargs: Any) -> pl.DataFrame:
        """``rw.stats.win_rates`` over :meth:`comparisons` (per criterion when there are
        several).

        >>> w.win_rates()  # doctest: +SKIP
        """
        from rater_widgets.stats import win_rates

        return win_rates(self.comparisons(), **self._by(kwargs))

    def bradley_terry(self, **kwargs: Any) -> pl.DataFrame:
        """``rw.stats.bradley_terry`` over :meth:`comparisons` (per criterion when there
        are several).

        >>> w.bradley_terry(ci=0.95)  # doctest: +SKIP
        """
        from rater_widgets.stats import bradley_terry

        return bradley_terry(self.comparisons(), **self._by(kwargs))

    def position_bias(self, **kwargs: Any) -> pl.DataFrame:
        """``rw.stats.position_bias`` over :meth:`comparisons`: how often the left side
        wins among decisive judgments, against 50%.

        >>> w.position_bias()  # doctest: +SKIP
        """
        from rater_widgets.stats import position_bias

        return position_bias(self.comparisons(), **self._by(kwargs))

    def _by(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if len(self._criteria) > 1:
            kwargs.setdefault("by", "criterion")
        return kwargs


def _winner(pref: int) -> str:
    return "a" if pref > 0 else "b" if pref < 0 else "tie"


def _name(value: Any) -> str | None:
    return None if value is None else str(value)
