"""Which item comes next: the order of items for one annotator and where each stands.

A queue maps positions (0, 1, 2, ... in the order the rater sees them) to rows of the
source frame, and keeps each position's status (new, done, skipped). It never copies
item content: a million-row frame costs a few megabytes of row indices.

>>> q = Queue(pl.Series(["a", "b", "c"]), order="as-is")
>>> q.id_at(1), q.first_open()
('b', 0)
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import polars as pl

from rater_widgets.ordering import OrderPlan
from rater_widgets.protocol import ItemStatus

__all__ = ["Progress", "Queue"]

_NEW, _DONE, _SKIPPED = 0, 1, 2
_NAMES: dict[int, ItemStatus] = {_NEW: "new", _DONE: "done", _SKIPPED: "skipped"}


@dataclasses.dataclass(frozen=True)
class Progress:
    """How far one annotator is: items done, skipped, and in the queue."""

    done: int
    skipped: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.done

    def to_dict(self) -> dict[str, int]:
        return {"done": self.done, "skipped": self.skipped, "total": self.total}


class Queue:
    """Positions -> source rows, with a status per position.

    ``ids``: item ids (as strings) in source-row order. ``order``: "as-is" or "random"
    (a permutation from ``seed``, identical on every machine: numpy's PCG64 stream is
    stable across versions). ``limit``: serve only the first n items of that order.
    """

    def __init__(
        self,
        ids: pl.Series,
        *,
        order: Literal["as-is", "random"] = "as-is",
        seed: int = 0,
        limit: int | None = None,
        plan: OrderPlan | None = None,
    ) -> None:
        n = ids.len()
        self.gold = np.zeros(0, dtype=bool)
        if plan is not None:
            rows = plan.rows
            self.gold = plan.gold
        elif order == "as-is":
            rows = np.arange(n, dtype=np.int64)
        elif order == "random":
            rows = np.random.default_rng(seed).permutation(n).astype(np.int64)
        else:
            raise ValueError(f"order={order!r}: use 'as-is' or 'random'")
        if limit is not None and plan is None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise ValueError(f"limit= must be a positive integer, got {limit!r}")
            rows = rows[:limit]
        self.rows = rows
        if self.gold.size != rows.size:
            self.gold = np.zeros(rows.size, dtype=bool)
        # the source order as it is (the common case) needs no gather of a million ids
        same = rows.size == n and bool((rows == np.arange(n)).all())
        self.ids: pl.Series = ids if same else ids.gather(pl.Series(rows))
        self._status = bytearray(len(rows))
        self._done = 0
        self._skipped = 0

    def __len__(self) -> int:
        return len(self.rows)

    def id_at(self, pos: int) -> str:
        value = self.ids[pos]
        assert isinstance(value, str)
        return value

    def row_at(self, pos: int) -> int:
        return int(self.rows[pos])

    def position_of(self, item_id: str) -> int | None:
        """The position of an item id, or None when it is not in this queue."""
        hits = (self.ids == item_id).arg_true()
        return int(hits[0]) if hits.len() else None

    def status(self, pos: int) -> ItemStatus:
        return _NAMES[self._status[pos]]

    def set_status(self, pos: int, status: ItemStatus) -> None:
        old = self._status[pos]
        new = {"new": _NEW, "done": _DONE, "skipped": _SKIPPED}[status]
        self._done += (new == _DONE) - (old == _DONE)
        self._skipped += (new == _SKIPPED) - (old == _SKIPPED)
        self._status[pos] = new

    def load_status(self, latest: pl.DataFrame) -> None:
        """Set statuses from a store's latest rows for this annotator (item_id, kind)."""
        if latest.height == 0:
            return
        kinds = {"answer": _DONE, "skip": _SKIPPED, "retract": _NEW}
        positions = (
            pl.DataFrame({"item_id": self.ids, "pos": pl.int_range(len(self), eager=True)})
            .join(latest.select("item_id", "kind"), on="item_id", how="inner")
            .select("pos", pl.col("kind").replace_strict(kinds, return_dtype=pl.UInt8))
        )
        for pos, code in positions.iter_rows():
            self._status[pos] = code
        self._done = self._status.count(_DONE)
        self._skipped = self._status.count(_SKIPPED)

    def first_open(self) -> int:
        """The first position never answered or skipped (``len(self)`` when none is left)."""
        pos = self._status.find(_NEW)
        return len(self) if pos < 0 else pos

    def frame(self, remaining: bool = True) -> pl.DataFrame:
        """The queue in serving order: pos, id (as a string), status, gold; by default only
        what is not done yet."""
        names = pl.Series(list(_NAMES.values()))
        out = pl.DataFrame(
            {
                "pos": pl.int_range(len(self), eager=True),
                "id": self.ids,
                "status": names.gather(pl.Series(list(self._status), dtype=pl.UInt32)),
                "gold": self.gold,
            }
        )
        return out.filter(pl.col("status") != "done") if remaining else out

    def progress(self) -> Progress:
        return Progress(done=self._done, skipped=self._skipped, total=len(self))
