"""Span annotations in the kernel: the Spans field, the check of every span against the
item's own text (tampered spans refused, nothing stored), offsets with unicode, suggested
spans, the long frame and agreement on the widget's own annotations."""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl
import pytest

import rater_widgets as rw
from rater_widgets import protocol
from rater_widgets.fields import SPAN_COLORS, SpanLabel, Spans
from rater_widgets.spans import TRACE_SPAN_DTYPE
from rater_widgets.traces import parse_trace

#: emoji (astral, with a skin tone and a ZWJ family), combining marks, CJK, right-to-left
UNICODE = (
    "Hey 👋🏽 Zoe\u0301! 👨‍👩‍👧 I will find you at 東京タワー. "
    "سأجدك أينما كنت. Call 555-0100 or **mail** zoe@example.org."
)
TEXTS = [UNICODE, "Plain text, *nothing* here.", "שלום 🙂 עולם — 找到你了"]


def rubric(**kw: Any) -> rw.Rubric:
    return rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "violating"], required=True),
            Spans("evidence", labels=["threat", "slur", "self-harm", "pii"], **kw),
        ]
    )


def at(text: str, sub: str, label: str) -> dict[str, Any]:
    """A span over the first ``sub`` in ``text``, in Python offsets (code points)."""
    start = text.index(sub)
    return {"start": start, "end": start + len(sub), "label": label}


class Wire:
    """Drive a widget with the exact frontend messages; collect its replies."""

    def __init__(self, w: Any) -> None:
        self.w = w
        self.sent: list[dict[str, Any]] = []
        w._reply = self.sent.append

    def submit(self, seq: int, pos: int, item: str, answer: dict[str, Any]) -> list[dict[str, Any]]:
        self.sent.clear()
        msg = {
            "type": "submit", "seq": seq, "pos": pos, "item": item, "answer": answer, "ms": 900,
            "need": [], "client": {"session": "s", "view": "v"},
        }  # fmt: skip
        self.w._on_msg(self.w, json.loads(json.dumps(msg)), [])  # as JSON, like the wire
        return list(self.sent)


@pytest.fixture
def df() -> pl.DataFrame:
    return pl.DataFrame({"id": [1, 2, 3], "text": TEXTS, "prompt": ["p1", "p2", "p3"]})


def make(df: pl.DataFrame, tmp_path: Any, r: rw.Rubric | None = None, **kw: Any) -> rw.ItemRater:
    kw.setdefault("annotator", "ana")
    kw.setdefault("content", "text")
    return rw.ItemRater(df, r or rubric(), store=str(tmp_path / "s.sqlite"), **kw)


# ---------------------------------------------------------------- the field


def test_field_shape_check_and_serialization() -> None:
    f = Spans("evidence", labels=["threat", {"value": "pii", "key": "i", "color": "#000000"}])
    assert f.check([at("ab cd", "cd", "pii"), at("ab cd", "ab", "threat")]) == [
        {"start": 0, "end": 2, "label": "threat"},
        {"start": 3, "end": 5, "label": "pii"},
    ]
    d = f.to_dict()
    assert d["labels"] == [
        {"value": "threat", "key": None, "color": SPAN_COLORS[0], "description": None},
        {"value": "pii", "key": "i", "color": "#000000", "description": None},
    ]
    again = rw.Rubric.from_dict(rw.Rubric([f]).to_dict())
    assert again.rubric_hash == rw.Rubric([f]).rubric_hash
    assert isinstance(again.fields[0], Spans)
    assert again.fields[0].labels[1] == SpanLabel("pii", key="i", color="#000000")


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("0-5", "expects a list of spans"),
        ([{"start": 0, "end": 5}], "label None is not a label"),
        ([{"start": 0, "end": 5, "label": "thret"}], "did you mean 'threat'"),
        ([{"start": 5, "end": 5, "label": "pii"}], "needs 0 <= start < end"),
        ([{"start": -1, "end": 5, "label": "pii"}], "needs 0 <= start < end"),
        ([{"start": "0", "end": 5, "label": "pii"}], "start and end must be integers"),
        ([{"start": True, "end": 5, "label": "pii"}], "start and end must be integers"),
        ([{"start": 0, "end": 5, "label": "pii", "admin": 1}], "unknown key 'admin'"),
        ([{"start": 0, "end": 5, "label": "pii"}] * 2, "span 0-5 'pii' is given twice"),
        ([{"start": 0, "end": 5, "label": "pii", "text": 5}], "text must be a string"),
        ([[0, 5, "pii"]], "span #1 must be"),
    ],
)
def test_field_refuses_bad_spans_naming_field_and_span(value: Any, needle: str) -> None:
    r = rubric()
    with pytest.raises(rw.RubricError) as e:
        r.validate({"verdict": "safe", "evidence": value})
    assert e.value.field == "evidence"
    assert needle in str(e.value)


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"labels": []}, "non-empty list"),
        ({"labels": "threat"}, "non-empty list"),
        ({"labels": ["a", "a"]}, "duplicate span labels ['a']"),
        ({"labels": [{"value": "a", "color": "red"}]}, "color must be '#RRGGBB'"),
        ({"labels": [{"name": "a"}]}, "needs 'value'"),
        ({"labels": ["a"], "source": 3}, "source= takes a column name"),
    ],
)
def test_field_definition_errors(kw: dict[str, Any], needle: str) -> None:
    with pytest.raises(rw.RubricError, match=re.escape(needle)):
        Spans("evidence", **kw)


