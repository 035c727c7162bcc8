"""The order in which one annotator sees the rows: filter, assignment, order, strata,
limit and gold items, computed once, vectorized, as row indices.

Every step is deterministic under ``seed`` (numpy's PCG64 stream is stable across
versions), so a colleague who reruns the notebook gets the same queue.

>>> frame = pl.DataFrame({"id": ["a", "b", "c", "d"], "lang": ["en", "en", "fr", "fr"]})
>>> plan_order(frame, OrderSpec(stratify="lang")).rows.tolist()
[0, 2, 1, 3]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from rater_widgets.content import check_columns

__all__ = ["Assignment", "OrderPlan", "OrderSpec", "plan_order"]

Order = str | tuple[str, str] | Callable[[pl.DataFrame], Any]


def _fix_repeats(slots: np.ndarray, m: int, rng: np.random.Generator) -> None:
    """An item whose slots straddle two permutations may hold one annotator twice: give
    those slots to annotators the item does not have yet (rare; in place)."""
    if slots.shape[1] < 2:
        return
    ordered = np.sort(slots, axis=1)
    for row in np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1)):
        seen: set[int] = set()
        for col in range(slots.shape[1]):
            if int(slots[row, col]) in seen:
                free = [a for a in range(m) if a not in seen and a not in slots[row]]
                slots[row, col] = int(rng.choice(free))
            seen.add(int(slots[row, col]))


class Assignment:
    """Which annotator labels which item.

    Build it from ``{annotator: [ids]}``, from a frame with ``id`` and ``annotator``
    columns, or with :meth:`overlap` (each item to ``k`` of the annotators, balanced).

    >>> a = Assignment.overlap(["i1", "i2", "i3"], ["ana", "bo"], k=1, seed=0)
    >>> sorted(len(a.items_for(n)) for n in ["ana", "bo"])
    [1, 2]
    """

    def __init__(self, pairs: Mapping[str, Iterable[Any]] | pl.DataFrame) -> None:
        if isinstance(pairs, pl.DataFrame):
            check_columns(pairs.columns, ["id", "annotator"], "assignment")
            frame = pairs.select(pl.col("id").cast(pl.String), pl.col("annotator").cast(pl.String))
        elif isinstance(pairs, Mapping):
            rows = [(str(i), str(a)) for a, ids in pairs.items() for i in ids]
            frame = pl.DataFrame(
                rows, schema={"id": pl.String, "annotator": pl.String}, orient="row"
            )
        else:
            raise TypeError("Assignment takes {annotator: [ids]} or a frame with id, annotator")
        self.frame = frame.unique(maintain_order=True)

    @classmethod
    def overlap(
        cls, ids: Sequence[Any] | pl.Series, annotators: Sequence[str], k: int, seed: int = 0
    ) -> Assignment:
        """Each item to ``k`` different annotators; every annotator gets about the same
        number of items. Items are dealt in a seeded random order, round-robin."""
        names = list(dict.fromkeys(str(a) for a in annotators))
        if not names:
            raise ValueError("overlap= needs annotators=[...], the people who share the items")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(names):
            raise ValueError(f"overlap={k!r}: use an integer from 1 to {len(names)} (annotators)")
        id_list = pl.Series(ids).cast(pl.String)
        n, m = id_list.len(), len(names)
        rng = np.random.default_rng(seed)
        # slots dealt from back-to-back random permutations of the annotators: every
        # annotator gets about the same number of items (exactly, when k divides the
        # number of annotators), and the groups that share
        # an item change from item to item, so every pair of annotators meets (pairwise
        # agreement needs that; a fixed rotation would pair the same people forever)
        rounds = -(-n * k // m)
        seq = np.argsort(rng.random((rounds, m)), axis=1).ravel()[: n * k]
        slots = seq.reshape(n, k)
        _fix_repeats(slots, m, rng)
        frame = pl.DataFrame(
            {
                "id": id_list.gather(pl.Series(np.repeat(np.arange(n), k))),
                "annotator": pl.Series(names).gather(pl.Series(slots.ravel())),
            }
        )
        return cls(frame)

    def items_for(self, annotator: str) -> pl.Series:
        return self.frame.filter(pl.col("annotator") == annotator).get_column("id")

    @property
    def annotators(self) -> list[str]:
        return self.frame.get_column("annotator").unique(maintain_order=True).to_list()

    def __repr__(self) -> str:
        return f"Assignment({self.frame.height} pairs, annotators={self.annotators})"


@dataclasses.dataclass(frozen=True)
class OrderSpec:
    """How to build one annotator's queue. See :func:`plan_order`."""

    order: Order = "as-is"
    seed: int = 0
    stratify: str | None = None
    limit: int | None = None
    filter: pl.Expr | None = None
    gold: str | None = None
    gold_rate: float = 0.1
    #: this many gold items first, as a screening quiz (see RaterWidget quiz=)
    quiz: int = 0
    assignment: Assignment | None = None
    annotator: str | None = None


