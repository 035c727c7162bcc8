"""TraceRater's kernel side driven exactly as the frontend drives it: the same messages,
the same replies, a real SQLite file underneath."""

import json
import sqlite3

import pandas as pd
import polars as pl
import pytest

import rater_widgets as rw
from rater_widgets import protocol, stats
from rater_widgets.widgets import trace as trace_module
from tests.wire import Wire

PROBLEMS = ["A box holds 4 pens. How many pens are in 3 boxes, minus 5?", "What is 2 + 2?", "x?"]
TRACES = [
    "Step 1: Three boxes hold $3 \\cdot 4 = 12$ pens.\nStep 2: Minus five: 12 - 5 = 8.\n"
    "Step 3: So there are 8 pens.\nFinal answer: 8",
    "<think>Two plus two.\n\nThat is 4.</think>The answer is 4.",
    "1. only\n2. two steps",
]


@pytest.fixture
def df():
    return pl.DataFrame(
        {
            "id": [10, 11, 12],
            "problem": PROBLEMS,
            "reasoning": TRACES,
            "final_answer": ["8", "4", "?"],
        }
    )


@pytest.fixture
def rubric():
    return rw.Rubric(
        [rw.Choice("answer_correct", ["yes", "no"], required=True), rw.Text("comment")]
    )


def make(df, tmp_path, rubric=None, **kw):
    kw.setdefault("annotator", "ana")
    tmp_path.mkdir(parents=True, exist_ok=True)
    return rw.TraceRater(df, rubric=rubric, store=str(tmp_path / "study.sqlite"), **kw)


def items_of(out):
    return {i["pos"]: i for m in out if m["type"] == "items" for i in m["items"]}


# ---------------------------------------------------------------- what the frontend gets


def test_hello_sends_parsed_steps_question_and_answer(df, rubric, tmp_path):
    w = make(df, tmp_path, rubric)
    out = Wire(w).hello()
    assert [m["type"] for m in out] == ["items", "cursor"]
    first = items_of(out)[0]
    assert [(b["name"], b["label"], b["role"]) for b in first["blocks"]] == [
        ("problem", "Question", "context"),
        ("final_answer", "Final answer", "content"),
    ]
    extra = first["extra"]
    assert [s["text"] for s in extra["steps"]] == [
        "Three boxes hold $3 \\cdot 4 = 12$ pens.",
        "Minus five: 12 - 5 = 8.",
        "So there are 8 pens.",
    ]
    assert {s["kind"] for s in extra["steps"]} == {"reasoning"}
    # offsets into the column value, for marks inside a step (spans) later
    for s in extra["steps"]:
        assert TRACES[0][s["start"] : s["end"]] == s["text"]
    assert (extra["n_steps"], extra["answer"], extra["truncated"]) == (3, "8", False)
    assert extra["warnings"] == []
    think = items_of(out)[1]["extra"]
    assert [s["text"] for s in think["steps"]] == ["Two plus two.", "That is 4."]
    assert think["answer"] == "The answer is 4."
    # the trace itself never travels as a block: only its steps do
    assert all(b["name"] != "reasoning" for b in first["blocks"])
    json.dumps(out)  # everything on the wire is plain JSON


def test_frontend_config_and_rubric_keys(df, rubric, tmp_path):
    w = make(df, tmp_path, rubric)
    assert w._kind == "trace"
    labels = w._config["step_labels"]
    assert [(x["value"], x["name"], x["key"]) for x in labels] == [
        (-1, "wrong", "1"),
        (0, "neutral", "2"),
        (1, "good", "3"),
    ]
    assert (w._config["lowest"], w._config["require_all_steps"]) == (-1, True)
    keys = [o["key"] for o in w._rubric["fields"][0]["options"]] + [w._rubric["fields"][1]["key"]]
    assert keys == ["y", "o", "c"]
    for k in keys:
        assert k not in "123456789jkfn"
    assert w.step_labels == {-1: "wrong", 0: "neutral", 1: "good"}


