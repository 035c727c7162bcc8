"""Study manifests: what a study was started on, and a clear warning when that changes.

A study is ``(data fingerprint, rubric hash, seed, package version, store)``. The first
widget that opens a study records its manifest in the store; every later widget compares
itself against it and warns (a :class:`UserWarning` naming the study, the store and the
counts) when the data or the rubric differ, instead of silently mixing answers given on
different items.

Data fingerprint
----------------
Each item is hashed with **XXH64** (seed 0, via the ``polars-hash`` plugin: a standard,
published algorithm, so the value is the same on every machine, Polars version and run;
Polars' own ``Series.hash`` is documented as stable only within one Polars version, so it
is not used). The hashed bytes are the item's canonical text: every column the widget shows
(:func:`shown_columns`: content, context, trace, responses, model names; not display
options such as ``sensitive=`` or ``suggestion=``), in the widget's order, joined by
``\\x1f`` when there are several; strings as they are, nested values (chat messages,
lists) as JSON, binary as hex, numbers and dates as Polars prints them, nulls as
``\\x00``.

The study fingerprint binds each item's hash to its id (XOR with the XXH64 of the id),
then takes the sum and the XOR of those over all items (mod 2**64) with the item count,
through SHA-256: it does not depend on row order (the serving order is the seed's and
``order=``'s business, recorded apart), and needs no sort. 1M rows of ~250 characters
take about 0.1 s (``benchmarks/bench_study.py``).

To say *which* items changed, the manifest also keeps a compact index: the ids and the
low 32 bits of each item hash, as zstd-compressed Parquet in base64 (~6 bytes per item).

>>> import polars as pl
>>> idx = fingerprint(pl.DataFrame({"id": [1, 2], "text": ["a", "b"]}), id="id")
>>> idx.n_items, idx.fingerprint[:7]
(2, 'sha256:')
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import inspect
import io
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from rater_widgets.frames import encode_schema

__all__ = [
    "DataChange",
    "DataIndex",
    "check_manifest",
    "compare",
    "fingerprint",
    "shown_columns",
    "study_change",
    "widget_record",
]

#: The name recorded in manifests for how items are hashed; a manifest with another
#: algorithm is never compared item by item.
ALGORITHM = "xxh64-utf8-v2"
_SEP = "\x1f"
_NULL = "\x00"


# ================================================================ fingerprint


def _canonical(frame: pl.DataFrame, column: str) -> pl.Expr:
    """One column as canonical text (see the module docstring)."""
    dtype = frame.schema[column]
    col = pl.col(column)
    if dtype == pl.String:
        expr = col
    elif dtype == pl.Binary:
        expr = col.bin.encode("hex")
    elif isinstance(dtype, pl.List | pl.Array | pl.Struct):
        expr = pl.struct(col.alias("v")).struct.json_encode()
    elif dtype == pl.Object:
        expr = col.map_elements(_object_text, return_dtype=pl.String)
    else:
        expr = col.cast(pl.String)
    return expr.fill_null(_NULL)


def _object_text(value: Any) -> str:
    # Python objects (PIL images) have no stable repr: hash what the widget would show
    from rater_widgets.content import to_data_url

    try:
        return to_data_url(value)
    except (TypeError, ValueError):
        return str(value)


def _xxh64(column: str) -> pl.Expr:
    try:
        import polars_hash as plh
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError(
            "fingerprinting study data needs the polars-hash package: pip install polars-hash"
        ) from exc
    return plh.col(column).nchash.xxhash64()


class DataIndex:
    """The fingerprint of a study's data, and per-item hashes to tell what changed.

    ``ids`` (String) and ``hashes`` (UInt32: the low half of each item's XXH64) are
    aligned, in the frame's order; they are computed only when asked for (comparing two
    fingerprints needs neither, so reopening an unchanged study stays cheap).
    """

    def __init__(
        self,
        fingerprint: str,
        n_items: int,
        columns: tuple[str, ...],
        *,
        ids: pl.Series | None = None,
        hashes: pl.Series | None = None,
        algorithm: str = ALGORITHM,
        unsorted: pl.DataFrame | None = None,
    ) -> None:
        self.fingerprint = fingerprint
        self.n_items = n_items
        self.columns = tuple(columns)
        self.algorithm = algorithm
        self._ids = ids
        self._hashes = hashes
        self._unsorted = unsorted  # id (String), h (UInt64), in frame order

    def _sort(self) -> None:
        if self._ids is not None and self._hashes is not None:
            return
        assert self._unsorted is not None
        # frame order: compare() joins on id, so nothing needs sorting (1M string ids
        # would cost more to sort than to hash)
        index = self._unsorted.select("id", (pl.col("h") & 0xFFFFFFFF).cast(pl.UInt32))
        self._ids, self._hashes = index.get_column("id"), index.get_column("h")

    @property
    def ids(self) -> pl.Series:
        self._sort()
        assert self._ids is not None
        return self._ids

    @property
    def hashes(self) -> pl.Series:
        self._sort()
        assert self._hashes is not None
        return self._hashes

    def to_manifest(self) -> dict[str, Any]:
        """The JSON-able ``data`` section of a manifest."""
        buf = io.BytesIO()
        pl.DataFrame([self.ids.alias("id"), self.hashes.alias("h")]).write_parquet(
            buf, compression="zstd", statistics=False
        )
        return {
            "fingerprint": self.fingerprint,
            "n_items": self.n_items,
            "columns": list(self.columns),
            "algorithm": self.algorithm,
            "index": base64.b64encode(buf.getvalue()).decode("ascii"),
        }

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any]) -> DataIndex:
        """Read the ``data`` section written by :meth:`to_manifest`."""
        frame = pl.read_parquet(io.BytesIO(base64.b64decode(data["index"])))
        return cls(
            fingerprint=str(data["fingerprint"]),
            n_items=int(data["n_items"]),
            columns=tuple(data.get("columns", ())),
            ids=frame.get_column("id"),
            hashes=frame.get_column("h"),
            algorithm=str(data.get("algorithm", "")),
        )

    def frame(self) -> pl.DataFrame:
        """``id`` and ``data_hash`` (UInt32)."""
        return pl.DataFrame([self.ids.alias("id"), self.hashes.alias("data_hash")])


def fingerprint(data: Any, *, id: str = "id", columns: Sequence[str] | None = None) -> DataIndex:
    """Hash the items of a frame: each item's content (``columns``, default: every other
    column) and, in the study fingerprint, its id.

    >>> import polars as pl
    >>> a = fingerprint(pl.DataFrame({"id": [1, 2], "text": ["x", "y"]}))
    >>> b = fingerprint(pl.DataFrame({"id": [2, 1], "text": ["y", "x"]}))
    >>> a.fingerprint == b.fingerprint  # row order does not matter
    True
    """
    from rater_widgets.frames import to_polars

    frame = to_polars(data)
    cols = [c for c in frame.columns if c != id] if columns is None else list(columns)
    missing = [c for c in [id, *cols] if c not in frame.columns]
    if missing:
        raise ValueError(f"fingerprint: no column(s) {missing}; columns are {frame.columns}")
    # one column is hashed as it is; several are joined first (the costly part, so only
    # when needed)
    parts = [_canonical(frame, c) for c in cols]
    content = parts[0] if len(parts) == 1 else pl.concat_str(parts, separator=_SEP)
    if not parts:
        content = pl.lit("")
    hashed = frame.select(pl.col(id).cast(pl.String).alias("id"), content.alias("_canon")).select(
        "id", _xxh64("_canon").alias("h")
    )
    # the study fingerprint binds each content hash to its id, then sums and xors over the
    # items (order-independent, exact integer arithmetic mod 2**64)
    bound = hashed.select(pl.col("h") ^ _xxh64("id")).to_series().to_numpy()
    total = int(bound.sum(dtype="uint64")) if bound.size else 0
    xor = int(_np_xor(bound)) if bound.size else 0
    digest = hashlib.sha256(f"{frame.height}:{total:016x}:{xor:016x}".encode()).hexdigest()
    return DataIndex(
        fingerprint=f"sha256:{digest}",
        n_items=frame.height,
        columns=tuple(cols),
        unsorted=hashed,
    )


def _np_xor(values: Any) -> Any:
    import numpy as np

    return np.bitwise_xor.reduce(values)


# ================================================================ change detection


@dataclasses.dataclass(frozen=True)
class DataChange:
    """How the data now differs from the data a study was started on (ids as String)."""

    added: pl.Series
    removed: pl.Series
    changed: pl.Series
    columns_before: tuple[str, ...] = ()
    columns_now: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.added.len()
            or self.removed.len()
            or self.changed.len()
            or self.columns_before != self.columns_now
        )

    def summary(self, examples: int = 3) -> str:
        """One line: counts, and a few example ids of each kind.

        >>> s = pl.Series([], dtype=pl.String)
        >>> DataChange(pl.Series(["7"]), s, s).summary()
        "1 item(s) added (e.g. '7'), 0 removed, 0 changed"
        """

        def part(ids: pl.Series, what: str) -> str:
            if not ids.len():
                return f"0 {what}"
            shown = ", ".join(repr(v) for v in ids.head(examples).to_list())
            return f"{ids.len()} {what} (e.g. {shown})"

        text = ", ".join(
            [
                part(self.added, "item(s) added"),
                part(self.removed, "removed"),
                part(self.changed, "changed"),
            ]
        )
        if self.columns_before != self.columns_now:
            text += (
                f"; the widget shows columns {list(self.columns_now)}, "
                f"the study was started with {list(self.columns_before)}"
            )
        return text


def compare(before: DataIndex, now: DataIndex) -> DataChange:
    """What was added, removed and changed between two indexes.

    >>> import polars as pl
    >>> a = fingerprint(pl.DataFrame({"id": [1, 2, 3], "t": ["x", "y", "z"]}))
    >>> b = fingerprint(pl.DataFrame({"id": [2, 3, 4], "t": ["y", "Z", "w"]}))
    >>> compare(a, b).summary()
    "1 item(s) added (e.g. '4'), 1 removed (e.g. '1'), 1 changed (e.g. '3')"
    """
    old, new = before.frame(), now.frame()
    joined = old.join(new, on="id", how="full", suffix="_now", coalesce=True)
    added = joined.filter(pl.col("data_hash").is_null()).get_column("id")
    removed = joined.filter(pl.col("data_hash_now").is_null()).get_column("id")
    changed = joined.filter(pl.col("data_hash") != pl.col("data_hash_now")).get_column("id")
    return DataChange(
        added=added.sort(),
        removed=removed.sort(),
        changed=changed.sort(),
        columns_before=before.columns,
        columns_now=now.columns,
    )


# ================================================================ manifest in the store


def check_manifest(
    store: Any, study: str, current: dict[str, Any], index: DataIndex
) -> dict[str, Any]:
    """Record the manifest of ``study`` on first use, or compare with the recorded one.

    ``current``: the widget's settings (rubric, rubric_hash, seed, order, ...); the
    ``data`` section comes from ``index``. Warns (UserWarning) when the recorded rubric
    or data differ; the recorded manifest is kept, because it describes what the study's
    first answers were given on. A manifest recorded before data fingerprints existed
    gets its ``data`` section added. Returns the manifest now in the store.
    """
    recorded = store.get_manifest(study)
    if recorded is None:
        manifest = {**current, "data": index.to_manifest()}
        store.put_manifest(study, manifest)
        return manifest
    if recorded.get("rubric_hash") != current["rubric_hash"]:
        _warn(
            f"study {study!r} in {store.url} was started with another rubric (hash "
            f"{recorded.get('rubric_hash')}, now {current['rubric_hash']}); answers record "
            "the hash they were given under. Use a new study= name to keep them apart."
        )
    data = recorded.get("data")
    if data is None:
        recorded = {**recorded, "data": index.to_manifest()}
        store.put_manifest(study, recorded)
        return recorded
    if data.get("fingerprint") == index.fingerprint:
        return dict(recorded)
    if data.get("algorithm") != index.algorithm:
        _warn(
            f"study {study!r} in {store.url}: the data fingerprint differs, and the study "
            f"was fingerprinted with {data.get('algorithm')!r} (now {index.algorithm!r}), so "
            "which items changed cannot be told. Use a new study= name to keep them apart."
        )
        return dict(recorded)
    change = compare(DataIndex.from_manifest(data), index)
    what = change.summary() if change else "the items hash differently"
    _warn(
        f"study {study!r} in {store.url} was started on other data ({data['n_items']} "
        f"items, now {index.n_items}): {what}. Answers to changed or removed items were "
        "given on other content; use a new study= name to keep them apart, or "
        "study_change() to list the ids."
    )
    return dict(recorded)


def study_change(store: Any, study: str, data: Any, *, id: str | None = None) -> DataChange:
    """Compare ``data`` with the data ``study`` was started on (ids added/removed/changed).

    ``id`` defaults to the id column recorded in the manifest; the hashed columns are the
    recorded ones, so pass the same frame the widget was given.

    >>> change = study_change(w.store, "pilot", df)  # doctest: +SKIP
    >>> change.changed  # doctest: +SKIP
    """
    manifest = store.get_manifest(study)
    if manifest is None or "data" not in manifest:
        raise ValueError(
            f"study {study!r} in {store.url} has no data fingerprint; known studies: "
            f"{store.studies()}"
        )
    before = DataIndex.from_manifest(manifest["data"])
    now = fingerprint(data, id=id or manifest.get("id_column", "id"), columns=before.columns)
    return compare(before, now)


def _warn(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=_user_stacklevel())


def _user_stacklevel() -> int:
    """The stacklevel of the first frame outside rater_widgets: the warning points at the
    user's cell (and shows again for each cell, not once per library line)."""
    level = 1
    frame = inspect.currentframe()
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(
        "rater_widgets"
    ):
        frame = frame.f_back
        level += 1
    return max(level - 1, 1)