def test_required_and_conditions() -> None:
    r = rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "violating"]),
            Spans("evidence", labels=["threat"], required_if={"verdict": ["violating"]}),
        ]
    )
    with pytest.raises(rw.RubricError, match="mark at least one span"):
        r.validate({"verdict": "violating", "evidence": []})
    # shown and left alone: "read it, nothing to mark" (agreement counts it), not null
    assert r.validate({"verdict": "safe"})["evidence"] == []
    with pytest.raises(rw.RubricError, match="cannot take"):
        rw.Rubric([Spans("evidence", labels=["a"]), rw.Text("why", show_if={"evidence": ["a"]})])


def test_label_keys_are_free_letters_clear_of_every_other_key() -> None:
    r = rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "violating"]),
            rw.Flag("escalate"),
            Spans("evidence", labels=["threat", "slur", "self-harm", "pii", "violence"]),
        ]
    )
    wire = r.wire()
    labels = wire["fields"][2]["labels"]
    keys = [lab["key"] for lab in labels]
    other = [wire["fields"][1]["key"]] + [o["key"] for o in wire["fields"][0]["options"]]
    assert all(k and len(k) == 1 and k.isalpha() for k in keys)
    assert len(set(keys + other)) == len(keys + other)
    assert not set(keys) & (set(protocol.RESERVED_KEYS) | set(protocol.SPAN_KEYS))
    assert [lab["color"] for lab in labels] == list(SPAN_COLORS[:5])
    # the span keys are taken only when a rubric has spans
    plain = rw.Rubric([rw.Flag("very_bad")]).wire()
    assert plain["fields"][0]["key"] == "v"
    with pytest.raises(rw.RubricError, match="used for span marking"):
        rw.Rubric([rw.Flag("yes", key="y"), Spans("evidence", labels=["a"])])
    with pytest.raises(rw.RubricError, match="reserved by the widget"):
        rw.Rubric([Spans("evidence", labels=[SpanLabel("a", key="s")])])


# ---------------------------------------------------------------- ItemRater: the kernel is the judge


def test_offsets_round_trip_with_unicode(df: pl.DataFrame, tmp_path: Any) -> None:
    w = make(df, tmp_path)
    wire = Wire(w)
    marks = [
        at(UNICODE, "👋🏽", "pii"),
        at(UNICODE, "Zoe\u0301", "pii"),
        at(UNICODE, "👨‍👩‍👧", "slur"),
        at(UNICODE, "I will find you at 東京タワー", "threat"),
        at(UNICODE, "東京", "pii"),  # overlaps the threat
        at(UNICODE, "سأجدك أينما كنت", "threat"),
        at(UNICODE, "**mail**", "pii"),
    ]
    out = wire.submit(1, 0, "1", {"verdict": "violating", "evidence": marks})
    assert out[0]["type"] == "ack", out
    stored = w.annotations.filter(pl.col("id") == 1)["evidence"].to_list()[0]
    for span in stored:
        assert UNICODE[span["start"] : span["end"]] == span["text"]
    assert {s["text"] for s in stored} == {
        "👋🏽", "Zoe\u0301", "👨‍👩‍👧", "I will find you at 東京タワー", "東京", "سأجدك أينما كنت",
        "**mail**",
    }  # fmt: skip
    # code points, not UTF-16 units or bytes: the family emoji is 5 code points
    fam = next(s for s in stored if s["label"] == "slur")
    assert fam["end"] - fam["start"] == 5
    wire.submit(2, 1, "2", {"verdict": "safe", "evidence": []})
    rtl = TEXTS[2]
    wire.submit(3, 2, "3", {"verdict": "violating", "evidence": [at(rtl, "🙂 עולם", "slur")]})
    long = w.span_annotations
    assert long.columns == ["id", "annotator", "field", "start", "end", "label", "text"]
    assert long.height == 8
    assert long.schema["id"] == pl.Int64
    assert long.schema["start"] == pl.Int64
    sources = dict(zip(df["id"], df["text"], strict=True))
    for r in long.iter_rows(named=True):
        assert sources[r["id"]][r["start"] : r["end"]] == r["text"]
    assert w.annotations.filter(pl.col("id") == 2)["evidence"].to_list() == [[]]


