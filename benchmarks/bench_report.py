"""Time rw.report on a large study: from a real SQLite store and from a frame.

Default: 50,000 items x 2 of 10 annotators = 100,000 answers (a Choice, a MultiChoice, a
Scale, a rationale, durations, the model's suggestion recorded in the answers' meta), in
a SQLite store written through the store API. Prints the wall time of each phase: reading
the store, computing the statistics and charts, the notebook view (SVG), writing the
HTML file (first time: building the Vega bundle; then cached), and the same report from
an in-memory annotations frame; plus the rows handed to Vega and the file size.

    python benchmarks/bench_report.py [--items 50000] [--per-item 2] [--annotators 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rater_widgets as rw
from rater_widgets.report import report
from rater_widgets.store import NewRow, open_store

VERDICTS = ["safe", "borderline", "violating"]
CATEGORIES = ["harassment", "self-harm", "privacy"]
RUBRIC = rw.Rubric(
    [
        rw.Choice("verdict", VERDICTS, required=True),
        rw.MultiChoice("categories", CATEGORIES),
        rw.Scale("confidence", 1, 5),
        rw.Text("rationale"),
    ]
)


def write_store(path: Path, items: int, per_item: int, annotators: int) -> int:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, items)
    model = np.where(rng.random(items) < 0.75, truth, rng.integers(0, 3, items))
    rows: list[NewRow] = []
    with open_store(str(path)) as store:
        store.put_manifest("big", {"rubric": RUBRIC.to_dict(), "rubric_hash": RUBRIC.rubric_hash,
                                   "widget": "ItemRater"})  # fmt: skip
        for i in range(items):
            who = rng.choice(annotators, per_item, replace=False)
            for a in who:
                v = truth[i] if rng.random() < 0.8 else rng.integers(0, 3)
                answer = {
                    "verdict": VERDICTS[v],
                    "categories": [CATEGORIES[v]] if v else [],
                    "confidence": int(rng.integers(1, 6)),
                    "rationale": "a note" if v == 2 else None,
                }
                shown = {"suggestion": {"verdict": VERDICTS[model[i]]}}
                ms = int(rng.lognormal(9.5, 0.6))
                rows.append(
                    NewRow(
                        "big",
                        f"i{i:06d}",
                        f"ann{a:02d}",
                        "answer",
                        answer,
                        rubric_hash=RUBRIC.rubric_hash,
                        duration_ms=ms,
                        meta=shown,
                    )
                )
            if len(rows) >= 20_000:
                store.append_many(rows)
                rows = []
        if rows:
            store.append_many(rows)
    return items * per_item


def timed(label: str, fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    result = fn()
    print(f"  {label:<44} {time.perf_counter() - t0:7.2f} s", flush=True)
    return result


def vega_rows(spec: Any) -> int:
    if isinstance(spec, dict):
        own = len(spec["values"]) if isinstance(spec.get("values"), list) else 0
        own += sum(len(v) for v in spec.get("datasets", {}).values())
        return own + sum(vega_rows(v) for k, v in spec.items() if k not in ("values", "datasets"))
    if isinstance(spec, list):
        return sum(vega_rows(v) for v in spec)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--per-item", type=int, default=2)
    parser.add_argument("--annotators", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.sqlite"
        n = timed(
            f"write {args.items * args.per_item:,} answers (setup)",
            lambda: write_store(path, args.items, args.per_item, args.annotators),
        )
        print(f"report over {n:,} annotations, {args.annotators} annotators:")
        timed("import altair (first report in a process)", lambda: __import__("altair"))
        store = open_store(str(path))
        ann = timed("store.annotations('big') (read + type)", lambda: store.annotations("big"))
        r = timed("rw.report(store path): read + stats + charts", lambda: report(str(path)))
        timed("  again (warm)", lambda: report(str(path)))
        timed("notebook view (_repr_html_, SVG light + dark)", r._repr_html_)
        out = Path(tmp) / "report.html"
        timed("save(): first, builds the inline Vega bundle", lambda: r.save(out))
        timed("save(): again (bundle cached)", lambda: r.save(out))
        frame = ann.with_columns()
        timed("rw.report(annotations frame, rubric=...)", lambda: report(frame, rubric=RUBRIC))
        rows = {k: vega_rows(c.to_dict()) for k, c in r.charts.items()}
        print(f"  charts: {sorted(rows)}")
        print(f"  rows handed to Vega: {sum(rows.values()):,} (largest: {max(rows.values()):,})")
        print(f"  report.html: {out.stat().st_size / 1e6:.2f} MB")
        store.close()


if __name__ == "__main__":
    main()
