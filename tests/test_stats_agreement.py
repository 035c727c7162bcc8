"""Agreement statistics: published worked examples, independent implementations, edges."""

from __future__ import annotations

import doctest
import importlib
import math
import pickle
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest

from rater_widgets import stats
from rater_widgets.stats import UndefinedStatisticWarning

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units, values 1-5, None = missing. Unit 12 has a single value.
KRIPP_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Fleiss (1971) as tabulated in Wikipedia's "Fleiss' kappa": 10 subjects, 14 raters,
# counts per category 1..5.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def long_frame(matrix: list[list[object]], field: str = "v") -> pl.DataFrame:
    """coders x units matrix -> long (id, annotator, field) frame, skipping None."""
    rows = [
        (u, f"coder{c}", value)
        for c, coder in enumerate(matrix)
        for u, value in enumerate(coder)
        if value is not None
    ]
    return pl.DataFrame(rows, schema=["id", "annotator", field], orient="row")


def fleiss_frame(table: list[list[int]]) -> pl.DataFrame:
    rows = []
    for item, counts in enumerate(table):
        values = [cat for cat, n in enumerate(counts) for _ in range(n)]
        rows += [(item, f"r{j}", f"cat{v}") for j, v in enumerate(values)]
    return pl.DataFrame(rows, schema=["id", "annotator", "v"], orient="row")


def two_rater_frame(table: list[list[int]], labels: list[object]) -> pl.DataFrame:
    rows, item = [], 0
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            for _ in range(n):
                rows += [(item, "A", labels[i]), (item, "B", labels[j])]
                item += 1
    return pl.DataFrame(rows, schema=["id", "annotator", "v"], orient="row")


# ------------------------------------------------------------------ published values


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_worked_example(level: str, expected: float) -> None:
    ann = long_frame(KRIPP_2011)
    assert round(stats.krippendorff_alpha(ann, "v", level=level), 3) == expected


def test_krippendorff_drops_units_with_a_single_value() -> None:
    ann = long_frame(KRIPP_2011)
    result = stats.krippendorff_alpha(ann, "v", ci=0.95, n_boot=200)
    assert result.n_items == 11  # unit 12 was coded once: not pairable
    assert result.n_annotators == 4
    without_unit_12 = ann.filter(pl.col("id") != 11)
    assert stats.krippendorff_alpha(without_unit_12, "v") == pytest.approx(float(result))


def test_fleiss_1971_wikipedia_example() -> None:
    assert round(stats.fleiss_kappa(fleiss_frame(FLEISS_TABLE), "v"), 3) == 0.210


def test_cohen_wikipedia_example() -> None:
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> kappa 0.4, agreement 0.7
    ann = two_rater_frame([[20, 5], [10, 15]], ["yes", "no"])
    assert stats.cohen_kappa(ann, "v") == pytest.approx(0.4)
    assert stats.percent_agreement(ann, "v") == pytest.approx(0.7)


def test_cohen_sas_example_simple_and_weighted() -> None:
    # SAS PROC FREQ AGREE printout (reproduced in statsmodels' tests): simple kappa
    # 0.4842, weighted kappa with Cicchetti-Allison (linear) weights 0.4701.
    enum = pl.Enum(["low", "mid", "high"])
    ann = two_rater_frame([[0, 4, 1], [0, 8, 0], [0, 1, 5]], ["low", "mid", "high"])
    ann = ann.with_columns(pl.col("v").cast(enum))
    assert round(stats.cohen_kappa(ann, "v"), 4) == 0.4842
    assert round(stats.cohen_kappa(ann, "v", weights="linear"), 4) == 0.4701


# ------------------------------------------------------------------ independent implementations


def random_reliability(seed: int, coders: int = 6, units: int = 80) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, units)
    data = np.where(rng.random((coders, units)) < 0.6, truth, rng.integers(1, 6, (coders, units)))
    data = data.astype(float)
    data[rng.random((coders, units)) < 0.3] = np.nan
    return data


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_krippendorff_matches_krippendorff_package(level: str, seed: int) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    data = random_reliability(seed)
    matrix = [[None if np.isnan(x) else int(x) for x in coder] for coder in data]
    ours = stats.krippendorff_alpha(long_frame(matrix), "v", level=level)
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_krippendorff_interval_on_continuous_values_matches_package() -> None:
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(7)
    data = rng.normal(size=(4, 50)) + rng.normal(size=50)
    data[rng.random((4, 50)) < 0.2] = np.nan
    matrix = [[None if np.isnan(x) else float(x) for x in coder] for coder in data]
    ours = stats.krippendorff_alpha(long_frame(matrix), "v", level="interval")
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    assert ours == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_matches_scikit_learn(weights: str | None) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(11)
    a = rng.integers(1, 6, 300)
    b = np.clip(a + rng.integers(-2, 3, 300), 1, 5)
    ann = long_frame([a.tolist(), b.tolist()])
    ours = stats.cohen_kappa(ann, "v", weights=weights)  # type: ignore[arg-type]
    assert ours == pytest.approx(metrics.cohen_kappa_score(a, b, weights=weights), abs=1e-12)


