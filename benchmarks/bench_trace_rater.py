"""TraceRater kernel-side timings: construction on a large frame (no trace is parsed),
sending and checking a 500-step trace, and ``step_annotations`` over thousands of
annotated traces. Prints numbers; asserts nothing.

    python benchmarks/bench_trace_rater.py [--rows 1000000] [--annotated 5000]

The browser side (a 500-step trace on screen, key-to-paint while rating) is measured by
``tests/e2e/test_trace_rater_browser.py::test_a_500_step_trace_stays_responsive``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

import rater_widgets as rw


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Median seconds over ``repeat`` runs, and the last result."""
    times = []
    out: object = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def long_trace(n_steps: int) -> str:
    return "\n".join(
        f"Step {i}: we have $x_{{{i}}} = {i}^2 = {i * i}$; " + "more words to read " * (i % 9)
        for i in range(1, n_steps + 1)
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--annotated", type=int, default=5_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())

    n = args.rows
    big = pl.DataFrame(
        {
            "id": pl.int_range(n, eager=True),
            "problem": pl.repeat("How many pens are in 3 boxes of 4, minus 5?", n, eager=True),
            "reasoning": pl.repeat(
                "Step 1: 3 boxes of 4 is 12.\nStep 2: 12 - 5 = 7.\nFinal answer: 7", n, eager=True
            ),
            "final_answer": pl.repeat("7", n, eager=True),
        }
    )
    secs, w = timed(
        lambda: rw.TraceRater(big, store=str(tmp / "big.sqlite"), annotator="bench"), repeat=3
    )
    print(f"construct on {n:,} rows (median of 3): {secs * 1000:.0f} ms")
    assert isinstance(w, rw.TraceRater)

    long = pl.DataFrame({"id": [1], "reasoning": [long_trace(500)]})
    text = long["reasoning"][0]
    lw = rw.TraceRater(
        long, question=None, answer=None, store=str(tmp / "long.sqlite"), annotator="bench"
    )
    sent: list[object] = []
    lw._reply = sent.append  # type: ignore[method-assign]
    secs, _ = timed(lambda: (lw._parsed_cache.clear(), lw._item(0)), repeat=5)
    print(f"parse + build the item of a 500-step trace ({len(text):,} chars): {secs * 1000:.1f} ms")
    ratings = [1] * 499 + [-1]
    secs, _ = timed(lambda: lw._check_own_answer({"step_ratings": ratings}, 0), repeat=20)
    print(f"check 500 step ratings against the cached parse: {secs * 1000:.2f} ms")

    m = args.annotated
    traces = pl.DataFrame(
        {
            "id": [f"t{i}" for i in range(m)],
            "reasoning": [
                f"Step 1: start {i}.\nStep 2: add {i} and 3.\nStep 3: so {i + 3}.\n"
                f"Step 4: check it.\nFinal answer: {i + 3}"
                for i in range(m)
            ],
        }
    )
    store = rw.open_store(str(tmp / "many.sqlite"))
    raters = [
        rw.TraceRater(traces, question=None, answer=None, store=store, annotator=a)
        for a in ("ana", "bo")
    ]
    t = time.perf_counter()
    for r in raters:
        for i in range(m):
            r.submit({"step_ratings": [1, 1, 0, 1 if i % 5 else -1]}, item=f"t{i}")
    print(f"submit {2 * m:,} answers (validated, committed): {time.perf_counter() - t:.1f} s")
    raters[0]._steps_cache = None
    secs, steps = timed(lambda: raters[0].step_annotations)
    assert isinstance(steps, pl.DataFrame)
    print(
        f"step_annotations over {m:,} traces x 2 annotators ({steps.height:,} rows): "
        f"{secs * 1000:.0f} ms"
    )
    secs, _ = timed(lambda: raters[0].step_annotations, repeat=5)
    print(f"step_annotations again (cached until the next write): {secs * 1000:.2f} ms")


if __name__ == "__main__":
    main()
