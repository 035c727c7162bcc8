"""The one small interface every store backend implements.

A store is append-only: every submit, skip or retraction is a new row; "latest" is a
query, and history is never rewritten (the single exception is :meth:`Store.purge`,
which destroys content on a legal or policy demand and leaves an audit row).

Rows come back as Polars frames with :data:`RAW_SCHEMA`; turning the ``answer`` JSON into
typed columns is :mod:`rater_widgets.frames`' job, driven by the rubric.
"""

from __future__ import annotations

import abc
import dataclasses
import getpass
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import polars as pl

if TYPE_CHECKING:
    from rater_widgets.store._cache import LatestCache

#: Bumped whenever the tables change; a store with an older version is migrated on open,
#: a newer one is refused with a message naming both versions.
SCHEMA_VERSION = 1

RowKind = Literal["answer", "skip", "retract"]

#: Columns (and types) of every raw frame a store returns.
RAW_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.Int64(),
    "study": pl.String(),
    "item_id": pl.String(),
    "annotator": pl.String(),
    "role": pl.String(),
    "kind": pl.String(),
    "answer": pl.String(),  # JSON object, null for skip/retract
    "rubric_hash": pl.String(),
    "seq": pl.Int64(),
    "session": pl.String(),
    "created_at": pl.Datetime("us", "UTC"),
    "duration_ms": pl.Int64(),
    "client": pl.String(),  # JSON object
    "meta": pl.String(),  # JSON object: redacted view, suggestion shown, ...
}


