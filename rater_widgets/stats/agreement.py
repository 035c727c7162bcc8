"""Inter-annotator agreement: percent agreement, Cohen's, Fleiss' kappa, Krippendorff's alpha.

Every function takes the long annotations frame (``id``, ``annotator`` and the field's
column, e.g. ``w.annotations``; Polars, pandas or pyarrow) and the field name.

Conventions shared by all four:

- A null (or NaN) answer is missing data: that annotator did not rate that item.
- Items rated by fewer than two annotators carry no agreement information and are left
  out, as in Krippendorff's definition; ``n_items`` counts the items that were used.
  If no item is left, a ``ValueError`` says so (one annotator so far, or no overlap).
- When the statistic is undefined for the data (every rating the same value, so chance
  agreement is already perfect) the result is ``nan`` and an
  :class:`UndefinedStatisticWarning` is emitted.
- ``ci=0.95`` returns an :class:`Estimate` (a float with ``ci_low``, ``ci_high``,
  ``n_items``, ``n_annotators``) from a percentile bootstrap that resamples items,
  seeded by ``seed``; ``ci=None`` returns a plain float.
- Order of categories (for weights and the ordinal/interval levels): the Enum's order,
  numeric order, ``False < True``. Plain String columns have no order, so ordered
  measures refuse them.
- Multi-choice fields (List columns) get *per-option* agreement by default: each option
  becomes a yes/no question and the result is a ``pl.DataFrame`` with one row per option
  (``option``, the statistic, ``n_items``, ``n_annotators``, ``ci_low``, ``ci_high``).
  ``per_option=False`` compares whole answer sets instead (a float);
  ``per_option=True`` on a single-choice field gives one-vs-rest agreement per category.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Literal, TypeAlias, overload

import numpy as np
import polars as pl

from ._alpha import alpha_estimate
from ._cohen import cohen_estimate
from ._common import (
    BoolArray,
    Estimate,
    FloatArray,
    IntArray,
    UndefinedStatisticWarning,
    check_choice,
    estimate_with_ci,
    warn_undefined,
)
from ._encode import (
    Coded,
    code_ratings,
    is_list,
    item_counts,
    list_options,
    load,
    pairable_annotators,
    raise_no_overlap,
)

Weights: TypeAlias = Literal["linear", "quadratic"] | None
Level: TypeAlias = Literal["nominal", "ordinal", "interval", "ratio"]
_WEIGHTS = (None, "linear", "quadratic")
_LEVELS = ("nominal", "ordinal", "interval", "ratio")

_Compute: TypeAlias = Callable[[Coded], Estimate]


# ------------------------------------------------------------------ public functions


@overload
def percent_agreement(
    ann: Any,
    field: str,
    *,
    per_option: Literal[True],
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> pl.DataFrame: ...
@overload
def percent_agreement(
    ann: Any,
    field: str,
    *,
    per_option: Literal[False],
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> float: ...
@overload
def percent_agreement(
    ann: Any,
    field: str,
    *,
    per_option: None = ...,
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> float | pl.DataFrame: ...
def percent_agreement(
    ann: Any,
    field: str,
    *,
    per_option: bool | None = None,
    ci: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> float | pl.DataFrame:
    """Share of annotator pairs that gave the same answer, averaged over items.

    Each item with m >= 2 ratings contributes the fraction of its m(m-1) ordered
    annotator pairs that agree; the result is the mean over items. With two annotators
    this is simply the share of items on which they agree. No chance correction.

    Example:
        >>> ann = pl.DataFrame({"id": [1, 1, 2, 2], "annotator": ["a", "b"] * 2,
        ...                     "verdict": ["safe", "safe", "safe", "violating"]})
        >>> percent_agreement(ann, "verdict")
        0.5
    """

    def compute(coded: Coded) -> Estimate:
        f = coded.field
        patterns, mult = _pairable(coded, "percent_agreement")
        m = patterns.sum(axis=1)
        agree = ((patterns**2).sum(axis=1) - m) / (m * (m - 1))
        features = np.column_stack([np.ones(len(m)), agree])

        def stat(s: FloatArray) -> FloatArray:
            out: FloatArray = s[:, 1] / s[:, 0]
            return out

        return estimate_with_ci(
            features,
            mult,
            stat,
            ci=ci,
            n_boot=n_boot,
            seed=seed,
            n_annotators=pairable_annotators(coded),
            label=f"percent agreement on {f!r}",
        )

    return _run(ann, field, per_option=per_option, compute=compute, column="agreement", ci=ci)


@overload
def cohen_kappa(
    ann: Any,
    field: str,
    weights: Weights = ...,
    annotators: Sequence[Any] | None = ...,
    *,
    per_option: Literal[True],
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> pl.DataFrame: ...
@overload
def cohen_kappa(
    ann: Any,
    field: str,
    weights: Weights = ...,
    annotators: Sequence[Any] | None = ...,
    *,
    per_option: Literal[False],
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> float: ...
@overload
def cohen_kappa(
    ann: Any,
    field: str,
    weights: Weights = ...,
    annotators: Sequence[Any] | None = ...,
    *,
    per_option: None = ...,
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> float | pl.DataFrame: ...
def cohen_kappa(
    ann: Any,
    field: str,
    weights: Weights = None,
    annotators: Sequence[Any] | None = None,
    *,
    per_option: bool | None = None,
    ci: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> float | pl.DataFrame:
    """Cohen's kappa between exactly two annotators, on the items both rated.

    ``weights="linear"`` or ``"quadratic"`` gives weighted kappa for ordered answers:
    the disagreement between two answers is their distance (squared for quadratic),
    measured in positions of the Enum order or in numeric value for number columns.
    With more than two annotators pass ``annotators=("alice", "bob")``.

    Example:
        >>> ann = pl.DataFrame({"id": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3,
        ...                     "verdict": ["safe", "safe", "bad", "bad", "safe", "bad"]})
        >>> round(cohen_kappa(ann, "verdict"), 3)
        0.4
    """
    check_choice("weights", weights, _WEIGHTS)

    def compute(coded: Coded) -> Estimate:
        return cohen_estimate(coded, weights, annotators, ci=ci, n_boot=n_boot, seed=seed)

    return _run(ann, field, per_option=per_option, compute=compute, column="kappa", ci=ci)


@overload
def fleiss_kappa(
    ann: Any,
    field: str,
    *,
    per_option: Literal[True],
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> pl.DataFrame: ...
@overload
def fleiss_kappa(
    ann: Any,
    field: str,
    *,
    per_option: Literal[False],
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> float: ...
@overload
def fleiss_kappa(
    ann: Any,
    field: str,
    *,
    per_option: None = ...,
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> float | pl.DataFrame: ...
def fleiss_kappa(
    ann: Any,
    field: str,
    *,
    per_option: bool | None = None,
    ci: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> float | pl.DataFrame:
    """Fleiss' kappa for any number of (interchangeable) annotators.

    With the same number of ratings per item this is exactly Fleiss (1971). When items
    have different numbers of ratings, each item's agreement uses its own count and the
    category proportions pool all ratings (the usual generalization).

    Example:
        >>> ann = pl.DataFrame({"id": [1, 1, 1, 2, 2, 2], "annotator": ["a", "b", "c"] * 2,
        ...                     "verdict": ["ok", "ok", "ok", "ok", "bad", "bad"]})
        >>> round(fleiss_kappa(ann, "verdict"), 3)
        0.25
    """

    def compute(coded: Coded) -> Estimate:
        f = coded.field
        patterns, mult = _pairable(coded, "fleiss_kappa")
        m = patterns.sum(axis=1)
        agree = ((patterns**2).sum(axis=1) - m) / (m * (m - 1))
        features = np.column_stack([np.ones(len(m)), agree, patterns])

        def stat(s: FloatArray) -> FloatArray:
            observed = s[:, 1] / s[:, 0]
            p = s[:, 2:] / s[:, 2:].sum(axis=1, keepdims=True)
            chance = (p**2).sum(axis=1)
            out: FloatArray = (observed - chance) / (1.0 - chance)
            return out

        return estimate_with_ci(
            features,
            mult,
            stat,
            ci=ci,
            n_boot=n_boot,
            seed=seed,
            n_annotators=pairable_annotators(coded),
            label=f"Fleiss' kappa on {f!r}",
        )

    return _run(ann, field, per_option=per_option, compute=compute, column="kappa", ci=ci)


@overload
def krippendorff_alpha(
    ann: Any,
    field: str,
    level: Level = ...,
    *,
    per_option: Literal[True],
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> pl.DataFrame: ...
@overload
def krippendorff_alpha(
    ann: Any,
    field: str,
    level: Level = ...,
    *,
    per_option: Literal[False],
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> float: ...
@overload
def krippendorff_alpha(
    ann: Any,
    field: str,
    level: Level = ...,
    *,
    per_option: None = ...,
    ci: float | None = ...,
    n_boot: int = ...,
    seed: int = ...,
) -> float | pl.DataFrame: ...
def krippendorff_alpha(
    ann: Any,
    field: str,
    level: Level = "nominal",
    *,
    per_option: bool | None = None,
    ci: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> float | pl.DataFrame:
    """Krippendorff's alpha, with missing data, at the given level of measurement.

    ``level="nominal"`` for unordered labels, ``"ordinal"`` for ordered ones (Enum order
    or numbers; only the order matters), ``"interval"`` for numbers (Enum columns use
    positions 0, 1, 2...), ``"ratio"`` for non-negative numbers with a true zero.
    Computed from the coincidence matrix as in Krippendorff (2011), "Computing
    Krippendorff's Alpha-Reliability".

    Example:
        >>> ann = pl.DataFrame({"id": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3,
        ...                     "confidence": [1, 1, 3, 4, 5, 5]})
        >>> round(krippendorff_alpha(ann, "confidence", level="interval"), 3)
        0.95
    """
    check_choice("level", level, _LEVELS)

    def compute(coded: Coded) -> Estimate:
        return alpha_estimate(coded, level, ci=ci, n_boot=n_boot, seed=seed)

    return _run(ann, field, per_option=per_option, compute=compute, column="alpha", ci=ci)


# ------------------------------------------------------------------ shared helpers


def _pairable(coded: Coded, fn: str) -> tuple[IntArray, IntArray]:
    """Item count patterns of the items with two or more ratings, or a clear error."""
    patterns, mult = item_counts(coded)
    if mult.size == 0:
        raise_no_overlap(coded, fn)
    return patterns, mult


def _run(
    ann: Any,
    field: str,
    *,
    per_option: bool | None,
    compute: _Compute,
    column: str,
    ci: float | None,
) -> float | pl.DataFrame:
    df = load(ann, field)
    listy = is_list(df, field)
    if per_option is None:
        per_option = listy
    # A List column is coded as whole answer sets unless each option is asked apart.
    coded = code_ratings(df, field, list_as_sets=not (listy and per_option))
    if not per_option:
        result = compute(coded)
        return result if ci is not None else float(result)
    if listy:
        options, chosen = _option_matrix(df, field)
    else:
        options = coded.categories
        chosen = coded.code[:, None] == np.arange(coded.k)[None, :]
    return _per_option(coded, [str(o) for o in options], chosen, compute, column)


def _option_matrix(df: pl.DataFrame, field: str) -> tuple[list[Any], BoolArray]:
    """Options of a List column and, per non-null answer (in row order), which were chosen."""
    options = list_options(df, field)
    answers = df.select(field).filter(pl.col(field).is_not_null()).with_row_index("_row")
    index = pl.DataFrame({"_opt": [str(o) for o in options], "_j": np.arange(len(options))})
    hits = (
        answers.explode(field)
        .select("_row", pl.col(field).cast(pl.String).alias("_opt"))
        .join(index, on="_opt")
    )
    chosen = np.zeros((answers.height, len(options)), dtype=bool)
    chosen[hits.get_column("_row").to_numpy(), hits.get_column("_j").to_numpy()] = True
    return options, chosen


def _per_option(
    coded: Coded, options: list[str], chosen: BoolArray, compute: _Compute, column: str
) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    undefined: list[str] = []
    for j, option in enumerate(options):
        # Each option is the yes/no question "was it chosen?" over the same ratings.
        yes_no = replace(
            coded,
            code=chosen[:, j].astype(np.int64),
            categories=[False, True],
            values=np.array([0.0, 1.0]),
            kind="boolean",
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedStatisticWarning)
            r = compute(yes_no)
        if math.isnan(r.estimate):
            undefined.append(option)
        rows.append(
            {
                "option": option,
                column: r.estimate,
                "n_items": r.n_items,
                "n_annotators": r.n_annotators,
                "ci_low": None if math.isnan(r.ci_low) else r.ci_low,
                "ci_high": None if math.isnan(r.ci_high) else r.ci_high,
            }
        )
    if undefined:
        warn_undefined(
            f"{column} is undefined (nan) for options of {coded.field!r} that every "
            f"annotator answered the same way: {undefined}"
        )
    schema = {
        "option": pl.String,
        column: pl.Float64,
        "n_items": pl.Int64,
        "n_annotators": pl.Int64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)