def test_construction_never_parses_traces_and_sending_parses_only_the_window(tmp_path, monkeypatch):
    calls = []
    real = trace_module.parse_trace
    monkeypatch.setattr(
        trace_module, "parse_trace", lambda x, **kw: calls.append(x) or real(x, **kw)
    )
    n = 100_000
    big = pl.DataFrame(
        {
            "id": pl.int_range(n, eager=True),
            "problem": pl.repeat("q", n, eager=True),
            "reasoning": pl.repeat("Step 1: a\nStep 2: b", n, eager=True),
            "final_answer": pl.repeat("b", n, eager=True),
        }
    )
    w = make(big, tmp_path)
    assert calls == []
    wire = Wire(w)
    wire.hello()
    assert len(calls) == protocol.LOOKAHEAD + 1
    wire.submit(1, 0, "0", {"step_ratings": [1, 1]})  # checked against the cached parse
    assert len(calls) <= protocol.LOOKAHEAD + 2


# ---------------------------------------------------------------- good answers


def test_good_submit_is_typed_and_n_steps_comes_from_the_kernel(df, rubric, tmp_path):
    w = make(df, tmp_path, rubric)
    wire = Wire(w)
    wire.hello()
    answer = {
        "answer_correct": "no",
        "step_ratings": [1, -1, 0],
        "step_notes": [None, "12 - 5 is 7", ""],
        "first_error_step": 1,
        "n_steps": 3,
    }
    out = wire.submit(1, 0, "10", answer)
    ack = next(m for m in out if m["type"] == "ack")
    assert ack["answer"] == {
        "answer_correct": "no",
        "comment": None,
        "step_ratings": [1, -1, 0],
        "step_notes": [None, "12 - 5 is 7", None],
        "first_error_step": 1,
        "n_steps": 3,
    }
    with sqlite3.connect(tmp_path / "study.sqlite") as con:
        assert con.execute("select count(*) from annotations where kind='answer'").fetchone() == (
            1,
        )
    ann = w.annotations
    assert ann.columns == [
        "id", "annotator", "answer_correct", "comment", "step_ratings", "step_notes",
        "first_error_step", "n_steps", "duration_ms", "updated_at",
    ]  # fmt: skip
    assert ann.schema["step_ratings"] == pl.List(pl.Int8)
    assert ann.schema["step_notes"] == pl.List(pl.String)
    assert ann.schema["first_error_step"] == pl.Int64
    assert ann.schema["n_steps"] == pl.Int64
    row = ann.row(0, named=True)
    assert (row["id"], row["step_ratings"], row["first_error_step"], row["n_steps"]) == (
        10, [1, -1, 0], 1, 3,
    )  # fmt: skip


def test_first_error_and_n_steps_are_filled_in_when_left_out(df, tmp_path):
    w = make(df, tmp_path)
    stored = w.submit({"step_ratings": [1, 0, -1]})
    assert (stored["first_error_step"], stored["n_steps"], stored["step_notes"]) == (2, 3, None)
    stored = w.submit({"step_ratings": [1, 1]})
    assert stored["first_error_step"] is None
    # explicitly null with no wrong step is fine too
    stored = w.submit({"step_ratings": [0, 1], "first_error_step": None}, item=12)
    assert stored["first_error_step"] is None


def test_require_all_steps_false_stores_unrated_steps_as_null(df, tmp_path):
    w = make(df, tmp_path, require_all_steps=False)
    w.submit({"step_ratings": [None, -1, None]})
    w.submit({})  # nothing rated at all: the item is still judged (e.g. by the rubric)
    ratings = w.annotations.sort("id")["step_ratings"].to_list()
    assert ratings == [[None, -1, None], [None, None]]
    assert w.annotations.sort("id")["first_error_step"].to_list() == [1, None]


def test_custom_step_labels(df, tmp_path):
    w = make(df, tmp_path, step_labels={2: "great", 1: "ok", 0: "bad"})
    assert [(x["value"], x["key"]) for x in w._config["step_labels"]] == [
        (2, "1"),
        (1, "2"),
        (0, "3"),
    ]
    assert w._config["lowest"] == 0
    stored = w.submit({"step_ratings": [2, 0, 0]})
    assert stored["first_error_step"] == 1
    with pytest.raises(rw.RubricError, match=r"step 1: rating -1 is not one of \+2 \(great\)"):
        w.submit({"step_ratings": [-1, 1]}, item=11)
    w2 = make(df, tmp_path / "x", step_labels=(1, 2, 3, 4, 5), study="likert")
    assert [x["name"] for x in w2._config["step_labels"]] == ["+1", "+2", "+3", "+4", "+5"]


# ---------------------------------------------------------------- bad answers


