"""Rows to display blocks, queue order and status, and typed annotation frames."""

import io
import json
from datetime import datetime, timezone

import pandas as pd
import polars as pl
import pytest

import rater_widgets as rw
from rater_widgets.content import ContentSpec, to_chat, to_data_url
from rater_widgets.frames import to_polars, typed_annotations
from rater_widgets.queue import Queue
from rater_widgets.store.base import RAW_SCHEMA

# ------------------------------------------------------------------ content


def test_blocks_context_first_with_labels_and_formats():
    spec = ContentSpec(
        ["id", "prompt", "response"],
        content="response",
        context=["prompt"],
        format={"prompt": "text", "response": "html"},
        labels={"prompt": "User prompt"},
    )
    blocks = spec.blocks({"id": 1, "prompt": "<b>hi</b>", "response": "<i>x</i>"})
    assert [(b["name"], b["label"], b["format"], b["role"]) for b in blocks] == [
        ("prompt", "User prompt", "text", "context"),
        ("response", "response", "html", "content"),
    ]
    assert blocks[0]["value"] == "<b>hi</b>"  # passed on untouched; the frontend renders safely


def test_format_inference_markdown_chat_image():
    spec = ContentSpec(["a", "b", "c"], content=["a", "b", "c"])
    png = b"\x89PNG\r\n\x1a\n" + bytes(20)
    blocks = spec.blocks({"a": "**md**", "b": [{"role": "user", "content": "hi"}], "c": png})
    assert [b["format"] for b in blocks] == ["markdown", "chat", "image"]
    assert blocks[2]["value"].startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"content": "respnse"}, "did you mean 'response'"),
        ({"content": "response", "context": ["promt"]}, "context='promt'"),
        ({"content": "response", "format": "htm"}, "did you mean 'html'"),
        ({"content": "response", "format": {"nope": "text"}}, "format='nope'"),
    ],
)
def test_content_errors_name_the_column(kw, needle):
    with pytest.raises(ValueError, match=needle):
        ContentSpec(["id", "prompt", "response"], **kw)


def test_images_from_pil_path_and_bytes(tmp_path):
    from PIL import Image

    img = Image.new("RGB", (4, 4), "red")
    assert to_data_url(img).startswith("data:image/png;base64,")
    buf = io.BytesIO()
    img.save(buf, format="JPEG")
    path = tmp_path / "x.jpg"
    path.write_bytes(buf.getvalue())
    assert to_data_url(str(path)).startswith("data:image/jpeg;base64,")
    assert to_data_url(buf.getvalue()).startswith("data:image/jpeg;base64,")
    with pytest.raises(ValueError, match="does not exist"):
        to_data_url(str(tmp_path / "missing.png"))
    # remote URLs pass through: the frontend blocks them until the rater allows
    assert to_data_url("https://example.com/a.png") == "https://example.com/a.png"


def test_chat_normalization_handles_tool_calls_and_parts():
    chat = to_chat(
        [
            {"role": "system", "content": "be nice"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"function": {"name": "search", "arguments": '{"q": "x"}'}}],
            },
            {"role": "tool", "name": "search", "content": [{"type": "text", "text": "result"}]},
        ]
    )
    assert [m["role"] for m in chat] == ["system", "assistant", "tool"]
    assert "search" in chat[1]["content"]
    assert chat[2] == {"role": "tool", "content": "result", "name": "search"}
    assert to_chat('[{"role": "user", "content": "json"}]')[0]["content"] == "json"


def test_redact_hook_applies_to_text_and_chat():
    spec = ContentSpec(["a", "b"], content=["a", "b"], redact=lambda s: s.replace("secret", "███"))
    blocks = spec.blocks({"a": "a secret", "b": [{"role": "user", "content": "secret!"}]})
    assert blocks[0]["value"] == "a ███"
    assert blocks[1]["value"][0]["content"] == "███!"


# ------------------------------------------------------------------ queue


