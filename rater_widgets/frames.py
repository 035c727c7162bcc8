"""Frames in and out: any dataframe in (Polars, pandas, pyarrow via narwhals), typed
Polars frames out.

Store rows carry answers as JSON; the rubric says what each field's column type is, so
``w.annotations`` has one typed column per field (Enum, List[Enum], Int64, String,
Boolean, ...) and ``group_by`` or Altair work without casting.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from typing import Any

import narwhals.stable.v1 as nw
import polars as pl

from rater_widgets.fields import Choice, Field, Flag, MultiChoice, Number, Scale, Text
from rater_widgets.rubric import Rubric

__all__ = [
    "answer_dtypes", "decode_schema", "encode_schema", "manifest_types", "to_polars",
    "typed_annotations", "typed_history",
]  # fmt: skip

SPAN_DTYPE = pl.Struct(
    {"start": pl.Int64(), "end": pl.Int64(), "label": pl.String(), "text": pl.String()}
)


def to_polars(data: Any, what: str = "data") -> pl.DataFrame:
    """Return ``data`` as an eager Polars frame (pandas, pyarrow and anything narwhals
    knows are converted; a LazyFrame is collected).

    >>> to_polars(pl.DataFrame({"id": [1]})).columns
    ['id']
    """
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    try:
        frame = nw.from_native(data, eager_only=True)
    except TypeError:
        raise TypeError(
            f"{what} must be a dataframe (Polars, pandas or pyarrow), got {type(data).__name__}"
        ) from None
    native = frame.to_polars()
    assert isinstance(native, pl.DataFrame)
    return native


def encode_schema(schema: Mapping[str, pl.DataType]) -> str:
    """A Polars schema as base64 Arrow IPC (Enum options and nested types survive JSON):
    how a study manifest records the id type and a widget's own answer keys.

    >>> decode_schema(encode_schema({"w": pl.Enum(["a", "b"])}))["w"]
    Enum(categories=['a', 'b'])
    """
    buf = io.BytesIO()
    pl.DataFrame(schema=dict(schema)).write_ipc(buf, compression="uncompressed")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode_schema(text: str | None) -> dict[str, pl.DataType]:
    """The column types written by :func:`encode_schema` ({} for None)."""
    if not text:
        return {}
    frame = pl.read_ipc(io.BytesIO(base64.b64decode(text)))
    return dict(frame.schema)


def manifest_types(
    manifest: Mapping[str, Any],
) -> tuple[Rubric, dict[str, pl.DataType], pl.DataType | None]:
    """What a study manifest records for typing its answers: the rubric, the widget's own
    answer keys (step ratings, preferences, ...) with their types, and the id type."""
    rubric = Rubric.from_dict(manifest["rubric"])
    extra = decode_schema(manifest.get("answer_schema"))
    id_dtype = extra.pop("id", None)
    return rubric, extra, id_dtype


def field_dtype(field: Field) -> pl.DataType:
    """The column type of one rubric field in the annotations frame."""
    if isinstance(field, Choice):
        return pl.Enum(field.option_values)
    if isinstance(field, MultiChoice):
        return pl.List(pl.Enum(field.option_values))
    if isinstance(field, Scale):
        return pl.Int64()
    if isinstance(field, Flag):
        return pl.Boolean()
    if isinstance(field, Number):
        return pl.Int64() if field.integer else pl.Float64()
    if isinstance(field, Text):
        return pl.String()
    if getattr(field, "type", None) == "spans":
        return pl.List(SPAN_DTYPE)
    return pl.String()


def answer_dtypes(
    rubric: Rubric, extra: Mapping[str, pl.DataType] | None = None
) -> dict[str, pl.DataType]:
    """Column name -> type for every rubric field, then the widget's own answer keys."""
    out = {f.name: field_dtype(f) for f in rubric.fields}
    out.update(extra or {})
    return out


def _json_dtype(dtype: pl.DataType) -> pl.DataType:
    """What the JSON holds before casting: Enums arrive as strings."""
    if isinstance(dtype, pl.Enum):
        return pl.String()
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        return pl.List(_json_dtype(inner if isinstance(inner, pl.DataType) else inner()))
    return dtype


def _decode(raw: pl.DataFrame, dtypes: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Expand the JSON ``answer`` column into typed columns (vectorized)."""
    if not dtypes:
        return raw
    if raw.height == 0:
        return raw.with_columns(pl.lit(None, dtype=d).alias(n) for n, d in dtypes.items())
    struct = pl.Struct({n: _json_dtype(d) for n, d in dtypes.items()})
    decoded = raw.with_columns(pl.col("answer").str.json_decode(struct).alias("_answer"))
    cols = [pl.col("_answer").struct.field(n).alias(n) for n in dtypes]
    out = decoded.with_columns(cols).drop("_answer")
    # values outside the current options (a rubric that changed) become null, not an error
    return out.with_columns(pl.col(n).cast(d, strict=False) for n, d in dtypes.items())


def _ids(frame: pl.DataFrame, id_dtype: pl.DataType | None) -> pl.Expr:
    col = pl.col("item_id")
    return (col.cast(id_dtype) if id_dtype is not None else col).alias("id")


def typed_annotations(
    latest: pl.DataFrame,
    rubric: Rubric,
    *,
    extra: Mapping[str, pl.DataType] | None = None,
    id_dtype: pl.DataType | None = None,
) -> pl.DataFrame:
    """The latest answer per (item, annotator) as a typed frame: ``id``, ``annotator``,
    one column per field (then the widget's own keys), ``duration_ms``, ``updated_at``.

    ``latest`` is what :meth:`Store.latest` returns; rows whose latest event is a skip or
    a retraction are not annotations and are left out.
    """
    dtypes = answer_dtypes(rubric, extra)
    answers = latest.filter(pl.col("kind") == "answer").sort("item_id", "annotator", "row_id")
    out = _decode(answers, dtypes)
    return out.select(
        _ids(out, id_dtype),
        "annotator",
        *dtypes,
        "duration_ms",
        pl.col("created_at").alias("updated_at"),
    )


def typed_history(
    history: pl.DataFrame,
    rubric: Rubric,
    *,
    extra: Mapping[str, pl.DataType] | None = None,
    id_dtype: pl.DataType | None = None,
) -> pl.DataFrame:
    """Every revision, oldest first: the typed answer columns plus ``kind`` (answer, skip,
    retract), ``role``, ``seq``, ``rubric_hash``, ``duration_ms`` and ``created_at``."""
    dtypes = answer_dtypes(rubric, extra)
    out = _decode(history.sort("row_id"), dtypes)
    return out.select(
        "row_id",
        _ids(out, id_dtype),
        "annotator",
        "role",
        "kind",
        *dtypes,
        "rubric_hash",
        "seq",
        "session",
        "duration_ms",
        "created_at",
    )