@pytest.mark.parametrize(
    ("evidence", "needle"),
    [
        ([{"start": 0, "end": len(UNICODE) + 1, "label": "pii"}],
         f"end {len(UNICODE) + 1} is past the end of the text (column 'text' has {len(UNICODE)}"),
        ([{"start": 0, "end": 3, "label": "pii", "text": "Bye"}], "is not the text at 0-3"),
        ([{"start": 0, "end": 3, "label": "nope"}], "label 'nope' is not a label"),
        ([{"start": 3, "end": 1, "label": "pii"}], "needs 0 <= start < end"),
        ([{"step": 0, "start": 0, "end": 3, "label": "pii"}], "an ItemRater span has no step"),
        ([{"start": 0, "end": 3, "label": "pii"}, {"start": 0, "end": 3, "label": "pii"}],
         "given twice"),
    ],
)  # fmt: skip
def test_tampered_spans_are_refused_and_nothing_is_stored(
    df: pl.DataFrame, tmp_path: Any, evidence: list[dict[str, Any]], needle: str
) -> None:
    w = make(df, tmp_path)
    out = Wire(w).submit(7, 0, "1", {"verdict": "violating", "evidence": evidence})
    assert [m["type"] for m in out] == ["error"]
    assert out[0]["field"] == "evidence"
    assert out[0]["seq"] == 7
    assert needle in out[0]["message"], out[0]["message"]
    assert "field 'evidence'" in out[0]["message"]
    assert w.history.height == 0
    # the same item still takes a good answer
    ok = Wire(w).submit(
        8, 0, "1", {"verdict": "violating", "evidence": [at(UNICODE, "Hey", "pii")]}
    )
    assert ok[0]["type"] == "ack"


def test_python_submit_takes_spans_back_from_annotations(df: pl.DataFrame, tmp_path: Any) -> None:
    w = make(df, tmp_path)
    w.submit({"verdict": "violating", "evidence": [at(UNICODE, "東京タワー", "pii")]})
    previous = w.annotations["evidence"].to_list()[0]  # with the text filled in
    again = w.submit({"verdict": "violating", "evidence": previous}, item=1)
    assert again["evidence"] == previous
    assert w.history.height == 2


def test_hidden_spans_field_keeps_no_spans(df: pl.DataFrame, tmp_path: Any) -> None:
    r = rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "violating"]),
            Spans("evidence", labels=["pii"], show_if={"verdict": ["violating"]}),
        ]
    )
    w = make(df, tmp_path, r)
    out = w.submit({"verdict": "safe", "evidence": [at(UNICODE, "Hey", "pii")]})
    assert out["evidence"] is None
    assert w.span_annotations.height == 0


def test_source_column_and_config(df: pl.DataFrame, tmp_path: Any) -> None:
    r = rw.Rubric(
        [Spans("evidence", labels=["pii"]), Spans("asks", labels=["pii"], source="prompt")]
    )
    w = make(df, tmp_path, r, context=["prompt"])
    assert w._config["spans"] == {"evidence": {"source": "text"}, "asks": {"source": "prompt"}}
    out = w.submit({"evidence": [], "asks": [{"start": 0, "end": 2, "label": "pii"}]})
    assert out["asks"] == [{"start": 0, "end": 2, "label": "pii", "text": "p1"}]
    with pytest.raises(
        rw.RubricError, match=r"end 3 is past the end of the text \(column 'prompt'"
    ):
        w.submit({"asks": [{"start": 0, "end": 3, "label": "pii"}]}, item=2)


