"""Durable, append-only annotation stores: SQLite by default, Postgres by URL.

>>> from rater_widgets.store import NewRow, open_store
>>> store = open_store(":memory:")
>>> store.append(NewRow("pilot", "a1", "ana", "answer", {"verdict": "safe"})).row_id
1
>>> store.latest("pilot").select("item_id", "annotator", "kind").rows()
[('a1', 'ana', 'answer')]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from rater_widgets.store._common import redact_url
from rater_widgets.store.base import (
    RAW_SCHEMA,
    SCHEMA_VERSION,
    Appended,
    NewRow,
    PurgeReport,
    RowKind,
    Store,
    StoreError,
    annotations_from_manifest,
)
from rater_widgets.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from rater_widgets.store.postgres import PostgresStore

__all__ = [
    "RAW_SCHEMA",
    "SCHEMA_VERSION",
    "Appended",
    "NewRow",
    "PostgresStore",
    "PurgeReport",
    "RowKind",
    "SQLiteStore",
    "Store",
    "StoreError",
    "annotations_from_manifest",
    "open_store",
]

_ACCEPTED = (
    "a file path (e.g. 'study.sqlite'), 'sqlite:///path/to/study.sqlite', ':memory:', "
    "or 'postgresql://user@host/db'"
)


def open_store(url_or_path: str | os.PathLike[str] | Store) -> Store:
    """Open the store at a path or URL.

    - a path, ``sqlite:///relative.sqlite`` or ``sqlite:////abs/path.sqlite``, or
      ``":memory:"`` -> :class:`SQLiteStore` (the folder must exist);
    - ``postgresql://`` or ``postgres://`` -> :class:`PostgresStore` (needs the
      ``rater_widgets[postgres]`` extra);
    - an open :class:`Store` is returned as is.

    >>> open_store(":memory:")
    SQLiteStore(':memory:')
    >>> open_store("mysql://db")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cannot open a store from 'mysql://db': give a file path ...
    """
    if isinstance(url_or_path, Store):
        return url_or_path
    if isinstance(url_or_path, Path):
        return SQLiteStore(url_or_path)
    if not isinstance(url_or_path, (str, os.PathLike)):
        raise TypeError(f"store must be a path or URL string, not {type(url_or_path).__name__}")
    text = os.fspath(url_or_path)
    lowered = text.lower()
    if lowered.startswith(("postgresql://", "postgres://")):
        try:
            from rater_widgets.store.postgres import PostgresStore
        except ImportError as exc:
            raise StoreError(
                f"opening {redact_url(text)} needs psycopg 3, which is not installed: "
                "pip install 'rater_widgets[postgres]'"
            ) from exc
        return PostgresStore(text)
    if lowered.startswith("sqlite://"):
        rest = text[len("sqlite://") :]
        if not rest.startswith("/") or rest == "/":
            raise ValueError(
                f"cannot open a store from {text!r}: write sqlite:///relative/path.sqlite "
                "or sqlite:////absolute/path.sqlite"
            )
        path = rest[1:]
        return SQLiteStore(path or ":memory:")
    if "://" in text or not text:
        raise ValueError(f"cannot open a store from {redact_url(text)!r}: give {_ACCEPTED}")
    return SQLiteStore(text)


def __getattr__(name: str) -> object:
    # PostgresStore imports psycopg, which is optional: load it only when asked for.
    if name == "PostgresStore":
        from rater_widgets.store.postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
