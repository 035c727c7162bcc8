"""ItemRater's kernel side driven exactly as the frontend drives it: the same messages,
the same replies, a real SQLite file underneath."""

import sqlite3

import pandas as pd
import polars as pl
import pytest

import rater_widgets as rw
from tests.wire import Wire


@pytest.fixture
def rubric():
    return rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "borderline", "violating"], required=True),
            rw.Text("rationale"),
        ]
    )


@pytest.fixture
def df():
    return pl.DataFrame({"id": [10, 11, 12, 13], "text": ["a", "**b**", "c", "d"]})


def make(df, rubric, tmp_path, **kw):
    kw.setdefault("annotator", "ana")
    return rw.ItemRater(df, rubric, content="text", store=str(tmp_path / "study.sqlite"), **kw)


def test_hello_sends_items_then_cursor(df, rubric, tmp_path):
    wire = Wire(make(df, rubric, tmp_path))
    out = wire.client(type="hello", client={"session": "s1", "view": "v1"}, need=[])
    assert [m["type"] for m in out] == ["items", "cursor"]
    assert out[1]["pos"] == 0
    first = out[0]["items"][0]
    assert (first["id"], first["status"], first["blocks"][0]["value"]) == ("10", "new", "a")
    # look-ahead only: never the whole frame
    assert len(out[0]["items"]) <= rw.protocol.LOOKAHEAD + 1