def test_weighted_cohen_follows_enum_order_not_alphabetical() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    order = ["none", "mild", "severe"]  # alphabetical order would be mild, none, severe
    rng = np.random.default_rng(3)
    a = rng.integers(0, 3, 200)
    b = np.clip(a + rng.integers(-1, 2, 200), 0, 2)
    ann = long_frame([[order[i] for i in a], [order[i] for i in b]])
    ann = ann.with_columns(pl.col("v").cast(pl.Enum(order)))
    expected = metrics.cohen_kappa_score(a, b, weights="quadratic")
    assert stats.cohen_kappa(ann, "v", weights="quadratic") == pytest.approx(expected)
    with pytest.raises(ValueError, match="String column"):
        stats.cohen_kappa(ann.with_columns(pl.col("v").cast(pl.String)), "v", "quadratic")


def test_fleiss_matches_statsmodels() -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = np.random.default_rng(5)
    raters, items = 7, 60
    truth = rng.integers(0, 4, items)
    noisy = rng.random((items, raters)) < 0.5
    labels = np.where(noisy, rng.integers(0, 4, (items, raters)), truth[:, None])
    table, _ = inter_rater.aggregate_raters(labels, n_cat=4)
    ann = long_frame(labels.T.tolist())
    assert stats.fleiss_kappa(ann, "v") == pytest.approx(inter_rater.fleiss_kappa(table))


def test_percent_agreement_matches_brute_force_pair_count() -> None:
    data = random_reliability(9, coders=4, units=40)
    matrix = [[None if np.isnan(x) else int(x) for x in coder] for coder in data]
    per_item = []
    for u in range(40):
        values = [row[u] for row in matrix if row[u] is not None]
        pairs = [(x, y) for i, x in enumerate(values) for j, y in enumerate(values) if i != j]
        if pairs:
            per_item.append(sum(x == y for x, y in pairs) / len(pairs))
    expected = sum(per_item) / len(per_item)
    assert stats.percent_agreement(long_frame(matrix), "v") == pytest.approx(expected)


def test_bootstrap_interval_matches_naive_item_resampling() -> None:
    # Our bootstrap draws pattern counts from a multinomial; a plain loop that resamples
    # item rows and recomputes Fleiss' kappa with statsmodels must give the same interval
    # up to Monte Carlo noise. (Resampling single ratings instead would be far narrower.)
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = np.random.default_rng(21)
    items, raters = 150, 5
    truth = rng.integers(0, 3, items)
    noisy = rng.random((items, raters)) < 0.45
    labels = np.where(noisy, rng.integers(0, 3, (items, raters)), truth[:, None])
    table, _ = inter_rater.aggregate_raters(labels, n_cat=3)
    replicates = [
        inter_rater.fleiss_kappa(table[rng.integers(0, items, items)]) for _ in range(2000)
    ]
    naive_low, naive_high = np.quantile(replicates, [0.025, 0.975])
    ours = stats.fleiss_kappa(long_frame(labels.T.tolist()), "v", ci=0.95, n_boot=2000)
    assert ours.ci_low == pytest.approx(naive_low, abs=0.015)
    assert ours.ci_high == pytest.approx(naive_high, abs=0.015)
    assert ours.ci_high - ours.ci_low > 0.1


# ------------------------------------------------------------------ the result object


