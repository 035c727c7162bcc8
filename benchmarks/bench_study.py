"""Study manifest costs: data fingerprint, manifest index size, change detection, bundle.

    python benchmarks/bench_study.py [--rows 1000000]

Prints numbers; asserts nothing (speed targets are read here, not in tests).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

import rater_widgets as rw
from rater_widgets.study import DataIndex, compare, fingerprint


def best(fn, repeat: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    n = ap.parse_args().rows
    df = pl.DataFrame(
        {
            "id": [f"item-{i:07d}" for i in range(n)],
            "prompt": [f"prompt number {i} " * 3 for i in range(n)],
            "response": [f"response text {i} with some words " * 5 for i in range(n)],
        }
    )
    mb = df.estimated_size("mb")
    secs, idx = best(lambda: fingerprint(df, columns=["prompt", "response"]))
    print(f"fingerprint: {n:,} rows ({mb:.0f} MB of text): best {secs * 1000:.0f} ms")
    secs, section = best(idx.to_manifest, 3)
    size = len(json.dumps(section))
    print(
        f"manifest data section: {size / 1e6:.1f} MB ({size / n:.1f} bytes/item), "
        f"encode {secs * 1000:.0f} ms"
    )
    secs, back = best(lambda: DataIndex.from_manifest(section), 3)
    print(f"decode index: {secs * 1000:.0f} ms")
    edited = df.with_columns(
        pl.when(pl.int_range(pl.len()) % 1000 == 0).then(pl.lit("edited")).otherwise("response")
        .alias("response")
    )  # fmt: skip
    now = fingerprint(edited, columns=["prompt", "response"])
    secs, change = best(lambda: compare(back, now), 3)
    print(f"compare: {secs * 1000:.0f} ms -> {change.summary()}")

    # a widget study: construction cost with the manifest, bundle write and load
    small = df.head(min(n, 100_000))
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "s.sqlite")
        t = time.perf_counter()
        w = rw.ItemRater(small, rubric, content="response", store=store, annotator="a")
        first = time.perf_counter() - t
        t = time.perf_counter()
        rw.ItemRater(small, rubric, content="response", store=store, annotator="b")
        again = time.perf_counter() - t
        print(
            f"ItemRater({small.height:,} rows): first open {first * 1000:.0f} ms "
            f"(records the manifest), reopen {again * 1000:.0f} ms"
        )
        ids = small.get_column("id").head(2000).to_list()
        for item in ids:
            w.submit({"verdict": "safe"}, item=item)
        laps = []
        for k in range(3):
            t = time.perf_counter()
            rw.export.study_bundle(w, Path(tmp) / f"b{k}")
            laps.append(time.perf_counter() - t)
        t = time.perf_counter()
        study = rw.load_study(Path(tmp) / "b0")
        load = time.perf_counter() - t
        print(
            f"study_bundle ({small.height:,} items, {study.annotations.height:,} answers): "
            f"median {statistics.median(laps) * 1000:.0f} ms; load_study {load * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
