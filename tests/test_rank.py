"""RankRater's kernel side, driven with the exact messages the frontend sends: rankings
in on-screen order in, ranks aligned to the ORIGINAL response order out."""

import json

import polars as pl
import pytest

import rater_widgets as rw
import rater_widgets.stats  # makes rw.stats available
from rater_widgets.widgets.rank import competition_ranks
from tests.wire import Wire


@pytest.fixture
def df():
    n = 10
    return pl.DataFrame(
        {
            "id": [f"q{i}" for i in range(n)],
            "prompt": [f"prompt {i}" for i in range(n)],
            "r1": [f"first {i}" for i in range(n)],
            "r2": [f"second {i}" for i in range(n)],
            "r3": [f"third {i}" for i in range(n)],
            "m1": ["cobalt"] * n,
            "m2": ["ember"] * n,
            "m3": ["basil"] * n,
        }
    )


def make(df, tmp_path, **kw):
    kw.setdefault("annotator", "ana")
    kw.setdefault("responses", ["r1", "r2", "r3"])
    return rw.RankRater(df, store=str(tmp_path / "study.sqlite"), **kw)


def only(msgs, kind):
    (m,) = [m for m in msgs if m["type"] == kind]
    return m


def test_shown_order_is_a_seeded_shuffle_per_item(df, tmp_path):
    w = make(df, tmp_path)
    orders = [w.shown_order(i) for i in df["id"]]
    assert all(sorted(o) == [0, 1, 2] for o in orders)
    assert len({tuple(o) for o in orders}) > 2  # not one fixed order
    again = make(df, tmp_path, order="random", study="again")
    assert orders == [again.shown_order(i) for i in df["id"]]
    items = only(Wire(w, ahead=1).hello(), "items")["items"]
    for item in items:
        order = w.shown_order(item["id"])
        n = item["id"][1:]
        texts = [f"{['first', 'second', 'third'][i]} {n}" for i in order]
        shown = [b for b in item["blocks"] if b["role"] == "content"]
        assert [b["value"] for b in shown] == texts
        assert [b["label"] for b in shown] == ["Response A", "Response B", "Response C"]
        assert "r1" not in json.dumps(item)  # no column names on the wire
        assert item["extra"] == {"n": 3}


def test_ranks_are_aligned_to_the_original_order_whatever_was_shown(df, tmp_path):
    w = make(df, tmp_path, models=["m1", "m2", "m3"])
    wire = Wire(w, ahead=1)
    wire.hello()
    for pos in range(4):
        item = w._queue.id_at(pos)
        order = w.shown_order(item)
        # the rater ranks what they see: A best, then B, then C
        out = wire.submit(pos + 1, pos, item, {"shown_ranks": [1, 2, 3]})
        ack = only(out, "ack")
        assert ack["answer"]["shown_ranks"] == [1, 2, 3]
        assert "models" not in ack["answer"]
        row = w.annotations.filter(pl.col("id") == item).row(0, named=True)
        expected = [0, 0, 0]
        for place, original in enumerate(order):
            expected[original] = place + 1
        assert row["ranks"] == expected
        assert row["shown_order"] == order
        assert row["models"] == ["cobalt", "ember", "basil"]
    schema = w.annotations.schema
    assert schema["ranks"] == pl.List(pl.Int8)
    assert schema["shown_order"] == pl.List(pl.Int8)


def test_ties_are_normalized_and_can_be_forbidden(df, tmp_path):
    w = make(df, tmp_path)
    assert w.submit({"ranks": [2, 2, 3]})["ranks"] == [1, 1, 3]
    assert w.submit({"ranks": [1, 1, 1]})["ranks"] == [1, 1, 1]
    strict = make(df, tmp_path, allow_ties=False, study="strict")
    with pytest.raises(rw.RubricError, match="ties are not allowed"):
        strict.submit({"ranks": [1, 1, 3]})
    assert strict.submit({"ranks": [3, 1, 2]})["ranks"] == [3, 1, 2]
    assert competition_ranks([3, 1, 3, 2]) == [3, 1, 3, 2]
    assert competition_ranks([4, 4, 1, 1]) == [3, 3, 1, 1]