@pytest.mark.parametrize(
    ("answer", "field", "needle"),
    [
        ({"step_ratings": [1, 1]}, "step_ratings", "step 3 has no rating: got 2 rating(s) for 3 steps"),
        ({"step_ratings": [1, 1, 1, 1]}, "step_ratings", "got 4 ratings but the trace has 3 steps: there is no step 4"),
        ({"step_ratings": [1, 2, 1]}, "step_ratings", "step 2: rating 2 is not one of -1 (wrong), 0 (neutral), +1 (good)"),
        ({"step_ratings": [1, True, 1]}, "step_ratings", "step 2: rating True is not one of"),
        ({"step_ratings": [1, "1", 1]}, "step_ratings", "step 2: rating '1' is not one of"),
        ({"step_ratings": [1, None, 1]}, "step_ratings", "step 2 is not rated; every step needs a rating"),
        ({"step_ratings": "1,1,1"}, "step_ratings", "must be a list with one rating per step"),
        ({"step_ratings": [1, 1, 1], "first_error_step": 1}, "first_error_step",
         "step 2 is marked as the first error but is rated +1 (good); the first error must be rated -1 (wrong)"),
        ({"step_ratings": [-1, 0, -1], "first_error_step": 2}, "first_error_step",
         "step 1 is rated -1 (wrong) before the marked first error (step 3)"),
        ({"step_ratings": [1, -1, 1], "first_error_step": None}, "first_error_step",
         "step 2 is rated -1 (wrong), so it is the first error, but first_error_step is null"),
        ({"step_ratings": [1, -1, 1], "first_error_step": 3}, "first_error_step",
         "3 is not a step of this trace (steps are numbered 0 to 2, from 0)"),
        ({"step_ratings": [1, -1, 1], "first_error_step": -1}, "first_error_step", "is not a step of this trace"),
        ({"step_ratings": [1, 1, 1], "n_steps": 4}, "n_steps", "the answer is for 4 steps but this trace has 3"),
        ({"step_ratings": [1, 1, 1], "step_notes": ["a"]}, "step_notes", "one note per step (3), got 1 notes"),
        ({"step_ratings": [1, 1, 1], "step_notes": [None, 5, None]}, "step_notes", "step 2: a note must be text"),
        ({"step_ratings": [1, 1, 1], "step_notes": [None, None, "x" * 5001]}, "step_notes",
         "step 3: the note has 5,001 characters; at most 5,000"),
        ({"step_ratings": [1, 1, 1], "step_score": 3}, "step_score", "unknown field 'step_score'"),
    ],
)  # fmt: skip
def test_bad_step_answers_name_the_step_and_store_nothing(df, tmp_path, answer, field, needle):
    w = make(df, tmp_path)
    w.submit({"step_ratings": [1, 1]}, item=11)  # something saved already must survive
    wire = Wire(w)
    out = wire.submit(1, 0, "10", answer)
    assert len(out) == 1
    err = out[0]
    assert (err["type"], err["field"], err["seq"], err["pos"]) == ("error", field, 1, 0)
    assert needle in err["message"]
    assert w.history.height == 1
    assert w.annotations["id"].to_list() == [11]
    with pytest.raises(rw.RubricError):  # the Python path refuses the same answer
        w.submit(answer, item=10)


def test_a_stored_answer_comes_back_with_the_item_and_resumes(df, tmp_path):
    w = make(df, tmp_path)
    w.submit({"step_ratings": [1, -1, 0], "step_notes": ["fine", None, None]})
    w2 = make(df, tmp_path)
    assert w2.current == 11
    out = Wire(w2).client(type="goto", seq=1, pos=0, need=[0])
    again = items_of(out)[0]
    assert again["status"] == "done"
    assert again["answer"]["step_ratings"] == [1, -1, 0]
    assert again["answer"]["step_notes"] == ["fine", None, None]


# ---------------------------------------------------------------- step_annotations


