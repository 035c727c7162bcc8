"""Quality analysis: consensus, model-vs-human confusion and error rates, annotators, gold."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from rater_widgets import stats

VERDICT = pl.Enum(["safe", "borderline", "violating"])


def frame(rows: list[tuple[object, ...]], **extra: pl.DataType) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {"id": pl.Int64(), "annotator": pl.String(), **extra}
    return pl.DataFrame(rows, schema=schema, orient="row")


def verdicts() -> pl.DataFrame:
    """Three annotators on five items; item 4 is a three-way split."""
    rows = [
        (1, "ann", "safe"), (1, "bob", "safe"), (1, "cat", "safe"),
        (2, "ann", "violating"), (2, "bob", "violating"), (2, "cat", "borderline"),
        (3, "ann", "borderline"), (3, "bob", "safe"), (3, "cat", "borderline"),
        (4, "ann", "safe"), (4, "bob", "borderline"), (4, "cat", "violating"),
        (5, "ann", "violating"), (5, "bob", None), (5, "cat", "violating"),
    ]  # fmt: skip
    return frame(rows, verdict=VERDICT)


# ------------------------------------------------------------------ consensus


def test_majority_consensus_support_and_ties() -> None:
    out = stats.consensus(verdicts(), "verdict")
    assert out.columns == ["id", "verdict", "support", "n"]
    assert out.schema["verdict"] == VERDICT
    assert out.rows() == [
        (1, "safe", 1.0, 3),
        (2, "violating", pytest.approx(2 / 3), 3),
        (3, "borderline", pytest.approx(2 / 3), 3),
        (4, None, pytest.approx(1 / 3), 3),  # no majority: a tie
        (5, "violating", 1.0, 2),  # the null answer is not a vote
    ]


def test_mean_and_median_consensus_for_scales() -> None:
    ann = frame(
        [(1, "a", 1), (1, "b", 2), (1, "c", 6), (2, "a", 4), (2, "b", 4)],
        confidence=pl.Int64(),
    )
    mean = stats.consensus(ann, "confidence", method="mean")
    assert mean.get_column("confidence").to_list() == [3.0, 4.0]
    assert mean.columns == ["id", "confidence", "std", "n"]
    median = stats.consensus(ann, "confidence", method="median")
    assert median.get_column("confidence").to_list() == [2.0, 4.0]
    with pytest.raises(TypeError, match="needs a numeric field"):
        stats.consensus(verdicts(), "verdict", method="mean")
    with pytest.raises(ValueError, match=r"unknown method='mode'.*'majority'"):
        stats.consensus(ann, "confidence", method="mode")  # type: ignore[arg-type]


def test_multi_choice_consensus_keeps_options_chosen_by_most() -> None:
    cats = pl.List(pl.Enum(["harassment", "sexual", "violence"]))
    ann = frame(
        [
            (1, "a", ["violence", "harassment"]),
            (1, "b", ["harassment"]),
            (1, "c", ["harassment", "violence"]),
            (2, "a", ["sexual"]),
            (2, "b", []),
            (2, "c", None),
        ],
        categories=cats,
    )
    out = stats.consensus(ann, "categories")
    assert out.schema["categories"] == cats
    assert out.get_column("categories").to_list() == [["harassment", "violence"], []]
    # support: share of annotators whose whole set equals the consensus
    assert out.get_column("support").to_list() == [pytest.approx(2 / 3), 0.5]
    assert out.get_column("n").to_list() == [3, 2]


# ------------------------------------------------------------------ model vs humans


def with_model(ann: pl.DataFrame) -> pl.DataFrame:
    model = {1: "safe", 2: "borderline", 3: "borderline", 4: "safe", 5: "safe"}
    return ann.with_columns(pl.col("id").replace_strict(model).alias("model"))


def test_confusion_counts_items_against_human_majority() -> None:
    out = stats.confusion(with_model(verdicts()), "verdict", suggestion="model")
    assert out.columns == ["model", "human", "n"]
    assert out.height == 9  # the full 3 x 3 grid, zeros included, in Enum order
    assert out.get_column("model").unique(maintain_order=True).to_list() == [
        "safe",
        "borderline",
        "violating",
    ]
    counts = {(m, h): n for m, h, n in out.rows() if n}
    # item 4 has no majority and is left out
    assert counts == {
        ("safe", "safe"): 1,
        ("borderline", "violating"): 1,
        ("borderline", "borderline"): 1,
        ("safe", "violating"): 1,
    }


def test_suggestion_from_a_source_frame_and_errors() -> None:
    source = pl.DataFrame({"id": [1, 2, 3, 4, 5], "llm_label": ["safe"] * 5})
    out = stats.confusion(verdicts(), "verdict", "llm_label", source=source)
    assert out.filter(pl.col("model") == "safe").get_column("n").sum() == 4
    with pytest.raises(KeyError, match=r"no column 'llm_label'"):
        stats.confusion(verdicts(), "verdict", "llm_label")
    varying = with_model(verdicts()).with_columns(
        pl.when(pl.col("annotator") == "ann").then(pl.lit("violating")).otherwise("model")
        .alias("model")
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"'model' should hold one value per item"):
        stats.confusion(varying, "verdict", "model")


def test_error_rates_by_slice_sorted_by_gap_with_wilson_ci() -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    rng = np.random.default_rng(1)
    items = 600
    lang = rng.choice(["en", "de", "sw"], items)
    truth = rng.choice(["safe", "violating"], items)
    error_p = np.select([lang == "sw", lang == "de"], [0.4, 0.15], 0.05)
    wrong = rng.random(items) < error_p
    model = np.where(wrong, np.where(truth == "safe", "violating", "safe"), truth)
    ann = pl.DataFrame(
        {"id": np.arange(items), "annotator": "ann", "verdict": truth, "model": model,
         "lang": lang}
    )  # fmt: skip
    out = stats.error_rates(ann, "verdict", "model", by="lang")
    assert out.columns == ["lang", "n", "errors", "error_rate", "ci_low", "ci_high", "gap"]
    assert out.get_column("lang").to_list() == ["sw", "de", "en"]
    overall = wrong.mean()
    for row in out.iter_rows(named=True):
        mask = lang == row["lang"]
        assert (row["n"], row["errors"]) == (int(mask.sum()), int(wrong[mask].sum()))
        assert row["gap"] == pytest.approx(row["error_rate"] - overall)
        low, high = proportion.proportion_confint(row["errors"], row["n"], method="wilson")
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    per_label = stats.error_rates(ann, "verdict", "model", by="verdict")
    assert set(per_label.get_column("verdict")) == {"safe", "violating"}
    assert per_label.get_column("n").sum() == items
    single = stats.error_rates(ann, "verdict", "model", ci=None)
    assert single.get_column("error_rate").item() == pytest.approx(overall)


# ------------------------------------------------------------------ annotators


def test_annotator_stats_leave_one_out_agreement_by_hand() -> None:
    ann = verdicts().with_columns(duration_ms=pl.col("id") * 1000 + 500)
    out = stats.annotator_stats(ann, "verdict")
    assert out.columns == [
        "annotator", "items", "median_duration", "n_compared", "agreement",
        "agreement_first", "agreement_last", "drift",
    ]  # fmt: skip
    rows = {r["annotator"]: r for r in out.iter_rows(named=True)}
    # ann: others agree on items 1 (safe: yes) ... item 2 bob/cat split, item 3 bob/cat
    # split, item 4 split, item 5 only cat (violating: yes) -> 2 compared, 2 agree
    assert (rows["ann"]["n_compared"], rows["ann"]["agreement"]) == (2, 1.0)
    # bob: 1 yes (safe/safe), 2 no (ann+cat split) ... 3: ann+cat say borderline, bob safe
    assert (rows["bob"]["n_compared"], rows["bob"]["agreement"]) == (2, 0.5)
    # cat: 1 yes, 2 ann+bob say violating, cat borderline (no), 3 split, 4 split, 5 yes
    assert (rows["cat"]["n_compared"], rows["cat"]["agreement"]) == (3, pytest.approx(2 / 3))
    assert rows["bob"]["items"] == 4
    assert rows["ann"]["items"] == 5
    assert rows["ann"]["median_duration"] == 3500.0
    assert rows["ann"]["drift"] is None  # no updated_at column: no time order


def test_annotator_drift_over_time() -> None:
    rng = np.random.default_rng(3)
    items, start = 400, datetime(2025, 1, 1)
    truth = rng.choice(["safe", "violating"], items)
    rows = []
    for who in ["steady", "tired", "ref1", "ref2"]:
        for i in range(items):
            answer = truth[i]
            if who == "tired" and i >= items // 2 and rng.random() < 0.5:
                answer = "safe" if answer == "violating" else "violating"
            rows.append((i, who, answer, start + timedelta(minutes=i)))
    ann = pl.DataFrame(rows, schema=["id", "annotator", "verdict", "updated_at"], orient="row")
    out = stats.annotator_stats(ann.sample(fraction=1.0, shuffle=True, seed=1), "verdict")
    rows_by = {r["annotator"]: r for r in out.iter_rows(named=True)}
    assert rows_by["steady"]["drift"] == pytest.approx(0.0)
    assert rows_by["tired"]["agreement_first"] == 1.0
    assert rows_by["tired"]["drift"] < -0.3
    assert rows_by["tired"]["median_duration"] is None
    with pytest.raises(KeyError, match=r"no column 'seconds'"):
        stats.annotator_stats(ann, "verdict", duration="seconds")


# ------------------------------------------------------------------ gold


def test_gold_accuracy_from_a_frame_with_wilson_ci() -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    gold = pl.DataFrame({"id": [1, 2, 3], "verdict": ["safe", "violating", "safe"]})
    out = stats.gold_accuracy(verdicts(), gold, "verdict")
    assert out.columns == ["annotator", "n_gold", "correct", "accuracy", "ci_low", "ci_high"]
    # ann: 1 ok, 2 ok, 3 borderline (no); bob: 1, 2, 3 all ok; cat: 1 ok, 2 no, 3 no
    assert out.select("annotator", "n_gold", "correct").rows() == [
        ("ann", 3, 2),
        ("bob", 3, 3),
        ("cat", 3, 1),
    ]
    low, high = proportion.proportion_confint(2, 3, method="wilson")
    assert out.row(0, named=True)["ci_low"] == pytest.approx(low)
    assert out.row(0, named=True)["ci_high"] == pytest.approx(high)


def test_gold_accuracy_from_a_column_and_other_shapes() -> None:
    ann = verdicts().with_columns(
        pl.when(pl.col("id") <= 2).then(pl.lit("safe")).alias("gold_verdict")
    )
    out = stats.gold_accuracy(ann, "gold_verdict", "verdict", ci=None)
    assert dict(out.select("annotator", "correct").rows()) == {"ann": 1, "bob": 1, "cat": 1}
    assert out.get_column("ci_low").null_count() == 3
    # a frame with a differently named single answer column, and pandas input
    gold = pl.DataFrame({"id": [1], "answer": ["safe"]}).to_pandas()
    assert stats.gold_accuracy(verdicts().to_pandas(), gold, "verdict")["accuracy"].to_list() == [
        1.0,
        1.0,
        1.0,
    ]
    with pytest.raises(KeyError, match=r"no column 'verdict'"):
        stats.gold_accuracy(verdicts(), pl.DataFrame({"id": [1], "x": [1], "y": [2]}), "verdict")
    with pytest.raises(ValueError, match="duplicate ids"):
        stats.gold_accuracy(verdicts(), pl.DataFrame({"id": [1, 1], "verdict": ["a", "b"]}),
                            "verdict")  # fmt: skip


def test_gold_accuracy_on_multi_choice_compares_sets() -> None:
    cats = pl.List(pl.String)
    ann = frame(
        [(1, "a", ["x", "y"]), (1, "b", ["y"]), (2, "a", []), (2, "b", [])], categories=cats
    )
    gold = pl.DataFrame({"id": [1, 2], "categories": [["y", "x"], []]})
    out = stats.gold_accuracy(ann, gold, "categories")
    assert dict(out.select("annotator", "correct").rows()) == {"a": 2, "b": 1}
    # Enum answers against plain-text gold compare by label
    as_enum = ann.with_columns(pl.col("categories").cast(pl.List(pl.Enum(["x", "y", "z"]))))
    out = stats.gold_accuracy(as_enum, gold, "categories")
    assert dict(out.select("annotator", "correct").rows()) == {"a": 2, "b": 1}


def test_leave_one_out_agreement_matches_brute_force() -> None:
    from collections import Counter

    rng = np.random.default_rng(12)
    who = ["a", "b", "c", "d", "e"]
    rows = []
    for item in range(300):
        truth = rng.integers(0, 3)
        for name in who[: rng.integers(1, 6)]:
            noisy = rng.random() < {"a": 0.1, "b": 0.3, "c": 0.5, "d": 0.3, "e": 0.7}[name]
            rows.append((item, name, int(rng.integers(0, 3) if noisy else truth)))
    ann = pl.DataFrame(rows, schema=["id", "annotator", "label"], orient="row")
    out = {r["annotator"]: r for r in stats.annotator_stats(ann, "label").iter_rows(named=True)}
    by_item: dict[int, dict[str, int]] = {}
    for item, name, label in rows:
        by_item.setdefault(item, {})[name] = label
    for name in who:
        outcomes = []
        for answers in by_item.values():
            if name not in answers:
                continue
            others = Counter(v for k, v in answers.items() if k != name)
            if not others:
                continue
            ranked = others.most_common()
            if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
                continue  # the others tie: no majority to compare with
            outcomes.append(answers[name] == ranked[0][0])
        assert out[name]["n_compared"] == len(outcomes), name
        assert out[name]["agreement"] == pytest.approx(sum(outcomes) / len(outcomes)), name
