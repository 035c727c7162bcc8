"""``rater-widgets export STORE --format parquet|jsonl|dpo|bundle``: a study out of a store.

Stores hold answers, never item content. ``parquet`` and ``jsonl`` write the typed latest
answers (``--history``: every revision) with ids and labels only; ``--include-content``
joins the shown columns from ``--data`` (a Parquet/JSONL/CSV file or a study bundle
written with content). ``dpo`` writes preference pairs (prompt, chosen, rejected, ...)
from a PairwiseRater or RankRater study, and always needs ``--data``: that is what
training pairs are made of. ``bundle`` writes a study bundle folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["add_parser", "cmd_export"]

FORMATS = ("parquet", "jsonl", "dpo", "bundle")
_SUFFIX = {"parquet": ".annotations.parquet", "jsonl": ".annotations.jsonl",
           "dpo": ".dpo.jsonl", "bundle": ".bundle"}  # fmt: skip


class ExportError(Exception):
    """A problem the user can fix; printed without a traceback."""


def add_parser(sub: Any) -> None:
    """Add the ``export`` subcommand to the ``rater-widgets`` parser."""
    p = sub.add_parser(
        "export",
        help="write a study's annotations (parquet, jsonl), DPO pairs or a study bundle",
        description=(
            "Write one study of a store to a file. Stores hold no item content: the output "
            "has ids and labels only unless --include-content (or --format dpo) takes the "
            "content from --data."
        ),
        epilog=(
            "examples:\n"
            "  rater-widgets export study.sqlite --format parquet\n"
            "  rater-widgets export study.sqlite --study pilot --format jsonl --history\n"
            "  rater-widgets export study.sqlite --format dpo --data items.parquet\n"
            "  rater-widgets export postgresql://lead@db/labels --study pilot --format bundle"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", metavar="STORE", help="store file path or postgresql:// URL")
    p.add_argument("--format", required=True, choices=FORMATS, help="what to write")
    p.add_argument("--study", help="study name (default: the store's only study)")
    p.add_argument("--out", help="output path (default: <study>.annotations.<format> etc.)")
    p.add_argument(
        "--data",
        help="the source items (.parquet, .jsonl, .csv, or a bundle folder written with "
        "content): needed for --include-content and --format dpo",
    )
    p.add_argument(
        "--include-content",
        action="store_true",
        help="add the item content columns from --data (the file then holds item content)",
    )
    p.add_argument("--history", action="store_true", help="every revision, not the latest")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Run ``rater-widgets export``; returns the exit code."""
    started = time.perf_counter()

    def say(text: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - started:5.1f}s] {text}", file=sys.stderr, flush=True)

    try:
        out = _export(args, say)
    except ExportError as e:
        print(f"rater-widgets export: error: {e}", file=sys.stderr)
        return 2
    say("done")
    print(out)
    return 0


def _open(url: str) -> Any:
    from rater_widgets.store import StoreError, open_store

    if "://" not in url and url != ":memory:" and not Path(url).is_file():
        raise ExportError(f"no store at {url}: give a store file or a postgresql:// URL")
    try:
        return open_store(url)
    except (StoreError, ValueError) as e:
        raise ExportError(str(e)) from e


def _study(store: Any, name: str | None) -> str:
    from rater_widgets.fields import nearest

    known = store.studies()
    if not known:
        raise ExportError(f"the store {store.url} holds no studies")
    if name is None:
        if len(known) > 1:
            raise ExportError(f"the store holds studies {known}: pick one with --study")
        return str(known[0])
    if name not in known:
        raise ExportError(f"unknown study {name!r} in {store.url}; {nearest(name, known)}")
    return name


