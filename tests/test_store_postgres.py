"""Postgres-only store behaviour: roles and row-level security, URLs, late commits."""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

import polars as pl
import psycopg
import pytest

from rater_widgets.store import NewRow, PostgresStore, StoreError, open_store
from tests.pgserver import PgServer

pytestmark = pytest.mark.postgres


def row(item: str, annotator: str, text: str = "safe", **kw: object) -> NewRow:
    return NewRow("pilot", item, annotator, "answer", {"rationale": text}, **kw)  # type: ignore[arg-type]


@pytest.fixture
def db(pg_database: tuple[PgServer, str]) -> tuple[PgServer, str]:
    """A fresh database whose store the superuser has created (tables, roles, grants)."""
    server, name = pg_database
    open_store(server.url(name)).close()
    return server, name


def login(server: PgServer, db: str, base: str, *groups: str) -> tuple[str, str]:
    """A new login role (unique name: roles are cluster-wide) and its store URL."""
    name, password = server.create_login(f"{base}_{uuid.uuid4().hex[:6]}", member_of=groups)
    return name, server.url(db, name, password)


# ---------------------------------------------------------------- the two-role setup


def test_an_annotator_writes_only_under_its_own_name(db: tuple[PgServer, str]):
    server, name = db
    alice, alice_url = login(server, name, "alice", "rater_annotator")
    store = open_store(alice_url)
    assert store.default_annotator() == alice
    assert not store.read_only
    assert store.append(row("a", alice)).inserted

    with pytest.raises(StoreError) as err:
        store.append(row("a", "bob", "written for bob"))
    message = str(err.value)
    assert f"role {alice!r} may only write answers under its own annotator name" in message
    assert "rater_lead" in message
    assert "nothing was saved" in message
    with pytest.raises(StoreError, match="own annotator name"):
        store.append_many([row("b", alice), row("c", "bob")])  # all or nothing
    assert store.history("pilot")["item_id"].to_list() == ["a"]

    with pytest.raises(StoreError, match="only members of rater_lead may"):
        store.purge(["a"], reason="not mine to purge")
    assert store.history("pilot").height == 1
    store.close()


def test_a_lead_writes_for_others_reads_everything_and_purges(db: tuple[PgServer, str]):
    server, name = db
    alice, alice_url = login(server, name, "alice", "rater_annotator")
    lena, lena_url = login(server, name, "lena", "rater_lead")
    with open_store(alice_url) as store:
        store.append(row("a", alice, "alice's view"))
    lead = open_store(lena_url)
    assert lead.default_annotator() == lena
    assert lead.append(row("a", "adjudicated", role="adjudicator")).inserted
    assert lead.append(row("b", alice, "entered for alice from paper")).inserted
    assert set(lead.latest("pilot")["annotator"]) == {alice, "adjudicated"}
    report = lead.purge(["a"], reason="withdrawn consent")
    assert report.n_rows == 2
    assert report.actor == lena
    assert lead.audit_log()["actor"].to_list() == [lena]
    assert lead.purge(["b"], reason="again", actor="Dr. Lena").actor == f"Dr. Lena via {lena}"
    lead.close()
    with open_store(alice_url) as store:  # annotators see every row (for agreement)
        assert store.latest("pilot").height == 0
        assert store.audit_log().height == 2