@pytest.mark.parametrize(
    ("r", "kw", "needle"),
    [
        (rubric(source="prompt"), {}, "source='prompt' is not a column the rater sees"),
        (rubric(source="txt"), {}, "did you mean 'text'"),
        (rubric(), {"format": "html"}, "shown as 'html'; spans mark text"),
        (rubric(), {"redact": True}, "use spans or redaction, not both"),
        (rubric(suggestions="model"), {}, "suggestions='model': no such column"),
    ],
)
def test_construction_errors(
    df: pl.DataFrame, tmp_path: Any, r: rw.Rubric, kw: dict[str, Any], needle: str
) -> None:
    with pytest.raises(rw.RubricError, match=re.escape(needle)):
        make(df, tmp_path, r, **kw)


def test_source_that_is_not_text_for_an_item(tmp_path: Any) -> None:
    data = pl.DataFrame({"id": [1, 2], "text": ["hello", None]})
    w = make(data, tmp_path)
    w.submit({"verdict": "safe", "evidence": [{"start": 0, "end": 5, "label": "pii"}]})
    with pytest.raises(rw.RubricError, match="column 'text' is empty for this item"):
        w.submit({"verdict": "safe", "evidence": [{"start": 0, "end": 1, "label": "pii"}]})
    assert w.submit({"verdict": "safe"})["evidence"] == []


# ---------------------------------------------------------------- suggested spans


def test_suggested_spans_reach_the_item_checked(df: pl.DataFrame, tmp_path: Any) -> None:
    phone = UNICODE.index("555-0100")
    data = df.with_columns(
        pl.Series(
            "model_spans",
            [
                [
                    {"start": phone, "end": phone + 8, "label": "pii"},
                    {"start": 0, "end": 999, "label": "pii"},  # past the end: dropped
                    {"start": 0, "end": 3, "label": "spam"},  # unknown label: dropped
                ],
                None,
                [],
            ],
        )
    )
    w = make(data, tmp_path, rubric(suggestions="model_spans"))
    extra = w._item(0)["extra"]["spans"]["evidence"]
    assert extra["suggested"] == [{"start": phone, "end": phone + 8, "label": "pii"}]
    assert "2 suggested span(s) do not fit" in extra["warnings"][0]
    assert w._item(1)["extra"]["spans"]["evidence"] == {"suggested": [], "warnings": []}
    # accepting one is an ordinary span
    w.submit({"verdict": "violating", "evidence": extra["suggested"]})
    assert w.span_annotations["text"].to_list() == ["555-0100"]


def test_suggestions_as_json_text(tmp_path: Any) -> None:
    data = pl.DataFrame(
        {
            "id": [1],
            "text": ["call 555"],
            "model": [json.dumps([{"start": 5, "end": 8, "label": "pii"}])],
        }
    )
    w = make(data, tmp_path, rubric(suggestions="model"))
    assert w._item(0)["extra"]["spans"]["evidence"]["suggested"] == [
        {"start": 5, "end": 8, "label": "pii"}
    ]


# ---------------------------------------------------------------- TraceRater: spans per step

TRACE = (
    "Step 1: 3 boxes of 4 is 12 📦.\nStep 2: Take away **5**: 12 - 5 = 8 → eight.\nFinal answer: 8"
)


def trace_rater(tmp_path: Any, **kw: Any) -> rw.TraceRater:
    data = pl.DataFrame({"id": ["t1"], "problem": ["?"], "reasoning": [TRACE], "final_answer": ["8"],
                         "model": [[{"step": 1, "start": 0, "end": 8, "label": "logic"}]]})  # fmt: skip
    r = rw.Rubric([Spans("error_spans", labels=["arithmetic", "logic"], **kw)])
    return rw.TraceRater(
        data, rubric=r, store=str(tmp_path / "t.sqlite"), annotator="ana", require_all_steps=False
    )


