"""``rater-widgets report STORE``: one self-contained HTML report of a study in a store.

Progress goes to stderr, one line per step; the written file's path is the one line on
stdout, so ``open "$(rater-widgets report study.sqlite)"`` works. Problems the user can
fix (no such file, unknown study, a Postgres URL without psycopg) end with exit code 2
and one clear message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["add_parser", "run"]

_STEPS = 4


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``report`` command on the ``rater-widgets`` parser."""
    p = sub.add_parser(
        "report",
        help="write a self-contained HTML report (agreement, disagreements, time, ...)",
        description=(
            "Write one self-contained HTML report of a study: agreement per field with "
            "confidence intervals, disagreements, model labels vs the human consensus, "
            "win rates and Bradley-Terry strengths (pairwise studies), time per item and "
            "progress per annotator. It opens in any browser with no network. By default it "
            "holds ids, labels and statistics only; --include-content adds item content and "
            "free-text answers, and the file then says so at the top."
        ),
    )
    p.add_argument("store", metavar="STORE",
                   help="the store: a SQLite file path or a postgresql:// URL")  # fmt: skip
    p.add_argument("--study", help="the study to report on (needed when the store has several)")
    p.add_argument("--out", default="report.html", help="output file (default: report.html)")
    p.add_argument("--title", help="title at the top of the report")
    p.add_argument("--field", action="append",
                   help="label field to analyse (repeat for several; default: all)")  # fmt: skip
    p.add_argument(
        "--include-content",
        action="store_true",
        help="include item content and free-text answers (the file says so at the top)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build and write the report; returns the exit code."""
    from rater_widgets._report_load import open_existing, pick_study
    from rater_widgets.report import report
    from rater_widgets.store import StoreError

    started = time.perf_counter()
    step = 0

    def say(message: str) -> None:
        nonlocal step
        step += 1
        if not args.quiet:
            elapsed = time.perf_counter() - started
            print(f"[{min(step, _STEPS)}/{_STEPS}] {message} ({elapsed:.1f}s)", file=sys.stderr,
                  flush=True)  # fmt: skip

    out = Path(args.out)
    try:
        if out.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"--out must end in .html, got {args.out!r}")
        if not out.parent.is_dir():
            raise FileNotFoundError(
                f"--out {args.out!r}: the folder {str(out.parent)!r} does not exist"
            )
        store = open_existing(args.store)
        try:
            study = pick_study(store, args.study)
            say(f"opened {store.url}, study {study!r}")
            result = report(store, study=study, include_content=args.include_content,
                            title=args.title, field=args.field, progress=say)  # fmt: skip
            say(f"writing {out}")
            result.save(out)
        finally:
            store.close()
    except (FileNotFoundError, ValueError, KeyError, StoreError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        print(f"rater-widgets report: {message}", file=sys.stderr)
        return 2
    if not args.quiet:
        total = time.perf_counter() - started
        print(f"done in {total:.1f}s: {len(result.charts)} charts", file=sys.stderr)
    print(out.resolve())
    return 0
