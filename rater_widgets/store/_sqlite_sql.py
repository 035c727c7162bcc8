"""SQL text of the SQLite backend, and what its errors mean to a rater or a lead."""

from __future__ import annotations

import sqlite3

from rater_widgets.store._common import COLUMNS, IDENTIFIER_COLUMNS, INSERT_COLUMNS
from rater_widgets.store.base import StoreError

#: Stamped into the file header (``PRAGMA application_id``): "RWST".
APPLICATION_ID = 0x52575354
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL, updated_at INTEGER NOT NULL)",
    """CREATE TABLE annotations (
        row_id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, even after a purge
        study TEXT NOT NULL,
        item_id TEXT NOT NULL,
        annotator TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT 'annotator',
        kind TEXT NOT NULL CHECK (kind IN ('answer', 'skip', 'retract')),
        answer TEXT CHECK (answer IS NULL OR json_valid(answer)),
        rubric_hash TEXT,
        seq INTEGER,
        session TEXT,
        created_at INTEGER NOT NULL,  -- microseconds since 1970-01-01 UTC
        duration_ms INTEGER,
        client TEXT CHECK (client IS NULL OR json_valid(client)),
        meta TEXT CHECK (meta IS NULL OR json_valid(meta))
    )""",
    # NULLs are distinct in a unique index: rows without a session are never merged
    "CREATE UNIQUE INDEX annotations_resend ON annotations (study, session, seq)",
    # covers latest(): one ordered pass groups by (item, annotator, role) and finds max
    "CREATE INDEX annotations_latest ON annotations (study, item_id, annotator, role, row_id)",
    "CREATE INDEX annotations_study_row ON annotations (study, row_id)",
    """CREATE TABLE manifest (
        study TEXT PRIMARY KEY, manifest TEXT NOT NULL CHECK (json_valid(manifest)),
        updated_at INTEGER NOT NULL)""",
    """CREATE TABLE audit (
        audit_id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
        actor TEXT NOT NULL, action TEXT NOT NULL, study TEXT,
        n_items INTEGER NOT NULL, n_rows INTEGER NOT NULL, reason TEXT NOT NULL)""",
)

SELECT = f"SELECT {', '.join(COLUMNS)} FROM annotations"
INSERT = (
    f"INSERT INTO annotations ({', '.join(INSERT_COLUMNS)}, created_at) "
    f"VALUES ({', '.join('?' * (len(INSERT_COLUMNS) + 1))}) "
    "ON CONFLICT DO NOTHING RETURNING row_id"
)
LATEST = (
    "row_id IN (SELECT max(row_id) FROM annotations WHERE study = ? "
    "GROUP BY item_id, annotator, role)"
)


def _packed(column: str) -> str:
    if column in IDENTIFIER_COLUMNS:
        return f"coalesce(replace({column}, char(13), char(28)), char(29))"
    return f"coalesce({column}, char(29))"


#: One text value per row that frame_from_text(packed=True) parses (plain || is the
#: cheapest way to build it in SQLite; format() and group_concat() measured slower).
PACKED = " || char(31) || ".join(_packed(c) for c in COLUMNS)


def translate(exc: sqlite3.Error, *, url: str, action: str, timeout: float) -> StoreError:
    """A StoreError that says what went wrong with ``action`` on the store at ``url``."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    lost = "nothing was saved" if action not in ("open", "read") else "nothing was changed"
    if name.startswith("SQLITE_READONLY") or "readonly" in str(exc):
        why = (
            "its folder is read-only" if name == "SQLITE_READONLY_DIRECTORY" else "it is read-only"
        )
        return StoreError(
            f"cannot {action} store {url}: {why} ({exc}), so {lost}; make the "
            "file and its folder writable (the -wal and -shm files beside it too)"
        )
    if name == "SQLITE_FULL" or "full" in str(exc):
        return StoreError(
            f"cannot {action} store {url}: the disk is full or the store reached "
            f"its size limit ({exc}), so {lost}; free some space and try again"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(
            f"cannot {action} store {url}: another process kept it locked for more "
            f"than {timeout:g} s ({exc}), so {lost}; try again"
        )
    if name == "SQLITE_NOTADB" or "not a database" in str(exc):
        return StoreError(f"{url} is not a rater_widgets store: {exc}")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(
            f"cannot {action} store {url}: I/O error ({name}: {exc}), so {lost}; "
            "the disk may be full, failing or unmounted"
        )
    return StoreError(f"cannot {action} store {url}: {exc} ({name or 'sqlite error'})")
