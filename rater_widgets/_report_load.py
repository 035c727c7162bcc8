"""What :func:`rater_widgets.report.report` reads: a widget, a store (or its URL or path)
or an annotations frame, turned into one :class:`ReportInput`.

Only ids, annotators, labels, durations and times are taken into the analysis. Free text
(rationales, notes, String columns nobody named as a label) and item content are kept
apart in ``text_fields`` / ``content`` and reach a report only with ``include_content``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl

from rater_widgets.fields import Choice, Flag, MultiChoice, Number, Scale, Text, nearest
from rater_widgets.frames import answer_dtypes, to_polars, typed_annotations
from rater_widgets.rubric import Rubric
from rater_widgets.store import Store, StoreError, open_store

__all__ = ["LabelField", "ReportInput", "load"]

Level = Literal["nominal", "ordinal", "interval", "multi"]

_WINNERS = pl.Enum(["a", "b", "tie", "both_bad"])
#: Answer keys the widgets own (not rubric fields), with their column types: a store read
#: without the widget types them from here. Keys not listed and not in the rubric are
#: left out of the analysis.
_OWN_KEYS: dict[str, pl.DataType] = {
    "shown_left": pl.Enum(["a", "b"]),
    "model_a": pl.String(),
    "model_b": pl.String(),
    "ranks": pl.List(pl.Int8()),
    "shown_order": pl.List(pl.Int8()),
    "models": pl.List(pl.String()),
    "step_ratings": pl.List(pl.Int8()),
    "step_notes": pl.List(pl.String()),
    "first_error_step": pl.Int64(),
    "n_steps": pl.Int64(),
}
#: Columns that describe an answer rather than being one.
_META = {
    "id", "annotator", "duration_ms", "updated_at", "created_at", "role", "kind", "seq",
    "row_id", "rubric_hash", "session", "shown_left", "model_a", "model_b", "models",
    "ranks", "shown_order", "step_ratings", "first_error_step", "n_steps", "criterion",
}  # fmt: skip
_FREE_TEXT_KEYS = ("step_notes",)
#: How many stored answers are read to learn which widget-owned keys a study uses.
_KEY_SAMPLE = 500


@dataclasses.dataclass(frozen=True)
class LabelField:
    """One answer column the report analyses, and how its values compare."""

    name: str
    level: Level


@dataclasses.dataclass
class ReportInput:
    """Everything a report is computed from (frames stay in memory, never in the file)."""

    annotations: pl.DataFrame
    fields: list[LabelField]
    rubric: Rubric | None
    study: str | None
    source: str
    #: id, annotator, at: when each annotator first answered each item (progress chart)
    first_answers: pl.DataFrame | None = None
    #: pairwise comparisons in long form (model_a, model_b, winner, criterion, ...)
    comparisons: pl.DataFrame | None = None
    #: id and the known answer of the primary field, for gold accuracy
    gold: pl.DataFrame | None = None
    #: source rows (item content) by id; shown only with include_content=True
    content: pl.DataFrame | None = None
    #: free-text answer columns (rationales, notes): content too
    text_fields: list[str] = dataclasses.field(default_factory=list)
    #: field -> column of annotations holding the model's label for it
    suggestions: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def primary(self) -> LabelField | None:
        """The field most charts are about: the first single-choice one, else the first."""
        for f in self.fields:
            if f.level == "nominal":
                return f
        return self.fields[0] if self.fields else None


# ------------------------------------------------------------------ entry point


def load(
    source: Any,
    *,
    study: str | None = None,
    rubric: Rubric | None = None,
    field: str | Sequence[str] | None = None,
    suggestion: str | Mapping[str, str] | None = None,
    gold: Any = None,
    data: Any = None,
    history: Any = None,
) -> ReportInput:
    """Read ``source`` (widget, store, URL/path or frame) into a :class:`ReportInput`."""
    from rater_widgets.widgets._rater import RaterWidget

    if isinstance(source, RaterWidget):
        if study is not None and study != source.study:
            raise ValueError(f"study={study!r} differs from the widget's study {source.study!r}")
        inp = _from_widget(source)
    elif isinstance(source, Store | str | os.PathLike):
        inp = _from_store(source, study, rubric)
    else:
        inp = _from_frame(source, rubric, study, history)
    inp.fields = label_fields(inp.annotations, inp.rubric, field)
    names = {f.name for f in inp.fields}
    for column in inp.annotations.columns:
        fname = column.removeprefix("suggested_")
        if column.startswith("suggested_") and fname in names:
            inp.suggestions.setdefault(fname, column)
    _add_suggestions(inp, suggestion, data)
    primary = inp.primary
    if gold is not None:
        if primary is None:
            raise ValueError("gold= needs a label field to compare against")
        inp.gold = _gold_frame(gold, inp.annotations, primary.name)
    if data is not None:
        frame = to_polars(data, "data")
        if "id" not in frame.columns:
            raise KeyError(f"data= needs an 'id' column; it has {frame.columns}")
        inp.content = frame
    return inp


# ------------------------------------------------------------------ widgets


def _from_widget(w: Any) -> ReportInput:
    from rater_widgets import export
    from rater_widgets.widgets.pairwise import PairwiseRater
    from rater_widgets.widgets.rank import RankRater

    ann = w.annotations
    comparisons = None
    if isinstance(w, PairwiseRater):
        comparisons = export.comparisons(w)
    elif isinstance(w, RankRater):
        comparisons = export.rank_to_pairs(w)
    content = w._frame.rename({w._id_col: "id"}) if w._id_col != "id" else w._frame
    gold = None
    if w._gold_column is not None and w.rubric.fields:
        name = w.rubric.fields[0].name
        gold = content.select("id", pl.col(w._gold_column).alias(name)).drop_nulls(name)
    return ReportInput(
        annotations=ann,
        fields=[],
        rubric=w.rubric,
        study=w.study,
        source=f"{type(w).__name__} in {w.store.url}",
        first_answers=_first_answers(w.store.history(w.study), ann.schema["id"]),
        comparisons=comparisons,
        gold=gold,
        content=content,
        text_fields=_text_fields(ann, w.rubric),
    )


# ------------------------------------------------------------------ stores


def open_existing(source: Store | str | os.PathLike[str]) -> Store:
    """Open a store without creating one: a path that does not exist is an error."""
    if isinstance(source, Store):
        return source
    text = os.fspath(source)
    lowered = text.lower()
    path: str | None = None
    if lowered.startswith("sqlite:///"):
        path = text[len("sqlite:///") :]
    elif "://" not in text and text != ":memory:":
        path = text
    if path is not None and path not in ("", ":memory:") and not Path(path).is_file():
        raise FileNotFoundError(f"no store at {path!r}: the file does not exist")
    return open_store(text)


def _from_store(source: Store | str | os.PathLike[str], study: str | None,
                rubric: Rubric | None) -> ReportInput:  # fmt: skip
    store = open_existing(source)
    study = pick_study(store, study)
    manifest = store.get_manifest(study) or {}
    if rubric is None:
        if "rubric" not in manifest:
            raise StoreError(
                f"study {study!r} in {store.url} has no manifest with a rubric; "
                "pass rubric= to say how to read its answers"
            )
        rubric = Rubric.from_dict(manifest["rubric"])
    latest = store.latest(study, role="annotator")
    extra = _own_key_dtypes(latest, rubric)
    ann = typed_annotations(latest, rubric, extra=extra)
    ann = ann.join(_stored_suggestions(latest, rubric), on="id", how="left")
    from rater_widgets import export

    comparisons = None
    if "shown_left" in ann.columns and any(c.startswith("winner") for c in ann.columns):
        comparisons = export.comparisons(ann)
    elif "ranks" in ann.columns:
        comparisons = export.rank_to_pairs(ann)
    widget = manifest.get("widget", "study")
    return ReportInput(
        annotations=ann,
        fields=[],
        rubric=rubric,
        study=study,
        source=f"{widget} in {store.url}",
        first_answers=_first_answers(store.history(study), pl.String()),
        comparisons=comparisons,
        text_fields=_text_fields(ann, rubric),
    )


def pick_study(store: Store, study: str | None) -> str:
    """The study to report on: the one named (which must exist), or the only one."""
    known = store.studies()
    if study is None:
        if len(known) == 1:
            return known[0]
        if not known:
            raise ValueError(f"the store {store.url} has no studies yet")
        raise ValueError(
            f"the store {store.url} holds {len(known)} studies; pick one with study=: {known}"
        )
    if study not in known:
        raise ValueError(
            f"no study {study!r} in {store.url}; {nearest(study, known)}; known studies: {known}"
        )
    return study


def _own_key_dtypes(latest: pl.DataFrame, rubric: Rubric) -> dict[str, pl.DataType]:
    """Column types of the widget-owned answer keys this study uses (from a sample)."""
    answers = latest.filter(pl.col("kind") == "answer").get_column("answer").drop_nulls()
    if answers.len() > _KEY_SAMPLE:
        step = answers.len() // _KEY_SAMPLE
        answers = answers.gather_every(step)
    keys: dict[str, None] = {}
    for text in answers.to_list():
        keys.update(dict.fromkeys(json.loads(text)))
    out: dict[str, pl.DataType] = {}
    for key in keys:
        if key in rubric.names:
            continue
        if key in _OWN_KEYS:
            out[key] = _OWN_KEYS[key]
        elif key.startswith("winner"):
            out[key] = _WINNERS
        elif key.startswith("preference"):
            out[key] = pl.Int8()
    return out


def _stored_suggestions(latest: pl.DataFrame, rubric: Rubric) -> pl.DataFrame:
    """``suggested_<field>`` per item from the answers' meta (the model label shown)."""
    names = [f.name for f in rubric.fields if isinstance(f, Choice | Scale | Flag)]
    empty = pl.DataFrame(schema={"id": pl.String})
    if not names or latest.height == 0:
        return empty
    dtypes = answer_dtypes(rubric)
    # JSON holds option labels as strings, scale points as numbers, flags as booleans
    raw = {n: pl.String() if isinstance(dtypes[n], pl.Enum) else dtypes[n] for n in names}
    struct = pl.Struct({"suggestion": pl.Struct(raw)})
    meta = latest.select(
        pl.col("item_id").alias("id"),
        pl.col("meta").str.json_decode(struct).struct.field("suggestion").alias("_s"),
    ).drop_nulls("_s")
    if meta.height == 0:
        return empty
    cols = [pl.col("_s").struct.field(n).alias(f"suggested_{n}") for n in names]
    per_item = meta.select("id", *cols).group_by("id").agg(pl.all().drop_nulls().first())
    keep = [
        c for c in per_item.columns[1:] if per_item.get_column(c).null_count() < per_item.height
    ]
    return per_item.select(
        "id",
        *[pl.col(c).cast(dtypes[c.removeprefix("suggested_")], strict=False) for c in keep],
    )