def test_roles_and_ownership_are_set_up_by_the_first_superuser_open(db: tuple[PgServer, str]):
    server, name = db
    with server.admin(name) as conn:
        roles = {r[0] for r in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname IN ('rater_lead', 'rater_annotator')")}  # fmt: skip
        owners = {r[0] for r in conn.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'rater_widgets'")}  # fmt: skip
        rls = conn.execute(
            "SELECT relrowsecurity FROM pg_class WHERE oid = 'rater_widgets.annotations'::regclass"
        ).fetchone()
    assert roles == {"rater_lead", "rater_annotator"}
    assert owners == {"rater_lead"}
    assert rls == (True,)


def test_a_role_without_grants_is_told_what_to_ask_for(db: tuple[PgServer, str]):
    server, name = db
    _carol, carol_url = login(server, name, "carol")
    with pytest.raises(StoreError) as err:
        open_store(carol_url)
    assert "rater_annotator" in str(err.value)
    assert "docs/STORE.md" in str(err.value)


def test_a_read_only_database_is_reported_and_nothing_is_written(db: tuple[PgServer, str]):
    server, name = db
    with open_store(server.url(name)) as store:
        store.append(row("a", "postgres"))
    with server.admin() as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')  # type: ignore[arg-type]
    store = open_store(server.url(name))
    assert store.read_only
    assert store.latest("pilot").height == 1
    with pytest.raises(StoreError, match="read-only"):
        store.append(row("b", "postgres"))
    store.close()
    with server.admin() as conn:
        conn.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')  # type: ignore[arg-type]
    with open_store(server.url(name)) as again:
        assert again.history("pilot")["item_id"].to_list() == ["a"]


# ---------------------------------------------------------------- URLs and foreign schemas


def test_passwords_never_appear_in_urls_or_messages(pg_database: tuple[PgServer, str]):
    server, name = pg_database
    store = open_store(server.url(name))
    assert server.password not in store.url
    assert store.url.startswith("postgresql://postgres:***@127.0.0.1:")
    store.close()
    with pytest.raises(StoreError, match="cannot connect") as err:
        open_store(server.url(name, password="wrong-secret-pw"))
    assert "wrong-secret-pw" not in str(err.value)


def test_a_database_with_a_foreign_rater_widgets_schema_is_refused(
    pg_database: tuple[PgServer, str],
):
    server, name = pg_database
    with server.admin(name) as conn:
        conn.execute("CREATE SCHEMA rater_widgets")
        conn.execute("CREATE TABLE rater_widgets.customers (id int)")
    with pytest.raises(StoreError, match="not a rater_widgets store"):
        open_store(server.url(name))
    with server.admin(name) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'rater_widgets'"
        ).fetchall()
    assert tables == [("customers",)]


# ---------------------------------------------------------------- late commits and purge


def test_latest_does_not_miss_a_row_whose_lower_id_commits_late(db: tuple[PgServer, str]):
    server, name = db
    reader, writer = open_store(server.url(name)), open_store(server.url(name))
    assert reader.latest("pilot").height == 0
    slow = psycopg.connect(server.url(name))  # a transaction that takes its time
    for item in ("slow", "both"):
        slow.execute(
            "INSERT INTO rater_widgets.annotations (study, item_id, annotator, kind, answer) "
            "VALUES ('pilot', %s, 'ana', 'answer', '{\"v\": \"late\"}')",
            (item,),
        )
    writer.append(row("fast", "ana"))  # higher row ids, committed first
    writer.append(row("both", "ana", "newer"))
    assert reader.latest("pilot")["item_id"].to_list() == ["fast", "both"]
    token = reader.change_token("pilot")
    slow.commit()
    assert reader.change_token("pilot") != token  # though the highest row id is the same
    slow.close()
    latest = reader.latest("pilot")
    assert sorted(latest["item_id"]) == ["both", "fast", "slow"]
    assert latest["row_id"].is_sorted()
    both = latest.filter(pl.col("item_id") == "both")["answer"].item()
    assert json.loads(both) == {"rationale": "newer"}  # the higher row id still wins
    with open_store(server.url(name)) as fresh:
        assert latest.equals(fresh.latest("pilot"))  # the same as a full read
    reader.close()
    writer.close()


def _raw_pages(conn: psycopg.Connection[tuple[object, ...]]) -> bytes:
    rels = ["rater_widgets.annotations"] + [
        r[0]
        for r in conn.execute(
            "SELECT reltoastrelid::regclass::text FROM pg_class "
            "WHERE oid = 'rater_widgets.annotations'::regclass"
        )
    ]
    data = b""
    for rel in rels:
        n = conn.execute("SELECT pg_relation_size(%s) / 8192", (rel,)).fetchone()[0]  # type: ignore[index]
        for page in range(int(n)):  # type: ignore[call-overload]
            got = conn.execute("SELECT get_raw_page(%s, %s)", (rel, page)).fetchone()
            data += bytes(got[0])  # type: ignore[index]
    return data


def test_purge_leaves_no_trace_in_the_table_pages(db: tuple[PgServer, str]):
    server, name = db
    store = open_store(server.url(name))
    small, big = "PURGE-ME-small-91c2", os.urandom(6000).hex()  # random: TOAST can't compress it
    for i in range(20):
        store.append(row(f"k{i}", "ana", f"KEEP-ME-{i}"))
    store.append(row("x", "ana", small))
    store.append(row("x", "bo", big))
    with server.admin(name) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        before = _raw_pages(conn)
        assert small.encode() in before  # the check below can fail
        assert big[:64].encode() in before
        report = store.purge(["x"], reason="erasure request")
        after = _raw_pages(conn)
    assert report.n_rows == 2
    assert small.encode() not in after
    assert big[:64].encode() not in after
    assert b"KEEP-ME-7" in after
    assert json.loads(store.latest("pilot", annotator="ana")["answer"][0]) == {
        "rationale": "KEEP-ME-0"
    }
    store.close()


def test_postgres_store_class_is_exported(pg_database: tuple[PgServer, str]):
    server, name = pg_database
    with open_store(server.url(name)) as store:
        assert isinstance(store, PostgresStore)
        assert repr(store).startswith("PostgresStore('postgresql://postgres:***@")


def test_the_documented_two_role_setup_works(pg_server: PgServer):
    """Run the SQL of docs/STORE.md as written (names made unique), then use it."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "STORE.md").read_text()
    block = doc.split("### Setting up a team database")[1].split("```sql")[1].split("```")[0]
    suffix = uuid.uuid4().hex[:6]

    def unique(text: str) -> str:
        return re.sub(r"\b(labels|lena|ana|bo)\b", rf"\1_{suffix}", text)

    with pg_server.admin() as conn:
        for statement in unique(block).split(";"):
            if not statement.strip():
                continue
            try:
                conn.execute(statement)  # type: ignore[call-overload]
            except psycopg.errors.DuplicateObject:
                assert "rater_" in statement  # the group roles are cluster-wide: made once
    db = f"labels_{suffix}"

    def url(user: str) -> str:
        return pg_server.url(db, f"{user}_{suffix}", unique(f"change-me-{user}"))

    try:
        lead = open_store(url("lena"))  # the lead opens it first: creates the tables
        with pg_server.admin(db) as conn:
            owners = {r[0] for r in conn.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = 'rater_widgets'")}  # fmt: skip
        assert owners == {"rater_lead"}
        ana = open_store(url("ana"))
        assert ana.append(row("a", f"ana_{suffix}")).inserted
        with pytest.raises(StoreError, match="own annotator name"):
            ana.append(row("a", f"bo_{suffix}"))
        assert lead.append(row("a", f"bo_{suffix}")).inserted
        assert lead.purge(["a"], reason="documented setup").n_rows == 2
        ana.close()
        lead.close()
    finally:
        pg_server.drop_database(db)


def test_a_dropped_connection_is_reopened_and_keyed_resends_stay_single(
    db: tuple[PgServer, str],
):
    server, name = db
    store = open_store(server.url(name))
    assert isinstance(store, PostgresStore)

    def kill() -> None:
        with server.admin() as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (store._conn.info.backend_pid,))

    store.append(row("a", "ana", seq=1, session="s"))
    kill()  # e.g. a server restart between two keypresses
    assert store.append(row("b", "ana", seq=2, session="s")).inserted  # reconnected, once
    kill()
    assert store.latest("pilot")["item_id"].to_list() == ["a", "b"]
    kill()
    with pytest.raises(StoreError, match="lost the connection"):
        store.append(row("c", "ana"))  # no idempotency key: not retried blindly
    assert store.append(row("c", "ana")).inserted  # the next call reconnects
    assert store.history("pilot")["item_id"].to_list() == ["a", "b", "c"]
    store.close()
