"""Turn a long annotations frame into integer codes for the agreement statistics.

One rating is one row: the item it belongs to, the annotator, and the code of its value
among the field's ordered categories (Enum order, numeric order, False < True, or sorted
strings). The statistics only ever see these integer arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

import numpy as np
import polars as pl

from rater_widgets.frames import to_polars

from ._common import FloatArray, IntArray, require_columns

Kind = Literal["enum", "numeric", "boolean", "string"]

#: Cells allowed in one dense item x category (or pattern x feature) matrix.
MAX_CELLS = 20_000_000
#: Separates options when a multi-choice answer is compared as a whole set.
_SET_SEP = "\x1f"


@dataclass(frozen=True)
class Coded:
    """Ratings of one field as integer codes (one entry per non-null rating)."""

    field: str
    item: IntArray
    rater: IntArray
    code: IntArray
    categories: list[Any]
    values: FloatArray  # numeric value per category: positions for Enum/Boolean/String
    kind: Kind
    annotators: list[Any]

    @property
    def k(self) -> int:
        return len(self.categories)

    @property
    def n_items(self) -> int:
        return int(self.item.max()) + 1 if self.item.size else 0


def load(ann: Any, field: str, extra: tuple[str, ...] = ()) -> pl.DataFrame:
    """The frame as Polars with ``id``, ``annotator`` and ``field`` checked."""
    df = to_polars(ann, "ann")
    require_columns(df, ["id", "annotator", field, *extra])
    return df


def is_list(df: pl.DataFrame, field: str) -> bool:
    return isinstance(df.schema[field], pl.List | pl.Array)


def list_options(df: pl.DataFrame, field: str) -> list[Any]:
    """Options of a multi-choice (List) column: the Enum's categories, else those seen."""
    dtype = df.schema[field]
    assert isinstance(dtype, pl.List | pl.Array)
    inner = dtype.inner
    if isinstance(inner, pl.Enum):
        return list(inner.categories.to_list())
    seen = df.get_column(field).explode().drop_nulls().unique()
    return sorted(seen.to_list())


def set_key(df: pl.DataFrame, field: str, universe: list[str] | None = None) -> pl.DataFrame:
    """Replace a List column by one key per answer *set* (order and repeats ignored), so
    multi-choice answers compare as wholes; a null list stays null.

    Keys are Int64 bit masks over ``universe`` (all option texts; by default those in
    the column). Give the same universe to columns that will be compared. Polars'
    per-list sort and string join are far too slow on a million short lists; beyond 62
    options a sorted, joined string is the (slower) key.
    """
    values = df.get_column(field)
    long = (
        pl.DataFrame({"_v": values})
        .with_row_index("_row")
        .explode("_v")
        .drop_nulls("_v")
        .select("_row", pl.col("_v").cast(pl.String))
    )
    if universe is None:
        universe = sorted(long.get_column("_v").unique().to_list())
    if len(universe) > 62:
        return _joined_set_key(df, field, long)
    bits = pl.DataFrame({"_v": universe, "_bit": [1 << i for i in range(len(universe))]})
    hits = long.join(bits, on="_v", how="left")
    if hits.get_column("_bit").null_count():
        raise ValueError(f"{field!r} has options outside the set being compared")
    mask = np.zeros(df.height, dtype=np.int64)
    np.bitwise_or.at(mask, hits.get_column("_row").to_numpy(), hits.get_column("_bit").to_numpy())
    key = pl.Series(field, mask)
    return df.with_columns(pl.when(values.is_not_null()).then(key).alias(field))


def list_universe(*columns: pl.Series) -> list[str]:
    """Every option text in the given List columns, sorted (for :func:`set_key`)."""
    seen: set[str] = set()
    for column in columns:
        seen.update(column.explode().drop_nulls().cast(pl.String).unique().to_list())
    return sorted(seen)


def _joined_set_key(df: pl.DataFrame, field: str, long: pl.DataFrame) -> pl.DataFrame:
    joined = (
        long.unique()
        .sort("_row", "_v")
        .group_by("_row", maintain_order=True)
        .agg(pl.col("_v").str.join(_SET_SEP))
    )
    rows = pl.DataFrame({"_row": np.arange(df.height, dtype=np.uint32)})
    key = rows.join(joined, on="_row", how="left").sort("_row").get_column("_v")
    values = df.get_column(field)
    return df.with_columns(pl.when(values.is_not_null()).then(key.fill_null("")).alias(field))


