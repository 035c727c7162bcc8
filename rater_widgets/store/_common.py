"""Pieces both backends share: checking and encoding rows, building frames.

Kept apart from :mod:`rater_widgets.store.base` so the interface stays readable and
both backends encode a row in exactly the same way (same JSON text, same errors).
"""

from __future__ import annotations

import inspect
import json
import math
import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import polars as pl

from rater_widgets.store.base import RAW_SCHEMA, NewRow

#: Column order of every SELECT a backend turns into a frame (same as RAW_SCHEMA).
COLUMNS: tuple[str, ...] = tuple(RAW_SCHEMA)
KINDS = ("answer", "skip", "retract")

#: A row as bound to an INSERT: every column but row_id and created_at, in COLUMNS order.
EncodedRow = tuple[
    str, str, str, str, str, str | None, str | None, int | None, str | None,
    int | None, str | None, str | None,
]  # fmt: skip

#: Columns written by an INSERT, in the order of :data:`EncodedRow`.
INSERT_COLUMNS: tuple[str, ...] = (
    "study", "item_id", "annotator", "role", "kind", "answer", "rubric_hash", "seq",
    "session", "duration_ms", "client", "meta",
)  # fmt: skip

#: The audit frame's columns and types.
AUDIT_SCHEMA: dict[str, pl.DataType] = {
    "at": pl.Datetime("us", "UTC"),
    "actor": pl.String(),
    "action": pl.String(),
    "study": pl.String(),
    "n_items": pl.Int64(),
    "n_rows": pl.Int64(),
    "reason": pl.String(),
}


def now_us() -> int:
    """Microseconds since the Unix epoch, UTC."""
    return time.time_ns() // 1000


def encode_json(value: dict[str, Any] | None, field: str, row: NewRow) -> str | None:
    """Serialize one JSON column, naming the field and item when it can't be stored."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(
            f"NewRow.{field} for item {row.item_id!r} must be a dict or None, "
            f"not {type(value).__name__}"
        )
    try:
        text = dumps(value)
    except ValueError as exc:  # NaN / Infinity: not JSON, and would not round-trip
        raise ValueError(
            f"NewRow.{field} for item {row.item_id!r} holds NaN or Infinity "
            f"({_first_non_finite(value)}); store null or a finite number instead"
        ) from exc
    except TypeError as exc:
        raise TypeError(
            f"NewRow.{field} for item {row.item_id!r} is not JSON-serializable: {exc}"
        ) from exc
    return text


def dumps(value: Any) -> str:
    """Compact JSON text that any backend can store as UTF-8."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (JS strings may carry them) can't be UTF-8; the escaped form
        # is valid JSON and decodes to the very same Python string.
        text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text


def manifest_json(study: str, manifest: dict[str, Any]) -> str:
    """Check :meth:`Store.put_manifest` arguments and return the manifest's JSON text."""
    if not isinstance(study, str) or not study or "\x00" in study:
        raise ValueError(f"study must be a non-empty string, got {study!r}")
    if not isinstance(manifest, dict):
        raise TypeError(f"manifest must be a dict, not {type(manifest).__name__}")
    try:
        return dumps(manifest)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"manifest of study {study!r} is not plain JSON: {exc}") from exc


def _first_non_finite(value: Any, path: str = "") -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"at {path or 'top level'}: {value}"
    items: Iterable[tuple[str, Any]] = ()
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    for sub_path, sub in items:
        found = _first_non_finite(sub, sub_path)
        if found:
            return found
    return ""