def test_step_annotations_long_frame(df, rubric, tmp_path):
    ana = make(df, tmp_path, rubric)
    ana.submit(
        {"answer_correct": "no", "step_ratings": [1, -1, 0], "step_notes": [None, "7, not 8", None]}
    )
    ana.submit({"answer_correct": "yes", "step_ratings": [1, 1]})
    bo = make(df, tmp_path, rubric, annotator="bo")
    bo.submit({"answer_correct": "no", "step_ratings": [1, 0, -1]})
    steps = ana.step_annotations
    assert steps.columns == [
        "id", "annotator", "step", "rating", "note", "step_text", "step_kind", "is_first_error",
    ]  # fmt: skip
    assert steps.schema["id"] == pl.Int64
    assert steps.schema["rating"] == pl.Int8
    assert steps.schema["step"] == pl.Int64
    assert steps.rows() == [
        (10, "ana", 0, 1, None, "Three boxes hold $3 \\cdot 4 = 12$ pens.", "reasoning", False),
        (10, "ana", 1, -1, "7, not 8", "Minus five: 12 - 5 = 8.", "reasoning", True),
        (10, "ana", 2, 0, None, "So there are 8 pens.", "reasoning", False),
        (10, "bo", 0, 1, None, "Three boxes hold $3 \\cdot 4 = 12$ pens.", "reasoning", False),
        (10, "bo", 1, 0, None, "Minus five: 12 - 5 = 8.", "reasoning", False),
        (10, "bo", 2, -1, None, "So there are 8 pens.", "reasoning", True),
        (11, "ana", 0, 1, None, "Two plus two.", "reasoning", False),
        (11, "ana", 1, 1, None, "That is 4.", "reasoning", False),
    ]
    # cached until the next write, then fresh
    assert ana.step_annotations is ana.step_annotations
    bo.submit({"answer_correct": "yes", "step_ratings": [1, 1]})
    assert ana.step_annotations.height == 10


def test_step_annotations_feed_agreement_stats(df, tmp_path):
    a = make(df, tmp_path)
    b = make(df, tmp_path, annotator="bo")
    for w, r in ((a, [[1, -1, 0], [1, 1], [0, 1]]), (b, [[1, -1, -1], [1, 1], [0, 1]])):
        for item, ratings in zip([10, 11, 12], r, strict=True):
            w.submit({"step_ratings": ratings}, item=item)
    long = a.step_annotations.select(
        pl.format("{}:{}", "id", "step").alias("id"), "annotator", "rating"
    )
    alpha = stats.krippendorff_alpha(long, "rating", level="ordinal")
    assert 0.5 < alpha < 1.0


def test_step_annotations_when_empty(df, tmp_path):
    steps = make(df, tmp_path).step_annotations
    assert steps.height == 0
    assert steps.schema["rating"] == pl.Int8


# ---------------------------------------------------------------- trace formats


def test_lists_of_steps_in_polars_and_pandas(tmp_path):
    steps = [["add 2 and 3", "  ", "get 5"], ["double it", "get 10"]]
    for i, frame in enumerate(
        [
            pl.DataFrame({"id": ["a", "b"], "reasoning": steps}),
            pd.DataFrame({"id": ["a", "b"], "reasoning": steps}),
        ]
    ):
        w = make(frame, tmp_path / str(i), question=None, answer=None)
        first = items_of(Wire(w).hello())[0]
        assert first["blocks"] == []
        assert [s["text"] for s in first["extra"]["steps"]] == ["add 2 and 3", "get 5"]
        assert "1 empty element(s) skipped (index 1)" in first["extra"]["warnings"]
        w.submit({"step_ratings": [1, 1]})
        assert w.step_annotations["step_text"].to_list() == ["add 2 and 3", "get 5"]


def _chat(city):
    return [
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": f"Weather in {city}, in °F?"},
        {
            "role": "assistant",
            "content": "I'll look it up.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": json.dumps({"city": city})},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 20}'},
        {"role": "assistant", "content": "It is 68 °F."},
    ]