def _first_answers(history: pl.DataFrame, id_dtype: pl.DataType) -> pl.DataFrame:
    """When each annotator first answered each item (revisions do not count again)."""
    return (
        history.filter((pl.col("kind") == "answer") & (pl.col("role") == "annotator"))
        .group_by("item_id", "annotator")
        .agg(pl.col("created_at").min().alias("at"))
        .select(pl.col("item_id").cast(id_dtype, strict=False).alias("id"), "annotator", "at")
    )


# ------------------------------------------------------------------ frames


def _from_frame(frame: Any, rubric: Rubric | None, study: str | None,
                history: Any) -> ReportInput:  # fmt: skip
    from rater_widgets import export

    try:
        ann = to_polars(frame, "source")
    except TypeError:
        raise TypeError(
            "rw.report() takes a rater widget, a store (or its path or URL) or an "
            f"annotations frame, got {type(frame).__name__}"
        ) from None
    missing = [c for c in ("id", "annotator") if c not in ann.columns]
    if missing:
        raise KeyError(
            f"the annotations frame has no column {missing[0]!r}; it needs 'id' and "
            f"'annotator' (like w.annotations); columns: {ann.columns}"
        )
    if rubric is not None and not isinstance(rubric, Rubric):
        raise TypeError(f"rubric= must be a rw.Rubric, got {type(rubric).__name__}")
    comparisons = None
    if "shown_left" in ann.columns and any(c.startswith("winner") for c in ann.columns):
        comparisons = export.comparisons(ann)
    elif {"model_a", "model_b", "winner"} <= set(ann.columns):
        comparisons = ann.with_columns(pl.lit("overall").alias("criterion"))
    elif "ranks" in ann.columns:
        comparisons = export.rank_to_pairs(ann)
    first = None
    if history is not None:
        hist = to_polars(history, "history")
        when = "created_at" if "created_at" in hist.columns else "updated_at"
        if "kind" in hist.columns:
            hist = hist.filter(pl.col("kind") == "answer")
        first = hist.group_by("id", "annotator").agg(pl.col(when).min().alias("at"))
    elif "updated_at" in ann.columns:
        first = ann.select("id", "annotator", pl.col("updated_at").alias("at"))
    return ReportInput(
        annotations=ann,
        fields=[],
        rubric=rubric,
        study=study,
        source="annotations frame",
        first_answers=first,
        comparisons=comparisons,
        text_fields=_text_fields(ann, rubric),
    )


