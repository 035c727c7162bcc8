"""PairwiseRater's kernel side, driven with the exact messages the frontend sends.

The classic failure of pairwise tools is the swapped placement: the rater presses "left
much better" on an item shown with column b on the left, and the tool stores "a better".
These tests pin the conversion for both placements, on a real SQLite store."""

import json

import pandas as pd
import polars as pl
import pytest

import rater_widgets as rw
import rater_widgets.stats  # makes rw.stats available
from rater_widgets.widgets._compare import left_side
from tests.wire import Wire

MODELS = ["cobalt", "ember", "basil"]


@pytest.fixture
def df():
    n = 12
    return pl.DataFrame(
        {
            "id": list(range(100, 100 + n)),
            "prompt": [f"prompt {i}" for i in range(n)],
            "response_a": [f"answer A{i}" for i in range(n)],
            "response_b": [f"answer B{i}" for i in range(n)],
            "model_a": [MODELS[i % 3] for i in range(n)],
            "model_b": [MODELS[(i + 1) % 3] for i in range(n)],
        }
    )


def make(df, tmp_path, **kw):
    kw.setdefault("annotator", "ana")
    kw.setdefault("models", ("model_a", "model_b"))
    return rw.PairwiseRater(df, store=str(tmp_path / "study.sqlite"), **kw)


def positions_by_side(w):
    """(pos, item id) of the first item shown with a on the left, and with b on the left."""
    out = {}
    for pos in range(len(w._queue)):
        item = w._queue.id_at(pos)
        out.setdefault(w.shown_left(item), (pos, item))
    return out["a"], out["b"]


def only(msgs, kind):
    (m,) = [m for m in msgs if m["type"] == kind]
    return m


# ------------------------------------------------------------------ placement


def test_placement_is_seeded_per_item_and_about_half_half(df, tmp_path):
    w = make(df, tmp_path)
    ids = [str(i) for i in range(4000)]
    left_a = sum(left_side(0, i) == "a" for i in ids)
    assert 0.46 < left_a / len(ids) < 0.54
    # the same (seed, id) gives the same side whatever the queue order or the widget
    shuffled = make(df, tmp_path, order="random", study="other")
    assert [w.shown_left(i) for i in df["id"]] == [shuffled.shown_left(i) for i in df["id"]]
    # another seed gives another placement for some items
    other = make(df, tmp_path, seed=7, study="seed7")
    assert [w.shown_left(i) for i in df["id"]] != [other.shown_left(i) for i in df["id"]]


def test_blocks_follow_the_placement_under_on_screen_names(df, tmp_path):
    w = make(df, tmp_path)
    wire = Wire(w, ahead=1)
    items = only(wire.hello(), "items")["items"]
    for item in items:
        blocks = {b["name"]: b for b in item["blocks"]}
        assert list(blocks) == ["prompt", "left", "right"]
        assert (blocks["left"]["label"], blocks["right"]["label"]) == ("Left", "Right")
        n = int(item["id"]) - 100
        a_text, b_text = f"answer A{n}", f"answer B{n}"
        expected = (a_text, b_text) if w.shown_left(item["id"]) == "a" else (b_text, a_text)
        assert (blocks["left"]["value"], blocks["right"]["value"]) == expected
        # nothing on the wire names a column
        assert "response_a" not in json.dumps(item)
        assert "response_b" not in json.dumps(item)


# ------------------------------------------------------------------ the swapped-placement bug