def _check_str(value: object, field: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or (not optional and not value):
        raise ValueError(
            f"NewRow.{field} must be a non-empty string, got {value!r}"
            if not optional
            else f"NewRow.{field} must be a string or None, got {value!r}"
        )
    if "\x00" in value:  # Postgres text can't hold NUL; refuse it on every backend alike
        raise ValueError(f"NewRow.{field} contains a NUL character: {value!r}")
    if any(c in value for c in RESERVED_CHARS):
        raise ValueError(
            f"NewRow.{field} contains an ASCII separator control character "
            f"(0x1c-0x1f), which stores use to frame rows: {value!r}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"NewRow.{field} is not valid Unicode ({exc.reason}): {value!r}") from exc


_INT64 = 2**63


def _check_int(value: object, field: str) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"NewRow.{field} must be an integer or None, got {value!r}")
    if not -_INT64 <= value < _INT64:
        raise ValueError(f"NewRow.{field} does not fit in 64 bits: {value}")


def encode_row(row: NewRow) -> EncodedRow:
    """Check one row and turn it into INSERT parameters; errors name the field."""
    if not isinstance(row, NewRow):
        raise TypeError(f"expected a NewRow, got {type(row).__name__}")
    for field in ("study", "item_id", "annotator", "role"):
        _check_str(getattr(row, field), field)
    for field in ("rubric_hash", "session"):
        _check_str(getattr(row, field), field, optional=True)
    _check_int(row.seq, "seq")
    _check_int(row.duration_ms, "duration_ms")
    if row.kind not in KINDS:
        raise ValueError(f"NewRow.kind must be one of {', '.join(KINDS)}; got {row.kind!r}")
    if row.kind == "answer" and row.answer is None:
        raise ValueError(f"NewRow.answer is required when kind='answer' (item {row.item_id!r})")
    return (
        row.study,
        row.item_id,
        row.annotator,
        row.role,
        row.kind,
        encode_json(row.answer, "answer", row),
        row.rubric_hash,
        row.seq,
        row.session,
        row.duration_ms,
        encode_json(row.client, "client", row),
        encode_json(row.meta, "meta", row),
    )


def check_item_ids(item_ids: Iterable[str], reason: str) -> list[str]:
    """Validate :meth:`Store.purge` arguments; returns the distinct ids, sorted."""
    if isinstance(item_ids, (str, bytes)):
        raise TypeError(
            f"purge() takes a list of item ids, not one string ({item_ids!r}); "
            f"write purge([{item_ids!r}], reason=...)"
        )
    ids = sorted(set(item_ids))
    if not ids:
        raise ValueError("purge() needs at least one item id")
    bad = [i for i in ids if not isinstance(i, str)]
    if bad:
        raise ValueError(f"item ids are strings; got {bad[:3]!r}")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("purge() needs a reason (it is kept in the audit log)")
    return ids


#: Never in a stored value (JSON escapes control characters; identifiers are checked),
#: so reads can frame rows with them: \x1d marks NULL, \x1e ends a row, \x1f a field,
#: and \x1c stands in for a carriage return in identifiers (see :func:`frame_from_text`).
RESERVED_CHARS = "\x1c\x1d\x1e\x1f"
NULL_MARK = "\x1d"
IDENTIFIER_COLUMNS = ("study", "item_id", "annotator", "role", "kind", "rubric_hash", "session")
_WIRE_SCHEMA = {**RAW_SCHEMA, "created_at": pl.Int64()}
# Polars 2 renamed the option that keeps "" apart from null in read_csv.
_KEEP_EMPTY: dict[str, Any] = (
    {"empty_string_is_null": False}
    if "empty_string_is_null" in inspect.signature(pl.read_csv).parameters
    else {"missing_utf8_is_empty_string": True}
)


def frame_from_text(data: bytes, *, packed: bool) -> pl.DataFrame:
    """Parse rows serialized by the database itself: 3-4x faster than building a frame
    from Python tuples, which is what dominates reading 100k rows.

    ``packed``: SQLite ``format()`` output, fields split by 0x1f, rows by 0x1e, no
    quoting, carriage returns in identifiers written as 0x1c (the CSV reader would drop
    one before a separator). Otherwise: CSV from Postgres ``COPY`` with NULL as 0x1d.
    Raises ``polars.exceptions.PolarsError`` on anything unexpected; callers fall back
    to :func:`frame_from_rows`.
    """
    if not data:
        return pl.DataFrame(schema=RAW_SCHEMA)
    options: dict[str, Any] = (
        {"separator": "\x1f", "eol_char": "\x1e", "quote_char": None} if packed else {}
    )
    frame = pl.read_csv(
        data,
        has_header=False,
        schema=_WIRE_SCHEMA,
        null_values=NULL_MARK,
        **_KEEP_EMPTY,
        **options,
    )
    fixes = [pl.col("created_at").cast(RAW_SCHEMA["created_at"])]
    if packed and b"\x1c" in data:
        fixes += [pl.col(c).str.replace_all("\x1c", "\r", literal=True) for c in IDENTIFIER_COLUMNS]
    return frame.with_columns(fixes)


def frame_from_rows(rows: Sequence[Sequence[Any]]) -> pl.DataFrame:
    """Build a RAW_SCHEMA frame from rows in :data:`COLUMNS` order, with ``created_at``
    as integer microseconds since the epoch (cheaper to convert than datetimes)."""
    if not rows:
        return pl.DataFrame(schema=RAW_SCHEMA)
    columns = list(zip(*rows, strict=True))
    series = [
        pl.Series(name, col, dtype=pl.Int64() if name == "created_at" else dtype)
        for (name, dtype), col in zip(RAW_SCHEMA.items(), columns, strict=True)
    ]
    return pl.DataFrame(series).with_columns(pl.col("created_at").cast(RAW_SCHEMA["created_at"]))


def audit_frame(rows: Sequence[Sequence[Any]]) -> pl.DataFrame:
    """The audit frame from rows in AUDIT_SCHEMA order (``at`` as epoch microseconds)."""
    frame = pl.DataFrame(
        [list(r) for r in rows],
        schema={**AUDIT_SCHEMA, "at": pl.Int64()},
        orient="row",
    )
    return frame.with_columns(pl.col("at").cast(AUDIT_SCHEMA["at"]))


def redact_url(url: str) -> str:
    """The URL without its password, for messages, manifests and ``Store.url``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))