# ------------------------------------------------------------------ fields


def label_fields(
    ann: pl.DataFrame, rubric: Rubric | None, field: str | Sequence[str] | None
) -> list[LabelField]:
    """The answer columns to analyse, in rubric (or frame) order; ``field`` picks some."""
    if field is not None:
        names = [field] if isinstance(field, str) else list(field)
        for name in names:
            if name not in ann.columns:
                raise KeyError(
                    f"field={name!r} is not a column of the annotations; "
                    f"{nearest(name, [c for c in ann.columns if c not in _META])}"
                )
        return [LabelField(n, _level(n, ann.schema[n], rubric, named=True)) for n in names]
    out: list[LabelField] = []
    if rubric is not None:
        for f in rubric.fields:
            if f.name in ann.columns and not _is_free_text(f):
                out.append(LabelField(f.name, _level(f.name, ann.schema[f.name], rubric)))
    for name, dtype in ann.schema.items():
        if name in _META or name.startswith("suggested_") or any(o.name == name for o in out):
            continue
        if rubric is not None and name in rubric.names:
            continue  # free text, already judged above
        level = _level(name, dtype, None)
        if level is not None:
            out.append(LabelField(name, level))
    return out


def _is_free_text(f: Any) -> bool:
    return isinstance(f, Text) or getattr(f, "type", None) == "spans"