@dataclasses.dataclass(frozen=True)
class OrderPlan:
    """Row indices in serving order, and which of them are gold items."""

    rows: np.ndarray
    gold: np.ndarray  # bool, aligned with rows


def plan_order(frame: pl.DataFrame, spec: OrderSpec, ids: pl.Series | None = None) -> OrderPlan:
    """Compute the serving order over ``frame``'s rows.

    Steps: ``filter`` (a Polars expression) keeps rows; ``assignment`` keeps this
    annotator's items; gold rows (non-null ``gold``) are set aside; ``order`` sorts the
    rest ("as-is", "random", a column ascending, ``(column, "desc")``, or a callable
    ``frame -> sort keys``); ``stratify`` deals equal counts per slice, round-robin;
    ``limit`` keeps the first n; gold rows are then interleaved at ``gold_rate`` at
    seeded random places, so they look like any other item.
    """
    n = frame.height
    in_scope = np.ones(n, dtype=bool)
    if spec.filter is not None:
        if not isinstance(spec.filter, pl.Expr):
            raise TypeError("filter= takes a Polars expression, e.g. pl.col('lang') == 'en'")
        try:
            mask = frame.select(spec.filter.fill_null(False)).to_series()
        except pl.exceptions.PolarsError as e:
            raise ValueError(f"filter= could not be evaluated on the frame: {e}") from None
        if mask.dtype != pl.Boolean:
            raise TypeError(f"filter= must give true/false per row, got {mask.dtype}")
        in_scope &= mask.to_numpy()
    keep = in_scope.copy()
    if spec.assignment is not None:
        if spec.annotator is None:
            raise ValueError("an assignment needs the annotator")
        mine = spec.assignment.items_for(spec.annotator)
        id_col = ids if ids is not None else frame.get_column("id").cast(pl.String)
        keep &= id_col.is_in(mine.implode()).to_numpy()
    gold_mask = np.zeros(n, dtype=bool)
    if spec.gold is not None:
        check_columns(frame.columns, [spec.gold], "gold")
        gold_mask = frame.get_column(spec.gold).is_not_null().to_numpy()
    rng = np.random.default_rng(spec.seed)
    regular = np.flatnonzero(keep & ~gold_mask)
    regular = _sorted(frame, regular, spec.order, rng)
    if spec.stratify is not None:
        check_columns(frame.columns, [spec.stratify], "stratify")
        regular = _round_robin(frame.get_column(spec.stratify), regular)
    if spec.limit is not None:
        if isinstance(spec.limit, bool) or not isinstance(spec.limit, int) or spec.limit < 1:
            raise ValueError(f"limit= must be a positive integer, got {spec.limit!r}")
        regular = regular[: spec.limit]
    # every annotator gets the same gold items (same seeded order), whatever the
    # assignment: that is how accuracy is compared; at the rate, at most one per block,
    # so a short queue serves only the first of them
    golds = rng.permutation(np.flatnonzero(gold_mask & in_scope))
    quiz = np.zeros(0, dtype=np.int64)
    if spec.quiz:
        if isinstance(spec.quiz, bool) or not isinstance(spec.quiz, int) or spec.quiz < 0:
            raise ValueError(f"quiz={spec.quiz!r}: use the number of gold items to ask first")
        if spec.quiz > golds.size:
            raise ValueError(
                f"quiz={spec.quiz} needs that many gold items; gold={spec.gold!r} has "
                f"{golds.size} in scope"
            )
        quiz, golds = golds[: spec.quiz], golds[spec.quiz :]
    if golds.size and spec.gold_rate > 0:
        plan = _interleave(regular, golds, spec.gold_rate, rng)
    else:
        plan = OrderPlan(rows=regular, gold=np.zeros(regular.size, dtype=bool))
    if quiz.size:
        return OrderPlan(
            rows=np.concatenate([quiz, plan.rows]).astype(np.int64),
            gold=np.concatenate([np.ones(quiz.size, dtype=bool), plan.gold]),
        )
    return plan