@pytest.mark.parametrize("scale", [7, 3, 5])
def test_left_much_better_is_stored_relative_to_column_a(df, tmp_path, scale):
    w = make(df, tmp_path, scale=scale)
    k = scale // 2
    (pos_a, id_a), (pos_b, id_b) = positions_by_side(w)
    wire = Wire(w, ahead=1)
    wire.hello()
    # key 1 = "left much better" = +k on screen
    for seq, (pos, item) in enumerate(sorted([(pos_a, id_a), (pos_b, id_b)]), start=1):
        wire.goto(seq * 10, pos)
        out = wire.submit(seq, pos, item, {"left_preference": {"overall": k}})
        assert only(out, "ack")["item"] == item
    ann = w.annotations.sort("id")
    got = {str(r["id"]): r for r in ann.iter_rows(named=True)}
    assert (got[id_a]["shown_left"], got[id_a]["preference"], got[id_a]["winner"]) == ("a", k, "a")
    assert (got[id_b]["shown_left"], got[id_b]["preference"], got[id_b]["winner"]) == ("b", -k, "b")
    # and "right slightly better" (-1 on screen) for the b-left item is a win for a
    wire.goto(99, pos_b)
    wire.submit(9, pos_b, id_b, {"left_preference": {"overall": -1}})
    row = w.annotations.filter(pl.col("id") == int(id_b)).row(0, named=True)
    assert (row["preference"], row["winner"]) == (1, "a")
    assert row["model_a"] == df.filter(pl.col("id") == int(id_b))["model_a"].item()


def test_tie_and_both_bad(df, tmp_path):
    w = make(df, tmp_path)
    wire = Wire(w, ahead=1)
    wire.hello()
    wire.submit(1, 0, "100", {"left_preference": {"overall": 0}})
    wire.submit(
        2, 1, "101", {"left_preference": {"overall": "both_bad"}, "rationale": " both wrong "}
    )
    ann = w.annotations.sort("id")
    assert ann.select("preference", "winner", "rationale").rows() == [
        (0, "tie", None),
        (None, "both_bad", "both wrong"),
    ]


def test_annotations_are_typed_for_group_by(df, tmp_path):
    w = make(df, tmp_path)
    w.submit({"preference": 2})
    schema = w.annotations.schema
    assert schema["preference"] == pl.Int8
    assert schema["winner"] == pl.Enum(["a", "b", "tie", "both_bad"])
    assert schema["shown_left"] == pl.Enum(["a", "b"])
    assert schema["model_a"] == pl.String
    assert w.annotations.columns[:4] == ["id", "annotator", "rationale", "shown_left"]
    assert w.annotations.group_by("winner").len().rows() == [("a", 1)]


# ------------------------------------------------------------------ what reaches the browser


def test_blind_payload_never_names_models(df, tmp_path):
    w = make(df, tmp_path)
    wire = Wire(w, ahead=1)
    wire_text = json.dumps(wire.hello())
    out = wire.submit(1, 0, "100", {"left_preference": {"overall": 3}})
    wire_text += json.dumps(out)
    wire_text += json.dumps(wire.goto(5, 0))  # the answered item comes back
    wire_text += json.dumps([w._config, w._rubric, w._progress])
    for name in MODELS:
        assert name not in wire_text
    assert "shown_left" not in wire_text


def test_acks_and_items_carry_the_answer_in_on_screen_terms(df, tmp_path):
    w = make(df, tmp_path)
    (pos_a, id_a), (pos_b, id_b) = positions_by_side(w)
    wire = Wire(w, ahead=1)
    wire.hello()
    wire.goto(1, pos_b)
    out = wire.submit(2, pos_b, id_b, {"left_preference": {"overall": 2}})
    assert only(out, "ack")["answer"] == {"rationale": None, "left_preference": {"overall": 2}}
    w.submit({"preference": -3, "rationale": "b much better"}, item=id_a)
    back = only(wire.goto(3, pos_a), "items")["items"]
    (item,) = [i for i in back if i["id"] == id_a]
    assert item["answer"] == {"rationale": "b much better", "left_preference": {"overall": -3}}
    # a new widget on the same store shows the earlier answers the same way
    again = Wire(make(df, tmp_path))
    again.hello()
    items = only(again.goto(4, pos_b), "items")["items"]
    (item,) = [i for i in items if i["id"] == id_b]
    assert item["status"] == "done"
    assert item["answer"]["left_preference"] == {"overall": 2}