@pytest.mark.parametrize("kind", ["polars", "pandas", "json"])
def test_chat_message_lists_with_tool_calls(tmp_path, kind):
    convs = [_chat("Paris"), _chat("Oslo")]
    if kind == "polars":
        frame = pl.DataFrame({"id": [1, 2], "conv": convs})
    elif kind == "pandas":
        frame = pd.DataFrame({"id": [1, 2], "conv": convs})
    else:
        frame = pl.DataFrame({"id": [1, 2], "conv": [json.dumps(c) for c in convs]})
    w = make(frame, tmp_path, trace="conv", question=None, answer=None)
    extra = items_of(Wire(w).hello())[0]["extra"]
    assert [s["kind"] for s in extra["steps"]] == ["reasoning", "tool_call", "tool_result"]
    call, result = extra["steps"][1], extra["steps"][2]
    assert call["meta"]["name"] == "get_weather"
    assert call["meta"]["arguments"] == {"city": "Paris"}
    assert result["meta"]["name"] == "get_weather"
    assert result["text"] == '{"temp_c": 20}'
    assert extra["answer"] == "It is 68 °F."
    assert extra["context"][1] == {"role": "user", "content": "Weather in Paris, in °F?"}
    assert "meta" not in extra["steps"][0]
    w.submit({"step_ratings": [0, 1, 1]})
    kinds = w.step_annotations["step_kind"].to_list()
    assert kinds == ["reasoning", "tool_call", "tool_result"]


def test_custom_splitter_and_odd_values(tmp_path):
    frame = pl.DataFrame({"id": [1, 2, 3], "t": ["a | b | c", None, ""]})
    w = make(frame, tmp_path, trace="t", question=None, answer=None,
             splitter=lambda s: s.split("|"))  # fmt: skip
    items = items_of(Wire(w).hello())
    assert [s["text"] for s in items[0]["extra"]["steps"]] == ["a", "b", "c"]
    assert items[1]["extra"]["steps"] == []
    assert items[1]["extra"]["warnings"] == ["the trace is missing (None)"]
    # a trace without steps is judged with an empty rating list
    assert w.submit({"step_ratings": []}, item=2)["n_steps"] == 0
    with pytest.raises(rw.RubricError, match="there is no step 1"):
        w.submit({"step_ratings": [1]}, item=3)
    w.submit({}, item=3)
    assert w.step_annotations.filter(pl.col("id") > 1).height == 0


def test_long_trace_is_sent_whole_and_checked(tmp_path):
    text = "\n".join(f"Step {i}: $x_{{{i}}} = {i}^2$ " + "word " * 30 for i in range(1, 501))
    frame = pl.DataFrame({"id": [1], "t": [text]})
    w = make(frame, tmp_path, trace="t", question=None, answer=None)
    extra = items_of(Wire(w).hello())[0]["extra"]
    assert extra["n_steps"] == 500
    assert len(text) > 80_000
    w.submit({"step_ratings": [1] * 499 + [-1]})
    assert w.annotations["first_error_step"].to_list() == [499]


# ---------------------------------------------------------------- construction errors


@pytest.mark.parametrize(
    ("kw", "error", "needle"),
    [
        ({"step_label": (-1, 1)}, TypeError, "unknown argument 'step_label'; did you mean 'step_labels'"),
        ({"trace": "reasonig"}, ValueError, "trace='reasonig': no such column; did you mean 'reasoning'"),
        ({"question": "problems"}, ValueError, "question='problems': no such column; did you mean 'problem'"),
        ({"answer": "answer"}, ValueError, "answer='answer': no such column"),
        ({"trace": "problem"}, ValueError, "trace='problem' is also the question column"),
        ({"step_labels": (-1, -1, 1)}, ValueError, "rating -1 is given twice"),
        ({"step_labels": (1,)}, ValueError, "needs 2 to 9 ratings"),
        ({"step_labels": tuple(range(10))}, ValueError, "needs 2 to 9 ratings"),
        ({"step_labels": (True, False)}, ValueError, "rating True is not an integer"),
        ({"step_labels": (0.5, 1)}, ValueError, "rating 0.5 is not an integer"),
        ({"step_labels": (0, 200)}, ValueError, "rating 200 is outside -128..127"),
        ({"step_labels": "-1,0,1"}, TypeError, "step_labels= takes a tuple of integers"),
        ({"step_labels": {-1: "", 1: "ok"}}, ValueError, "the name of rating -1 must be a non-empty string"),
        ({"require_all_steps": "yes"}, TypeError, "require_all_steps= must be True or False"),
        ({"splitter": "|"}, TypeError, "splitter= must be a function"),
        ({"format": "html"}, ValueError, "format for the trace steps is 'html'"),
        ({"format": {"id": "text"}}, ValueError, "format= names 'id', which is not shown"),
        ({"rubric": "verdict"}, TypeError, "rubric must be a rw.Rubric"),
        ({"rubric": rw.Rubric([rw.Scale("n_steps", 1, 5)])}, rw.RubricError, "clashes with a TraceRater answer key"),
        ({"rubric": rw.Rubric([rw.Choice("ok", [rw.Option("yes", key="1"), "no"])])}, rw.RubricError,
         "key '1' for ok=yes is used by TraceRater"),
        ({"rubric": rw.Rubric([rw.Flag("note", key="n")])}, rw.RubricError, "key 'n' for note is used by TraceRater"),
    ],
)  # fmt: skip
def test_bad_construction_is_refused_clearly(df, tmp_path, kw, error, needle):
    with pytest.raises(error) as info:
        make(df, tmp_path, **kw)
    assert needle in str(info.value)