def test_ci_result_behaves_as_a_float_and_is_seeded() -> None:
    ann = long_frame(KRIPP_2011)
    plain = stats.krippendorff_alpha(ann, "v")
    result = stats.krippendorff_alpha(ann, "v", ci=0.95, n_boot=500, seed=1)
    assert isinstance(plain, float)
    assert not isinstance(plain, stats.Estimate)
    assert float(result) == plain == result.estimate
    assert result.ci_low < result.estimate <= result.ci_high
    assert round(result, 3) == 0.743
    assert result > 0.7
    assert result + 1 == pytest.approx(1.743, 1e-3)
    assert "95% CI" in repr(result)
    assert "n_items=11" in repr(result)
    again = stats.krippendorff_alpha(ann, "v", ci=0.95, n_boot=500, seed=1)
    other = stats.krippendorff_alpha(ann, "v", ci=0.95, n_boot=500, seed=2)
    assert (again.ci_low, again.ci_high) == (result.ci_low, result.ci_high)
    assert (other.ci_low, other.ci_high) != (result.ci_low, result.ci_high)
    restored = pickle.loads(pickle.dumps(result))
    assert (restored.ci_low, restored.n_items, float(restored)) == (
        result.ci_low,
        11,
        float(result),
    )


def test_ci_narrows_with_more_items() -> None:
    rng = np.random.default_rng(2)

    def frame(items: int) -> pl.DataFrame:
        truth = rng.integers(0, 3, items)
        a = np.where(rng.random(items) < 0.7, truth, rng.integers(0, 3, items))
        b = np.where(rng.random(items) < 0.7, truth, rng.integers(0, 3, items))
        return long_frame([a.tolist(), b.tolist()])

    small = stats.cohen_kappa(frame(100), "v", ci=0.9, n_boot=400)
    large = stats.cohen_kappa(frame(3000), "v", ci=0.9, n_boot=400)
    assert large.ci_high - large.ci_low < (small.ci_high - small.ci_low) / 3
    assert small.level == 0.9
    assert "90% CI" in repr(small)


# ------------------------------------------------------------------ edge cases and errors


def test_one_annotator_is_a_clear_error() -> None:
    ann = pl.DataFrame({"id": [1, 2], "annotator": ["alice", "alice"], "v": ["x", "y"]})
    with pytest.raises(ValueError, match=r"two or more annotators.*'alice'"):
        stats.fleiss_kappa(ann, "v")
    with pytest.raises(ValueError, match="two or more annotators"):
        stats.krippendorff_alpha(ann, "v")
    with pytest.raises(ValueError, match=r"compares two annotators.*1: 'alice'"):
        stats.cohen_kappa(ann, "v")


def test_all_same_label_gives_nan_with_a_warning() -> None:
    ann = long_frame([["x"] * 5, ["x"] * 5, ["x"] * 5])
    for fn in (stats.fleiss_kappa, stats.krippendorff_alpha):
        with pytest.warns(UndefinedStatisticWarning, match="undefined"):
            assert math.isnan(fn(ann, "v"))
    two = ann.filter(pl.col("annotator") != "coder2")
    with pytest.warns(UndefinedStatisticWarning):
        assert math.isnan(stats.cohen_kappa(two, "v"))
    assert stats.percent_agreement(ann, "v") == 1.0  # defined: no chance correction


def test_nulls_and_nans_are_missing_ratings() -> None:
    ann = long_frame(KRIPP_2011)
    extra = pl.DataFrame(
        {"id": [0, 5, 11], "annotator": ["coder9"] * 3, "v": [None, None, None]},
        schema=ann.schema,
    )
    assert stats.krippendorff_alpha(pl.concat([ann, extra]), "v") == pytest.approx(0.7434, 1e-4)
    as_float = ann.with_columns(pl.col("v").cast(pl.Float64))
    nan_rows = extra.with_columns(pl.lit(float("nan")).alias("v"))
    both = pl.concat([as_float, nan_rows])
    assert stats.krippendorff_alpha(both, "v", level="interval") == pytest.approx(0.849, abs=5e-4)


def test_pandas_input_gives_the_same_numbers() -> None:
    ann = long_frame(KRIPP_2011)
    frame = ann.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert stats.krippendorff_alpha(frame, "v", level="ordinal") == pytest.approx(0.8154, 1e-4)
    assert stats.fleiss_kappa(fleiss_frame(FLEISS_TABLE).to_pandas(), "v") == pytest.approx(
        0.2099, abs=1e-4
    )


def test_enum_and_string_columns_agree_on_nominal_statistics() -> None:
    ann = fleiss_frame(FLEISS_TABLE)
    enum = ann.with_columns(pl.col("v").cast(pl.Enum([f"cat{i}" for i in range(6)])))
    for fn in (stats.fleiss_kappa, stats.krippendorff_alpha, stats.percent_agreement):
        assert fn(enum, "v") == pytest.approx(fn(ann, "v"))
    with pytest.raises(ValueError, match=r"level='ordinal' needs ordered answers"):
        stats.krippendorff_alpha(ann, "v", level="ordinal")
    assert stats.krippendorff_alpha(enum, "v", level="ordinal") > -1


