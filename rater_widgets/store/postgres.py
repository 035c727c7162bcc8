"""A team store on a shared Postgres server (psycopg 3), same semantics as SQLite.

Annotators connect as their own database role; row-level security lets a role write
rows only under its own name unless it is a member of ``rater_lead`` (see
``docs/STORE.md`` for the two-role setup). Every commit uses ``synchronous_commit=on``,
so an acknowledged answer is on the server's disk.

Threads: one connection, guarded by a lock, shared by the notebook thread and a writer
thread. Processes: each opens its own store.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import polars as pl
import psycopg

from rater_widgets.store import _pg_schema as ddl
from rater_widgets.store._cache import Delta, LatestCache
from rater_widgets.store._common import (
    EncodedRow,
    audit_frame,
    check_item_ids,
    encode_row,
    frame_from_rows,
    frame_from_text,
    manifest_json,
    redact_url,
)
from rater_widgets.store.base import (
    SCHEMA_VERSION,
    Appended,
    NewRow,
    OneConnection,
    PurgeReport,
    Store,
    StoreError,
)

_R = TypeVar("_R")


class PostgresStore(OneConnection, Store):
    """An annotation store in a Postgres database (tables in schema ``rater_widgets``).

    The first role to open a new database creates the tables, and when it may create
    roles also the group roles ``rater_annotator`` and ``rater_lead``.

    >>> store = PostgresStore("postgresql://ana@db.example/labels")  # doctest: +SKIP
    >>> store.default_annotator()  # doctest: +SKIP
    'ana'
    """

    #: The schema version this class writes; ``migrations[v]`` upgrades v to v + 1.
    schema_version: ClassVar[int] = SCHEMA_VERSION
    _conn: psycopg.Connection[Any]

    migrations: ClassVar[Mapping[int, Sequence[str]]] = {}

    def __init__(self, url: str, *, connect_timeout: float = 10.0) -> None:
        self._dsn = url
        self.url = redact_url(url)
        self._lock = threading.RLock()
        self._cache = LatestCache()
        self._closed = False
        self._notices: list[str] = []
        self._timeout = connect_timeout
        self._conn = self._connect(connect_timeout)
        try:
            self._role, self._read_only = self._init_schema()
        except BaseException:
            self._conn.close()
            raise

    # ------------------------------------------------------------------ opening

    def _connect(self, timeout: float) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(
                self._dsn,
                autocommit=True,
                connect_timeout=max(1, round(timeout)),
                application_name="rater_widgets",
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to store {self.url}: {ddl.first_line(exc)}") from exc
        conn.execute("SET synchronous_commit TO on")  # durable acks whatever the server default
        conn.add_notice_handler(lambda d: self._notices.append(d.message_primary or ""))
        return conn

    def _init_schema(self) -> tuple[str, bool]:
        conn = self._conn
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (ddl.ADVISORY_LOCK_KEY,))
                got = conn.execute("SELECT current_user").fetchone()
                role = str(got[0]) if got else "?"
                found = conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE tablename = 'schema_version') "
                    "FROM pg_catalog.pg_tables WHERE schemaname = %s",
                    (ddl.SCHEMA,),
                ).fetchone()
                assert found is not None
                if found[0] == 0:
                    self._create(role)
                elif found[1] == 0:
                    raise StoreError(
                        f"database {self.url} has a schema {ddl.SCHEMA!r} that is not a "
                        "rater_widgets store (no schema_version table); use another database"
                    )
                else:
                    self._check_version()
                writable = conn.execute(
                    "SELECT has_table_privilege(%s, 'INSERT') "
                    "AND current_setting('transaction_read_only') = 'off'",
                    (ddl.T,),
                ).fetchone()
        except psycopg.Error as exc:
            raise self._error(exc, "open") from exc
        return role, not (writable and writable[0])

    def _create(self, role: str) -> None:
        conn = self._conn
        for statement in ddl.TABLES:
            conn.execute(statement)
        conn.execute(
            f"INSERT INTO {ddl.SCHEMA}.schema_version (version) VALUES (%s)",
            (self.schema_version,),
        )
        may = conn.execute(
            "SELECT rolsuper OR rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = current_user"
        ).fetchone()
        if may and may[0]:
            conn.execute(ddl.ROLES)
        roles = {
            r[0]
            for r in conn.execute(
                "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY(%s)",
                ([ddl.LEAD_ROLE, ddl.ANNOTATOR_ROLE],),
            )
        }
        if ddl.ANNOTATOR_ROLE in roles:
            for statement in ddl.GRANTS:
                conn.execute(statement)
        lead = ddl.LEAD_ROLE in roles and conn.execute(
            "SELECT pg_has_role(current_user, %s, 'MEMBER')", (ddl.LEAD_ROLE,)
        ).fetchone() == (True,)
        if lead:
            for statement in ddl.OWNERSHIP:
                conn.execute(statement)

    def _check_version(self) -> None:
        conn = self._conn
        row = conn.execute(f"SELECT max(version) FROM {ddl.SCHEMA}.schema_version").fetchone()
        if row is None or row[0] is None:
            raise StoreError(f"store {self.url} has an empty schema_version table: damaged?")
        version, target = int(row[0]), self.schema_version
        if version > target:
            raise StoreError(
                f"store {self.url} has schema version {version}, newer than the version "
                f"{target} this rater_widgets reads; upgrade rater_widgets to open it"
            )
        for step in range(version, target):
            if step not in self.migrations:
                raise StoreError(f"no migration from store schema version {step} to {step + 1}")
            for statement in self.migrations[step]:
                conn.execute(statement)
        if version < target:
            conn.execute(
                f"UPDATE {ddl.SCHEMA}.schema_version SET version = %s, updated_at = now()",
                (target,),
            )

    # ------------------------------------------------------------------ plumbing

    @property
    def read_only(self) -> bool:
        """True when this role may not insert rows (or the server is read-only)."""
        return self._read_only

    def default_annotator(self) -> str:
        """The database role of this connection: the name row-level security checks."""
        return self._role

    @contextlib.contextmanager
    def _tx(self, action: str) -> Iterator[psycopg.Connection[Any]]:
        with self._lock:
            self._check_open()
            self._reconnect_if_lost()
            try:
                with self._conn.transaction():
                    yield self._conn
            except psycopg.Error as exc:
                raise self._error(exc, action) from exc

    def _reconnect_if_lost(self) -> None:
        # a server restart or an idle timeout breaks the connection; the next call
        # reconnects instead of failing forever
        if self._conn.closed or self._conn.broken:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = self._connect(self._timeout)

    def _retry(self, fn: Callable[[], _R], *, safe: bool) -> _R:
        """Run ``fn``; if the connection was lost meanwhile and running it again can't
        store anything twice (``safe``), reconnect and run it once more."""
        try:
            return fn()
        except StoreError:
            if not (safe and (self._conn.closed or self._conn.broken)):
                raise
            return fn()

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        def once() -> list[Any]:
            with self._tx("read") as conn:
                return conn.execute(sql, params).fetchall()

        return self._retry(once, safe=True)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self.url} is closed")

    def _error(self, exc: psycopg.Error, action: str) -> StoreError:
        return ddl.translate(exc, url=self.url, action=action, role=getattr(self, "_role", "?"))

    # ------------------------------------------------------------------ writes

    def append(self, row: NewRow) -> Appended:
        """Append one row and commit it durably before returning."""
        return self.append_many([row])[0]

    def append_many(self, rows: Sequence[NewRow]) -> list[Appended]:
        """Append rows in one transaction (all or nothing)."""
        encoded = [encode_row(row) for row in rows]
        if self._read_only:
            raise StoreError(
                f"store {self.url} is read-only for role {self._role!r}, so nothing was "
                f"saved; a lead must grant {ddl.ANNOTATOR_ROLE} to it (docs/STORE.md)"
            )
        # with an idempotency key on every row, a resend after a lost connection is safe:
        # rows that did commit come back as inserted=False with their original ids
        keyed = all(params[7] is not None and params[8] is not None for params in encoded)
        return self._retry(lambda: self._append(encoded), safe=keyed)

    def _append(self, encoded: list[EncodedRow]) -> list[Appended]:
        out: list[Appended] = []
        with self._tx("save to") as conn:
            for params in encoded:
                got = conn.execute(ddl.INSERT, params).fetchone()
                if got is None:  # the same (study, session, seq) is already stored
                    got = conn.execute(
                        f"SELECT row_id FROM {ddl.T} "
                        "WHERE study = %s AND session = %s AND seq = %s",
                        (params[0], params[8], params[7]),
                    ).fetchone()
                    assert got is not None
                    out.append(Appended(int(got[0]), False))
                else:
                    out.append(Appended(int(got[0]), True))
        return out

    def put_manifest(self, study: str, manifest: dict[str, Any]) -> None:
        """Record (or replace) the study manifest."""
        text = manifest_json(study, manifest)
        with self._tx("save the manifest to") as conn:
            conn.execute(
                f"INSERT INTO {ddl.SCHEMA}.manifest (study, manifest) VALUES (%s, %s) "
                "ON CONFLICT (study) DO UPDATE SET manifest = excluded.manifest, "
                "updated_at = clock_timestamp()",
                (study, text),
            )

    def purge(
        self,
        item_ids: Iterable[str],
        *,
        reason: str,
        study: str | None = None,
        actor: str | None = None,
    ) -> PurgeReport:
        """Delete the items' rows (leads only), audit it, then ``VACUUM FULL`` the table.

        A plain VACUUM only marks the space free and leaves the bytes in the page, so
        the table is rewritten (it is locked for writes meanwhile; purges are rare).
        The server's WAL and backups keep old pages until they are recycled.

        ``actor`` defaults to the database role; a different name is recorded as
        ``"<actor> via <role>"`` so the audit always shows who really did it.
        """
        ids = check_item_ids(item_ids, reason)
        who = self._role if actor in (None, self._role) else f"{actor} via {self._role}"
        sql = f"DELETE FROM {ddl.T} WHERE item_id = ANY(%s)"
        params: list[Any] = [ids]
        if study is not None:
            sql += " AND study = %s"
            params.append(study)
        with self._tx("purge") as conn:
            lead = conn.execute(f"SELECT {ddl.SCHEMA}.is_lead()").fetchone()
            owner = conn.execute(
                "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
                "WHERE oid = %s::regclass",
                (ddl.T,),
            ).fetchone()
            if not ((lead and lead[0]) or (owner and owner[0])):
                raise StoreError(
                    f"role {self._role!r} may not purge store {self.url}: only members of "
                    f"{ddl.LEAD_ROLE} may; nothing was deleted"
                )
            n_rows = conn.execute(sql, params).rowcount
            conn.execute(
                f"INSERT INTO {ddl.SCHEMA}.audit (actor, action, study, n_items, n_rows, reason) "
                "VALUES (%s, 'purge', %s, %s, %s, %s)",
                (who, study, len(ids), n_rows, reason),
            )
        self._cache.clear()
        self._vacuum()
        return PurgeReport(study=study, n_items=len(ids), n_rows=n_rows, reason=reason, actor=who)

    def _vacuum(self) -> None:
        with self._lock:
            self._reconnect_if_lost()
            self._notices.clear()
            try:
                # waits for running reads and writes, but not forever for an idle session
                self._conn.execute("SET lock_timeout = '30s'")
                try:
                    self._conn.execute(f"VACUUM FULL {ddl.T}")
                finally:
                    self._conn.execute("RESET lock_timeout")
            except psycopg.Error as exc:
                raise StoreError(
                    f"purged rows of {self.url} are deleted, but VACUUM failed "
                    f"({ddl.first_line(exc)}); call purge again with the same ids to finish"
                ) from exc
            skipped = [n for n in self._notices if "skipping" in n]
        if skipped:
            raise StoreError(
                f"purged rows of {self.url} are deleted, but VACUUM was skipped "
                f"({skipped[0]}); a lead owning the table must run VACUUM FULL {ddl.T}"
            )

    # ------------------------------------------------------------------ reads

    def latest(
        self, study: str, *, annotator: str | None = None, role: str | None = None
    ) -> pl.DataFrame:
        """The newest row per ``(item_id, annotator, role)``, of any kind, by row id.

        Cached: later calls fetch only rows written by transactions the previous read
        could not see yet, so late commits of lower row ids are not missed.
        """
        frame = self._cache.latest(study, self._latest_delta)
        if annotator is not None:
            frame = frame.filter(pl.col("annotator") == annotator)
        if role is not None:
            frame = frame.filter(pl.col("role") == role)
        return frame

    def _latest_delta(self, study: str, cursor: Any, purges: int | None) -> Delta:
        return self._retry(lambda: self._read_delta(study, cursor, purges), safe=True)

    def _read_delta(self, study: str, cursor: Any, purges: int | None) -> Delta:
        with self._lock:
            self._check_open()
            self._reconnect_if_lost()
            try:
                with self._conn.transaction(), self._conn.cursor(binary=True) as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    got = cur.execute(ddl.XMIN).fetchone()
                    assert got is not None
                    xmin, now_purges = str(got[0]), int(got[1])
                    full = cursor is None or purges != now_purges
                    if full:
                        frame = self._frame(cur, ddl.LATEST, [study])
                    else:
                        frame = frame_from_rows(
                            cur.execute(ddl.SINCE_TX, (study, cursor)).fetchall()
                        )
            except psycopg.Error as exc:
                raise self._error(exc, "read") from exc
        return Delta(frame, xmin, now_purges, full)

    def _frame(self, cur: psycopg.Cursor[Any], query: str, params: list[Any]) -> pl.DataFrame:
        """Rows of ``query`` as a frame, streamed as CSV by COPY (inside the caller's
        transaction); Python tuples only if that output can't be parsed."""
        data = bytearray()
        copy = f"COPY ({query}) TO STDOUT (FORMAT csv, NULL E'\\x1d')"
        with cur.copy(copy, params) as stream:
            for chunk in stream:
                data += chunk
        with contextlib.suppress(pl.exceptions.PolarsError):
            return frame_from_text(bytes(data), packed=False)
        return frame_from_rows(cur.execute(query, params).fetchall())

    def history(
        self,
        study: str,
        *,
        annotator: str | None = None,
        item_ids: Iterable[str] | None = None,
        since_row_id: int | None = None,
    ) -> pl.DataFrame:
        """Every row, oldest first; ``since_row_id`` returns only rows with higher ids.

        Row ids are handed out before commit, so a row may become visible after a
        higher one: poll :meth:`latest` (or re-read fully) rather than chaining
        ``since_row_id`` when completeness matters.
        """
        where, params = "study = %s", list[Any]([study])
        if annotator is not None:
            where += " AND annotator = %s"
            params.append(annotator)
        if item_ids is not None:
            if isinstance(item_ids, str):
                raise TypeError(f"item_ids takes a list of ids, not one string ({item_ids!r})")
            where += " AND item_id = ANY(%s)"
            params.append(list(item_ids))
        if since_row_id is not None:
            where += " AND row_id > %s"
            params.append(since_row_id)
        query = f"SELECT {ddl.COLS} FROM {ddl.T} WHERE {where} ORDER BY row_id"

        def once() -> pl.DataFrame:
            with self._tx("read") as conn, conn.cursor() as cur:
                return self._frame(cur, query, params)

        return self._retry(once, safe=True)

    def last_row_id(self, study: str | None = None) -> int:
        """The highest row id (0 when empty)."""
        if study is None:
            return int(self._read(f"SELECT coalesce(max(row_id), 0) FROM {ddl.T}")[0][0])
        sql = f"SELECT coalesce(max(row_id), 0) FROM {ddl.T} WHERE study = %s"
        return int(self._read(sql, (study,))[0][0])

    def change_token(self, study: str | None = None) -> tuple[int, int]:
        """``(number of rows, number of purges)``: changes on every append and purge.

        Counts rather than the last row id, which a late commit of a lower id would not
        change (an index-only count: a few ms per 100k rows).
        """
        where, params = ("WHERE study = %s", [study]) if study is not None else ("", [])
        got = self._read(
            f"SELECT (SELECT count(*) FROM {ddl.T} {where}), "
            f"(SELECT count(*) FROM {ddl.SCHEMA}.audit)",
            params,
        )
        return (int(got[0][0]), int(got[0][1]))

    def studies(self) -> list[str]:
        """The study names that have rows or a manifest, sorted."""
        rows = self._read(
            f"SELECT DISTINCT study FROM {ddl.T} UNION SELECT study FROM {ddl.SCHEMA}.manifest"
        )
        return sorted(r[0] for r in rows)

    def get_manifest(self, study: str) -> dict[str, Any] | None:
        """The study manifest, or None."""
        rows = self._read(f"SELECT manifest FROM {ddl.SCHEMA}.manifest WHERE study = %s", (study,))
        return None if not rows else dict(json.loads(rows[0][0]))

    def audit_log(self) -> pl.DataFrame:
        """The purge audit rows, oldest first."""
        rows = self._read(
            f"SELECT {ddl.US.format('at')}, actor, action, study, n_items, n_rows, reason "
            f"FROM {ddl.SCHEMA}.audit ORDER BY audit_id"
        )
        return audit_frame(rows)

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r})"