def test_queue_random_order_is_seeded_and_complete():
    ids = pl.Series([f"i{i}" for i in range(50)])
    a, b = Queue(ids, order="random", seed=7), Queue(ids, order="random", seed=7)
    assert a.ids.to_list() == b.ids.to_list()
    assert sorted(a.ids.to_list()) == sorted(ids.to_list())
    assert a.ids.to_list() != Queue(ids, order="random", seed=8).ids.to_list()
    assert Queue(ids, limit=5).ids.to_list() == ids.to_list()[:5]


def test_queue_status_and_resume():
    q = Queue(pl.Series(["a", "b", "c", "d"]))
    latest = pl.DataFrame(
        {"item_id": ["a", "c", "b", "zz"], "kind": ["answer", "answer", "skip", "answer"]}
    )
    q.load_status(latest)
    assert [q.status(i) for i in range(4)] == ["done", "skipped", "done", "new"]
    assert q.first_open() == 3
    assert q.progress().to_dict() == {"done": 2, "skipped": 1, "total": 4}
    q.set_status(3, "done")
    assert (q.first_open(), q.progress().done) == (4, 3)
    assert (q.position_of("c"), q.position_of("nope")) == (2, None)


@pytest.mark.parametrize("kw", [{"order": "shuffled"}, {"limit": 0}, {"limit": True}])
def test_queue_bad_arguments(kw):
    with pytest.raises(ValueError, match=r"order=|limit="):
        Queue(pl.Series(["a"]), **kw)


# ------------------------------------------------------------------ frames


def raw(rows):
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    base = dict.fromkeys(RAW_SCHEMA)
    out = []
    for i, r in enumerate(rows):
        out.append(
            {
                **base,
                "row_id": i + 1,
                "study": "s",
                "role": "annotator",
                "created_at": now,
                "duration_ms": 100 * (i + 1),
                **r,
            }
        )
    return pl.DataFrame(out, schema=RAW_SCHEMA)


def test_typed_annotations_columns_and_types():
    rubric = rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "violating"]),
            rw.MultiChoice("cats", ["a", "b"]),
            rw.Scale("conf", 1, 5),
            rw.Text("why"),
            rw.Flag("esc"),
            rw.Number("score"),
        ]
    )
    ans = {"verdict": "violating", "cats": ["b"], "conf": 4, "why": "x", "esc": True, "score": 0.5}
    frame = typed_annotations(
        raw(
            [
                {"item_id": "1", "annotator": "ana", "kind": "answer", "answer": json.dumps(ans)},
                {"item_id": "2", "annotator": "ana", "kind": "skip"},
            ]
        ),
        rubric,
        id_dtype=pl.Int64(),
    )
    assert frame.columns == [
        "id",
        "annotator",
        "verdict",
        "cats",
        "conf",
        "why",
        "esc",
        "score",
        "duration_ms",
        "updated_at",
    ]
    assert frame.schema["id"] == pl.Int64
    assert frame.schema["verdict"] == pl.Enum(["safe", "violating"])
    assert frame.schema["cats"] == pl.List(pl.Enum(["a", "b"]))
    assert (frame.schema["conf"], frame.schema["esc"]) == (pl.Int64, pl.Boolean)
    assert frame.height == 1  # the skip is not an annotation
    assert frame.row(0)[:8] == (1, "ana", "violating", ["b"], 4, "x", True, 0.5)


def test_typed_annotations_empty_and_changed_options():
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"])])
    empty = typed_annotations(raw([]), rubric)
    assert empty.height == 0
    assert empty.schema["verdict"] == pl.Enum(["safe", "violating"])
    old = raw(
        [{"item_id": "1", "annotator": "a", "kind": "answer", "answer": '{"verdict": "gone"}'}]
    )
    assert typed_annotations(old, rubric)["verdict"].to_list() == [None]


def test_to_polars_accepts_pandas_and_rejects_other_things():
    pdf = pd.DataFrame({"id": [1, 2], "text": ["a", "b"]})
    assert to_polars(pdf).to_dicts() == [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]
    with pytest.raises(TypeError, match="must be a dataframe"):
        to_polars([1, 2, 3])