def _level(name: str, dtype: pl.DataType, rubric: Rubric | None, named: bool = False) -> Any:
    if rubric is not None and name in rubric.names:
        f = rubric[name]
        if isinstance(f, MultiChoice):
            return "multi"
        if isinstance(f, Scale):
            return "ordinal"
        if isinstance(f, Number):
            return "interval"
        if isinstance(f, Choice | Flag) or named:
            return "nominal"
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        if isinstance(inner, pl.Enum | pl.Categorical) or (named and inner == pl.String):
            return "multi"
        return None
    if isinstance(dtype, pl.Enum | pl.Categorical | pl.Boolean):
        return "nominal"
    if dtype.is_integer():
        return "ordinal"
    if dtype.is_float():
        return "interval"
    if named and dtype == pl.String:
        return "nominal"
    return None  # free text and anything else stays out unless named


def _text_fields(ann: pl.DataFrame, rubric: Rubric | None) -> list[str]:
    """Answer columns holding free text: rubric Text/spans fields, notes, other strings."""
    out = [f.name for f in rubric.fields if _is_free_text(f)] if rubric else []
    out += [k for k in _FREE_TEXT_KEYS if k in ann.columns]
    for name, dtype in ann.schema.items():
        free = rubric is None or name not in rubric.names or _is_free_text(rubric[name])
        if name not in _META and not name.startswith("suggested_") and dtype == pl.String and free:
            out.append(name)
    return [c for c in dict.fromkeys(out) if c in ann.columns]


# ------------------------------------------------------------------ suggestions, gold


def _add_suggestions(
    inp: ReportInput, suggestion: str | Mapping[str, str] | None, data: Any
) -> None:
    if suggestion is None:
        return
    primary = inp.primary
    if isinstance(suggestion, str):
        if primary is None:
            raise ValueError("suggestion= needs a label field to compare against")
        mapping = {primary.name: suggestion}
    else:
        mapping = dict(suggestion)
    ann = inp.annotations
    for fname, column in mapping.items():
        if fname not in ann.columns:
            raise KeyError(f"suggestion= names field {fname!r}, not a column of the annotations")
        if column in ann.columns:
            inp.suggestions[fname] = column
            continue
        if data is None:
            raise KeyError(
                f"suggestion column {column!r} is not in the annotations; pass data= (the "
                "source frame with an 'id' column) to take it from there"
            )
        src = to_polars(data, "data")
        if column not in src.columns or "id" not in src.columns:
            raise KeyError(f"data= needs columns 'id' and {column!r}; it has {src.columns}")
        name = f"suggested_{fname}"
        labels = src.select(
            pl.col("id").cast(ann.schema["id"], strict=False),
            pl.col(column).cast(ann.schema[fname], strict=False).alias(name),
        )
        inp.annotations = ann.drop(name, strict=False).join(labels, on="id", how="left")
        ann = inp.annotations
        inp.suggestions[fname] = name


def _gold_frame(gold: Any, ann: pl.DataFrame, field: str) -> pl.DataFrame:
    """``id`` and the known answer (named ``field``) from a column name or a frame."""
    if isinstance(gold, str):
        if gold not in ann.columns:
            raise KeyError(f"gold={gold!r} is not a column of the annotations: {ann.columns}")
        return ann.select("id", pl.col(gold).alias(field)).drop_nulls(field).unique("id")
    frame = to_polars(gold, "gold")
    if "id" not in frame.columns:
        raise KeyError(f"gold= needs an 'id' column; it has {frame.columns}")
    others = [c for c in frame.columns if c != "id"]
    column = field if field in others else (others[0] if len(others) == 1 else None)
    if column is None:
        raise KeyError(f"gold= has no column {field!r} (and more than one other): {frame.columns}")
    return frame.select("id", pl.col(column).alias(field)).drop_nulls(field)
