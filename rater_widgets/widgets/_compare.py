"""What PairwiseRater and RankRater share: seeded per-item placement, a content spec that
shows responses under on-screen names only, and the default rubric.

Placement depends only on ``(seed, item id)`` (a hash, not a random stream), so it is the
same whatever order the queue serves items in, on every machine and in every session.

>>> left_side(0, "item-1") in ("a", "b")
True
>>> sorted(shown_order(0, "item-1", 3))
[0, 1, 2]
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from rater_widgets.content import ContentSpec
from rater_widgets.fields import RubricError, Text
from rater_widgets.protocol import Block
from rater_widgets.rubric import Rubric

__all__ = [
    "ArrangedSpec",
    "Shown",
    "check_name",
    "comparison_rubric",
    "default_rubric",
    "id_text",
    "item_hash",
    "left_side",
    "shown_order",
]

Side = Literal["a", "b"]
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def item_hash(seed: int, item_id: str) -> int:
    """A stable 64-bit hash of (seed, item id)."""
    digest = hashlib.blake2b(f"{seed}\x1f{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def left_side(seed: int, item_id: str) -> Side:
    """Which column (``"a"`` or ``"b"``) is shown on the left for this item."""
    return "a" if item_hash(seed, item_id) & 1 == 0 else "b"


def shown_order(seed: int, item_id: str, n: int) -> list[int]:
    """The original indices of n responses in the order they are shown."""
    rng = np.random.default_rng(item_hash(seed, item_id))
    return [int(i) for i in rng.permutation(n)]


def id_text(value: Any, dtype: pl.DataType) -> str:
    """An id as the queue spells it (the id column cast to String)."""
    if isinstance(value, str):
        return value
    text = pl.Series([value], dtype=dtype).cast(pl.String).item()
    return str(text)


def check_name(name: object, what: str) -> str:
    """A name that becomes part of a column name (``preference_<criterion>``)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} must be a name of letters, digits and underscores "
            "(it becomes part of a column name), e.g. 'helpfulness'"
        )
    return name


def comparison_rubric(rubric: Rubric | None, widget: str) -> Rubric:
    """The rubric a comparison widget uses (the default one when None); span fields are
    refused: spans index into one source text, and a comparison shows several."""
    chosen = default_rubric() if rubric is None else rubric
    if isinstance(chosen, Rubric):
        spans = [f.name for f in chosen.fields if f.type == "spans"]
        if spans:
            raise RubricError(
                f"{widget} compares several responses, so a Spans field has no one text to "
                "mark; rate spans with rw.ItemRater (content=the response column) instead",
                field=spans[0],
            )
    return chosen


def default_rubric() -> Rubric:
    """An optional free-text rationale: what comparisons usually ask for beside the choice."""
    return Rubric([Text("rationale", help="Optional: why you chose as you did")])


@dataclasses.dataclass(frozen=True)
class Shown:
    """One response as it appears on screen: ``name``/``label`` say where it is shown
    (``left``, ``A``, ...), ``column`` which source column holds it, ``value`` the value."""

    name: str
    label: str
    column: str
    value: Any


class ArrangedSpec(ContentSpec):
    """Context blocks as usual, then the responses in on-screen order under on-screen
    names only: block names and labels never reveal which column (or model) is where.

    ``arrange(row)`` says what is shown where for one row.
    """

    def __init__(
        self,
        columns: Sequence[str],
        *,
        responses: Sequence[str],
        context: str | Sequence[str] | None,
        format: str | Mapping[str, str] | None,
        arrange: Callable[[Mapping[str, Any]], list[Shown]],
    ) -> None:
        super().__init__(columns, content=list(responses), context=context, format=format)
        self._arrange = arrange
        self._by_name = {c.name: c for c in self.columns if c.role == "content"}

    def blocks(self, row: Mapping[str, Any]) -> list[Block]:
        out = [self.block(c, row.get(c.name)) for c in self.columns if c.role == "context"]
        for shown in self._arrange(row):
            col = dataclasses.replace(
                self._by_name[shown.column], name=shown.name, label=shown.label
            )
            out.append(self.block(col, shown.value))
        return out