def test_submit_is_stored_before_ack_and_typed(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    wire = Wire(w)
    out = wire.submit(1, 0, "10", {"verdict": "violating", "rationale": "threat"})
    ack = next(m for m in out if m["type"] == "ack")
    assert ack == {"type": "ack", "seq": 1, "item": "10", "pos": 0, "suggestion": None,
                   "answer": {"verdict": "violating", "rationale": "threat"}}  # fmt: skip
    # committed: a separate connection sees it
    with sqlite3.connect(tmp_path / "study.sqlite") as con:
        assert (
            con.execute("select count(*) from annotations where kind='answer'").fetchone()[0] == 1
        )
    items = next(m for m in out if m["type"] == "items")
    assert [i["pos"] for i in items["items"]] == [1, 2]
    ann = w.annotations
    assert ann.columns == ["id", "annotator", "verdict", "rationale", "duration_ms", "updated_at"]
    assert ann.row(0)[:5] == (10, "ana", "violating", "threat", 900)
    assert ann.schema["verdict"] == pl.Enum(["safe", "borderline", "violating"])
    assert w.progress.done == 1
    assert w._progress == {"done": 1, "skipped": 0, "total": 4}


@pytest.mark.parametrize(
    ("msg", "needle"),
    [
        ({"type": "submit", "seq": 1, "pos": 0, "item": "11", "answer": {"verdict": "safe"},
          "ms": 1, "need": [], "client": {"session": "s", "view": "v"}}, "not the item at position 0"),
        ({"type": "submit", "seq": 1, "pos": 2, "item": "12", "answer": {"verdict": "safe"},
          "ms": 1, "need": [], "client": {"session": "s", "view": "v"}}, "not the current item"),
        ({"type": "submit", "seq": 1, "pos": 0, "item": "10", "answer": {"verdict": "unsafe"},
          "ms": 1, "need": [], "client": {"session": "s", "view": "v"}}, "'unsafe' is not an option"),
        ({"type": "submit", "seq": 1, "pos": 0, "item": "10", "answer": {"verdict": "safe", "x": 1},
          "ms": 1, "need": [], "client": {"session": "s", "view": "v"}}, "unknown field 'x'"),
        ({"type": "submit", "seq": 1, "pos": 0, "item": "10", "answer": "safe",
          "ms": 1, "need": [], "client": {"session": "s", "view": "v"}}, "'answer' must be an object"),
        ({"type": "drop_table", "seq": 1}, "unknown message type"),
        ({"type": "goto", "seq": 1, "pos": 0, "need": list(range(1000))}, "at most"),
        ("not even a dict", "must be an object"),
    ],
)  # fmt: skip
def test_tampered_messages_are_rejected_and_nothing_stored(df, rubric, tmp_path, msg, needle):
    w = make(df, rubric, tmp_path)
    w.submit({"verdict": "safe"}, item=13)  # something saved already must survive
    wire = Wire(w)
    wire.sent.clear()
    w._on_msg(w, msg, [])
    assert len(wire.sent) == 1
    err = wire.sent[0]
    assert err["type"] == "error"
    assert needle in err["message"]
    assert w.annotations["id"].to_list() == [13]
    assert w.history.height == 1


def test_rubric_error_names_field(df, rubric, tmp_path):
    wire = Wire(make(df, rubric, tmp_path))
    (err,) = wire.submit(1, 0, "10", {"rationale": "no verdict"})
    assert (err["type"], err["field"], err["seq"], err["pos"]) == ("error", "verdict", 1, 0)


def test_skip_back_and_resubmit_then_resume_after_restart(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    wire = Wire(w)
    wire.submit(1, 0, "10", {"verdict": "safe"})
    wire.client(
        type="skip", seq=2, pos=1, item="11", ms=10, need=[], client={"session": "s1", "view": "v"}
    )
    assert w.progress.to_dict() == {"done": 1, "skipped": 1, "total": 4}
    wire.client(type="goto", seq=3, pos=0, need=[])
    wire.submit(4, 0, "10", {"verdict": "borderline"})  # a revision, not a new item
    assert w.progress.done == 1
    assert w.history.height == 3
    assert w.annotations["verdict"].to_list() == ["borderline"]
    # a new kernel: same store, same annotator -> resumes at the first unlabeled item
    w2 = make(df, rubric, tmp_path)
    assert w2.current == 12
    assert w2.progress.to_dict() == {"done": 1, "skipped": 1, "total": 4}
    out = Wire(w2).client(type="hello", client={"session": "s2", "view": "v"}, need=[])
    items = {i["pos"]: i for i in out[0]["items"]}
    assert items[0]["answer"] == {"verdict": "borderline", "rationale": None}
    assert items[0]["status"] == "done"
    assert items[1]["status"] == "skipped"


def test_resent_submit_is_stored_once(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    wire = Wire(w)
    wire.submit(1, 0, "10", {"verdict": "safe"})
    wire.client(type="goto", seq=2, pos=0, need=[])
    wire.submit(1, 0, "10", {"verdict": "safe"})  # same session and seq: a resend
    assert w.history.height == 1


def test_python_submit_moves_the_cursor_and_tells_the_frontend(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    wire = Wire(w)
    assert w.submit({"verdict": "safe"}) == {"verdict": "safe", "rationale": None}
    assert [m["type"] for m in wire.sent] == ["invalidate", "cursor"]
    assert w.current == 11
    with pytest.raises(rw.RubricError, match="verdict"):
        w.submit({"verdict": "nope"})
    assert w.current == 11
    w.submit({"verdict": "violating"}, item=13)
    assert w.current == 11
    assert w.labeled()["verdict"].to_list() == ["safe", None, None, "violating"]


def test_pandas_input_and_string_ids(rubric, tmp_path):
    pdf = pd.DataFrame({"key": ["x", "y"], "body": ["one", "two"]})
    w = rw.ItemRater(pdf, rubric, id="key", content="body", store=str(tmp_path / "s.sqlite"),
                     annotator="bo")  # fmt: skip
    w.submit({"verdict": "safe"})
    assert w.annotations["id"].to_list() == ["x"]


@pytest.mark.parametrize(
    ("data", "kw", "needle"),
    [
        (pl.DataFrame({"id": [1, 1], "text": ["a", "b"]}), {}, "duplicated id"),
        (pl.DataFrame({"id": [1, None], "text": ["a", "b"]}), {}, "null value"),
        (pl.DataFrame({"id": [], "text": []}), {}, "empty"),
        (pl.DataFrame({"id": [1], "txt": ["a"]}), {}, "did you mean 'txt'"),
        (pl.DataFrame({"ident": [1], "text": ["a"]}), {}, "id='id'"),
        (
            pl.DataFrame({"id": [1], "text": ["a"]}),
            {"contnet": "text"},
            "unknown argument 'contnet'.*'content'",
        ),
    ],
)
def test_bad_input_is_refused_clearly(rubric, tmp_path, data, kw, needle):
    with pytest.raises((ValueError, TypeError), match=needle):
        make(data, rubric, tmp_path, **kw)


class FakeShell:
    """IPython's event hooks, as the kernel's shell has them."""

    def __init__(self):
        self.hooks = {}

    @property
    def events(self):
        return self

    def register(self, event, fn):
        self.hooks.setdefault(event, []).append(fn)

    def unregister(self, event, fn):
        self.hooks[event].remove(fn)

    def end_cell(self):
        for fn in list(self.hooks.get("post_run_cell", [])):
            fn(None)


@pytest.fixture
def shell(monkeypatch):
    from rater_widgets.widgets import _boot

    fake = FakeShell()
    monkeypatch.setattr(_boot, "ipython_shell", lambda: fake)
    return fake


def test_without_ipython_no_items_ride_in_the_state(df, rubric, tmp_path):
    # marimo, a script: nothing could empty the state when the cell ends
    assert make(df, rubric, tmp_path).get_state()["_boot"] == []


def test_the_first_items_ride_in_the_state_until_the_cell_ends(df, rubric, tmp_path, shell):
    w = make(df, rubric, tmp_path)
    assert [i["pos"] for i in w.get_state()["_boot"][0]["items"]] == [0, 1, 2, 3]
    shell.end_cell()
    assert w.get_state()["_boot"] == []
    assert shell.hooks["post_run_cell"] == []  # the hook went with it


def test_the_first_items_come_with_the_state_and_a_booted_hello_gets_no_repeat(
    df, rubric, tmp_path, shell
):
    w = make(df, rubric, tmp_path)
    boot = w.get_state()["_boot"]
    assert [m["type"] for m in boot] == ["items", "cursor"]
    assert [i["pos"] for i in boot[0]["items"]] == [0, 1, 2, 3]
    assert boot[1] == {"type": "cursor", "pos": 0}
    out = Wire(w).client(type="hello", client={"session": "s", "view": "v"}, need=[],
                         booted=True)  # fmt: skip
    assert out == [{"type": "cursor", "pos": 0}]  # nothing sent twice
    assert w._boot == []  # said hello: the state no longer holds items


def test_a_booted_page_refetches_items_that_changed_before_its_hello(df, rubric, tmp_path, shell):
    w = make(df, rubric, tmp_path)
    wire = Wire(w)
    w.submit({"verdict": "safe"}, item=10)  # from Python, before the page said hello
    out = wire.client(type="hello", client={"session": "s", "view": "v"}, need=[], booted=True)
    assert [m["type"] for m in out] == ["invalidate", "items", "cursor"]
    assert out[0]["pos"] is None
    assert out[2]["pos"] == 1
    assert out[1]["items"][0] == {**out[1]["items"][0], "pos": 0, "status": "done"}


def test_hello_booted_must_be_a_boolean(df, rubric, tmp_path):
    out = Wire(make(df, rubric, tmp_path)).client(
        type="hello", client={"session": "s", "view": "v"}, need=[], booted="yes"
    )
    assert out[0]["type"] == "error"
    assert "'booted' must be true or false" in out[0]["message"]


def test_saved_state_has_no_item_content(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    Wire(w).hello()  # a page showed it
    state = w.get_state()
    text = repr({k: v for k, v in state.items() if k not in ("_esm", "_css", "_rw_core")})
    assert "**b**" not in text
    assert state["_progress"] == {"done": 0, "skipped": 0, "total": 4}
    html = w._repr_mimebundle_()[0]["text/html"]
    assert "verdict" in html
    assert "0 done" in html


def test_retract_is_a_new_revision(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    w.submit({"verdict": "safe"}, item=10)
    w.retract(item=10)
    assert w.annotations.height == 0
    assert w.history.get_column("kind").to_list() == ["answer", "retract"]
    assert w.progress.done == 0
    with pytest.raises(ValueError, match="no answer to retract"):
        w.retract(item=10)
    again = make(df, rubric, tmp_path)
    assert again.current == 10


def test_control_character_ids_are_refused(rubric, tmp_path):
    df = pl.DataFrame({"id": ["ok", "bad\x1fid"], "text": ["a", "b"]})
    with pytest.raises(ValueError, match="control characters"):
        make(df, rubric, tmp_path)


def test_purged_answers_disappear_from_the_cached_annotations(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    w.submit({"verdict": "violating", "rationale": "names a person"}, item=10)
    w.submit({"verdict": "safe"}, item=11)
    assert w.annotations.height == 2  # cached now
    w.store.purge(["10"], reason="legal request", study="default")
    assert w.annotations["id"].to_list() == [11]


def test_a_full_disk_is_a_clear_error_in_the_widget_and_nothing_saved_is_lost(rubric, tmp_path):
    from rater_widgets.store.sqlite import SQLiteStore

    # SQLite's max_page_count gives the same SQLITE_FULL as a disk that has filled up
    store = SQLiteStore(tmp_path / "full.sqlite", pragmas={"max_page_count": 64})
    n = 200
    df = pl.DataFrame({"id": list(range(n)), "text": ["x"] * n})
    w = rw.ItemRater(df, rubric, content="text", store=store, annotator="ana")
    wire = Wire(w)
    acked, error = [], None
    for seq in range(1, n + 1):
        pos = w._cursor
        out = wire.submit(seq, pos, str(pos), {"verdict": "safe", "rationale": "r" * 3000})
        kinds = {m["type"]: m for m in out}
        if "error" in kinds:
            error = kinds["error"]
            break
        acked.append(pos)
    assert error is not None, "the store never filled up"
    assert "disk is full" in error["message"]
    assert "nothing was saved" in error["message"]
    assert error["pos"] == w._cursor  # the rater stays on the unsaved item
    # every acknowledged answer is still there, and the store still reads
    assert sorted(w.annotations["id"].to_list()) == acked


def test_a_big_frame_records_its_manifest_beside_the_first_item(df, rubric, tmp_path, monkeypatch):
    from rater_widgets.widgets import _rater

    monkeypatch.setattr(_rater, "MANIFEST_IN_BACKGROUND", 2)  # this 4-row frame counts as big
    w = make(df, rubric, tmp_path)
    wire = Wire(w)
    assert [m["type"] for m in wire.hello()] == ["items", "cursor"]  # served meanwhile
    manifest = w.store.get_manifest("default")  # .store waits for the manifest
    assert manifest["data"]["n_items"] == 4
    assert manifest["rubric_hash"] == rubric.rubric_hash
    w.submit({"verdict": "safe"})
    w.close()


def test_fetch_sends_items_and_leaves_the_cursor_alone(df, rubric, tmp_path):
    # the frontend answers a kernel "cursor" with "fetch": the kernel may have moved on
    # (w.submit() in a loop while the widget shows) and must not be pulled back
    w = make(df, rubric, tmp_path)
    wire = Wire(w)
    w.submit({"verdict": "safe"})
    w.submit({"verdict": "safe"})
    out = wire.client(type="fetch", need=[0, 1])
    assert [m["type"] for m in out] == ["items"]
    assert w.current == 12
    wire.submit(1, 2, "12", {"verdict": "violating"})
    assert w.current == 13
