"""Time every rater_widgets.stats function on a large synthetic study.

Default: 200,000 items x 5 annotators = 1,000,000 annotations (a Choice, a Scale, a
MultiChoice, a continuous Number, timings, a model suggestion, a slice column), spans on
50,000 items x 3 annotators, and 1,000,000 pairwise comparisons among 20 models.
Prints the median wall time of ``--repeats`` runs per statistic.

    python benchmarks/bench_stats.py [--items 200000] [--annotators 5] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rater_widgets import stats

VERDICTS = ["safe", "borderline", "violating"]
CATEGORIES = ["harassment", "self-harm", "sexual", "violence"]


def annotations(items: int, annotators: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = items * annotators
    truth = rng.integers(0, 3, items)
    noisy = rng.random(n) < 0.25
    verdict = np.where(noisy, rng.integers(0, 3, n), np.repeat(truth, annotators))
    chosen = rng.random((n, len(CATEGORIES))) < 0.3
    offsets = np.concatenate([[0], np.cumsum(chosen.sum(axis=1))])
    flat = np.nonzero(chosen)[1]
    categories = pl.Series(
        "categories", np.array(CATEGORIES)[flat], dtype=pl.Enum(CATEGORIES)
    ).to_frame()
    cat_col = (
        categories.with_columns(row=np.repeat(np.arange(n), np.diff(offsets)))
        .group_by("row")
        .agg(pl.col("categories"))
    )
    base = datetime(2025, 1, 1).timestamp()
    model = np.where(rng.random(items) < 0.2, rng.integers(0, 3, items), truth)
    df = pl.DataFrame(
        {
            "row": np.arange(n),
            "id": np.repeat(np.arange(items), annotators),
            "annotator": np.tile(np.array([f"rater{i}" for i in range(annotators)]), items),
            "verdict": pl.Series(np.array(VERDICTS)[verdict]).cast(pl.Enum(VERDICTS)),
            "confidence": np.clip(verdict + rng.integers(1, 4, n), 1, 5),
            "score": rng.normal(size=n) + np.repeat(rng.normal(size=items), annotators),
            "duration_ms": rng.lognormal(9, 0.6, n).astype(np.int64),
            "updated_at": pl.Series(base + rng.random(n) * 86400 * 30).cast(pl.Datetime("ms")),
            "model_label": np.repeat(np.array(VERDICTS)[model], annotators),
            "lang": np.repeat(rng.choice(["en", "de", "fr", "sw", "hi"], items), annotators),
        }
    )
    empty = pl.lit([], dtype=pl.List(pl.Enum(CATEGORIES)))
    return (
        df.join(cat_col, on="row", how="left")
        .with_columns(pl.col("categories").fill_null(empty))
        .drop("row")
    )


def span_annotations(items: int, annotators: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = items * annotators
    per_row = rng.integers(0, 4, rows)
    total = int(per_row.sum())
    start = rng.integers(0, 500, total)
    spans = pl.DataFrame(
        {
            "row": np.repeat(np.arange(rows), per_row),
            "start": start,
            "end": start + rng.integers(1, 40, total),
            "label": rng.choice(["threat", "slur", "pii", "self-harm"], total),
            "text": "x",
        }
    )
    nested = spans.group_by("row").agg(pl.struct("start", "end", "label", "text").alias("spans"))
    base = pl.DataFrame(
        {
            "row": np.arange(rows),
            "id": np.repeat(np.arange(items), annotators),
            "annotator": np.tile(np.array([f"rater{i}" for i in range(annotators)]), items),
        }
    )
    return base.join(nested, on="row", how="left").drop("row")


def comparisons(n: int, models: int, seed: int = 2) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, models)
    i = rng.integers(0, models, n)
    j = (i + rng.integers(1, models, n)) % models
    p = 1 / (1 + np.exp(-(theta[i] - theta[j])))
    u = rng.random(n)
    winner = np.where(u < 0.1, "tie", np.where(rng.random(n) < p, "a", "b"))
    names = np.array([f"model-{k:02d}" for k in range(models)])
    left = np.where(rng.random(n) < 0.5, "a", "b")
    return pl.DataFrame(
        {"model_a": names[i], "model_b": names[j], "winner": winner, "shown_left": left}
    )


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def summary(result: Any) -> str:
    if isinstance(result, pl.DataFrame):
        return f"frame {result.height} x {result.width}"
    return repr(result) if isinstance(result, stats.Estimate) else f"{float(result):.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--annotators", type=int, default=5)
    parser.add_argument("--span-items", type=int, default=50_000)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", stats.UndefinedStatisticWarning)

    start = time.perf_counter()
    ann = annotations(args.items, args.annotators)
    spans = span_annotations(args.span_items, 3)
    pairs = comparisons(args.pairs, args.models)
    pair_ann = ann.filter(pl.col("annotator").is_in(["rater0", "rater1"]))
    print(
        f"data: {ann.height:,} annotations ({args.items:,} items x {args.annotators}), "
        f"{spans.height:,} span answers, {pairs.height:,} comparisons among {args.models} "
        f"models; generated in {time.perf_counter() - start:.1f}s\n"
    )
    gold = (
        ann.filter(pl.col("id") % 20 == 0)
        .group_by("id")
        .agg(pl.col("model_label").first().alias("verdict"))
    )
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("percent_agreement(verdict)", lambda: stats.percent_agreement(ann, "verdict")),
        ("cohen_kappa(verdict, 2 annotators)", lambda: stats.cohen_kappa(pair_ann, "verdict")),
        ("cohen_kappa(quadratic, ci=0.95)", lambda: stats.cohen_kappa(
            pair_ann, "verdict", "quadratic", ci=0.95)),
        ("fleiss_kappa(verdict)", lambda: stats.fleiss_kappa(ann, "verdict")),
        ("fleiss_kappa(verdict, ci=0.95)", lambda: stats.fleiss_kappa(ann, "verdict", ci=0.95)),
        ("krippendorff_alpha(nominal)", lambda: stats.krippendorff_alpha(ann, "verdict")),
        ("krippendorff_alpha(nominal, ci=0.95)", lambda: stats.krippendorff_alpha(
            ann, "verdict", ci=0.95)),
        ("krippendorff_alpha(ordinal, ci=0.95)", lambda: stats.krippendorff_alpha(
            ann, "confidence", "ordinal", ci=0.95)),
        ("krippendorff_alpha(interval, continuous)", lambda: stats.krippendorff_alpha(
            ann, "score", "interval")),
        ("krippendorff_alpha(interval, cont., ci)", lambda: stats.krippendorff_alpha(
            ann, "score", "interval", ci=0.95)),
        ("krippendorff_alpha(multi-choice, 4 options)", lambda: stats.krippendorff_alpha(
            ann, "categories")),
        ("consensus(verdict)", lambda: stats.consensus(ann, "verdict")),
        ("confusion(verdict, model_label)", lambda: stats.confusion(
            ann, "verdict", "model_label")),
        ("error_rates(by=lang)", lambda: stats.error_rates(
            ann, "verdict", "model_label", by="lang")),
        ("annotator_stats(verdict)", lambda: stats.annotator_stats(ann, "verdict")),
        ("gold_accuracy(5% gold)", lambda: stats.gold_accuracy(ann, gold, "verdict")),
        ("span_agreement(overlap)", lambda: stats.span_agreement(spans, "spans", "overlap")),
        ("win_rates(1M pairs)", lambda: stats.win_rates(pairs)),
        ("bradley_terry(1M pairs, ci=None)", lambda: stats.bradley_terry(pairs, ci=None)),
        ("bradley_terry(1M pairs, 1000 boot)", lambda: stats.bradley_terry(pairs)),
        ("position_bias(1M pairs)", lambda: stats.position_bias(pairs)),
    ]  # fmt: skip
    print(f"{'statistic':46s} {'median s':>9s}  result")
    print("-" * 100)
    for name, fn in cases:
        seconds, result = timed(fn, args.repeats)
        print(f"{name:46s} {seconds:9.3f}  {summary(result)[:60]}")


if __name__ == "__main__":
    main()