def test_trace_spans_index_the_step_text(tmp_path: Any) -> None:
    w = trace_rater(tmp_path, suggestions="model")
    steps = parse_trace(TRACE).steps
    eq = steps[1].text.index("12 - 5 = 8")
    item = w._item(0)
    assert item["extra"]["spans"]["error_spans"]["suggested"] == [
        {"step": 1, "start": 0, "end": 8, "label": "logic"}
    ]
    assert w._rubric["fields"][0]["labels"][0]["key"] not in "123456789n"
    wire = Wire(w)
    answer = {
        "n_steps": 2,
        "error_spans": [
            {"step": 1, "start": eq, "end": eq + 10, "label": "arithmetic"},
            {"step": 0, "start": steps[0].text.index("📦"), "end": steps[0].text.index("📦") + 1,
             "label": "logic"},
        ],
    }  # fmt: skip
    out = wire.submit(1, 0, "t1", answer)
    assert out[0]["type"] == "ack", out
    assert w.annotations.schema["error_spans"] == pl.List(TRACE_SPAN_DTYPE)
    long = w.span_annotations
    assert long.columns == ["id", "annotator", "field", "step", "start", "end", "label", "text"]
    assert long.select("step", "text").rows() == [(0, "📦"), (1, "12 - 5 = 8")]
    for r in long.iter_rows(named=True):
        assert steps[r["step"]].text[r["start"] : r["end"]] == r["text"]


@pytest.mark.parametrize(
    ("span", "needle"),
    [
        ({"start": 0, "end": 3, "label": "logic"}, "needs the step it marks"),
        ({"step": 2, "start": 0, "end": 3, "label": "logic"}, "step 2 is not a step of this trace"),
        ({"step": 0, "start": 0, "end": 99, "label": "logic"}, "step 1 of the trace has"),
        ({"step": -1, "start": 0, "end": 3, "label": "logic"}, "step must be a step index"),
    ],
)
def test_trace_spans_tampered_are_refused(tmp_path: Any, span: dict[str, Any], needle: str) -> None:
    w = trace_rater(tmp_path)
    out = Wire(w).submit(1, 0, "t1", {"error_spans": [span]})
    assert out[0]["type"] == "error"
    assert out[0]["field"] == "error_spans"
    assert needle in out[0]["message"], out[0]["message"]
    assert w.history.height == 0


def test_trace_spans_take_no_source_column(tmp_path: Any) -> None:
    with pytest.raises(rw.RubricError, match="in a TraceRater spans mark the steps"):
        trace_rater(tmp_path, source="problem")


# ---------------------------------------------------------------- agreement on the widget's frame


def test_span_agreement_on_the_widgets_annotations(df: pl.DataFrame, tmp_path: Any) -> None:
    store = str(tmp_path / "s.sqlite")
    threat = at(UNICODE, "I will find you", "threat")
    part = at(UNICODE, "find you", "threat")
    phone = at(UNICODE, "555-0100", "pii")
    for who, spans in (("ana", [threat, phone]), ("bo", [part, phone])):
        w = rw.ItemRater(df, rubric(), content="text", store=store, annotator=who)
        w.submit({"verdict": "violating", "evidence": spans}, item=1)
    ann = w.annotations
    exact = rw.stats.span_agreement(ann, "evidence", mode="exact")
    overlap = rw.stats.span_agreement(ann, "evidence", mode="overlap")

    def f1(t: pl.DataFrame, label: str | None) -> float:
        row = t.filter(pl.col("label").is_null() if label is None else pl.col("label") == label)
        return float(row["f1"][0])

    assert f1(exact, "pii") == 1.0
    assert f1(exact, "threat") == 0.0
    assert f1(exact, None) == 0.5
    assert f1(overlap, "threat") == 1.0
    assert f1(overlap, None) == 1.0


def test_trace_span_agreement_matches_within_a_step(tmp_path: Any) -> None:
    span = pl.List(TRACE_SPAN_DTYPE)

    def s(step: int, start: int, end: int) -> dict[str, Any]:
        return {"step": step, "start": start, "end": end, "label": "logic", "text": "x"}

    ann = pl.DataFrame(
        {"id": ["t", "t"], "annotator": ["a", "b"], "error_spans": [[s(0, 0, 5)], [s(1, 0, 5)]]},
        schema_overrides={"error_spans": span},
    )
    # same offsets, different steps: no match
    assert rw.stats.span_agreement(ann, "error_spans")["f1"].to_list() == [0.0, 0.0]
    ann2 = ann.with_columns(pl.Series("error_spans", [[s(1, 0, 5)], [s(1, 2, 9)]], dtype=span))
    assert rw.stats.span_agreement(ann2, "error_spans", mode="overlap")["f1"].to_list() == [
        1.0,
        1.0,
    ]
