"""Agreement on span annotations (``rw.Spans`` fields): pairwise F1 between annotators."""

from __future__ import annotations

from typing import Any, Literal

import polars as pl

from ._common import check_choice
from ._encode import load

_NEEDED = ("start", "end", "label")


def span_agreement(
    ann: Any, field: str, mode: Literal["exact", "overlap"] = "exact"
) -> pl.DataFrame:
    """Pairwise F1 between annotators' spans, per label and over all labels.

    ``field`` is a List(Struct{start, end, label, text}) column. For each pair of
    annotators, only items both annotated count (an empty list means "annotated, no
    spans"; null means "not annotated"). ``mode="exact"``: a span matches when the other
    annotator has one with the same start, end and label. ``mode="overlap"``: when the
    other has one with the same label whose character range overlaps. TraceRater spans
    carry a ``step``: spans on different steps never match.

    One row per (``annotator_a``, ``annotator_b``, ``label``); ``label`` is null on the
    row that pools all labels (micro-average). ``n_items`` is the number of items both
    annotated; ``n_a``/``n_b`` their spans; ``precision`` is the share of a's spans that
    b matched, ``recall`` the share of b's spans that a matched, ``f1`` their harmonic
    mean (0 when one side has no spans of that label, null when neither has any).

    Example:
        >>> span = pl.Struct({"start": pl.Int64, "end": pl.Int64, "label": pl.String,
        ...                   "text": pl.String})
        >>> ann = pl.DataFrame({"id": [1, 1], "annotator": ["a", "b"], "evidence": [
        ...     [{"start": 0, "end": 5, "label": "pii", "text": "Alice"}],
        ...     [{"start": 0, "end": 3, "label": "pii", "text": "Ali"}]]},
        ...     schema_overrides={"evidence": pl.List(span)})
        >>> span_agreement(ann, "evidence", mode="overlap").get_column("f1").to_list()
        [1.0, 1.0]
        >>> # mean pairwise F1 per label:
        >>> # span_agreement(ann, "evidence").group_by("label").agg(pl.col("f1").mean())
    """
    check_choice("mode", mode, ("exact", "overlap"))
    df = load(ann, field)
    stepped = _check_dtype(df, field)
    where = ["step", *_NEEDED] if stepped else list(_NEEDED)
    answered = df.select("id", "annotator", field).filter(pl.col(field).is_not_null())
    dup = answered.select("id", "annotator").is_duplicated()
    if dup.any():
        raise ValueError(
            f"ann has {int(dup.sum())} rows that repeat an (id, annotator) pair for "
            f"{field!r}; pass one answer per annotator and item (w.annotations)"
        )
    spans = (
        answered.explode(field)
        .drop_nulls(field)
        .select("id", "annotator", *[pl.col(field).struct.field(f) for f in where])
        .with_columns(pl.col("label").cast(pl.String))
        .unique()
    )
    items = answered.select("id", pl.col("annotator").cast(pl.String))
    pairs = items.join(items, on="id", suffix="_b").filter(
        pl.col("annotator") < pl.col("annotator_b")
    )
    pairs = pairs.rename({"annotator": "annotator_a"})
    spans = spans.with_columns(pl.col("annotator").cast(pl.String))
    n_items = pairs.group_by("annotator_a", "annotator_b").agg(
        pl.len().cast(pl.Int64).alias("n_items")
    )
    n_a = _span_counts(pairs, spans, "annotator_a", "n_a")
    n_b = _span_counts(pairs, spans, "annotator_b", "n_b")
    matched_a, matched_b = _matches(spans, mode, stepped)
    keys = ["annotator_a", "annotator_b", "label"]
    per_label = (
        n_a.join(n_b, on=keys, how="full", coalesce=True)
        .join(matched_a, on=keys, how="left")
        .join(matched_b, on=keys, how="left")
        .with_columns(pl.col("n_a", "n_b", "matched_a", "matched_b").fill_null(0))
    )
    pooled = per_label.group_by("annotator_a", "annotator_b").agg(
        pl.col("n_a", "n_b", "matched_a", "matched_b").sum()
    )
    pooled = n_items.join(pooled, on=["annotator_a", "annotator_b"], how="left").with_columns(
        pl.lit(None, dtype=pl.String).alias("label"),
        pl.col("n_a", "n_b", "matched_a", "matched_b").fill_null(0),
    )
    per_label = per_label.join(n_items, on=["annotator_a", "annotator_b"], how="left")
    columns = [*keys, "n_items", "n_a", "n_b", "matched_a", "matched_b"]
    table = pl.concat([pooled.select(columns), per_label.select(columns)])
    return _scores(table).sort(keys, nulls_last=False)


