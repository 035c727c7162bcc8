"""The numbers behind a report: small, aggregated Polars frames (never one row per
annotation), computed with :mod:`rater_widgets.stats`.

Every function returns a frame (or None when the analysis does not apply) and appends
to ``notes`` a sentence saying why something was left out, so a report over odd data
still renders and says what it could not compute.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from rater_widgets import stats
from rater_widgets._report_load import LabelField, ReportInput
from rater_widgets.adjudicate import disagreements

__all__ = [
    "agreement",
    "annotator_table",
    "bradley_terry",
    "confusion",
    "disagreement_tables",
    "durations",
    "gold_accuracy",
    "pairwise_kappa",
    "progress",
    "win_rates",
]

Notes = list[str]

#: Most annotators drawn as their own line in the progress chart; the rest are "others".
MAX_LINES = 7
#: Progress buckets: the first width that keeps a line under ~150 points.
_BUCKETS = [("1s", 1), ("10s", 10), ("1m", 60), ("10m", 600), ("1h", 3600), ("6h", 21600),
            ("1d", 86400), ("1w", 604800), ("1mo", 2629800)]  # fmt: skip
_MAX_BUCKETS = 150
#: Up to this many first answers, progress is drawn answer by answer (no buckets).
EXACT_PROGRESS = 1500
#: Pairwise Cohen's kappa needs this many shared items per pair, and stops at this many
#: annotators (k(k-1)/2 pairs).
MIN_SHARED = 5
MAX_KAPPA_ANNOTATORS = 30
_LEVEL = {"nominal": "nominal", "ordinal": "ordinal", "interval": "interval", "multi": "nominal"}


def _quiet(fn: Callable[[], Any], notes: Notes, what: str) -> Any:
    """Run a statistic; an undefined result or a refusal becomes a note, not a crash."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", stats.UndefinedStatisticWarning)
        try:
            result = fn()
        except (ValueError, TypeError, KeyError) as e:
            notes.append(f"{what}: not computed ({e})")
            return None
    for w in caught:
        if issubclass(w.category, stats.UndefinedStatisticWarning):
            notes.append(f"{what}: {w.message}")
        else:  # not ours to swallow
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


# ------------------------------------------------------------------ agreement


def agreement(inp: ReportInput, notes: Notes, *, ci: float, n_boot: int) -> pl.DataFrame | None:
    """Per field: Krippendorff's alpha, Fleiss' kappa and (two annotators) Cohen's kappa,
    with bootstrap CIs. Multi-choice fields get one row per option."""
    ann = inp.annotations
    rows: list[dict[str, Any]] = []
    for f in inp.fields:
        answered = ann.filter(pl.col(f.name).is_not_null())
        raters = answered.get_column("annotator").n_unique()
        if raters < 2:
            notes.append(f"agreement on {f.name!r}: only {raters} annotator answered it")
            continue
        alpha_level = _LEVEL[f.level]
        boot = {"ci": ci, "n_boot": n_boot}
        plan: list[tuple[str, Callable[[], Any]]] = [
            (f"Krippendorff's α ({alpha_level})",
             functools.partial(stats.krippendorff_alpha, ann, f.name, alpha_level, **boot)),
        ]  # fmt: skip
        if f.level in ("nominal", "multi", "ordinal"):
            plan.append(("Fleiss' κ", functools.partial(stats.fleiss_kappa, ann, f.name, **boot)))
        if raters == 2 and f.level != "interval":
            weights = "quadratic" if f.level == "ordinal" else None
            label = "Cohen's κ" + (" (quadratic)" if weights else "")
            plan.append((label, functools.partial(stats.cohen_kappa, ann, f.name, weights, **boot)))
        for statistic, fn in plan:
            result = _quiet(fn, notes, f"{statistic} on {f.name!r}")
            rows.extend(_agreement_rows(f, statistic, result))
    if not rows:
        return None
    return pl.DataFrame(rows, schema=_AGREEMENT_SCHEMA)