@pytest.mark.parametrize(
    ("answer", "needle", "field"),
    [
        ({"shown_ranks": [1, 2]}, "a list of 3 ranks", "shown_ranks"),
        ({"shown_ranks": [1, 2, 4]}, "from 1 to 3", "shown_ranks"),
        ({"shown_ranks": [1, 2, 0]}, "from 1 to 3", "shown_ranks"),
        ({"shown_ranks": [1, True, 2]}, "from 1 to 3", "shown_ranks"),
        ({"shown_ranks": [1, None, 2]}, "B have no rank", "shown_ranks"),
        ({"shown_ranks": "1,2,3"}, "a list of 3 ranks", "shown_ranks"),
        ({}, "a list of 3 ranks", "shown_ranks"),
        ({"ranks": [1, 2, 3]}, "on-screen order", "ranks"),
        (
            {"shown_ranks": [1, 2, 3], "shown_order": [0, 1, 2]},
            "recorded by the widget",
            "shown_order",
        ),
        ({"shown_ranks": [1, 2, 3], "models": ["x"]}, "recorded by the widget", "models"),
    ],
)
def test_tampered_rankings_are_refused_and_nothing_stored(df, tmp_path, answer, needle, field):
    w = make(df, tmp_path)
    w.submit({"ranks": [1, 2, 3]}, item="q9")
    wire = Wire(w, ahead=1)
    wire.hello()
    out = wire.submit(1, 0, "q0", answer)
    err = only(out, "error")
    assert needle in err["message"]
    assert err["field"] == field
    assert w.annotations["id"].to_list() == ["q9"]
    assert w.history.height == 1


def test_list_columns_with_different_counts(tmp_path):
    df = pl.DataFrame(
        {
            "id": [1, 2],
            "prompt": ["p1", "p2"],
            "answers": [["x", "y"], ["u", "v", "w", "z"]],
            "models": [["m1", "m2"], ["m1", "m2", "m3", "m4"]],
        }
    )
    w = rw.RankRater(df, responses="answers", models="models", blind=False,
                     store=str(tmp_path / "s.sqlite"), annotator="ana")  # fmt: skip
    items = only(Wire(w, ahead=1).hello(), "items")["items"]
    assert [i["extra"]["n"] for i in items] == [2, 4]
    order = w.shown_order(2)
    assert items[1]["extra"]["models"] == [f"m{i + 1}" for i in order]
    w.submit({"ranks": [2, 1]}, item=1)
    w.submit({"shown_ranks": [4, 3, 2, 1]}, item=2)
    rows = w.annotations.sort("id").select("ranks", "models").rows()
    assert rows[0] == ([2, 1], ["m1", "m2"])
    expected = [0] * 4
    for place, original in enumerate(order):
        expected[original] = 4 - place
    assert rows[1][0] == expected


def test_rank_to_pairs_and_bradley_terry(df, tmp_path):
    w = make(df, tmp_path, models=["m1", "m2", "m3"])
    for i, item in enumerate(df["id"]):
        # cobalt (r1) best, ember (r2) second, basil last; one tie and one upset for a CI
        ranks = [1, 1, 3] if i == 0 else [2, 1, 3] if i == 1 else [1, 2, 3]
        if i == 2:
            ranks = [3, 2, 1]
        w.submit({"ranks": ranks}, item=item)
    pairs = w.pairs()
    assert pairs.height == 3 * df.height
    first = pairs.filter(pl.col("id") == "q0")
    assert first.select("model_a", "model_b", "winner", "margin").rows() == [
        ("cobalt", "ember", "tie", 0),
        ("cobalt", "basil", "a", 2),
        ("ember", "basil", "a", 2),
    ]
    assert pairs.schema["winner"] == pl.Enum(["a", "b", "tie"])
    bt = w.bradley_terry(ci=None)
    assert bt["model"].to_list() == ["cobalt", "ember", "basil"]
    assert bt.equals(rw.stats.bradley_terry(rw.export.rank_to_pairs(w), ci=None))


def test_rank_to_pairs_names(df, tmp_path):
    w = make(df, tmp_path)  # no models: the response columns name them
    w.submit({"ranks": [3, 1, 2]})
    assert w.pairs().select("model_a", "model_b", "winner").rows() == [
        ("r1", "r2", "b"),
        ("r1", "r3", "b"),
        ("r2", "r3", "a"),
    ]
    ann = pl.DataFrame({"id": [7], "annotator": ["x"], "ranks": [[1, 2]]})
    assert rw.export.rank_to_pairs(ann).select("model_a", "model_b").row(0) == (
        "response_1",
        "response_2",
    )


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"responses": ["r1"]}, "2 to 9 columns"),
        ({"responses": ["r1", "r4"]}, "did you mean"),
        ({"responses": "r1"}, "pass a list column"),
        ({"models": ["m1", "m2"]}, "must match responses"),
        ({"models": "m1"}, "must match responses"),
        ({"rubric": rw.Rubric([rw.Text("ranks")])}, "clash"),
    ],
)
def test_bad_construction_names_the_problem(df, tmp_path, kw, needle):
    with pytest.raises(ValueError, match=needle):
        make(df, tmp_path, **kw)


def test_too_many_responses_in_a_list_column(tmp_path):
    df = pl.DataFrame({"id": [1], "prompt": ["p"], "rs": [[str(i) for i in range(10)]]})
    with pytest.raises(ValueError, match="2 to 9 responses"):
        rw.RankRater(df, responses="rs", store=str(tmp_path / "s.sqlite"))
