"""One store suite, run against a real SQLite file and a real Postgres server.

Every test gets a fresh store (``store`` / ``store_url`` fixtures in conftest.py).
Backend-only behaviour lives in test_store_sqlite.py and test_store_postgres.py.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import signal
import time
from collections import Counter
from typing import Any

import polars as pl
import pytest

from rater_widgets.store import (
    RAW_SCHEMA,
    SCHEMA_VERSION,
    NewRow,
    PostgresStore,
    SQLiteStore,
    Store,
    StoreError,
    open_store,
)
from tests.store_workers import ack_until_killed, append_worker


def row(item: str, annotator: str = "ana", kind: str = "answer", answer: Any = None, **kw: Any):
    if answer is None and kind == "answer":
        answer = {"verdict": "safe"}
    return NewRow(kw.pop("study", "pilot"), item, annotator, kind, answer, **kw)  # type: ignore[arg-type]


def answers(frame: pl.DataFrame) -> list[Any]:
    return [None if a is None else json.loads(a) for a in frame["answer"]]


# ---------------------------------------------------------------- append / latest / history


def test_latest_is_newest_row_of_any_kind_per_item_annotator_role(store: Store):
    store.append(row("a", answer={"verdict": "safe"}))
    store.append(row("a", answer={"verdict": "violating"}))  # a revision
    store.append(row("b", answer={"verdict": "safe"}))
    store.append(row("b", kind="retract", answer=None))  # undo is a new row
    store.append(row("c", kind="skip", answer=None))
    store.append(row("a", annotator="bo", answer={"verdict": "borderline"}))
    store.append(row("a", role="adjudicator", answer={"verdict": "safe"}))
    store.append(row("a", study="other", answer={"verdict": "other-study"}))

    latest = store.latest("pilot")
    assert latest.schema == pl.Schema(RAW_SCHEMA)
    got = {(r["item_id"], r["annotator"], r["role"]): r for r in latest.iter_rows(named=True)}
    assert set(got) == {
        ("a", "ana", "annotator"), ("b", "ana", "annotator"), ("c", "ana", "annotator"),
        ("a", "bo", "annotator"), ("a", "ana", "adjudicator"),
    }  # fmt: skip
    assert json.loads(got["a", "ana", "annotator"]["answer"]) == {"verdict": "violating"}
    assert got["b", "ana", "annotator"]["kind"] == "retract"
    assert got["b", "ana", "annotator"]["answer"] is None
    assert got["c", "ana", "annotator"]["kind"] == "skip"
    assert latest["row_id"].is_sorted()

    assert store.latest("pilot", annotator="bo")["item_id"].to_list() == ["a"]
    assert answers(store.latest("pilot", role="adjudicator")) == [{"verdict": "safe"}]
    assert answers(store.latest("other")) == [{"verdict": "other-study"}]
    assert store.latest("nobody-here").height == 0
    assert store.latest("nobody-here").schema == pl.Schema(RAW_SCHEMA)


def test_history_is_every_row_oldest_first_with_filters(store: Store):
    ids = [store.append(row(i, annotator=a)).row_id for i, a in
           [("a", "ana"), ("b", "ana"), ("a", "bo"), ("a", "ana"), ("c", "bo")]]  # fmt: skip
    hist = store.history("pilot")
    assert hist["row_id"].to_list() == ids == sorted(ids)
    assert hist.schema == pl.Schema(RAW_SCHEMA)
    assert hist["item_id"].to_list() == ["a", "b", "a", "a", "c"]
    assert store.history("pilot", annotator="bo")["item_id"].to_list() == ["a", "c"]
    assert store.history("pilot", item_ids=["a"])["row_id"].to_list() == [ids[0], ids[2], ids[3]]
    assert store.history("pilot", item_ids=[]).height == 0
    assert store.history("pilot", since_row_id=ids[2])["row_id"].to_list() == ids[3:]
    assert store.history("pilot", since_row_id=ids[-1]).height == 0
    assert store.last_row_id() == ids[-1] == store.last_row_id("pilot")
    assert store.last_row_id("nobody") == 0
    with pytest.raises(TypeError, match="list of ids"):
        store.history("pilot", item_ids="a")


def test_rows_keep_every_column_and_get_utc_microsecond_timestamps(store: Store):
    before = time.time()
    store.append(
        row(
            "a",
            rubric_hash="h1",
            seq=7,
            session="s1",
            duration_ms=1234,
            client={"ua": "Firefox", "w": 1280},
            meta={"redacted": True},
        )
    )
    got = store.history("pilot").row(0, named=True)
    assert got["rubric_hash"] == "h1"
    assert (got["seq"], got["session"], got["duration_ms"]) == (7, "s1", 1234)
    assert json.loads(got["client"]) == {"ua": "Firefox", "w": 1280}
    assert json.loads(got["meta"]) == {"redacted": True}
    assert got["created_at"].tzinfo is not None
    stamped = got["created_at"].timestamp()
    assert before - 60 < stamped < time.time() + 60  # stamped at write time, in UTC
    store.append(row("b"))
    stamps = store.history("pilot")["created_at"]
    assert stamps.n_unique() == 2  # microseconds, not seconds


def test_latest_sees_rows_written_by_another_connection(store_url: str):
    writer, reader = open_store(store_url), open_store(store_url)
    try:
        writer.append(row("a", answer={"v": 1}))
        assert answers(reader.latest("pilot")) == [{"v": 1}]
        writer.append(row("a", answer={"v": 2}))
        writer.append(row("b", answer={"v": 3}))
        assert answers(reader.latest("pilot")) == [{"v": 2}, {"v": 3}]
        token = reader.change_token("pilot")
        assert reader.change_token("pilot") == token == writer.change_token("pilot")
        writer.append(row("c", study="other"))
        assert reader.change_token("pilot") == token  # another study's rows
        writer.purge(["a"], reason="test")
        assert answers(reader.latest("pilot")) == [{"v": 3}]  # the cache drops purged rows
        assert reader.change_token("pilot") != token
    finally:
        writer.close()
        reader.close()


# ---------------------------------------------------------------- idempotency


def test_a_resent_message_is_stored_once(store: Store):
    first = store.append(row("a", seq=1, session="s1", answer={"v": 1}))
    again = store.append(row("a", seq=1, session="s1", answer={"v": 1}))
    assert first.inserted
    assert not again.inserted
    assert again.row_id == first.row_id
    # the same seq in another session or study is a different message
    assert store.append(row("a", seq=1, session="s2")).inserted
    assert store.append(row("a", seq=1, session="s1", study="other")).inserted
    # rows without a session are never merged
    assert store.append(row("a")).inserted
    assert store.append(row("a")).inserted
    assert store.history("pilot").height == 4


def test_append_many_is_one_transaction(store: Store):
    got = store.append_many([row("a", seq=1, session="s"), row("b", seq=2, session="s"),
                             row("a", seq=1, session="s")])  # fmt: skip
    assert [g.inserted for g in got] == [True, True, False]
    assert got[2].row_id == got[0].row_id
    with pytest.raises(ValueError, match="kind"):
        store.append_many([row("c"), row("d", kind="bogus")])
    assert store.history("pilot")["item_id"].to_list() == ["a", "b"]  # nothing of the bad batch


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"answer": {"score": float("nan")}}, "NaN or Infinity.*score"),
        ({"answer": ["not", "a", "dict"]}, "answer .* must be a dict"),
        ({"answer": {"when": object()}}, "not JSON-serializable"),
        ({"kind": "answer", "answer": None}, "answer is required"),
        ({"item_id": 7}, "item_id must be a non-empty string"),
        ({"item_id": "a\x00b"}, "item_id contains a NUL"),
        ({"study": ""}, "study must be a non-empty string"),
        ({"seq": "3"}, "seq must be an integer"),
        ({"seq": 2**70}, "seq does not fit in 64 bits"),
        ({"duration_ms": True}, "duration_ms must be an integer"),
    ],
)
def test_bad_rows_are_refused_with_the_field_named(store: Store, bad: dict[str, Any], message: str):
    fields = {"study": "pilot", "item_id": "a", "annotator": "ana", "kind": "answer",
              "answer": {"verdict": "safe"}, **bad}  # fmt: skip
    with pytest.raises((ValueError, TypeError), match=message):
        store.append(NewRow(**fields))
    assert store.history("pilot").height == 0


# ---------------------------------------------------------------- content round-trips


def test_unicode_emoji_control_characters_and_huge_answers_round_trip(store: Store):
    huge = "Ω≈ç√∫ 😀 " * 300_000  # ~3.6 MB of text
    values = [
        {"rationale": "emoji 👩🏽‍⚕️🏳️‍🌈 and CJK 漢字 and RTL العربية עברית"},
        {"rationale": 'nul \x00 bell \x07 newline\n tab\t quote" backslash\\ </script>'},
        {"rationale": "lone surrogate \ud800 from a JS string"},
        {"rationale": huge, "spans": [{"start": 0, "end": 3, "label": "x"}] * 1000},
        {"nested": {"list": [1, 2.5, None, True, "ü"], "big": 2**62, "neg": -1e-300}},
    ]
    for i, value in enumerate(values):
        store.append(row(f"u{i}", answer=value, annotator="Zoë 🦊", study="ünï ✓"))
    assert answers(store.history("ünï ✓")) == values
    assert answers(store.latest("ünï ✓", annotator="Zoë 🦊")) == values
    assert store.studies() == ["ünï ✓"]


TRICKY = ["a\rb", "ends in CR\r", "\r", "\r\n", "line\nbreak", "tab\there", 'quo"te', '"', "a,b",
          "back\\slash", " spaced ", "NULL", "\\N", "null", "ü 😀", "-1", "0x1d", "''", "%s %d"]  # fmt: skip


def test_identifiers_with_awkward_characters_come_back_exactly(store: Store):
    # reads are serialized by the database and parsed by Polars: nothing may be lost
    for i, item in enumerate(TRICKY):
        store.append(NewRow("s\r,\"", item, f"ann {item}", "answer", {"i": i},
                            rubric_hash="" if i % 2 else None, session="" if i % 3 else None,
                            seq=i if i % 3 else None))  # fmt: skip
    for frame in (store.latest('s\r,"'), store.history('s\r,"')):
        assert frame["item_id"].to_list() == TRICKY
        assert frame["annotator"].to_list() == [f"ann {t}" for t in TRICKY]
        assert frame["study"].unique().to_list() == ['s\r,"']
        assert frame["rubric_hash"].to_list() == ["" if i % 2 else None for i in range(len(TRICKY))]
        assert frame["session"].to_list() == ["" if i % 3 else None for i in range(len(TRICKY))]
        assert frame["seq"].to_list() == [i if i % 3 else None for i in range(len(TRICKY))]
        assert answers(frame) == [{"i": i} for i in range(len(TRICKY))]
    with pytest.raises(ValueError, match="separator control character"):
        store.append(row("a\x1eb"))
    with pytest.raises(ValueError, match="not valid Unicode"):
        store.append(row("lone \ud800"))


# ---------------------------------------------------------------- manifests


def test_manifest_is_recorded_replaced_and_listed(store: Store):
    assert store.get_manifest("pilot") is None
    manifest = {"rubric": {"fields": [{"name": "verdict"}]}, "seed": 0, "note": "ünï 😀"}
    store.put_manifest("pilot", manifest)
    assert store.get_manifest("pilot") == manifest
    store.put_manifest("pilot", {**manifest, "seed": 1})
    assert store.get_manifest("pilot")["seed"] == 1  # type: ignore[index]
    store.append(row("a", study="rows-only"))
    assert store.studies() == ["pilot", "rows-only"]
    with pytest.raises(ValueError, match="not plain JSON"):
        store.put_manifest("pilot", {"x": float("inf")})
    assert store.get_manifest("pilot")["seed"] == 1  # type: ignore[index]


# ---------------------------------------------------------------- concurrency


def test_concurrent_writer_processes_lose_nothing_and_duplicate_nothing(store_url: str):
    # The store does not exist yet: the processes also race to create it.
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    workers, n, resend_every = 4, 120, 5
    procs = [ctx.Process(target=append_worker, args=(store_url, w, n, resend_every, start, out))
             for w in range(workers)]  # fmt: skip
    for p in procs:
        p.start()
    start.set()
    results = dict(out.get(timeout=240) for _ in procs)
    for p in procs:
        p.join(60)
    errors = {w: r for w, r in results.items() if isinstance(r, str)}
    assert not errors

    with open_store(store_url) as store:
        hist = store.history("race")
        assert hist.height == workers * n
        pairs = Counter(zip(hist["session"], hist["seq"], strict=True))
        assert set(pairs) == {(f"w{w}", s) for w in range(workers) for s in range(n)}
        assert set(pairs.values()) == {1}
        by_key = dict(zip(zip(hist["session"], hist["seq"], strict=True), hist["row_id"],
                          strict=True))  # fmt: skip
        for w, res in results.items():
            for seq, row_id, _inserted in res:
                assert by_key[f"w{w}", seq] == row_id  # a resend got the original's id
            assert [ins for _s, _r, ins in res].count(False) == len(range(0, n, resend_every))
        assert hist["row_id"].n_unique() == hist.height


@pytest.mark.parametrize("after_acks", [1, 80])
def test_a_killed_writer_loses_no_acknowledged_answer(store_url: str, after_acks: int):
    ctx = multiprocessing.get_context("spawn")
    mine, theirs = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=ack_until_killed, args=(store_url, theirs))
    proc.start()
    acked = []
    while len(acked) < after_acks:
        assert mine.poll(60), "the writer stopped acknowledging"
        acked.append(mine.recv())
    os.kill(proc.pid, signal.SIGKILL)  # mid-write, most likely
    proc.join(30)
    while mine.poll(0.2):  # acks sent just before the kill
        acked.append(mine.recv())

    with open_store(store_url) as store:  # opens cleanly after the crash
        seqs = store.history("kill")["seq"].to_list()
        assert seqs[: len(acked)] == acked  # every acknowledged answer, in order
        assert len(seqs) - len(acked) <= 1  # at most the one committed before its ack
        assert len(set(seqs)) == len(seqs)
        if isinstance(store, SQLiteStore):
            assert store._read("PRAGMA integrity_check") == [("ok",)]
        assert store.append(row("after", seq=0, session="next")).inserted


# ---------------------------------------------------------------- schema version


def _v2(store: Store) -> type[Store]:
    """The same backend class, one schema version ahead, with a real migration."""
    if isinstance(store, SQLiteStore):
        statement = "ALTER TABLE annotations ADD COLUMN reviewed INTEGER"
        return type("V2", (SQLiteStore,), {"schema_version": SCHEMA_VERSION + 1,
                                          "migrations": {SCHEMA_VERSION: [statement]}})  # fmt: skip
    statement = "ALTER TABLE rater_widgets.annotations ADD COLUMN reviewed integer"
    return type("V2", (PostgresStore,), {"schema_version": SCHEMA_VERSION + 1,
                                        "migrations": {SCHEMA_VERSION: [statement]}})  # fmt: skip


def _has_reviewed_column(store: Store) -> bool:
    if isinstance(store, SQLiteStore):
        cols = store._read("SELECT name FROM pragma_table_info('annotations')")
    else:
        assert isinstance(store, PostgresStore)
        cols = store._read(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'rater_widgets' AND table_name = 'annotations'"
        )
    return "reviewed" in {c[0] for c in cols}


def test_an_older_store_is_migrated_and_a_newer_one_refused(store: Store, store_url: str):
    store.append(row("a", answer={"v": "kept"}))
    v2 = _v2(store)
    store.close()

    broken = type("Broken", (v2,), {"migrations": {SCHEMA_VERSION: [
        "ALTER TABLE annotations ADD COLUMN reviewed INTEGER"
        if issubclass(v2, SQLiteStore) else
        "ALTER TABLE rater_widgets.annotations ADD COLUMN reviewed integer",
        "THIS IS NOT SQL",
    ]}})  # fmt: skip
    with pytest.raises(StoreError):
        broken(store_url)
    with open_store(store_url) as same:  # the failed migration left version 1 intact
        assert not _has_reviewed_column(same)

    with v2(store_url) as migrated:  # type: ignore[call-arg]
        assert _has_reviewed_column(migrated)
        assert answers(migrated.latest("pilot")) == [{"v": "kept"}]
    with pytest.raises(StoreError) as err:
        open_store(store_url)
    message = str(err.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert f"version {SCHEMA_VERSION} this rater_widgets reads" in message
    assert "upgrade rater_widgets" in message


# ---------------------------------------------------------------- purge


def test_purge_destroys_the_items_rows_audits_and_spares_the_rest(store: Store):
    store.append(row("secret", answer={"rationale": "TOP-SECRET-ALPHA"}))
    store.append(row("secret", annotator="bo", answer={"rationale": "TOP-SECRET-BETA"}))
    store.append(row("secret", study="other", answer={"rationale": "in another study"}))
    store.append(row("keep", answer={"rationale": "stays"}))
    token = store.change_token()

    report = store.purge(["secret", "never-labeled"], reason="GDPR erasure #12", study="pilot",
                         actor="lead-lena")  # fmt: skip
    assert (report.n_items, report.n_rows, report.study) == (2, 2, "pilot")
    assert report.reason == "GDPR erasure #12"
    assert "lead-lena" in report.actor
    assert store.history("pilot")["item_id"].to_list() == ["keep"]
    assert store.latest("pilot")["item_id"].to_list() == ["keep"]
    assert answers(store.history("other")) == [{"rationale": "in another study"}]
    assert store.change_token() != token

    log = store.audit_log()
    assert log.height == 1
    entry = log.row(0, named=True)
    assert (entry["action"], entry["study"], entry["n_items"], entry["n_rows"]) == (
        "purge", "pilot", 2, 2)  # fmt: skip
    assert entry["reason"] == "GDPR erasure #12"
    assert "lead-lena" in entry["actor"]
    assert entry["at"].tzinfo is not None
    assert "TOP-SECRET" not in str(log.rows())  # counts, never content

    everywhere = store.purge(["secret"], reason="all studies")
    assert everywhere.n_rows == 1
    assert everywhere.study is None
    assert everywhere.actor == store.default_annotator()
    assert store.history("other").height == 0


def test_purge_refuses_unclear_requests(store: Store):
    store.append(row("a"))
    with pytest.raises(TypeError, match="list of item ids"):
        store.purge("a", reason="x")
    with pytest.raises(ValueError, match="at least one"):
        store.purge([], reason="x")
    with pytest.raises(ValueError, match="reason"):
        store.purge(["a"], reason=" ")
    assert store.history("pilot").height == 1
    assert store.audit_log().height == 0


# ---------------------------------------------------------------- misc


def test_export_writes_parquet_that_round_trips(store: Store, tmp_path):
    store.append(row("a", answer={"t": "ünï 😀"}, seq=1, session="s", client={"c": 1}))
    store.append(row("b", kind="skip", answer=None, study="other"))
    path = store.export(tmp_path / "all.parquet")
    back = pl.read_parquet(path)
    assert back.schema == pl.Schema(RAW_SCHEMA)
    assert back.equals(pl.concat([store.history("other"), store.history("pilot")]))
    one = pl.read_parquet(store.export(tmp_path / "pilot.parquet", study="pilot"))
    assert one.equals(store.history("pilot"))


def test_default_annotator_is_the_os_user_or_database_role(store: Store):
    import getpass

    expected = getpass.getuser() if isinstance(store, SQLiteStore) else "postgres"
    assert store.default_annotator() == expected


def test_a_closed_store_says_so(store: Store):
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.append(row("a"))
    with pytest.raises(StoreError, match="closed"):
        store.latest("pilot")
    store.close()  # closing twice is fine


def test_a_store_left_open_closes_its_connection_when_collected(store_url: str):
    # the widget-free one-liner open_store(url).latest(...) must not leak a connection
    # (an unclosed psycopg connection warns, and warnings are errors in this suite)
    assert open_store(store_url).latest("pilot").height == 0
    gc.collect()
