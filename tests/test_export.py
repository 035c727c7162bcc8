"""rw.export: long-form comparisons, rankings to pairs, and DPO preference pairs that a
training script can read (JSONL lines that parse, Parquet that round-trips)."""

import json

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import rater_widgets as rw


@pytest.fixture
def df():
    n = 8
    return pl.DataFrame(
        {
            "id": list(range(n)),
            "prompt": [f"question {i}" for i in range(n)],
            "response_a": [f"A-{i}" for i in range(n)],
            "response_b": [f"B-{i}" for i in range(n)],
            "model_a": ["cobalt"] * n,
            "model_b": ["ember"] * n,
        }
    )


@pytest.fixture
def w(df, tmp_path):
    return rw.PairwiseRater(df, models=("model_a", "model_b"), store=str(tmp_path / "s.sqlite"),
                            annotator="ana")  # fmt: skip


def by_side(w, df):
    """An item shown with a on the left and one with b on the left."""
    sides = {}
    for i in df["id"]:
        sides.setdefault(w.shown_left(i), i)
    return sides["a"], sides["b"]


def test_dpo_pairs_are_right_for_both_placements(w, df):
    left_a, left_b = by_side(w, df)
    # the rater pressed 1 (left much better) on both: a won on one, b on the other
    w.submit({"left_preference": {"overall": 3}}, item=left_a)
    w.submit({"left_preference": {"overall": 3}}, item=left_b)
    pairs = rw.export.preference_pairs(w).sort("id")
    got = {r["id"]: r for r in pairs.iter_rows(named=True)}
    assert (got[left_a]["chosen"], got[left_a]["rejected"]) == (f"A-{left_a}", f"B-{left_a}")
    assert (got[left_b]["chosen"], got[left_b]["rejected"]) == (f"B-{left_b}", f"A-{left_b}")
    assert got[left_b]["prompt"] == f"question {left_b}"
    assert (got[left_b]["chosen_model"], got[left_b]["rejected_model"]) == ("ember", "cobalt")
    assert got[left_a]["margin"] == 3
    assert pairs.columns == ["prompt", "chosen", "rejected", "margin", "annotator", "id",
                             "criterion", "winner", "chosen_model", "rejected_model"]  # fmt: skip


def test_ties_and_both_bad_are_dropped_unless_asked(w, df):
    w.submit({"preference": 2}, item=0)
    w.submit({"winner": "tie"}, item=1)
    w.submit({"winner": "both_bad"}, item=2)
    assert rw.export.preference_pairs(w)["id"].to_list() == [0]
    kept = rw.export.preference_pairs(w, keep_ties=True, keep_both_bad=True).sort("id")
    assert kept.select("id", "winner", "margin", "chosen").rows() == [
        (0, "a", 2, "A-0"),
        (1, "tie", 0, "A-1"),
        (2, "both_bad", None, "A-2"),
    ]


def test_jsonl_lines_parse_as_dpo_records(w, df, tmp_path):
    for i in range(6):
        w.submit({"preference": -2 if i % 2 else 1}, item=i)
    path = tmp_path / "dpo.jsonl"
    written = rw.export.write_preference_pairs(path, w)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == written.height == 6
    records = [json.loads(line) for line in lines]
    for r in records:
        assert {"prompt", "chosen", "rejected", "margin", "annotator", "id"} <= set(r)
        assert r["chosen"] == f"{'B' if r['id'] % 2 else 'A'}-{r['id']}"
        assert r["rejected"] == f"{'A' if r['id'] % 2 else 'B'}-{r['id']}"
        assert r["winner"] in ("a", "b")
    # parquet round-trips with the same content
    pq = tmp_path / "dpo.parquet"
    rw.export.write_preference_pairs(pq, w)
    assert pl.read_parquet(pq).equals(written)
    with pytest.raises(ValueError, match="cannot tell the format"):
        rw.export.write_preference_pairs(tmp_path / "dpo.txt", w)
    rw.export.write_preference_pairs(tmp_path / "dpo.out", w, format="jsonl")
    assert len((tmp_path / "dpo.out").read_text().splitlines()) == 6


def test_pandas_and_arrow_just_work(w):
    w.submit({"preference": 1})
    pairs = rw.export.preference_pairs(w)
    assert isinstance(pairs.to_pandas(), pd.DataFrame)
    assert isinstance(pairs.to_arrow(), pa.Table)
    assert pairs.to_pandas()["chosen"].tolist() == pairs["chosen"].to_list()


