"""The benchmark scripts still run against the current API (tiny sizes, no browser).

They print numbers and assert nothing about speed; these tests only check that each
kernel-side measure completes and reports what it claims to measure.
"""

from __future__ import annotations

import pytest

from benchmarks import bench_bundle, bench_kernel
from benchmarks._report import Row, percentile, render_table


def test_percentiles_and_the_table() -> None:
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    rows = [
        Row("1", "key -> next item", "ItemRater", [10.0, 12.0, 30.0], "ms", kind="latency"),
        Row("7", "widget.js", "rater_widgets", [470_000.0], "B"),
        Row("5", "store", "store", [], "", note="TODO"),
    ]
    table = render_table(rows)
    assert "p50 12.0 / p95 28.2 ms" in table
    assert "470,000 B" in table
    assert "not measured" in table
    assert render_table(rows, markdown=True).count("\n") == 4


def test_construction_in_a_subprocess_reports_time_and_memory() -> None:
    out = bench_kernel._child("construct", "ours-polars", 2000)
    assert set(out) == {"seconds", "retained_mb", "peak_mb"}
    assert 0 < out["seconds"] < 60


def test_annotations_after_labels_are_all_read_back() -> None:
    # annotations_once asserts the frame holds every label (and one more after a submit)
    out = bench_kernel._child("annotations", "-", 2000)
    assert set(out) == {"cold_ms", "warm_ms", "after_submit_ms", "append_many_s"}


def test_bundle_sizes_cover_the_built_files() -> None:
    if not (bench_bundle.STATIC / "widget.js").is_file():
        pytest.skip("the frontend bundle is not built (npm run build)")
    rows = bench_bundle.sizes()
    assert [r.what for r in rows] == [
        "widget_core.js (minified, as built)",
        "widget_core.js (gzip -9)",
        "widget.js (minified, as built)",
        "widget.js (gzip -9)",
        "widget.css (minified, as built)",
        "widget.css (gzip -9)",
    ]
    assert all(r.samples and r.samples[0] > 0 for r in rows)