def os_user() -> str:
    """The name of the OS user running this process (its uid when it has no name)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # a uid with no passwd entry (containers)
        getuid = getattr(os, "getuid", None)
        return f"uid{getuid()}" if getuid is not None else "unknown"


class StoreError(RuntimeError):
    """The store cannot do what was asked (read-only file, full disk, newer schema, ...).

    The message says what happened and what to do; nothing partial is written.
    """


@dataclasses.dataclass(frozen=True)
class NewRow:
    """One row to append. ``created_at`` and ``row_id`` are set by the store."""

    study: str
    item_id: str
    annotator: str
    kind: RowKind
    answer: dict[str, Any] | None
    rubric_hash: str | None = None
    seq: int | None = None
    session: str | None = None
    duration_ms: int | None = None
    client: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None
    role: str = "annotator"


@dataclasses.dataclass(frozen=True)
class Appended:
    """What :meth:`Store.append` committed."""

    row_id: int
    #: False when the row was already there (same study, session and seq): a resent
    #: message is stored once.
    inserted: bool


@dataclasses.dataclass(frozen=True)
class PurgeReport:
    """What :meth:`Store.purge` destroyed (counts only, never content)."""

    study: str | None
    n_items: int
    n_rows: int
    reason: str
    actor: str


class Store(abc.ABC):
    """A durable, append-only annotation store.

    >>> from rater_widgets.store import open_store
    >>> store = open_store(":memory:")
    >>> store.append(NewRow("s", "1", "ana", "answer", {"verdict": "safe"})).inserted
    True
    """

    #: the location as given (path or URL, password removed), for messages and manifests
    url: str

    @property
    def read_only(self) -> bool:
        """True when this store can be read but not written (e.g. a read-only file)."""
        return False

    def default_annotator(self) -> str:
        """The annotator name to use when the caller gives none.

        The OS user here; :class:`~rater_widgets.store.postgres.PostgresStore` answers
        with the database role, because that is what row-level security checks.

        >>> from rater_widgets.store import open_store
        >>> isinstance(open_store(":memory:").default_annotator(), str)
        True
        """
        return os_user()

    def annotations(self, study: str) -> pl.DataFrame:
        """Typed latest answers of ``study``, using the rubric in its manifest.

        The widget-free way to read a study: ``open_store(url).annotations("pilot")``.
        """
        return annotations_from_manifest(self, study)

    def change_token(self, study: str | None = None) -> tuple[int, int]:
        """An opaque value that changes whenever rows of ``study`` (or of any study) are
        added or purged: compare it with ``==`` to know whether a cached frame is stale.
        The last row id alone would miss a purge, and on Postgres a row whose lower id
        commits late.

        >>> from rater_widgets.store import open_store
        >>> open_store(":memory:").change_token()
        (0, 0)
        """
        return (self.last_row_id(study), self.audit_log().height)

    @abc.abstractmethod
    def append(self, row: NewRow) -> Appended:
        """Append one row and commit it durably before returning.

        Idempotent on ``(study, session, seq)`` when both are set.
        Raises :class:`StoreError` with a clear message when the write fails.
        """

    @abc.abstractmethod
    def append_many(self, rows: Sequence[NewRow]) -> list[Appended]:
        """Append rows in one transaction (all or nothing)."""

    @abc.abstractmethod
    def latest(
        self, study: str, *, annotator: str | None = None, role: str | None = None
    ) -> pl.DataFrame:
        """The newest row per ``(item_id, annotator, role)``, of any kind (RAW_SCHEMA)."""

    @abc.abstractmethod
    def history(
        self,
        study: str,
        *,
        annotator: str | None = None,
        item_ids: Iterable[str] | None = None,
        since_row_id: int | None = None,
    ) -> pl.DataFrame:
        """Every row, oldest first (RAW_SCHEMA); ``since_row_id`` returns only newer rows."""

    @abc.abstractmethod
    def last_row_id(self, study: str | None = None) -> int:
        """The highest row id (0 when empty): a cheap way for caches to see new writes."""

    @abc.abstractmethod
    def studies(self) -> list[str]:
        """The study names that have rows or a manifest."""

    @abc.abstractmethod
    def get_manifest(self, study: str) -> dict[str, Any] | None:
        """The study manifest recorded on first use, or None."""

    @abc.abstractmethod
    def put_manifest(self, study: str, manifest: dict[str, Any]) -> None:
        """Record (or replace) the study manifest."""

    @abc.abstractmethod
    def purge(
        self,
        item_ids: Iterable[str],
        *,
        reason: str,
        study: str | None = None,
        actor: str | None = None,
    ) -> PurgeReport:
        """Destroy every row of these items (answers, rationales, spans) beyond recovery
        and leave an audit row (who, when, why, how many; no content).

        ``study=None`` purges the items in every study. ``actor`` defaults to
        :meth:`default_annotator`. ``n_items`` in the report and audit row counts the
        distinct ids asked for, ``n_rows`` the rows destroyed. Use it only when a law,
        a policy or a data owner demands that content be destroyed: everything else is
        a new revision (``kind="retract"``), never a delete. See ``docs/STORE.md``.
        """

    @abc.abstractmethod
    def audit_log(self) -> pl.DataFrame:
        """The purge audit rows: at, actor, action, study, n_items, n_rows, reason."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections. The store can't be used afterwards."""

    # ------------------------------------------------------------ shared conveniences

    def export(self, path: str | Path, study: str | None = None) -> Path:
        """Write every row (of one study, or all) to a Parquet file and return its path."""
        path = Path(path)
        frames = [self.history(s) for s in ([study] if study else self.studies())]
        frame = pl.concat(frames) if frames else pl.DataFrame(schema=RAW_SCHEMA)
        frame.write_parquet(path)
        return path

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def annotations_from_manifest(store: Store, study: str) -> pl.DataFrame:
    """Typed latest answers of a study, using the rubric recorded in its manifest."""
    from rater_widgets.frames import manifest_types, typed_annotations

    manifest = store.get_manifest(study)
    if manifest is None or "rubric" not in manifest:
        raise StoreError(
            f"study {study!r} in {store.url} has no manifest with a rubric; "
            f"known studies: {store.studies()}"
        )
    rubric, extra, id_dtype = manifest_types(manifest)
    latest = store.latest(study, role="annotator")
    return typed_annotations(latest, rubric, extra=extra, id_dtype=id_dtype)


class _Closable(Protocol):
    def close(self) -> None: ...


class OneConnection:
    """Closing for a store that holds one DB-API connection (``_conn``) behind a lock
    (``_lock``), with a closed flag (``_closed``) and a cache of latest answers
    (``_cache``): SQLiteStore and PostgresStore."""

    _lock: Any
    _closed: bool
    _conn: _Closable
    _cache: LatestCache

    def close(self) -> None:
        """Close the connection (SQLite: the last one to close folds the WAL into the file)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
        self._cache.clear()  # outside the lock: a reader may hold the cache and wait for it

    def __del__(self) -> None:
        # ``open_store(url).annotations(study)`` must not leave a connection open
        conn = getattr(self, "_conn", None)
        if conn is not None and not getattr(self, "_closed", True):
            try:  # noqa: SIM105 - no module globals here: may run at interpreter shutdown
                conn.close()
            except Exception:
                pass