def test_not_blind_shows_the_model_of_each_side(df, tmp_path):
    w = make(df, tmp_path, blind=False)
    items = only(Wire(w, ahead=1).hello(), "items")["items"]
    for item in items:
        row = df.filter(pl.col("id") == int(item["id"])).row(0, named=True)
        ma, mb = row["model_a"], row["model_b"]
        expected = (
            {"left": ma, "right": mb}
            if w.shown_left(item["id"]) == "a"
            else {"left": mb, "right": ma}
        )
        assert item["extra"]["models"] == expected
    assert w._config["blind"] is False


# ------------------------------------------------------------------ tampered and bad answers


@pytest.mark.parametrize(
    ("answer", "needle", "field"),
    [
        ({"left_preference": {"overall": 4}}, "from -3 to 3", "overall"),
        ({"left_preference": {"overall": True}}, "from -3 to 3", "overall"),
        ({"left_preference": {"overall": 1.5}}, "from -3 to 3", "overall"),
        ({"left_preference": {"overal": 1}}, "unknown criterion 'overal'", "overal"),
        ({"left_preference": {}}, "has no preference", "overall"),
        ({"left_preference": "left"}, "must be an object", "overall"),
        (
            {"left_preference": {"overall": 2}, "shown_left": "a"},
            "recorded by the widget",
            "shown_left",
        ),
        ({"left_preference": {"overall": 2}, "model_a": "x"}, "recorded by the widget", "model_a"),
        ({"preference": 3}, "on-screen terms", "preference"),
        ({"left_preference": {"overall": 2}, "winner": "a"}, "on-screen terms", "winner"),
        ({"rationale": "no choice"}, "has no preference", "overall"),
        ({"left_preference": {"overall": 1}, "verdict": "x"}, "unknown field 'verdict'", "verdict"),
    ],
)
def test_tampered_answers_are_refused_and_nothing_stored(df, tmp_path, answer, needle, field):
    w = make(df, tmp_path)
    w.submit({"preference": 1}, item=111)  # saved earlier: must survive
    wire = Wire(w, ahead=1)
    wire.hello()
    out = wire.submit(1, 0, "100", answer)
    err = only(out, "error")
    assert needle in err["message"]
    assert err["field"] == field
    assert not [m for m in out if m["type"] == "ack"]
    assert w.annotations["id"].to_list() == [111]
    assert w.history.height == 1


def test_python_submit_takes_column_relative_answers(df, tmp_path):
    w = make(df, tmp_path, criteria=["helpfulness", "harmlessness"])
    stored = w.submit({"preference_helpfulness": 2, "winner_harmlessness": "both_bad"})
    assert stored["winner_helpfulness"] == "a"
    assert stored["preference_harmlessness"] is None
    w.submit({"winner_helpfulness": "tie", "preference_harmlessness": -1}, item=105)
    with pytest.raises(rw.RubricError, match="how much better"):
        w.submit({"winner_helpfulness": "a", "winner_harmlessness": "tie"}, item=106)
    with pytest.raises(rw.RubricError, match="means winner 'b'"):
        w.submit({"preference_helpfulness": -2, "winner_helpfulness": "a",
                  "winner_harmlessness": "tie"}, item=106)  # fmt: skip
    with pytest.raises(rw.RubricError, match="either"):
        w.submit({"left_preference": {"helpfulness": 1, "harmlessness": 1},
                  "preference_helpfulness": 1}, item=106)  # fmt: skip
    with pytest.raises(rw.RubricError, match="recorded by the widget"):
        w.submit({"preference_helpfulness": 1, "preference_harmlessness": 1, "shown_left": "a"})
    # the on-screen form works from Python too, with the kernel's placement
    item = 107
    side = w.shown_left(item)
    w.submit({"left_preference": {"helpfulness": 3, "harmlessness": 0}}, item=item)
    ann = w.annotations.sort("id")
    assert ann.columns[:8] == [
        "id", "annotator", "rationale", "shown_left", "preference_helpfulness",
        "winner_helpfulness", "preference_harmlessness", "winner_harmlessness",
    ]  # fmt: skip
    assert ann.select("preference_helpfulness", "winner_harmlessness").rows() == [
        (2, "both_bad"),
        (0, "b"),
        (3 if side == "a" else -3, "tie"),
    ]
    assert w.history.height == 3  # the refused ones stored nothing


