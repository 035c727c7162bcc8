"""Data and model quality: consensus labels, model-vs-human confusion and error rates,
annotator statistics, accuracy on gold items.

Inputs are the long annotations frame (``id``, ``annotator``, the field). A model's label
(the widget's ``suggestion=`` column) is one value per item: a column of ``ann`` (e.g.
from ``w.labeled()``) or of a ``source`` frame keyed by ``id``. Answers are compared as
text (an Enum and a String with the same label are equal), numbers numerically, and
multi-choice answers as whole sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from rater_widgets.frames import to_polars

from ._common import (
    as_list,
    check_choice,
    check_ci,
    require_columns,
    wilson,
)
from ._encode import is_list, list_universe, load, set_key

_DURATION = "duration_ms"
_TIME = "updated_at"


def consensus(
    ann: Any, field: str, method: Literal["majority", "mean", "median"] = "majority"
) -> pl.DataFrame:
    """One consensus answer per item.

    ``method="majority"``: the most frequent answer, or null when two answers tie for
    most frequent; ``support`` is the share of the item's annotators who gave it. For a
    multi-choice field the consensus is the set of options chosen by more than half of
    the annotators. ``"mean"``/``"median"`` (numeric fields) give ``std`` instead of
    ``support``. Every result has ``n``, the number of annotators who answered.

    Example:
        >>> ann = pl.DataFrame({"id": [1, 1, 1], "annotator": ["a", "b", "c"],
        ...                     "verdict": ["safe", "safe", "violating"]})
        >>> consensus(ann, "verdict").row(0)
        (1, 'safe', 0.6666666666666666, 3)
    """
    check_choice("method", method, ("majority", "mean", "median"))
    df = load(ann, field).select("id", "annotator", field).drop_nulls(field)
    if method != "majority":
        if not df.schema[field].is_numeric():
            raise TypeError(
                f"method={method!r} needs a numeric field; {field!r} is "
                f"{df.schema[field]}; use method='majority'"
            )
        agg = pl.col(field).mean() if method == "mean" else pl.col(field).median()
        return (
            df.group_by("id")
            .agg(
                agg.alias(field),
                pl.col(field).std().alias("std"),
                pl.len().cast(pl.Int64).alias("n"),
            )
            .sort("id")
        )
    if is_list(df, field):
        return _set_majority(df, field)
    votes = df.group_by("id", field).agg(pl.len().alias("_votes"))
    per_item = (
        votes.sort("id", "_votes", descending=[False, True])
        .group_by("id", maintain_order=True)
        .agg(
            pl.col(field).first(),
            pl.col("_votes").first().alias("_top"),
            pl.col("_votes").get(1, null_on_oob=True).alias("_second"),
            pl.col("_votes").sum().cast(pl.Int64).alias("n"),
        )
    )
    unique_top = pl.col("_second").is_null() | (pl.col("_second") < pl.col("_top"))
    return per_item.select(
        "id",
        pl.when(unique_top).then(pl.col(field)).alias(field),
        (pl.col("_top") / pl.col("n")).alias("support"),
        "n",
    )


def confusion(ann: Any, field: str, suggestion: str, *, source: Any = None) -> pl.DataFrame:
    """Counts of model label (``model``) against human majority consensus (``human``).

    One row per (model, human) pair of labels, zeros included, so it pivots or plots
    as a full matrix. Items without a majority, or without a model label, are left out.

    Example:
        >>> ann = pl.DataFrame({"id": [1, 1, 2, 2], "annotator": ["a", "b"] * 2,
        ...                     "verdict": ["safe", "safe", "bad", "bad"],
        ...                     "model": ["safe", "safe", "safe", "safe"]})
        >>> confusion(ann, "verdict", "model").filter(pl.col("n") > 0).rows()
        [('safe', 'bad', 1), ('safe', 'safe', 1)]
    """
    items = _items(ann, field, suggestion, source, [])
    items = items.drop_nulls(["_human", "_model"])
    labels = _labels(ann, field, items)
    grid = pl.DataFrame({"model": labels}).join(pl.DataFrame({"human": labels}), how="cross")
    counts = items.group_by(pl.col("_model").alias("model"), pl.col("_human").alias("human"))
    counts_df = counts.agg(pl.len().cast(pl.Int64).alias("n"))
    return grid.join(counts_df, on=["model", "human"], how="left").with_columns(
        pl.col("n").fill_null(0)
    )


def error_rates(
    ann: Any,
    field: str,
    suggestion: str,
    by: str | Sequence[str] | None = None,
    *,
    source: Any = None,
    ci: float | None = 0.95,
) -> pl.DataFrame:
    """Per slice, how often the model label differs from the human consensus.

    ``by`` names item-level columns (in ``ann`` or ``source``: a category, a language, a
    prompt source...); ``by=field`` slices by the human consensus label itself. Returns
    the ``by`` columns, ``n`` (items), ``errors``, ``error_rate`` with a Wilson interval
    ``ci_low``/``ci_high``, and ``gap`` = slice rate minus the overall rate, sorted by
    ``gap`` (worst slice first).

    Example:
        >>> ann = pl.DataFrame({"id": [1, 2, 3], "annotator": ["a"] * 3,
        ...                     "verdict": ["safe", "bad", "bad"], "model": ["safe"] * 3,
        ...                     "lang": ["en", "de", "en"]})
        >>> error_rates(ann, "verdict", "model", by="lang").select("lang", "errors").rows()
        [('de', 1), ('en', 1)]
    """
    check_ci(ci)
    keys = as_list(by)
    items = _items(ann, field, suggestion, source, [k for k in keys if k != field])
    items = items.drop_nulls(["_human", "_model"]).with_columns(
        (pl.col("_human") != pl.col("_model")).alias("_error")
    )
    if field in keys:
        items = items.with_columns(pl.col("_human").alias(field))
    overall = items.get_column("_error").mean() if items.height else None
    grouped = items.group_by(keys) if keys else items.group_by(pl.lit("all").alias("slice"))
    table = grouped.agg(
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("_error").sum().cast(pl.Int64).alias("errors"),
    ).with_columns((pl.col("errors") / pl.col("n")).alias("error_rate"))
    if ci is None:
        low = high = pl.lit(None, dtype=pl.Float64)
    else:
        low, high = wilson(pl.col("errors").cast(pl.Float64), pl.col("n"), ci)
    gap = pl.col("error_rate") - pl.lit(overall, dtype=pl.Float64)
    return table.with_columns(low.alias("ci_low"), high.alias("ci_high"), gap.alias("gap")).sort(
        "gap", *keys, descending=[True] + [False] * len(keys)
    )


def annotator_stats(
    ann: Any,
    field: str,
    duration: str | None = _DURATION,
    time: str | None = _TIME,
) -> pl.DataFrame:
    """Per annotator: workload, speed, agreement with the others, and drift.

    ``items`` (answers given), ``median_duration`` (median of the ``duration`` column
    over those answers, in its unit: ms by default), ``agreement`` (share of items where
    the annotator's answer equals the majority of the *other* annotators; items where
    the others tie, or nobody else answered, are left out: ``n_compared``), and
    ``agreement_first``/``agreement_last`` over the first and second half of the
    annotator's compared items in ``time`` order, with ``drift`` = last - first.
    If the default ``duration_ms``/``updated_at`` columns are absent those statistics
    are null; a column you name explicitly must exist.

    Example:
        >>> ann = pl.DataFrame({"id": [1, 1, 1], "annotator": ["a", "b", "c"],
        ...                     "verdict": ["x", "x", "y"]})
        >>> annotator_stats(ann, "verdict").select("annotator", "agreement").rows()
        [('a', None), ('b', None), ('c', 0.0)]
    """
    df = load(ann, field)
    extra = [c for c in (duration, time) if c is not None and c not in (_DURATION, _TIME)]
    require_columns(df, extra)
    dur = duration if duration is not None and duration in df.columns else None
    when = time if time is not None and time in df.columns else None
    if is_list(df, field):
        df = set_key(df, field)
    df = df.filter(pl.col(field).is_not_null())
    keyed = df.select(
        "id",
        "annotator",
        pl.col(field).cast(pl.String).alias("_key"),
        (pl.col(when) if when else pl.int_range(pl.len())).alias("_t"),
        (pl.col(dur).cast(pl.Float64) if dur else pl.lit(None, pl.Float64)).alias("_d"),
    )
    loo = _leave_one_out(keyed)
    half = (pl.col("_t").rank("ordinal").over("annotator") - 1) * 2 < pl.len().over("annotator")
    compared = loo.filter(pl.col("_defined")).with_columns(half.alias("_first"))
    agreement = compared.group_by("annotator").agg(
        pl.len().cast(pl.Int64).alias("n_compared"),
        pl.col("_agree").mean().alias("agreement"),
        pl.col("_agree").filter(pl.col("_first")).mean().alias("agreement_first"),
        pl.col("_agree").filter(~pl.col("_first")).mean().alias("agreement_last"),
    )
    if not when:
        agreement = agreement.with_columns(
            pl.lit(None, pl.Float64).alias("agreement_first"),
            pl.lit(None, pl.Float64).alias("agreement_last"),
        )
    workload = keyed.group_by("annotator").agg(
        pl.len().cast(pl.Int64).alias("items"), pl.col("_d").median().alias("median_duration")
    )
    return (
        workload.join(agreement, on="annotator", how="left")
        .with_columns(
            pl.col("n_compared").fill_null(0),
            (pl.col("agreement_last") - pl.col("agreement_first")).alias("drift"),
        )
        .sort("annotator")
    )


def gold_accuracy(ann: Any, gold: Any, field: str, *, ci: float | None = 0.95) -> pl.DataFrame:
    """Each annotator's accuracy on gold (known-answer) items, with Wilson intervals.

    ``gold`` is either the name of a column of ``ann`` holding the known answer (null on
    ordinary items), or a frame with ``id`` and the known answer in a column named
    ``field`` (or its only other column). Returns ``annotator``, ``n_gold`` (gold items
    the annotator answered), ``correct``, ``accuracy``, ``ci_low``, ``ci_high``.

    Example:
        >>> ann = pl.DataFrame({"id": [1, 2, 1, 2], "annotator": ["a", "a", "b", "b"],
        ...                     "verdict": ["safe", "bad", "safe", "safe"]})
        >>> gold = pl.DataFrame({"id": [1, 2], "verdict": ["safe", "bad"]})
        >>> gold_accuracy(ann, gold, "verdict").select("annotator", "accuracy").rows()
        [('a', 1.0), ('b', 0.5)]
    """
    check_ci(ci)
    if isinstance(gold, str):
        df = load(ann, field, (gold,))
        pairs = df.select("annotator", pl.col(field), pl.col(gold).alias("_gold"))
    else:
        df = load(ann, field)
        known = to_polars(gold, "gold")
        require_columns(known, ["id"], "gold")
        others = [c for c in known.columns if c != "id"]
        column = field if field in others else (others[0] if len(others) == 1 else None)
        if column is None:
            raise KeyError(
                f"gold has no column {field!r} (and more than one candidate): {known.columns}"
            )
        known = known.select("id", pl.col(column).alias("_gold"))
        if known.get_column("id").is_duplicated().any():
            raise ValueError("gold has duplicate ids; give one known answer per item")
        pairs = df.select("id", "annotator", field).join(known, on="id", how="inner")
    pairs, answer, truth = _comparable(pairs.drop_nulls([field, "_gold"]), field, "_gold")
    table = (
        pairs.group_by("annotator")
        .agg(
            pl.len().cast(pl.Int64).alias("n_gold"),
            (answer == truth).sum().cast(pl.Int64).alias("correct"),
        )
        .with_columns((pl.col("correct") / pl.col("n_gold")).alias("accuracy"))
    )
    if ci is None:
        low = high = pl.lit(None, dtype=pl.Float64)
    else:
        low, high = wilson(pl.col("correct").cast(pl.Float64), pl.col("n_gold"), ci)
    return table.with_columns(low.alias("ci_low"), high.alias("ci_high")).sort("annotator")


# ------------------------------------------------------------------ helpers


def _leave_one_out(keyed: pl.DataFrame) -> pl.DataFrame:
    """Per (item, annotator): is the answer the unique majority of the *other* answers?

    From the item's top three answer counts c1 >= c2 >= c3 and the count c of this
    answer (own vote included): if c == c1, the others' majority is this answer when
    c1 - 1 > c2, another answer when c1 == c2 > c3, else a tie; if c < c1, it is another
    answer when c1 > c2, else a tie. No per-rating group-by is needed.
    """
    counts = keyed.group_by("id", "_key").agg(pl.len().cast(pl.Int64).alias("_c"))
    top = (
        counts.sort("id", "_c", descending=[False, True])
        .group_by("id", maintain_order=True)
        .agg(
            pl.col("_c").get(i, null_on_oob=True).fill_null(0).alias(f"_c{i + 1}") for i in range(3)
        )
    )
    c, c1, c2, c3 = (pl.col(n) for n in ("_c", "_c1", "_c2", "_c3"))
    is_top = c == c1
    agree = is_top & (c1 - 1 > c2)
    defined = pl.when(is_top).then(agree | ((c1 == c2) & (c3 < c2))).otherwise(c1 > c2)
    return (
        keyed.select("id", "annotator", "_key", "_t")
        .join(counts, on=["id", "_key"])
        .join(top, on="id")
        .select("id", "annotator", "_t", defined.alias("_defined"), agree.alias("_agree"))
    )


def _comparable(df: pl.DataFrame, left: str, right: str) -> tuple[pl.DataFrame, pl.Expr, pl.Expr]:
    """The frame (with set keys for list columns) and two expressions whose equality is
    answer equality: numbers numerically, everything else as text."""
    lt, rt = df.schema[left], df.schema[right]
    if lt.is_numeric() and rt.is_numeric():
        return df, pl.col(left).cast(pl.Float64), pl.col(right).cast(pl.Float64)
    lists = [c for c in (left, right) if is_list(df, c)]
    universe = list_universe(*(df.get_column(c) for c in lists))
    for column in lists:
        df = set_key(df, column, universe)
    return df, pl.col(left).cast(pl.String), pl.col(right).cast(pl.String)


def _set_majority(df: pl.DataFrame, field: str) -> pl.DataFrame:
    n = df.group_by("id").agg(pl.len().cast(pl.Int64).alias("n"))
    chosen = (
        df.select("id", "annotator", field)
        .explode(field)
        .drop_nulls(field)
        .unique()
        .group_by("id", field)
        .agg(pl.len().alias("_votes"))
        .join(n, on="id")
        .filter(pl.col("_votes") * 2 > pl.col("n"))
        .sort("id", field)
        .group_by("id", maintain_order=True)
        .agg(pl.col(field))
    )
    result = n.join(chosen, on="id", how="left").with_columns(
        pl.col(field).fill_null(pl.lit([], dtype=df.schema[field]))
    )
    universe = list_universe(df.get_column(field))
    keys = set_key(df.select("id", field), field, universe).rename({field: "_mine"})
    mine = set_key(result.select("id", field), field, universe).rename({field: "_cons"})
    support = (
        keys.join(mine, on="id")
        .group_by("id")
        .agg((pl.col("_mine") == pl.col("_cons")).mean().alias("support"))
    )
    return result.join(support, on="id").select("id", field, "support", "n").sort("id")


def _items(ann: Any, field: str, suggestion: str, source: Any, extra: list[str]) -> pl.DataFrame:
    """Item-level frame: id, ``_human`` (consensus key), ``_model`` (label key), extras."""
    df = load(ann, field)
    if is_list(df, field):
        raise TypeError(
            f"{field!r} is a multi-choice field; model-vs-human comparison needs "
            "a single-choice field (use per-option fields instead)"
        )
    wanted = [suggestion, *extra]
    from_ann = [c for c in wanted if c in df.columns]
    per_item = _item_columns(df, from_ann)
    rest = [c for c in wanted if c not in from_ann]
    if rest:
        if source is None:
            require_columns(df, rest)
        src = to_polars(source, "source")
        require_columns(src, ["id", *rest], "source")
        per_item = per_item.join(_item_columns(src, rest), on="id", how="full", coalesce=True)
    cons = consensus(df, field).select("id", pl.col(field).cast(pl.String).alias("_human"))
    return cons.join(per_item, on="id", how="left").with_columns(
        pl.col(suggestion).cast(pl.String).alias("_model")
    )


def _item_columns(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """One row per id with ``columns``, which must not vary within an item."""
    if not columns:
        return df.select("id").unique()
    out = df.group_by("id").agg(
        *[pl.col(c).drop_nulls().first() for c in columns],
        *[pl.col(c).drop_nulls().n_unique().alias(f"_n_{c}") for c in columns],
    )
    for c in columns:
        varying = out.filter(pl.col(f"_n_{c}") > 1)
        if varying.height:
            raise ValueError(
                f"column {c!r} should hold one value per item but differs within "
                f"{varying.height} items, e.g. id={varying.get_column('id')[0]!r}"
            )
    return out.select("id", *columns)


def _labels(ann: Any, field: str, items: pl.DataFrame) -> list[str]:
    dtype = to_polars(ann, "ann").schema[field]
    seen = set(items.get_column("_human").to_list()) | set(items.get_column("_model").to_list())
    if isinstance(dtype, pl.Enum):
        order = [str(c) for c in dtype.categories.to_list()]
        return order + sorted(seen - set(order))
    return sorted(seen)