def _check_dtype(df: pl.DataFrame, field: str) -> bool:
    """Raise unless the column holds spans; True when they carry a step (traces)."""
    dtype = df.schema[field]
    inner = dtype.inner if isinstance(dtype, pl.List) else None
    names = {f.name for f in inner.fields} if isinstance(inner, pl.Struct) else set()
    if not set(_NEEDED) <= names:
        raise TypeError(
            f"column {field!r} has dtype {dtype}; span agreement needs "
            "List(Struct{start, end, label, text}) as a Spans field stores it"
        )
    return "step" in names


def _span_counts(pairs: pl.DataFrame, spans: pl.DataFrame, side: str, name: str) -> pl.DataFrame:
    """Spans of one side of each pair, on the items both annotated, per label."""
    return (
        pairs.join(spans, left_on=["id", side], right_on=["id", "annotator"])
        .group_by("annotator_a", "annotator_b", "label")
        .agg(pl.len().cast(pl.Int64).alias(name))
    )


def _matches(
    spans: pl.DataFrame, mode: str, stepped: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    left = spans.rename({"annotator": "annotator_a", "start": "start_a", "end": "end_a"})
    right = spans.rename({"annotator": "annotator_b", "start": "start_b", "end": "end_b"})
    on = ["id", "step", "label"] if stepped else ["id", "label"]
    candidates = left.join(right, on=on).filter(pl.col("annotator_a") < pl.col("annotator_b"))
    same = (pl.col("start_a") == pl.col("start_b")) & (pl.col("end_a") == pl.col("end_b"))
    if mode == "exact":
        hits = candidates.filter(same)
    else:
        overlap = (pl.col("start_a") < pl.col("end_b")) & (pl.col("start_b") < pl.col("end_a"))
        hits = candidates.filter(overlap | same)
    keys = ["annotator_a", "annotator_b", "label"]

    def count(side: str, name: str) -> pl.DataFrame:
        span = ["id", *(["step"] if stepped else []), f"start_{side}", f"end_{side}"]
        distinct = hits.select(*keys, *span).unique()
        return distinct.group_by(keys).agg(pl.len().cast(pl.Int64).alias(name))

    return count("a", "matched_a"), count("b", "matched_b")


def _scores(table: pl.DataFrame) -> pl.DataFrame:
    precision = pl.when(pl.col("n_a") > 0).then(pl.col("matched_a") / pl.col("n_a"))
    recall = pl.when(pl.col("n_b") > 0).then(pl.col("matched_b") / pl.col("n_b"))
    p, r = pl.col("precision"), pl.col("recall")
    f1 = (
        pl.when((pl.col("n_a") == 0) & (pl.col("n_b") == 0))
        .then(None)
        .when((pl.col("n_a") == 0) | (pl.col("n_b") == 0) | (p + r == 0))
        .then(0.0)
        .otherwise(2 * p * r / (p + r))
    )
    return (
        table.with_columns(precision.alias("precision"), recall.alias("recall"))
        .with_columns(f1.alias("f1"))
        .drop("matched_a", "matched_b")
    )