def _export(args: argparse.Namespace, say: Any) -> Path:
    from rater_widgets.bundle import _from_store, _read_table, write_bundle

    store = _open(args.store)
    study = _study(store, args.study)
    out = Path(args.out or f"{study}{_SUFFIX[args.format]}")
    if out.exists() and not args.overwrite:
        raise ExportError(f"{out} exists; pass --overwrite to replace it")
    needs_data = args.include_content or args.format == "dpo"
    if needs_data and not args.data:
        what = "--format dpo" if args.format == "dpo" else "--include-content"
        raise ExportError(
            f"{what} needs --data: stores hold no item content; give the items the study "
            "was labeled on (.parquet/.jsonl/.csv) or a bundle folder written with content"
        )
    if args.data and not Path(args.data).exists():
        raise ExportError(f"--data {args.data}: no such file or folder")
    manifest = store.get_manifest(study) or {}
    widget = manifest.get("widget", "?")
    if args.format == "dpo" and widget not in ("PairwiseRater", "RankRater"):
        raise ExportError(
            f"study {study!r} was labeled with {widget}; --format dpo needs a PairwiseRater "
            "or RankRater study (preferences between responses)"
        )
    say(f"reading study {study!r} from {store.url}")
    data = None
    if args.data:
        say(f"reading items from {args.data}")
        try:
            data = _read_table(args.data)
        except (OSError, ValueError, pl.exceptions.PolarsError) as e:
            raise ExportError(f"--data {args.data}: {e}") from e
        if data.height == 0 or (Path(args.data).is_dir() and data.width <= 2):
            raise ExportError(f"--data {args.data} holds no item content")
    if args.format == "bundle":
        say(f"writing the bundle {out}")
        try:
            return write_bundle(
                store, out, study=study, data=data, include_content=args.include_content,
                overwrite=args.overwrite,
            )  # fmt: skip
        except (ValueError, FileExistsError) as e:
            raise ExportError(str(e)) from e
    try:
        parts = _from_store(store, study, data, bool(needs_data))
    except ValueError as e:
        raise ExportError(str(e)) from e
    frame = parts.history if args.history else parts.annotations
    say(f"{parts.annotations.height} annotations, {parts.history.height} revisions")
    if args.format == "dpo":
        frame = _dpo(parts.annotations, parts.items, manifest)
        say(f"{frame.height} preference pairs")
    elif args.include_content:
        say(f"joining content columns {parts.content_columns}")
        items = parts.items.drop("data_hash").with_columns(pl.col("id").cast(pl.String))
        frame = (
            frame.with_columns(pl.col("id").cast(pl.String).alias("_key"))
            .join(items.rename({"id": "_key"}), on="_key", how="left", maintain_order="left")
            .drop("_key")
        )
    say(f"writing {frame.height} rows to {out}")
    if args.format == "parquet":
        frame.write_parquet(out)
    else:
        _plain(frame).write_ndjson(out)
    return out


def _dpo(annotations: pl.DataFrame, items: pl.DataFrame, manifest: dict[str, Any]) -> pl.DataFrame:
    from rater_widgets.export import preference_pairs

    cols = manifest.get("columns", {})
    prompt = (cols.get("prompt") or [None])[0]
    try:
        if manifest.get("widget") == "RankRater":
            return preference_pairs(
                annotations, items, prompt=prompt, responses=cols.get("responses"), id="id"
            )
        return preference_pairs(
            annotations, items, prompt=prompt, a=cols.get("a"), b=cols.get("b"), id="id"
        )
    except ValueError as e:
        raise ExportError(f"preference pairs: {e}") from e


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Enums (also inside lists) as strings: every JSON reader takes them."""

    def plain(dtype: pl.DataType) -> pl.DataType:
        if isinstance(dtype, pl.Enum | pl.Categorical):
            return pl.String()
        if isinstance(dtype, pl.List):
            inner = dtype.inner
            return pl.List(plain(inner if isinstance(inner, pl.DataType) else inner()))
        return dtype

    return frame.with_columns(
        pl.col(n).cast(plain(d)) for n, d in frame.schema.items() if plain(d) != d
    )