def test_boolean_flag_field() -> None:
    ann = long_frame([[True, True, False, True], [True, False, False, True]])
    assert stats.cohen_kappa(ann, "v") == pytest.approx(0.5)


def test_cohen_with_more_than_two_annotators() -> None:
    ann = long_frame(KRIPP_2011)
    with pytest.raises(ValueError, match=r"exactly two annotators.*'coder0', 'coder1'"):
        stats.cohen_kappa(ann, "v")
    k = stats.cohen_kappa(ann, "v", annotators=("coder1", "coder3"))
    pair = ann.filter(pl.col("annotator").is_in(["coder1", "coder3"]))
    assert k == pytest.approx(stats.cohen_kappa(pair, "v"))
    with pytest.raises(ValueError, match=r"'zed' has no answers.*coder0"):
        stats.cohen_kappa(ann, "v", annotators=("coder1", "zed"))


def test_errors_name_columns_and_valid_values() -> None:
    ann = long_frame(KRIPP_2011)
    with pytest.raises(KeyError, match=r"no column 'verdict'.*available columns.*'v'"):
        stats.fleiss_kappa(ann, "verdict")
    with pytest.raises(ValueError, match=r"unknown level='nominl'.*'ordinal'"):
        stats.krippendorff_alpha(ann, "v", level="nominl")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match=r"unknown weights='squared'.*'quadratic'"):
        stats.cohen_kappa(ann, "v", weights="squared")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="ci must be"):
        stats.fleiss_kappa(ann, "v", ci=95)
    dup = pl.concat([ann, ann.head(1)])
    with pytest.raises(ValueError, match=r"duplicate \(id, annotator\).*coder0"):
        stats.fleiss_kappa(dup, "v")
    with pytest.raises(ValueError, match="non-negative"):
        stats.krippendorff_alpha(ann.with_columns(-pl.col("v")), "v", level="ratio")


# ------------------------------------------------------------------ multi-choice


def multi_choice_frame() -> pl.DataFrame:
    options = pl.Enum(["harassment", "self-harm", "sexual", "violence"])
    answers = {
        "alice": [["harassment"], ["violence", "harassment"], [], ["sexual"], None],
        "bob": [["harassment"], ["violence"], [], ["sexual", "violence"], ["sexual"]],
        "carol": [["harassment", "violence"], ["violence"], ["violence"], ["sexual"], []],
    }
    rows = [(i, who, a) for who, items in answers.items() for i, a in enumerate(items)]
    return pl.DataFrame(
        rows,
        schema={"id": pl.Int64, "annotator": pl.String, "categories": pl.List(options)},
        orient="row",
    )


def test_multi_choice_gives_per_option_frame() -> None:
    ann = multi_choice_frame()
    with pytest.warns(UndefinedStatisticWarning, match="self-harm"):
        table = stats.krippendorff_alpha(ann, "categories")
    assert isinstance(table, pl.DataFrame)
    assert table.get_column("option").to_list() == [
        "harassment",
        "self-harm",
        "sexual",
        "violence",
    ]
    assert table.columns == ["option", "alpha", "n_items", "n_annotators", "ci_low", "ci_high"]
    # Each option is the yes/no question "was it chosen?", null lists stay missing.
    violence = ann.select(
        "id", "annotator", pl.col("categories").list.contains("violence").alias("v")
    )
    row = table.filter(pl.col("option") == "violence").row(0, named=True)
    assert row["alpha"] == pytest.approx(stats.krippendorff_alpha(violence, "v"))
    assert row["n_items"] == 5
    assert math.isnan(table.filter(pl.col("option") == "self-harm").item(0, "alpha"))


def test_multi_choice_whole_sets_and_one_vs_rest() -> None:
    ann = multi_choice_frame()
    whole = stats.percent_agreement(ann, "categories", per_option=False)
    assert isinstance(whole, float)
    # items: 0 -> 1 of 3 pairs agree ({h},{h},{h,v}); 1 -> 1/3; 2 -> 1/3; 3 -> 1/3; 4 -> 0
    assert whole == pytest.approx((1 / 3 * 4 + 0) / 5)
    scalar = fleiss_frame(FLEISS_TABLE)
    per_cat = stats.fleiss_kappa(scalar, "v", per_option=True, ci=0.95, n_boot=100)
    assert per_cat.height == 5
    assert per_cat.get_column("ci_low").null_count() == 0
    cat0 = scalar.with_columns((pl.col("v") == "cat0").alias("v"))
    assert per_cat.item(0, "kappa") == pytest.approx(stats.fleiss_kappa(cat0, "v"))


