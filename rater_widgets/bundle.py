"""Study bundles: one folder with everything needed to analyse a study elsewhere.

A bundle holds ``manifest.json`` (what the study was started on: data fingerprint,
rubric hash, seed, package version, store, widget settings), ``rubric.json``,
``items.parquet`` (ids and per-item data hashes; item content only when written with
``include_content=True``), ``annotations.parquet`` (the typed latest answers),
``history.parquet`` (every revision) and a ``README.txt`` that says what is inside and
whether it holds item content. :func:`load_study` reads it back with no widget, no store
and no browser; the frames work with :mod:`rater_widgets.stats` as they are.

>>> import rater_widgets as rw
>>> rw.export.study_bundle(w, "pilot-bundle")           # doctest: +SKIP
>>> study = rw.load_study("pilot-bundle")                # doctest: +SKIP
>>> rw.stats.cohen_kappa(study.annotations, "verdict")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from rater_widgets.rubric import Rubric
from rater_widgets.study import (
    DataChange,
    DataIndex,
    compare,
    fingerprint,
    shown_columns,
)

__all__ = ["BUNDLE_FORMAT", "Study", "load_study", "write_bundle"]

BUNDLE_FORMAT = "rater_widgets.study_bundle/1"
_TABLES = ("items", "annotations", "history")


@dataclasses.dataclass(frozen=True)
class _Parts:
    study: str
    manifest: dict[str, Any]
    rubric: Rubric
    annotations: pl.DataFrame
    history: pl.DataFrame
    items: pl.DataFrame
    content_columns: list[str]


# ================================================================ collect


def _from_widget(w: Any, include_content: bool) -> _Parts:
    manifest = w.store.get_manifest(w.study) or {}
    shown = shown_columns(w)
    index = fingerprint(w._frame, id=w._id_col, columns=shown)
    content = shown if include_content else []
    items = (
        w._frame.select(pl.col(w._id_col).alias("id"), *content)
        .with_columns(pl.col("id").cast(pl.String).alias("_key"))
        .join(index.frame().rename({"id": "_key"}), on="_key", how="left", maintain_order="left")
        .select("id", "data_hash", *content)
    )
    return _Parts(w.study, manifest, w.rubric, w.annotations, w.history, items, content)


def _from_store(store: Any, study: str | None, data: Any, include_content: bool) -> _Parts:
    from rater_widgets.frames import manifest_types, to_polars, typed_annotations, typed_history
    from rater_widgets.store import open_store

    store = open_store(store)
    known = store.studies()
    if study is None:
        if len(known) != 1:
            raise ValueError(f"the store {store.url} holds studies {known}: pass study=")
        study = known[0]
    manifest = store.get_manifest(study)
    if manifest is None or "rubric" not in manifest:
        raise ValueError(
            f"study {study!r} in {store.url} has no manifest (no widget ever opened it); "
            f"known studies: {known}"
        )
    rubric, schema, id_dtype = manifest_types(manifest)
    annotations = typed_annotations(store.latest(study), rubric, extra=schema, id_dtype=id_dtype)
    history = typed_history(store.history(study), rubric, extra=schema, id_dtype=id_dtype)
    if "data" not in manifest:
        raise ValueError(f"study {study!r} in {store.url} has no data fingerprint in its manifest")
    index = DataIndex.from_manifest(manifest["data"])
    items = index.frame()
    content: list[str] = []
    if include_content:
        if data is None:
            raise ValueError(
                "include_content=True needs data=: stores hold no item content, only ids "
                "and hashes; pass the frame (or a Parquet file) the study was labeled on"
            )
        id_col = manifest.get("id_column", "id")
        frame = to_polars(_read_table(data) if isinstance(data, str | Path) else data)
        missing = [c for c in (id_col, *index.columns) if c not in frame.columns]
        if missing:
            raise ValueError(
                f"data= lacks column(s) {missing} that study {study!r} was labeled on; "
                f"its columns are {frame.columns}"
            )
        now = fingerprint(frame, id=id_col, columns=index.columns)
        change = compare(index, now)
        if change:
            warnings.warn(
                f"data= differs from the data study {study!r} was started on: "
                f"{change.summary()}; the bundle holds the content as given",
                UserWarning,
                stacklevel=3,
            )
        content = list(index.columns)
        items = frame.select(pl.col(id_col).alias("id"), *content).join(
            now.frame().rename({"id": "_key"}),
            left_on=pl.col("id").cast(pl.String),
            right_on="_key",
            how="left",
            maintain_order="left",
        )
        items = items.select("id", "data_hash", *content)
    elif id_dtype is not None:
        items = items.with_columns(pl.col("id").cast(id_dtype, strict=False))
    return _Parts(study, manifest, rubric, annotations, history, items, content)


def _read_table(path: str | Path) -> pl.DataFrame:
    path = Path(path)
    if path.is_dir():
        return load_study(path).items
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pl.read_parquet(path)
    if suffix in (".jsonl", ".ndjson"):
        return pl.read_ndjson(path)
    if suffix == ".csv":
        return pl.read_csv(path)
    raise ValueError(f"cannot read {path.name!r}: give a .parquet, .jsonl or .csv file")


# ================================================================ write


def write_bundle(
    source: Any,
    path: str | Path,
    *,
    study: str | None = None,
    data: Any = None,
    include_content: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write a study bundle folder; see :func:`rater_widgets.export.study_bundle`."""
    from rater_widgets.widgets._rater import RaterWidget

    if isinstance(source, RaterWidget):
        if study is not None and study != source.study:
            raise ValueError(f"study={study!r} but the widget's study is {source.study!r}")
        parts = _from_widget(source, include_content)
    else:
        parts = _from_store(source, study, data, include_content)
    target = Path(path)
    if target.exists():
        if not target.is_dir():
            raise FileExistsError(f"{target} exists and is not a folder")
        if any(target.iterdir()):
            if not (target / "manifest.json").is_file():
                raise FileExistsError(f"{target} is a non-empty folder that is not a study bundle")
            if not overwrite:
                raise FileExistsError(f"{target} already holds a bundle; pass overwrite=True")
    # written next to the target and renamed into place: a reader never sees half a bundle
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir(mode=0o700 if include_content else 0o755, parents=False)
    try:
        checksums = {}
        for name in _TABLES:
            frame: pl.DataFrame = getattr(parts, name)
            frame.write_parquet(tmp / f"{name}.parquet")
            checksums[f"{name}.parquet"] = _sha256(tmp / f"{name}.parquet")
        rubric_text = json.dumps(parts.rubric.to_dict(), indent=1, ensure_ascii=False)
        (tmp / "rubric.json").write_text(rubric_text + "\n", encoding="utf-8")
        checksums["rubric.json"] = _sha256(tmp / "rubric.json")
        manifest = _bundle_manifest(parts, checksums)
        text = json.dumps(manifest, indent=1, ensure_ascii=False, default=str)
        (tmp / "manifest.json").write_text(text + "\n", encoding="utf-8")
        (tmp / "README.txt").write_text(_readme(manifest), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _bundle_manifest(parts: _Parts, checksums: Mapping[str, str]) -> dict[str, Any]:
    from rater_widgets import __version__

    recorded = dict(parts.manifest)
    data = dict(recorded.get("data") or {})
    data.pop("index", None)  # items.parquet holds the ids and hashes
    return {
        **recorded,
        "study": parts.study,
        "data": data,
        "bundle": {
            "format": BUNDLE_FORMAT,
            "written_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "package_version": __version__,
            "contains_item_content": bool(parts.content_columns),
            "content_columns": parts.content_columns,
            "n_items": parts.items.height,
            "n_annotations": parts.annotations.height,
            "n_history_rows": parts.history.height,
            "annotators": sorted(parts.annotations.get_column("annotator").unique().to_list()),
            "sha256": dict(checksums),
        },
    }


def _readme(manifest: Mapping[str, Any]) -> str:
    b = manifest["bundle"]
    if b["contains_item_content"]:
        content = (
            "THIS BUNDLE CONTAINS ITEM CONTENT (columns "
            + ", ".join(b["content_columns"])
            + " in items.parquet). Treat it like the source data: share it only where the\n"
            "source data may go, and delete it when the data must be destroyed.\n"
        )
    else:
        content = (
            "This bundle contains NO item content: items.parquet holds only ids and per-item\n"
            "data hashes. It does hold the annotations (labels, rationales, annotator names).\n"
        )
    return (
        f"rater_widgets study bundle: study {manifest['study']!r}\n"
        f"written {b['written_at']} by rater_widgets {b['package_version']}\n\n"
        f"{content}\n"
        "Files\n"
        "  manifest.json        what the study was started on: data fingerprint, rubric hash,\n"
        "                       seed, order, widget settings, store location, package version\n"
        "  rubric.json          the rubric (rw.Rubric.from_dict)\n"
        f"  items.parquet        {b['n_items']} items: id, data_hash"
        + (" and content columns\n" if b["contains_item_content"] else "\n")
        + f"  annotations.parquet  {b['n_annotations']} latest answers per (item, annotator)\n"
        f"  history.parquet      {b['n_history_rows']} revisions (answers, skips, retractions)\n\n"
        "Read it with:\n"
        "  import rater_widgets as rw\n"
        "  study = rw.load_study('path/to/this/folder')\n"
        "  study.annotations, study.history, study.items, study.rubric, study.manifest\n"
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ================================================================ read


@dataclasses.dataclass(frozen=True)
class Study:
    """A study read back from a bundle: frames and settings, no widget, no store.

    >>> study = rw.load_study("pilot-bundle")  # doctest: +SKIP
    >>> study.annotations.group_by("verdict").len()  # doctest: +SKIP
    """

    path: Path
    #: manifest.json: the study's manifest plus a ``bundle`` section (counts, checksums)
    manifest: dict[str, Any]
    rubric: Rubric
    #: the latest answer per (item, annotator), typed as in ``w.annotations``
    annotations: pl.DataFrame
    #: every revision, as in ``w.history``
    history: pl.DataFrame
    #: ``id``, ``data_hash`` and, in a bundle written with content, the content columns
    items: pl.DataFrame

    @property
    def name(self) -> str:
        """The study name."""
        return str(self.manifest.get("study", ""))

    @property
    def contains_content(self) -> bool:
        """Whether ``items`` holds item content (written with ``include_content=True``)."""
        return bool(self.manifest.get("bundle", {}).get("contains_item_content"))

    def labeled(self) -> pl.DataFrame:
        """``items`` joined with ``annotations``: one row per (item, annotator)."""
        return self.items.join(self.annotations, on="id", how="left")

    def check(self, data: Any, *, id: str | None = None) -> DataChange:
        """Compare a frame with the items of this study: what was added, removed or
        changed (hashed over the columns the study recorded).

        >>> study.check(df).summary()  # doctest: +SKIP
        '0 item(s) added, 0 removed, 0 changed'
        """
        info = self.manifest.get("data", {})
        columns = tuple(info.get("columns", ()))
        before = DataIndex(
            fingerprint=str(info.get("fingerprint", "")),
            n_items=self.items.height,
            columns=columns,
            ids=self.items.get_column("id").cast(pl.String),
            hashes=self.items.get_column("data_hash"),
        )
        now = fingerprint(data, id=id or self.manifest.get("id_column", "id"), columns=columns)
        return compare(before, now)

    def __repr__(self) -> str:
        b = self.manifest.get("bundle", {})
        return (
            f"Study({self.name!r}, items={self.items.height}, "
            f"annotations={self.annotations.height}, annotators={b.get('annotators')}, "
            f"content={'yes' if self.contains_content else 'no'}, path='{self.path}')"
        )


def load_study(path: str | Path) -> Study:
    """Read a study bundle written by :func:`rater_widgets.export.study_bundle`.

    Files changed since the bundle was written (their SHA-256 differs from the one in
    the manifest) load with a UserWarning naming them.

    >>> study = rw.load_study("pilot-bundle")               # doctest: +SKIP
    >>> rw.stats.fleiss_kappa(study.annotations, "verdict")  # doctest: +SKIP
    """
    folder = Path(path)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        what = "does not exist" if not folder.exists() else "has no manifest.json"
        raise FileNotFoundError(f"{folder} {what}: give the folder rw.export.study_bundle() wrote")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    fmt = manifest.get("bundle", {}).get("format")
    if fmt != BUNDLE_FORMAT:
        raise ValueError(f"{folder}: bundle format {fmt!r} is not {BUNDLE_FORMAT!r}")
    sums = manifest["bundle"].get("sha256", {})
    changed = [n for n, s in sums.items() if (folder / n).is_file() and _sha256(folder / n) != s]
    if changed:
        warnings.warn(
            f"study bundle {folder}: {changed} changed since the bundle was written",
            UserWarning,
            stacklevel=2,
        )
    rubric = Rubric.from_dict(json.loads((folder / "rubric.json").read_text(encoding="utf-8")))
    tables = {name: pl.read_parquet(folder / f"{name}.parquet") for name in _TABLES}
    return Study(path=folder, manifest=manifest, rubric=rubric, **tables)
