"""Checks a rater runs before it touches anything: the frontend bundle, the ids, the
store location, the keyword arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from rater_widgets.fields import nearest

#: Where the package build puts the frontend (gitignored; built, never committed).
STATIC = Path(__file__).resolve().parent.parent / "static"


def check_bundle() -> None:
    if not (STATIC / "widget.js").is_file():
        raise RuntimeError(
            f"the frontend bundle {STATIC / 'widget.js'} is missing: reinstall the package "
            "(pip install -e .) or run `npm run build` in the source tree"
        )


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