# ================================================================ what a widget records


def widget_record(widget: Any) -> dict[str, Any]:
    """The manifest entries that describe a widget's columns and answer types, so a
    study can be read, exported and turned into preference pairs without the widget.

    ``columns``: the content/context columns shown, and for comparisons the response
    columns (``a``/``b`` or ``responses``), ``prompt`` and ``models``; ``answer_schema``:
    the id type and the widget's own answer keys (``frames.encode_schema``).
    """
    spec = widget._spec
    columns: dict[str, Any] = {
        "content": [c.name for c in spec.columns if c.role == "content"],
        "context": [c.name for c in spec.columns if c.role == "context"],
    }
    for attr, key in (("_a", "a"), ("_b", "b"), ("_trace_col", "trace")):
        if isinstance(getattr(widget, attr, None), str):
            columns[key] = getattr(widget, attr)
    if isinstance(getattr(widget, "_responses", None), list):
        columns["responses"] = widget._responses[0] if widget._list else widget._responses
    if isinstance(getattr(widget, "_prompt_cols", None), list):
        columns["prompt"] = widget._prompt_cols
    models = getattr(widget, "_models", None) or getattr(widget, "_model_cols", None)
    if models:
        columns["models"] = models if isinstance(models, list) else [models]
    schema = {"id": widget._id_dtype, **widget._own_answer_keys()}
    return {"columns": columns, "answer_schema": encode_schema(schema)}


def shown_columns(widget: Any) -> list[str]:
    """The columns whose values a widget shows as item content: content and context,
    the trace, the responses and model names. Display options (``sensitive=``,
    ``content_warning=``, ``suggestion=``, ``gold=``) are left out: two annotators who
    set them differently still label the same items."""
    names = [c.name for c in widget._spec.columns]
    trace = getattr(widget, "_trace_col", None)
    models = getattr(widget, "_models", None) or getattr(widget, "_model_cols", None) or []
    extra = [trace] if isinstance(trace, str) else []
    extra += [models] if isinstance(models, str) else list(models)
    return [c for c in dict.fromkeys([*names, *extra]) if c != widget._id_col]


# ================================================================ schemas as text