def test_from_an_annotations_frame_and_source_with_other_names(w, df):
    w.submit({"preference": -1}, item=3)
    ann = w.annotations.to_pandas()  # e.g. loaded from a bundle, no widget around
    source = df.rename({"id": "key", "prompt": "q", "response_a": "x", "response_b": "y"})
    pairs = rw.export.preference_pairs(ann, source.to_pandas(), id="key", prompt="q", a="x", b="y")
    assert pairs.select("prompt", "chosen", "rejected").row(0) == ("question 3", "B-3", "A-3")
    with pytest.raises(ValueError, match="pass data="):
        rw.export.preference_pairs(ann)
    with pytest.raises(ValueError, match="missing from data"):
        rw.export.preference_pairs(ann, source.filter(pl.col("key") != 3), id="key", prompt="q",
                                   a="x", b="y")  # fmt: skip
    with pytest.raises(ValueError, match=r"data lack column\(s\) \['response_a'"):
        rw.export.preference_pairs(ann, source, id="key", prompt="q")


def test_several_criteria_and_annotators(df, tmp_path):
    store = str(tmp_path / "s.sqlite")
    for who, sign in (("ana", 1), ("bo", -1)):
        w = rw.PairwiseRater(df, criteria=["helpful", "safe"], store=store, annotator=who)
        w.submit({"preference_helpful": 2 * sign, "winner_safe": "tie"}, item=5)
    pairs = rw.export.preference_pairs(w).sort("annotator")
    assert pairs.select("annotator", "criterion", "chosen", "margin").rows() == [
        ("ana", "helpful", "A-5", 2),
        ("bo", "helpful", "B-5", 2),
    ]
    assert "chosen_model" not in pairs.columns  # no models= given
    long = rw.export.comparisons(w.annotations)
    assert sorted(set(long["criterion"])) == ["helpful", "safe"]
    assert long.height == 4


def test_chat_responses_export_as_message_lists(tmp_path):
    a = [{"role": "assistant", "content": "Paris."}]
    b = [{"role": "assistant", "content": "Lyon."}]
    df = pl.DataFrame({"id": [1], "prompt": ["Capital of France?"], "response_a": [a],
                       "response_b": [b]})  # fmt: skip
    w = rw.PairwiseRater(df, store=str(tmp_path / "s.sqlite"), annotator="ana")
    w.submit({"preference": 3})
    path = tmp_path / "chat.jsonl"
    rw.export.write_preference_pairs(path, w)
    record = json.loads(path.read_text().splitlines()[0])
    assert record["chosen"] == a
    assert record["rejected"] == b


def test_rankings_become_preference_pairs(tmp_path):
    df = pl.DataFrame({"id": [1, 2], "prompt": ["p1", "p2"], "r1": ["x1", "x2"],
                       "r2": ["y1", "y2"], "r3": ["z1", "z2"]})  # fmt: skip
    w = rw.RankRater(df, responses=["r1", "r2", "r3"], store=str(tmp_path / "s.sqlite"),
                     annotator="ana")  # fmt: skip
    w.submit({"ranks": [3, 1, 2]}, item=1)
    w.submit({"ranks": [1, 1, 2]}, item=2)
    pairs = rw.export.preference_pairs(w)
    assert pairs.filter(pl.col("id") == 1).select("chosen", "rejected", "margin").rows() == [
        ("y1", "x1", 2),
        ("z1", "x1", 1),
        ("y1", "z1", 1),
    ]
    # the tie (x2 = y2) is dropped by default
    assert pairs.filter(pl.col("id") == 2).select("chosen", "rejected").rows() == [
        ("x2", "z2"),
        ("y2", "z2"),
    ]
    assert pairs["chosen_model"].to_list()[:1] == ["r2"]
    assert rw.export.preference_pairs(w, keep_ties=True).height == 6


def test_ids_read_back_as_text_still_find_their_rows(w, df):
    w.submit({"preference": 2}, item=4)
    ann = w.annotations.with_columns(pl.col("id").cast(pl.String))  # e.g. from a JSON file
    pairs = rw.export.preference_pairs(ann, df)
    assert pairs.select("id", "chosen").row(0) == ("4", "A-4")