def code_ratings(df: pl.DataFrame, field: str, *, list_as_sets: bool = True) -> Coded:
    """Code the non-null ratings of ``field``; raise on duplicate (id, annotator) rows.

    A List column is coded as whole answer sets, or (``list_as_sets=False``, for callers
    that only need the item and annotator codes) by a cheap placeholder.
    """
    dtype = df.schema[field]
    col = pl.col(field)
    if isinstance(dtype, pl.List | pl.Array):
        if list_as_sets:  # answer sets are unordered categories
            df = set_key(df, field).with_columns(pl.col(field).cast(pl.String))
        else:
            df = df.with_columns(pl.col(field).list.len().cast(pl.String))
        dtype = pl.String()
    if dtype.is_float():
        col = col.fill_nan(None)
    # Categorical keys (pandas "category") rank by their physical order; use the text.
    keys = [
        pl.col(k).cast(pl.String) if isinstance(df.schema[k], pl.Categorical | pl.Enum) else k
        for k in ("id", "annotator")
    ]
    sub = df.select(*keys, col).drop_nulls(field)
    for key in ("id", "annotator"):
        nulls = sub.get_column(key).null_count()
        if nulls:
            raise ValueError(f"ann has {nulls} rows with a null {key!r}; every rating needs one")

    kind: Kind
    if isinstance(dtype, pl.Enum):
        kind = "enum"
        categories: list[Any] = list(dtype.categories.to_list())
        code_expr = col.to_physical()
    elif dtype == pl.Boolean:
        kind = "boolean"
        categories = [False, True]
        code_expr = col.cast(pl.Int64)
    elif dtype.is_numeric():
        kind = "numeric"
        categories = sub.get_column(field).unique().sort().to_list()
        code_expr = col.rank("dense") - 1
    elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Categorical):
        kind = "string"
        sub = sub.with_columns(col.cast(pl.String))
        categories = sub.get_column(field).unique().sort().to_list()
        code_expr = _dense_codes(sub.get_column(field))
    else:
        raise TypeError(
            f"column {field!r} has dtype {dtype}; agreement needs a Choice (Enum or String), "
            "Scale/Number (numeric), Flag (Boolean) or MultiChoice (List) column"
        )

    coded = sub.select(
        _dense_codes(sub.get_column("id")).cast(pl.Int64).alias("item"),
        _dense_codes(sub.get_column("annotator")).cast(pl.Int64).alias("rater"),
        code_expr.cast(pl.Int64).alias("code"),
    )
    annotators = sub.get_column("annotator").unique().sort().to_list()
    item = coded.get_column("item").to_numpy()
    rater = coded.get_column("rater").to_numpy()
    _check_duplicates(sub, item, rater, len(annotators))
    if kind == "numeric":
        values = np.asarray(categories, dtype=np.float64)
    else:
        values = np.arange(len(categories), dtype=np.float64)
    return Coded(
        field=field,
        item=item,
        rater=rater,
        code=coded.get_column("code").to_numpy(),
        categories=categories,
        values=values,
        kind=kind,
        annotators=annotators,
    )


def _dense_codes(values: pl.Series) -> pl.Expr:
    """0..n-1 in sorted order of the distinct values, as an expression on that column.

    Strings go through an Enum of their sorted uniques: ranking a million strings is
    twenty times slower.
    """
    col = pl.col(values.name)
    if values.dtype == pl.String:
        return col.cast(pl.Enum(values.unique().drop_nulls().sort())).to_physical()
    return col.rank("dense") - 1


def _check_duplicates(sub: pl.DataFrame, item: IntArray, rater: IntArray, n_raters: int) -> None:
    key = np.sort(item * max(n_raters, 1) + rater)
    dup = np.flatnonzero(key[1:] == key[:-1])
    if dup.size:
        k = int(key[dup[0]])
        i, r = divmod(k, max(n_raters, 1))
        row = sub.filter(pl.col("id").rank("dense") - 1 == i).row(0, named=True)
        who = sub.get_column("annotator").unique().sort()[r]
        raise ValueError(
            f"ann has {dup.size} duplicate (id, annotator) rows, e.g. id={row['id']!r}, "
            f"annotator={who!r}; pass one answer per annotator and item "
            "(w.annotations keeps the latest; w.history has every revision)"
        )


def item_counts(coded: Coded, min_ratings: int = 2) -> tuple[IntArray, IntArray]:
    """Distinct item x category count rows and how many items share each.

    Items with fewer than ``min_ratings`` ratings are dropped (they carry no agreement
    information). Returns ``(patterns, multiplicity)``: ``patterns`` is R x k.
    """
    n_items, k = coded.n_items, coded.k
    if n_items * k > MAX_CELLS:
        raise ValueError(
            f"{coded.field!r} has {k} distinct values over {n_items} items, too many to "
            "tabulate; bin or round the values (or use level='interval' for numbers)"
        )
    counts = np.bincount(coded.item * k + coded.code, minlength=n_items * k)
    counts = counts.reshape(n_items, k)
    counts = counts[counts.sum(axis=1) >= min_ratings]
    if counts.shape[0] == 0:
        return counts.astype(np.int64), np.zeros(0, dtype=np.int64)
    return _unique_rows(counts)


def _unique_rows(counts: IntArray) -> tuple[IntArray, IntArray]:
    """Distinct rows and their multiplicities.

    Rows of small counts are packed into one integer each (mixed radix), because a 1-d
    unique is many times faster than ``np.unique(axis=0)``.
    """
    base = int(counts.max()) + 1
    k = counts.shape[1]
    if k * math.log2(max(base, 2)) < 62:
        radix = base ** np.arange(k, dtype=np.int64)
        keys, multiplicity = np.unique(counts @ radix, return_counts=True)
        patterns = (keys[:, None] // radix[None, :]) % base
    else:
        patterns, multiplicity = np.unique(counts, axis=0, return_counts=True)
    return patterns.astype(np.int64), multiplicity.astype(np.int64)


def raise_no_overlap(coded: Coded, fn: str) -> NoReturn:
    who = ", ".join(repr(a) for a in coded.annotators[:10]) or "none"
    raise ValueError(
        f"{fn}: no item has answers from two or more annotators in {coded.field!r} "
        f"({len(coded.annotators)} annotator(s): {who}); agreement needs items that "
        "several annotators rated"
    )


def pairable_annotators(coded: Coded, min_ratings: int = 2) -> int:
    """How many annotators rated at least one item that someone else also rated."""
    per_item = np.bincount(coded.item, minlength=coded.n_items)
    keep = per_item[coded.item] >= min_ratings
    return int(np.unique(coded.rater[keep]).size)