def _sorted(
    frame: pl.DataFrame, rows: np.ndarray, order: Order, rng: np.random.Generator
) -> np.ndarray:
    if isinstance(order, str) and order == "as-is":
        return rows
    if isinstance(order, str) and order == "random":
        return rows[rng.permutation(rows.size)]
    descending = False
    if isinstance(order, tuple):
        if len(order) != 2 or order[1] not in ("asc", "desc"):
            raise ValueError(f"order={order!r}: use (column, 'asc') or (column, 'desc')")
        order, descending = order[0], order[1] == "desc"
    if isinstance(order, str):
        check_columns(frame.columns, [order], "order")
        keys = frame.get_column(order)
    elif callable(order):
        keys = pl.Series(order(frame))
        if keys.len() != frame.height:
            raise ValueError(
                f"order= callable returned {keys.len()} keys for {frame.height} rows; "
                "return one sort key per row"
            )
    else:
        raise TypeError(
            f"order={order!r}: use 'as-is', 'random', a column, (column, 'desc') or a callable"
        )
    sub = keys.gather(pl.Series(rows))
    idx = sub.arg_sort(descending=descending, nulls_last=True)  # stable: ties keep their order
    out: np.ndarray = rows[idx.to_numpy()]
    return out


def _round_robin(slices: pl.Series, rows: np.ndarray) -> np.ndarray:
    """Deal rows slice by slice: the first of each slice, then the second of each, ..."""
    if rows.size == 0:
        return rows
    frame = pl.DataFrame({"row": rows, "slice": slices.gather(pl.Series(rows)).cast(pl.String)})
    frame = frame.with_columns(
        pl.int_range(pl.len()).over("slice").alias("rank"),
        pl.col("slice").fill_null("\x00null").alias("slice"),
    )
    dealt = frame.sort(["rank", "slice"], maintain_order=True)
    return dealt.get_column("row").to_numpy()


def _interleave(
    regular: np.ndarray, golds: np.ndarray, rate: float, rng: np.random.Generator
) -> OrderPlan:
    """Put one gold row at a random place in every block of ``round(1 / rate)`` items."""
    if not 0 < rate < 1:
        raise ValueError(f"gold_rate={rate!r}: use a fraction between 0 and 1, e.g. 0.1")
    block = max(2, round(1 / rate))
    out: list[np.ndarray] = []
    flags: list[np.ndarray] = []
    g = 0
    for start in range(0, max(regular.size, 1), block - 1):
        chunk = regular[start : start + block - 1]
        if g < golds.size and (chunk.size or start == 0):
            at = int(rng.integers(0, chunk.size + 1))
            chunk = np.insert(chunk, at, golds[g])
            flag = np.zeros(chunk.size, dtype=bool)
            flag[at] = True
            g += 1
        else:
            flag = np.zeros(chunk.size, dtype=bool)
        out.append(chunk)
        flags.append(flag)
    return OrderPlan(rows=np.concatenate(out).astype(np.int64), gold=np.concatenate(flags))