def test_scale_three_accepts_a_bare_winner(df, tmp_path):
    w = make(df, tmp_path, scale=3)
    assert w.submit({"winner": "b"})["preference"] == -1
    assert w._config["points"] == ["Left better", "About the same", "Right better"]


# ------------------------------------------------------------------ analysis on the annotations


def simulate(w, rng_seed=0, left_bias=0.0):
    """Annotators who prefer the stronger model, optionally leaning to the left side."""
    import random

    rng = random.Random(rng_seed)
    strength = {"cobalt": 1.0, "ember": 0.0, "basil": -1.0}
    rows = w._frame.rows(named=True)
    for row in rows:
        p_a = 0.5 + 0.35 * (strength[row["model_a"]] - strength[row["model_b"]]) / 2
        left_is_a = w.shown_left(row["id"]) == "a"
        p_a += left_bias if left_is_a else -left_bias
        pref = rng.choice([1, 2, 3]) * (1 if rng.random() < p_a else -1)
        w.submit({"preference": pref}, item=row["id"])


def test_stats_work_directly_on_the_annotations(tmp_path):
    n = 90
    pairs = [("cobalt", "ember"), ("ember", "basil"), ("basil", "cobalt")]
    sides = [pairs[i % 3][:: 1 if (i // 3) % 2 else -1] for i in range(n)]
    df = pl.DataFrame(
        {
            "id": list(range(n)),
            "prompt": ["p"] * n,
            "response_a": ["a"] * n,
            "response_b": ["b"] * n,
            "model_a": [s[0] for s in sides],
            "model_b": [s[1] for s in sides],
        }
    )
    w = rw.PairwiseRater(df, models=("model_a", "model_b"), store=str(tmp_path / "s.sqlite"),
                         annotator="ana")  # fmt: skip
    simulate(w)
    bt = rw.stats.bradley_terry(w.annotations, a="model_a", b="model_b", winner="winner", ci=None)
    assert bt["model"].to_list()[0] == "cobalt"
    assert bt["model"].to_list()[-1] == "basil"
    assert w.bradley_terry(ci=None)["model"].to_list() == bt["model"].to_list()
    rates = w.win_rates()
    assert set(rates.columns) >= {"model", "opponent", "win_rate", "ci_low", "ci_high"}
    bias = w.position_bias()
    assert bias["n"].item() == n
    assert bias.row(0, named=True) == rw.stats.position_bias(w.annotations).row(0, named=True)


def test_position_bias_sees_a_left_leaning_rater(tmp_path):
    n = 300
    df = pl.DataFrame({"id": list(range(n)), "response_a": ["x"] * n, "response_b": ["y"] * n,
                       "model_a": ["m1"] * n, "model_b": ["m2"] * n})  # fmt: skip
    w = rw.PairwiseRater(df, prompt=None, models=("model_a", "model_b"),
                         store=str(tmp_path / "s.sqlite"), annotator="ana")  # fmt: skip
    for i in range(n):
        w.submit({"left_preference": {"overall": 2}}, item=i)  # always "left better"
    bias = w.position_bias().row(0, named=True)
    assert bias["left_win_rate"] == 1.0
    assert bias["p_value"] < 1e-6
    # ... and the column-relative winners are split about evenly by the placement
    share_a = (w.annotations["winner"] == "a").mean()
    assert 0.4 < share_a < 0.6


def test_several_criteria_in_long_form(df, tmp_path):
    w = make(df, tmp_path, criteria=["helpfulness", "harmlessness"], annotator="bo")
    for i in range(100, 106):
        w.submit({"preference_helpfulness": 1, "winner_harmlessness": "tie"}, item=i)
    long = w.comparisons()
    assert long.height == 12
    assert long.columns == ["id", "annotator", "criterion", "shown_left", "preference",
                            "winner", "model_a", "model_b"]  # fmt: skip
    by = w.win_rates()
    assert set(by["criterion"].unique()) == {"helpfulness", "harmlessness"}
    assert w._config["criteria"] == [
        {"name": "helpfulness", "label": "Helpfulness"},
        {"name": "harmlessness", "label": "Harmlessness"},
    ]


def test_without_models_the_columns_name_the_sides(df, tmp_path):
    w = rw.PairwiseRater(df, store=str(tmp_path / "s.sqlite"), annotator="ana")
    w.submit({"preference": 1})
    assert "model_a" not in w.annotations.columns
    assert w.comparisons().select("model_a", "model_b").row(0) == ("response_a", "response_b")
    assert w.win_rates().filter(pl.col("model") == "response_a")["wins"].item() == 1


# ------------------------------------------------------------------ construction


@pytest.mark.parametrize(
    ("kw", "error", "needle"),
    [
        ({"scale": 4}, ValueError, "odd number of points from 3 to 9"),
        ({"scale": 11}, ValueError, "odd number of points from 3 to 9"),
        ({"scale": 1}, ValueError, "odd number"),
        ({"scale": True}, ValueError, "odd number"),
        ({"a": "respons_a"}, ValueError, "did you mean 'response_a'"),
        ({"b": "response_a"}, ValueError, "two different columns"),
        ({"criteria": []}, ValueError, "at least one criterion"),
        ({"criteria": ["ok", "ok"]}, ValueError, "duplicates"),
        ({"criteria": ["two words"]}, ValueError, "letters, digits and underscores"),
        ({"models": ("model_a",)}, ValueError, "two columns"),
        ({"models": ("model_a", "modelb")}, ValueError, "did you mean 'model_b'"),
        ({"critera": ["x"]}, TypeError, "did you mean 'criteria'"),
        ({"rubric": rw.Rubric([rw.Text("winner")])}, ValueError, "clash"),
    ],
)
def test_bad_construction_names_the_problem(df, tmp_path, kw, error, needle):
    with pytest.raises(error, match=needle):
        make(df, tmp_path, **kw)


def test_pandas_input_and_chat_responses(tmp_path):
    chat_a = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    chat_b = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hey"}]
    pdf = pd.DataFrame({"id": ["x1"], "prompt": ["say hi"], "response_a": [chat_a],
                        "response_b": [chat_b]})  # fmt: skip
    w = rw.PairwiseRater(pdf, store=str(tmp_path / "s.sqlite"), annotator="ana")
    items = only(Wire(w, ahead=1).hello(), "items")["items"]
    blocks = {b["name"]: b for b in items[0]["blocks"]}
    assert blocks["left"]["format"] == "chat"
    assert blocks["left"]["value"][1]["content"] in ("hello", "hey")
    w.submit({"preference": 1})
    assert w.annotations["id"].to_list() == ["x1"]


def test_spans_fields_are_refused_with_a_pointer_to_item_rater(df, tmp_path):
    rubric = rw.Rubric([rw.Spans("evidence", labels=["threat"])])
    with pytest.raises(rw.RubricError, match="ItemRater"):
        make(df, tmp_path, rubric=rubric)
    with pytest.raises(rw.RubricError, match="RankRater compares"):
        rw.RankRater(df, responses=["response_a", "response_b"], rubric=rubric,
                     store=str(tmp_path / "r.sqlite"), annotator="a")  # fmt: skip
