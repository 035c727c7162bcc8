"""SQL of the Postgres backend: tables, row-level security, the two group roles, the
queries, and what its errors mean to a rater or a lead.

Everything lives in the ``rater_widgets`` schema so a store can share a database with
other applications. ``docs/STORE.md`` prints the same statements for a lead who sets
a database up by hand.
"""

from __future__ import annotations

import psycopg
from psycopg import errors as pgerrors

from rater_widgets.store._common import COLUMNS, INSERT_COLUMNS
from rater_widgets.store.base import StoreError

SCHEMA = "rater_widgets"
LEAD_ROLE = "rater_lead"
ANNOTATOR_ROLE = "rater_annotator"

#: Serializes creating/migrating the tables when several kernels open a new store.
ADVISORY_LOCK_KEY = 0x52575354

TABLES = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE {SCHEMA}.schema_version (
        version integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp())""",
    f"""CREATE TABLE {SCHEMA}.annotations (
        row_id bigserial PRIMARY KEY,
        study text NOT NULL,
        item_id text NOT NULL,
        annotator text NOT NULL,
        role text NOT NULL DEFAULT 'annotator',
        kind text NOT NULL CHECK (kind IN ('answer', 'skip', 'retract')),
        answer text,
        rubric_hash text,
        seq bigint,
        session text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        duration_ms bigint,
        client text,
        meta text,
        -- the writing transaction: lets readers fetch rows committed after their last
        -- read even when a lower row id commits late (ids are handed out before commit)
        txid xid8 NOT NULL DEFAULT pg_current_xact_id())""",
    f"CREATE UNIQUE INDEX annotations_resend ON {SCHEMA}.annotations (study, session, seq)",
    f"""CREATE INDEX annotations_latest
        ON {SCHEMA}.annotations (study, item_id, annotator, role, row_id DESC)""",
    f"CREATE INDEX annotations_study_row ON {SCHEMA}.annotations (study, row_id)",
    f"CREATE INDEX annotations_txid ON {SCHEMA}.annotations (study, txid)",
    f"""CREATE TABLE {SCHEMA}.manifest (
        study text PRIMARY KEY,
        manifest text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp())""",
    f"""CREATE TABLE {SCHEMA}.audit (
        audit_id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor text NOT NULL,
        action text NOT NULL,
        study text,
        n_items bigint NOT NULL,
        n_rows bigint NOT NULL,
        reason text NOT NULL)""",
    # True for members of rater_lead (and superusers); false, not an error, when the
    # role does not exist yet.
    f"""CREATE FUNCTION {SCHEMA}.is_lead() RETURNS boolean
        LANGUAGE sql STABLE AS $$
        SELECT EXISTS (
            SELECT 1 FROM pg_catalog.pg_roles r
            WHERE r.rolname = '{LEAD_ROLE}'
              AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'))
        $$""",
    # Row-level security binds only roles that do not own the table: annotators. The
    # owner (rater_lead when it exists) writes under any name, purges and vacuums.
    f"ALTER TABLE {SCHEMA}.annotations ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY read_all ON {SCHEMA}.annotations FOR SELECT USING (true)",
    f"""CREATE POLICY write_own ON {SCHEMA}.annotations FOR INSERT
        WITH CHECK (annotator = current_user OR {SCHEMA}.is_lead())""",
    f"""CREATE POLICY lead_delete ON {SCHEMA}.annotations FOR DELETE
        USING ({SCHEMA}.is_lead())""",
)

#: Run when the connecting role may create roles (superuser or CREATEROLE).
ROLES = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{ANNOTATOR_ROLE}') THEN
        CREATE ROLE {ANNOTATOR_ROLE} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{LEAD_ROLE}') THEN
        CREATE ROLE {LEAD_ROLE} NOLOGIN IN ROLE {ANNOTATOR_ROLE};
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- another database of the cluster created them at the same moment
END
$$"""

#: Run when rater_annotator exists: what every annotator may do.
GRANTS = (
    f"GRANT USAGE ON SCHEMA {SCHEMA} TO {ANNOTATOR_ROLE}",
    f"GRANT SELECT ON {SCHEMA}.schema_version, {SCHEMA}.audit TO {ANNOTATOR_ROLE}",
    f"GRANT SELECT, INSERT ON {SCHEMA}.annotations TO {ANNOTATOR_ROLE}",
    f"GRANT USAGE ON SEQUENCE {SCHEMA}.annotations_row_id_seq TO {ANNOTATOR_ROLE}",
    f"GRANT SELECT, INSERT, UPDATE ON {SCHEMA}.manifest TO {ANNOTATOR_ROLE}",
)

#: Run when the creator may act as rater_lead: every lead then owns the tables.
OWNERSHIP = (
    f"ALTER SCHEMA {SCHEMA} OWNER TO {LEAD_ROLE}",
    f"ALTER TABLE {SCHEMA}.schema_version OWNER TO {LEAD_ROLE}",
    f"ALTER TABLE {SCHEMA}.annotations OWNER TO {LEAD_ROLE}",
    f"ALTER TABLE {SCHEMA}.manifest OWNER TO {LEAD_ROLE}",
    f"ALTER TABLE {SCHEMA}.audit OWNER TO {LEAD_ROLE}",
    f"ALTER FUNCTION {SCHEMA}.is_lead() OWNER TO {LEAD_ROLE}",
)

# ---------------------------------------------------------------- queries

T = f"{SCHEMA}.annotations"
US = "(extract(epoch FROM {0}) * 1000000)::bigint"  # timestamptz -> epoch microseconds
COLS = ", ".join(US.format(c) if c == "created_at" else c for c in COLUMNS)
LATEST = (
    f"SELECT {COLS} FROM (SELECT DISTINCT ON (item_id, annotator, role) * FROM {T} "
    "WHERE study = %s ORDER BY item_id, annotator, role, row_id DESC) AS l ORDER BY row_id"
)
SINCE_TX = f"SELECT {COLS} FROM {T} WHERE study = %s AND txid >= %s::xid8 ORDER BY row_id"
INSERT = (
    f"INSERT INTO {T} ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))}) "
    "ON CONFLICT (study, session, seq) DO NOTHING RETURNING row_id"
)
XMIN = f"SELECT pg_snapshot_xmin(pg_current_snapshot())::text, count(*) FROM {SCHEMA}.audit"


def translate(exc: psycopg.Error, *, url: str, action: str, role: str) -> StoreError:
    """A StoreError that says what went wrong with ``action`` on the store at ``url``."""
    lost = "nothing was saved" if action not in ("open", "read") else "nothing was changed"
    msg = first_line(exc)
    if isinstance(exc, pgerrors.InsufficientPrivilege):
        if "row-level security" in msg:
            return StoreError(
                f"cannot {action} store {url}: database role "
                f"{role!r} may only write answers under its own "
                f"annotator name (only members of {LEAD_ROLE} may write for others), "
                f"so {lost}; connect as that annotator or ask a lead for {LEAD_ROLE}"
            )
        return StoreError(
            f"cannot {action} store {url}: {msg}, so {lost}; a lead must grant "
            f"{ANNOTATOR_ROLE} (or {LEAD_ROLE}) to this role, see docs/STORE.md"
        )
    if isinstance(exc, pgerrors.ReadOnlySqlTransaction):
        return StoreError(
            f"cannot {action} store {url}: the server is read-only ({msg}), so {lost}"
        )
    if isinstance(exc, pgerrors.DiskFull):
        return StoreError(
            f"cannot {action} store {url}: the server's disk is full ({msg}), so {lost}"
        )
    if isinstance(exc, psycopg.OperationalError):
        return StoreError(
            f"cannot {action} store {url}: lost the connection ({msg}), so {lost}; "
            "the next call reconnects"
        )
    return StoreError(f"cannot {action} store {url}: {msg} ({type(exc).__name__})")


def first_line(exc: BaseException) -> str:
    """The first line of an error message (psycopg adds context lines)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