def test_default_column_missing_says_how_to_leave_it_out(tmp_path):
    frame = pl.DataFrame({"id": [1], "reasoning": ["a"]})
    with pytest.raises(
        ValueError, match=r"question='problem': no such column \(the default; pass question=None"
    ):
        make(frame, tmp_path)
    w = make(frame, tmp_path, question=None, answer=None, format="text")
    assert w._config["step_format"] == "text"


def test_text_format_and_labels_for_the_shown_columns(df, tmp_path):
    w = make(
        df, tmp_path, format={"problem": "text", "reasoning": "text"}, labels={"problem": "Task"}
    )
    first = items_of(Wire(w).hello())[0]
    assert [(b["label"], b["format"]) for b in first["blocks"]] == [
        ("Task", "text"),
        ("Final answer", "markdown"),
    ]
    assert w._config["step_format"] == "text"


def test_manifest_records_the_step_scale_and_warns_when_it_changes(df, tmp_path):
    w = make(df, tmp_path)
    trace = w.store.get_manifest("default")["trace"]
    assert trace["step_labels"] == {"-1": "wrong", "0": "neutral", "1": "good"}
    assert trace["answer_keys"]["step_ratings"] == "List(Int8)"
    make(df, tmp_path)  # same scale: silent
    with pytest.warns(UserWarning, match="was started with step labels"):
        make(df, tmp_path, step_labels=(0, 1))


def test_queue_control_and_adjudication_pass_through(df, rubric, tmp_path):
    # overlap: with two annotators and overlap 1, each trace goes to one of them
    queues = [
        make(df, tmp_path, annotator=a, overlap=1, annotators=["ana", "bo"]).queue["id"].to_list()
        for a in ("ana", "bo")
    ]
    assert sorted(queues[0] + queues[1]) == [10, 11, 12]
    # adjudication on a rubric field: the lead sees everyone's step ratings with the item
    make(df, tmp_path, rubric, study="adj").submit(
        {"answer_correct": "no", "step_ratings": [1, -1, -1]}, item=10
    )
    make(df, tmp_path, rubric, study="adj", annotator="bo").submit(
        {"answer_correct": "yes", "step_ratings": [1, 1, 1]}, item=10
    )
    lead = make(df, tmp_path, rubric, study="adj", annotator="lead", mode="adjudicate")
    others = items_of(Wire(lead).hello())[0]["extra"]["others"]
    assert [(o["annotator"], o["answer"]["step_ratings"]) for o in others] == [
        ("ana", [1, -1, -1]),
        ("bo", [1, 1, 1]),
    ]
    final = lead.submit({"answer_correct": "no", "step_ratings": [1, -1, 0]})
    assert final["first_error_step"] == 1


def test_sensitive_traces_are_flagged_for_the_frontend_and_recorded(tmp_path):
    df = rw.datasets.traces(n=3, seed=0).with_columns(pl.Series("grim", [True, False, True]))
    w = rw.TraceRater(df, sensitive="grim", content_warning="graphic method",
                      store=str(tmp_path / "s.sqlite"), annotator="ana")  # fmt: skip
    items = {i["pos"]: i for i in Wire(w).hello()[0]["items"]}
    assert (items[0]["sensitive"], items[0]["warning"]) == (True, "graphic method")
    assert (items[1]["sensitive"], items[1]["warning"]) == (False, None)
    n = items[0]["extra"]["n_steps"]
    w.submit({"step_ratings": [1] * n})
    meta = w.store.history("default").get_column("meta")[0]
    assert json.loads(meta)["sensitive"] is True
    with pytest.raises(ValueError, match="did you mean 'grim'"):
        rw.TraceRater(df, sensitive="grin", store=str(tmp_path / "s.sqlite"), annotator="ana")
