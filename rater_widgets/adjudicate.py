"""Which items need a second look: where annotators disagree (adjudication), and what
raters skipped or flagged (review). Both are computed from the store, vectorized.

>>> ann = pl.DataFrame({"id": [1, 1, 2, 2], "annotator": ["a", "b", "a", "b"],
...                     "verdict": ["safe", "bad", "safe", "safe"]})
>>> disagreements(ann, ["verdict"]).get_column("id").to_list()
[1]
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from rater_widgets.fields import Field, Flag, Number, Text
from rater_widgets.rubric import Rubric

__all__ = ["decision_fields", "disagreements", "review_items"]

#: The store role of answers given in each mode.
ROLES = {"label": "annotator", "adjudicate": "adjudicator", "review": "reviewer"}


def decision_fields(rubric: Rubric) -> list[str]:
    """Fields whose values decide agreement: everything but free text and numbers."""
    return [f.name for f in rubric.fields if not isinstance(f, Text | Number)]


def disagreements(ann: pl.DataFrame, fields: Sequence[str]) -> pl.DataFrame:
    """Items answered by at least two annotators who differ on any of ``fields``.

    Returns ``id``, ``n_annotators``, ``fields`` (the names that differ) and, per field,
    the distinct values given (a list), in the order of first appearance.
    """
    missing = [f for f in fields if f not in ann.columns]
    if missing:
        raise ValueError(f"no column {missing[0]!r} in the annotations; have {ann.columns}")
    if ann.height == 0 or not fields:
        return pl.DataFrame(
            schema={"id": ann.schema.get("id", pl.String), "n_annotators": pl.UInt32}
        )
    per_item = ann.group_by("id", maintain_order=True).agg(
        pl.col("annotator").n_unique().alias("n_annotators"),
        *[_comparable(f, ann.schema[f]).unique(maintain_order=True).alias(f) for f in fields],
    )
    differs = [pl.when(pl.col(f).list.len() > 1).then(pl.lit(f)) for f in fields]
    return (
        per_item.filter(pl.col("n_annotators") >= 2)
        .with_columns(pl.concat_list(differs).list.drop_nulls().alias("fields"))
        .filter(pl.col("fields").list.len() > 0)
        .select("id", "n_annotators", "fields", *fields)
    )


def _comparable(name: str, dtype: pl.DataType) -> pl.Expr:
    # a multi-choice compares as its sorted options, so [a, b] == [b, a]; nulls count as
    # an answer of their own ("not shown" differs from any value)
    col = pl.col(name)
    if isinstance(dtype, pl.List):
        as_text = col.list.eval(pl.element().cast(pl.String))
        if isinstance(dtype.inner, pl.Enum | pl.String):
            as_text = as_text.list.sort()  # a set of options; ratings per step keep order
        return as_text.list.join(", ")
    return col.cast(pl.String)


def review_items(ann_latest: pl.DataFrame, rubric: Rubric) -> pl.Series:
    """Ids of items someone skipped (and nobody answered since) or flagged with any Flag
    field (e.g. escalate): the lead's review queue. ``ann_latest`` is the typed latest
    rows of every kind (see :func:`rater_widgets.frames.typed_history`)."""
    flags = [f.name for f in rubric.fields if isinstance(f, Flag)]
    conds: list[pl.Expr] = [pl.col("kind") == "skip"]
    conds += [pl.col(f).fill_null(False) for f in flags]
    hit = pl.any_horizontal(conds)
    return ann_latest.filter(hit).get_column("id").unique(maintain_order=True)


def field_list(rubric: Rubric, names: Sequence[str] | None) -> list[Field]:
    """The rubric fields named (all decision fields when None), with clear errors."""
    chosen = decision_fields(rubric) if names is None else list(names)
    return [rubric[n] for n in chosen]