_AGREEMENT_SCHEMA = {
    "field": pl.String, "statistic": pl.String, "estimate": pl.Float64, "ci_low": pl.Float64,
    "ci_high": pl.Float64, "n_items": pl.Int64, "n_annotators": pl.Int64,
}  # fmt: skip


def _agreement_rows(f: LabelField, statistic: str, result: Any) -> list[dict[str, Any]]:
    if result is None:
        return []
    if isinstance(result, pl.DataFrame):  # per option of a multi-choice field
        value = next(c for c in ("alpha", "kappa", "agreement") if c in result.columns)
        return [
            {"field": f"{f.name}: {r['option']}", "statistic": statistic,
             "estimate": _finite(r[value]), "ci_low": r["ci_low"], "ci_high": r["ci_high"],
             "n_items": r["n_items"], "n_annotators": r["n_annotators"]}
            for r in result.iter_rows(named=True)
        ]  # fmt: skip
    return [
        {"field": f.name, "statistic": statistic, "estimate": _finite(float(result)),
         "ci_low": _finite(result.ci_low), "ci_high": _finite(result.ci_high),
         "n_items": result.n_items, "n_annotators": result.n_annotators}
    ]  # fmt: skip


def _finite(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def pairwise_kappa(inp: ReportInput, notes: Notes) -> pl.DataFrame | None:
    """Cohen's kappa for every pair of annotators sharing enough items (primary field)."""
    f = inp.primary
    if f is None or f.level == "multi":
        return None
    ann = inp.annotations.filter(pl.col(f.name).is_not_null()).select("id", "annotator", f.name)
    who = ann.group_by("annotator").len().sort("len", descending=True)
    if who.height < 3:
        return None  # two annotators: Cohen's kappa is already in the agreement chart
    if who.height > MAX_KAPPA_ANNOTATORS:
        notes.append(
            f"pairwise Cohen's κ: the {MAX_KAPPA_ANNOTATORS} busiest of {who.height} "
            "annotators only"
        )
        ann = ann.filter(pl.col("annotator").is_in(who.head(MAX_KAPPA_ANNOTATORS)["annotator"]))
    pairs = (
        ann.select("id", "annotator")
        .join(ann.select("id", pl.col("annotator").alias("other")), on="id")
        .filter(pl.col("annotator") < pl.col("other"))
        .group_by("annotator", "other")
        .agg(pl.len().cast(pl.Int64).alias("shared"))
        .filter(pl.col("shared") >= MIN_SHARED)
        .sort("annotator", "other")
    )
    if pairs.height == 0:
        notes.append(f"pairwise Cohen's κ: no two annotators share {MIN_SHARED} items")
        return None
    parts = ann.partition_by("annotator", as_dict=True)
    weights = "quadratic" if f.level == "ordinal" else None
    kappas = []
    for a, b in pairs.select("annotator", "other").iter_rows():
        both = pl.concat([parts[(a,)], parts[(b,)]])
        k = _quiet(functools.partial(stats.cohen_kappa, both, f.name, weights), [], "")
        kappas.append(_finite(float(k)) if k is not None else None)
    out = pairs.with_columns(pl.Series("kappa", kappas, dtype=pl.Float64))
    # both halves of the matrix, so the heatmap reads from either side
    mirror = out.select(
        pl.col("other").alias("annotator"), pl.col("annotator").alias("other"), "shared", "kappa"
    )
    return pl.concat([out, mirror]).sort("annotator", "other")


# ------------------------------------------------------------------ disagreements


def _decision_names(inp: ReportInput) -> list[str]:
    return [f.name for f in inp.fields if f.level != "interval"]


def disagreement_tables(
    inp: ReportInput, limit: int
) -> tuple[pl.DataFrame, pl.DataFrame | None] | None:
    """Per field: items seen by two or more annotators and how many of them disagree;
    and the first ``limit`` disagreeing items (id, the fields that differ, the labels
    given: labels only, free-text fields are never compared here)."""
    names = _decision_names(inp)
    if not names:
        return None
    ann = inp.annotations
    overlap = ann.group_by("id").agg(pl.col("annotator").n_unique().alias("k"))
    n_overlap = overlap.filter(pl.col("k") >= 2).height
    if n_overlap == 0:
        return None
    found = disagreements(ann, names)
    counts = (
        found.select(pl.col("fields").explode().alias("field")).group_by("field").len()
        if found.height
        else pl.DataFrame(schema={"field": pl.String, "len": pl.UInt32})
    )
    table = (
        pl.DataFrame({"field": names})
        .join(counts, on="field", how="left")
        .select(
            "field",
            pl.lit(n_overlap, dtype=pl.Int64).alias("items_compared"),
            pl.col("len").fill_null(0).cast(pl.Int64).alias("items_disagreeing"),
        )
        .with_columns((pl.col("items_disagreeing") / pl.col("items_compared")).alias("rate"))
    )
    if found.height == 0:
        return table, None
    items = found.head(limit).select(
        pl.col("id").cast(pl.String),
        "n_annotators",
        pl.col("fields").list.join(", "),
        *[pl.col(n).list.eval(pl.element().fill_null("–")).list.join(" | ") for n in names],
    )
    return table, items


# ------------------------------------------------------------------ model vs human, gold


def confusion(inp: ReportInput, notes: Notes) -> dict[str, pl.DataFrame]:
    """Model label (``suggestion``) against the human majority, per field that has one."""
    out: dict[str, pl.DataFrame] = {}
    for f in inp.fields:
        column = inp.suggestions.get(f.name)
        if column is None:
            continue
        if f.level == "multi":
            notes.append(f"confusion on {f.name!r}: a multi-choice field has no single label")
            continue
        table = _quiet(
            functools.partial(stats.confusion, inp.annotations, f.name, column),
            notes,
            f"confusion of model and humans on {f.name!r}",
        )
        if table is not None and table.get_column("n").sum() > 0:
            out[f.name] = table.with_columns(
                (pl.col("n") / pl.col("n").sum().over("human")).fill_nan(0.0).alias("share")
            )
    return out


def gold_accuracy(inp: ReportInput, notes: Notes, *, ci: float) -> pl.DataFrame | None:
    f = inp.primary
    if inp.gold is None or f is None:
        return None
    table = _quiet(
        lambda: stats.gold_accuracy(inp.annotations, inp.gold, f.name, ci=ci),
        notes, f"gold accuracy on {f.name!r}",
    )  # fmt: skip
    if table is None or table.height == 0:
        notes.append("gold accuracy: no annotator answered a gold item")
        return None
    return table  # type: ignore[no-any-return]


# ------------------------------------------------------------------ annotators, time


def annotator_table(inp: ReportInput, notes: Notes, gold: pl.DataFrame | None) -> pl.DataFrame:
    """Per annotator: answers, median seconds per item, agreement with the others'
    majority on the primary field, its drift, and gold accuracy when there is gold."""
    ann = inp.annotations
    f = inp.primary
    table: pl.DataFrame | None = None
    if f is not None:
        table = _quiet(
            lambda: stats.annotator_stats(
                ann, f.name, "duration_ms" if "duration_ms" in ann.columns else None,
                "updated_at" if "updated_at" in ann.columns else None),
            notes, f"annotator statistics on {f.name!r}",
        )  # fmt: skip
    if table is None:
        table = ann.group_by("annotator").agg(pl.len().cast(pl.Int64).alias("items"))
    else:
        table = table.with_columns((pl.col("median_duration") / 1000).alias("median_s")).drop(
            "median_duration"
        )
    if gold is not None:
        table = table.join(
            gold.select("annotator", "n_gold", pl.col("accuracy").alias("gold_accuracy")),
            on="annotator",
            how="left",
        )
    return table.sort("annotator")


def durations(inp: ReportInput, notes: Notes) -> pl.DataFrame | None:
    """Per annotator: quantiles of seconds per item (a box plot's numbers, not the rows)."""
    ann = inp.annotations
    if "duration_ms" not in ann.columns:
        return None
    secs = ann.select("annotator", (pl.col("duration_ms") / 1000).alias("s")).filter(
        pl.col("s") > 0
    )
    if secs.height == 0:
        notes.append("time per item: no durations recorded (answers submitted from code)")
        return None
    s = pl.col("s")
    return (
        secs.group_by("annotator")
        .agg(
            pl.len().cast(pl.Int64).alias("n"),
            s.quantile(0.05).alias("p05"),
            s.quantile(0.25).alias("q1"),
            s.median().alias("median"),
            s.quantile(0.75).alias("q3"),
            s.quantile(0.95).alias("p95"),
        )
        .sort("annotator")
    )


def progress(inp: ReportInput) -> tuple[pl.DataFrame, str] | None:
    """Cumulative items answered per annotator over time: every answer when there are
    few, else counts per time bucket (at most ~150 per line). The busiest annotators get
    their own line, the rest are summed; returns the frame and how time was bucketed."""
    first = inp.first_answers
    if first is None or first.height == 0:
        return None
    first = first.drop_nulls("at")
    busiest = first.group_by("annotator").len().sort("len", "annotator", descending=[True, False])
    shown = busiest.head(MAX_LINES).get_column("annotator")
    others = busiest.height - shown.len()
    line = (
        pl.when(pl.col("annotator").is_in(shown.implode()))
        .then(pl.col("annotator"))
        .otherwise(pl.lit(f"others ({others})"))
    )
    when = pl.col("at")
    label = "exact times"
    if first.height > EXACT_PROGRESS:
        t0, t1 = first.get_column("at").min(), first.get_column("at").max()
        delta = t1 - t0 if isinstance(t0, datetime) and isinstance(t1, datetime) else None
        span = delta.total_seconds() if isinstance(delta, timedelta) else 0.0
        every = next((e for e, secs in _BUCKETS if span / secs <= _MAX_BUCKETS), "1mo")
        when = when.dt.truncate(every)
        label = f"{every} buckets"
    counts = (
        first.select(line.alias("annotator"), when.alias("at"))
        .group_by("annotator", "at")
        .agg(pl.len().cast(pl.Int64).alias("n"))
        .sort("annotator", "at")
        .with_columns(pl.col("n").cum_sum().over("annotator").alias("done"))
    )
    return counts, label


# ------------------------------------------------------------------ preferences


def _by(comparisons: pl.DataFrame) -> str | None:
    if "criterion" in comparisons.columns and comparisons.get_column("criterion").n_unique() > 1:
        return "criterion"
    return None


def win_rates(inp: ReportInput, notes: Notes, *, ci: float) -> pl.DataFrame | None:
    pairs = inp.comparisons
    if pairs is None or "model_a" not in pairs.columns:
        return None
    return _quiet(  # type: ignore[no-any-return]
        lambda: stats.win_rates(pairs, ci=ci, by=_by(pairs)), notes, "win rates"
    )


def bradley_terry(inp: ReportInput, notes: Notes, *, ci: float, n_boot: int) -> pl.DataFrame | None:
    """Strengths with CIs; a disconnected comparison graph is retried with a mild prior."""
    pairs = inp.comparisons
    if pairs is None or "model_a" not in pairs.columns:
        return None
    by = _by(pairs)
    inner: Notes = []
    table = _quiet(
        lambda: stats.bradley_terry(pairs, ci=ci, n_boot=n_boot, by=by), inner, "Bradley–Terry"
    )
    if table is None:
        table = _quiet(
            lambda: stats.bradley_terry(pairs, ci=ci, n_boot=n_boot, by=by, prior=0.5),
            notes, "Bradley–Terry",
        )  # fmt: skip
        if table is not None:
            notes.append(
                "Bradley–Terry: fitted with prior=0.5 (half a virtual tie per compared pair) "
                "because some model won or lost every comparison"
            )
    else:
        notes.extend(inner)
    return table  # type: ignore[no-any-return]


def position_bias(inp: ReportInput, notes: Notes, *, ci: float) -> pl.DataFrame | None:
    pairs = inp.comparisons
    if pairs is None or "shown_left" not in pairs.columns:
        return None
    return _quiet(  # type: ignore[no-any-return]
        lambda: stats.position_bias(pairs, ci=ci, by="annotator"), notes, "position bias"
    )
