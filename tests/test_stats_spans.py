"""Span agreement: exact and overlap F1 between annotators, per label."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from rater_widgets import stats

SPAN = pl.Struct({"start": pl.Int64, "end": pl.Int64, "label": pl.String, "text": pl.String})
TEXT = "Send me your address, 🙂 I know where you live. Call 555-0100 now."


def span(start: int, end: int, label: str, source: str = TEXT) -> dict[str, object]:
    return {"start": start, "end": end, "label": label, "text": source[start:end]}


def frame(rows: list[tuple[int, str, list[dict[str, object]] | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"id": pl.Int64, "annotator": pl.String, "evidence": pl.List(SPAN)},
        orient="row",
    )


def example() -> pl.DataFrame:
    threat = TEXT.index("I know where you live")
    phone = TEXT.index("555-0100")
    return frame(
        [
            (1, "ann", [span(threat, threat + 21, "threat"), span(phone, phone + 8, "pii")]),
            (1, "bob", [span(threat, threat + 21, "threat"), span(phone - 5, phone + 8, "pii")]),
            (2, "ann", []),
            (2, "bob", [span(0, 4, "threat")]),
            (3, "ann", [span(0, 4, "pii")]),  # bob did not annotate item 3
            (3, "bob", None),
        ]
    )


def pair_rows(out: pl.DataFrame) -> dict[object, dict[str, object]]:
    return {r["label"]: r for r in out.iter_rows(named=True)}


def test_exact_match_f1_per_label_and_pooled() -> None:
    out = stats.span_agreement(example(), "evidence", mode="exact")
    assert out.columns == [
        "annotator_a", "annotator_b", "label", "n_items", "n_a", "n_b",
        "precision", "recall", "f1",
    ]  # fmt: skip
    rows = pair_rows(out)
    assert set(rows) == {None, "threat", "pii"}
    assert rows["threat"]["n_items"] == 2  # items 1 and 2: both annotated
    # threat: ann 1 span, bob 2 (one matches exactly) -> P 1, R 1/2, F1 2/3
    assert (rows["threat"]["precision"], rows["threat"]["recall"]) == (1.0, 0.5)
    assert rows["threat"]["f1"] == pytest.approx(2 / 3)
    # pii: the ranges differ -> no exact match; item 3 is not shared and does not count
    assert (rows["pii"]["n_a"], rows["pii"]["n_b"], rows["pii"]["f1"]) == (1, 1, 0.0)
    pooled = rows[None]
    assert (pooled["n_a"], pooled["n_b"]) == (2, 3)
    assert pooled["f1"] == pytest.approx(2 * 1 / (2 + 3))


def test_overlap_mode_counts_overlapping_ranges_of_the_same_label() -> None:
    rows = pair_rows(stats.span_agreement(example(), "evidence", mode="overlap"))
    assert rows["pii"]["f1"] == 1.0
    assert rows["threat"]["f1"] == pytest.approx(2 / 3)
    assert rows[None]["precision"] == 1.0
    assert rows[None]["recall"] == pytest.approx(2 / 3)


def test_touching_spans_do_not_overlap_and_labels_must_match() -> None:
    ann = frame(
        [
            (1, "a", [span(0, 5, "pii"), span(10, 20, "threat")]),
            (1, "b", [span(5, 9, "pii"), span(12, 15, "pii")]),
        ]
    )
    rows = pair_rows(stats.span_agreement(ann, "evidence", mode="overlap"))
    assert rows["pii"]["f1"] == 0.0
    assert rows["threat"]["f1"] == 0.0
    assert rows["threat"]["recall"] is None


def test_matches_a_brute_force_implementation_on_random_spans() -> None:
    rng = np.random.default_rng(0)
    annotators, labels = ["a", "b", "c"], ["x", "y"]
    data: dict[tuple[int, str], list[tuple[int, int, str]] | None] = {}
    for item, who in itertools.product(range(40), annotators):
        if rng.random() < 0.15:
            data[item, who] = None
            continue
        spans_ = []
        for _ in range(rng.integers(0, 4)):
            start = int(rng.integers(0, 50))
            spans_.append((start, start + int(rng.integers(1, 12)), str(rng.choice(labels))))
        data[item, who] = sorted(set(spans_))
    ann = frame(
        [
            (item, who, None if s is None else [span(a, b, lab, "z" * 80) for a, b, lab in s])
            for (item, who), s in data.items()
        ]
    )
    for mode in ("exact", "overlap"):
        out = stats.span_agreement(ann, "evidence", mode=mode)  # type: ignore[arg-type]
        for a, b in itertools.combinations(annotators, 2):
            for label in [*labels, None]:
                got = out.filter(
                    (pl.col("annotator_a") == a)
                    & (pl.col("annotator_b") == b)
                    & (pl.col("label").eq_missing(label))
                )
                expected = brute_force_f1(data, a, b, label, mode)
                if expected is None:
                    assert got.height == 0 or got.item(0, "f1") is None
                else:
                    assert got.item(0, "f1") == pytest.approx(expected), (mode, a, b, label)


def brute_force_f1(
    data: dict[tuple[int, str], list[tuple[int, int, str]] | None],
    a: str,
    b: str,
    label: str | None,
    mode: str,
) -> float | None:
    def hit(s: tuple[int, int, str], t: tuple[int, int, str]) -> bool:
        if s[2] != t[2]:
            return False
        if mode == "exact":
            return s[:2] == t[:2]
        return s[0] < t[1] and t[0] < s[1]

    n_a = n_b = matched_a = matched_b = 0
    for item in {i for i, _ in data}:
        sa, sb = data.get((item, a)), data.get((item, b))
        if sa is None or sb is None:
            continue
        sa = [s for s in sa if label is None or s[2] == label]
        sb = [s for s in sb if label is None or s[2] == label]
        n_a, n_b = n_a + len(sa), n_b + len(sb)
        matched_a += sum(any(hit(s, t) for t in sb) for s in sa)
        matched_b += sum(any(hit(t, s) for s in sa) for t in sb)
    if n_a == 0 and n_b == 0:
        return None
    if n_a == 0 or n_b == 0:
        return 0.0
    p, r = matched_a / n_a, matched_b / n_b
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def test_errors_name_the_problem() -> None:
    with pytest.raises(KeyError, match=r"no column 'spans'.*'evidence'"):
        stats.span_agreement(example(), "spans")
    plain = pl.DataFrame({"id": [1], "annotator": ["a"], "evidence": ["text"]})
    with pytest.raises(TypeError, match=r"List\(Struct\{start, end, label, text\}\)"):
        stats.span_agreement(plain, "evidence")
    with pytest.raises(ValueError, match=r"unknown mode='fuzzy'"):
        stats.span_agreement(example(), "evidence", mode="fuzzy")  # type: ignore[arg-type]
    dup = pl.concat([example(), example().head(1)])
    with pytest.raises(ValueError, match=r"repeat an \(id, annotator\) pair"):
        stats.span_agreement(dup, "evidence")


def test_single_annotator_gives_an_empty_frame() -> None:
    out = stats.span_agreement(example().filter(pl.col("annotator") == "ann"), "evidence")
    assert out.height == 0
    assert "f1" in out.columns
