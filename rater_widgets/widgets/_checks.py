"""Checks a rater runs before it touches anything: the frontend bundle, the ids, the
store location, the keyword arguments."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from rater_widgets.fields import nearest

#: Where the package build puts the frontend (gitignored; built, never committed).
STATIC = Path(__file__).resolve().parent.parent / "static"


def check_bundle(static: Path = STATIC) -> None:
    for name in ("widget.js", "widget_core.js", "widget.css"):
        if not (static / name).is_file():
            raise RuntimeError(
                f"the frontend bundle {static / name} is missing: reinstall the package "
                "(pip install -e .) or run `npm run build` in the source tree"
            )


_core_cache: dict[Path, tuple[int, str, str]] = {}


def frontend_core(path: Path) -> tuple[str, str]:
    """The frontend's code (``widget_core.js``) and a key naming this version of it: the
    page imports each key once (js/loader.ts). Read again when the file changes."""
    mtime = path.stat().st_mtime_ns
    cached = _core_cache.get(path)
    if cached is None or cached[0] != mtime:
        code = path.read_text(encoding="utf-8")
        key = hashlib.sha256(code.encode("utf-8")).hexdigest()[:20]
        cached = _core_cache[path] = (mtime, code, key)
    return cached[1], cached[2]


def check_ids(ids: pl.Series, name: str) -> None:
    nulls = ids.null_count()
    if nulls:
        raise ValueError(f"id column {name!r} has {nulls} null value(s); every item needs an id")
    if ids.dtype == pl.String:
        # the store's fast read path separates fields with ASCII 0x1c-0x1f
        bad = ids.filter(ids.str.contains(r"[\x1c-\x1f]"))
        if bad.len():
            raise ValueError(
                f"id column {name!r} has ids with control characters (0x1c-0x1f), e.g. "
                f"{bad[0]!r}; use printable ids"
            )
    if ids.n_unique() == ids.len():
        # the common case, checked first: n_unique is one hash pass (instant on a sorted
        # column), is_duplicated below costs 3-1000x more on a million ids
        return
    dupes = ids.filter(ids.is_duplicated()).unique(maintain_order=True)
    if dupes.len():
        shown = ", ".join(repr(v) for v in dupes.head(5).to_list())
        raise ValueError(
            f"id column {name!r} has {dupes.len()} duplicated id(s), e.g. {shown}; "
            "ids must be unique"
        )


def default_store(store: str | Path | None) -> str:
    if store is None:
        return str(Path.cwd() / "annotations.sqlite")
    return str(store)


def check_kwargs(cls_name: str, kwargs: Mapping[str, Any], valid: Sequence[str]) -> None:
    """Reject unknown keyword arguments, naming the closest valid ones."""
    for key in kwargs:
        if key in valid:
            continue
        raise TypeError(f"{cls_name}() got an unknown argument {key!r}; {nearest(key, valid)}")