def test_docstring_examples_run() -> None:
    for name in ("_common", "agreement", "preferences", "quality", "spans"):
        module = importlib.import_module(f"rater_widgets.stats.{name}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedStatisticWarning)
            result = doctest.testmod(module, extraglobs={"pl": pl}, verbose=False)
        assert result.failed == 0, name
        assert result.attempted > 0, name


def test_non_frames_and_too_many_distinct_values_are_clear_errors() -> None:
    with pytest.raises(TypeError, match="ann must be a dataframe"):
        stats.fleiss_kappa([1, 2], "v")
    rng = np.random.default_rng(0)
    items = 20_000
    ann = pl.DataFrame(
        {
            "id": np.repeat(np.arange(items), 2),
            "annotator": np.tile(["a", "b"], items),
            "score": rng.normal(size=2 * items).round(3),
        }
    )
    # interval alpha works from the values themselves, whatever their number
    assert abs(stats.krippendorff_alpha(ann, "score", level="interval")) < 0.05
    with pytest.raises(ValueError, match=r"'score' has \d+ distinct values.*bin or round"):
        stats.krippendorff_alpha(ann, "score", level="ordinal")
    with pytest.raises(ValueError, match=r"at most 200 categories"):
        stats.cohen_kappa(ann, "score", weights="linear")


def test_pandas_categorical_annotators_and_values() -> None:
    ann = long_frame(KRIPP_2011).with_columns(pl.col("v").cast(pl.String))
    frame = ann.to_pandas()
    # categories deliberately out of alphabetical order
    frame["annotator"] = pd.Categorical(
        frame["annotator"], categories=["coder3", "coder1", "coder0", "coder2"]
    )
    frame["v"] = frame["v"].astype("category")
    pair = ("coder1", "coder3")
    expected = stats.cohen_kappa(ann, "v", annotators=pair)
    assert stats.cohen_kappa(frame, "v", annotators=pair) == pytest.approx(expected)
    assert stats.krippendorff_alpha(frame, "v") == pytest.approx(0.7434, abs=1e-4)


@pytest.mark.parametrize("n_options", [5, 80])  # 80 > 62: keys fall back to joined text
def test_whole_set_agreement_matches_brute_force(n_options: int) -> None:
    rng = np.random.default_rng(n_options)
    options = [f"opt{i:02d}" for i in range(n_options)]
    rows = []
    for item in range(60):
        base = set(rng.choice(options, 2, replace=False).tolist())
        for who in ("a", "b", "c"):
            answer = set(base)
            if rng.random() < 0.4:
                answer.add(str(rng.choice(options)))
            # order and repeats in the stored list must not matter
            listed = list(answer) + list(answer)[:1]
            rng.shuffle(listed)
            rows.append((item, who, None if rng.random() < 0.1 else listed))
    ann = pl.DataFrame(
        rows,
        schema={"id": pl.Int64, "annotator": pl.String, "tags": pl.List(pl.String)},
        orient="row",
    )
    per_item = []
    for item in range(60):
        sets = [frozenset(r[2]) for r in rows if r[0] == item and r[2] is not None]
        pairs = [(x, y) for i, x in enumerate(sets) for j, y in enumerate(sets) if i != j]
        if pairs:
            per_item.append(sum(x == y for x, y in pairs) / len(pairs))
    expected = sum(per_item) / len(per_item)
    assert stats.percent_agreement(ann, "tags", per_option=False) == pytest.approx(expected)


def test_interval_alpha_from_raw_values_matches_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # Past MAX_CELLS distinct (item, value) cells, interval alpha is computed from the
    # values directly instead of a count table; force that path on small data.
    krippendorff = pytest.importorskip("krippendorff")
    from rater_widgets.stats import _alpha

    monkeypatch.setattr(_alpha, "MAX_CELLS", 10)
    rng = np.random.default_rng(17)
    data = rng.normal(size=(5, 120)) + rng.normal(size=120)
    data[rng.random((5, 120)) < 0.25] = np.nan
    matrix = [[None if np.isnan(x) else float(x) for x in coder] for coder in data]
    ours = stats.krippendorff_alpha(long_frame(matrix), "v", level="interval", ci=0.95)
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    assert float(ours) == pytest.approx(theirs, abs=1e-9)
    assert ours.ci_low < float(ours) < ours.ci_high
