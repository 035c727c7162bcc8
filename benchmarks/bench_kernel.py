"""Kernel-side benchmarks, each in a fresh subprocess so memory numbers are clean.

- construction over N rows: ItemRater from Polars and from pandas, pigeonXT.annotate
  from pandas: wall time, RSS retained after construction, and peak RSS during it
  (sampled every millisecond), on top of the process that already holds the frame;
- ``w.annotations`` after 100k labels written straight into the store
  (``store.append_many``): the first call on a freshly constructed widget, a second call,
  and the call after one more submit.

    python benchmarks/bench_kernel.py construct --rows 1000000 --repeats 3
    python benchmarks/bench_kernel.py annotations --labels 100000 --repeats 3
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import io
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # type: ignore[import-untyped,unused-ignore]

SUBJECTS = ("ours-polars", "ours-pandas", "pigeonxt-pandas")


class PeakRss:
    """Sample this process's RSS every millisecond in a thread; ``peak`` in MiB."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss / 2**20)
            time.sleep(0.001)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss / 2**20)


def rss_mb() -> float:
    """RSS in MiB once freed memory has gone back to the OS: glibc's free lists are
    trimmed, pyarrow's pool releases, and the allocators' decay timers run until RSS stops
    falling (without this, RSS after a construction can be hundreds of MB *below* the
    baseline: the pages a dropped frame held are returned late, while we measure)."""
    last = float("inf")
    for _ in range(40):
        gc.collect()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        if "pyarrow" in sys.modules:  # pandas' Arrow strings live in pyarrow's own pool
            sys.modules["pyarrow"].default_memory_pool().release_unused()
        time.sleep(0.25)
        now = float(psutil.Process().memory_info().rss / 2**20)
        if last - now < 1.0:
            return now
        last = now
    return last


def construct_once(subject: str, rows: int) -> dict[str, float]:
    """Runs in the child: build the frame, then time one construction."""
    import rater_widgets as rw
    from benchmarks._data import OPTIONS, bench_frame

    df = bench_frame(rows)
    data: Any = df if subject == "ours-polars" else df.to_pandas()
    del df
    rubric = rw.Rubric([rw.Choice("verdict", OPTIONS, required=True)])
    with tempfile.TemporaryDirectory() as tmp:
        before = rss_mb()
        with PeakRss() as peak:
            start = time.perf_counter()
            if subject.startswith("ours"):
                keep: Any = rw.ItemRater(
                    data, rubric, id="id", content="text", store=f"{tmp}/s.sqlite",
                    annotator="bench",
                )  # fmt: skip
            else:
                import pigeonXT  # type: ignore[import-untyped]

                # annotate() display()s its widgets: outside a kernel that prints reprs
                with contextlib.redirect_stdout(io.StringIO()):
                    keep = pigeonXT.annotate(
                        data, options=OPTIONS, example_column="text", id_column="id"
                    )
            seconds = time.perf_counter() - start
        after = rss_mb()
        del keep
    return {"seconds": seconds, "retained_mb": after - before, "peak_mb": peak.peak - before}


def label_row(i: int, rubric_hash: str) -> Any:
    """One stored answer for item ``i`` (what a keypress would have written)."""
    from benchmarks._data import OPTIONS
    from rater_widgets.store import NewRow

    answer = {"verdict": OPTIONS[i % 3], "rationale": f"because {i}"}
    return NewRow("bench", str(i), "ana", "answer", answer, rubric_hash=rubric_hash, seq=i,
                  session="load", duration_ms=1200)  # fmt: skip


def annotations_once(labels: int) -> dict[str, float]:
    """Runs in the child: 100k labels into a store, then time ``w.annotations``."""
    import rater_widgets as rw
    from benchmarks._data import OPTIONS, bench_frame
    from rater_widgets.store import open_store

    df = bench_frame(labels + 10)
    rubric = rw.Rubric([rw.Choice("verdict", OPTIONS, required=True), rw.Text("rationale")])
    with tempfile.TemporaryDirectory() as tmp:
        url = f"{tmp}/s.sqlite"
        start = time.perf_counter()
        with open_store(url) as store:
            batch = 10_000
            for lo in range(0, labels, batch):
                store.append_many([label_row(i, rubric.rubric_hash)
                                   for i in range(lo, min(labels, lo + batch))])  # fmt: skip
        write_s = time.perf_counter() - start
        w = rw.ItemRater(df, rubric, id="id", content="text", store=url, annotator="ana",
                         study="bench")  # fmt: skip
        t = time.perf_counter()
        first = w.annotations
        cold = time.perf_counter() - t
        assert first.height == labels, first.height
        t = time.perf_counter()
        w.annotations  # noqa: B018
        warm = time.perf_counter() - t
        w.submit({"verdict": "safe"})
        t = time.perf_counter()
        after = w.annotations
        incremental = time.perf_counter() - t
        assert after.height == labels + 1, after.height
        w.close()
    return {"cold_ms": cold * 1000, "warm_ms": warm * 1000, "after_submit_ms": incremental * 1000,
            "append_many_s": write_s}  # fmt: skip


def _child(kind: str, arg: str, value: int) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; return its JSON."""
    proc = subprocess.run(
        [sys.executable, __file__, "_child", kind, arg, str(value)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} {arg} failed:\n{proc.stderr[-3000:]}")
    out: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def construct(rows: int, repeats: int) -> dict[str, list[dict[str, float]]]:
    """Every subject ``repeats`` times, interleaved, each in its own process."""
    runs: dict[str, list[dict[str, float]]] = {s: [] for s in SUBJECTS}
    for _ in range(repeats):
        for subject in SUBJECTS:
            runs[subject].append(_child("construct", subject, rows))
    return runs


def annotations_runs(labels: int, repeats: int) -> list[dict[str, float]]:
    """``w.annotations`` timings, ``repeats`` times, each in its own process."""
    return [_child("annotations", "-", labels) for _ in range(repeats)]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        kind, arg, value = sys.argv[2], sys.argv[3], int(sys.argv[4])
        res = construct_once(arg, value) if kind == "construct" else annotations_once(value)
        print(json.dumps(res))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["construct", "annotations"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--labels", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.what == "construct":
        for subject, runs in construct(args.rows, args.repeats).items():
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(subject, {k: round(v, 3) for k, v in med.items()})
    else:
        runs = annotations_runs(args.labels, args.repeats)
        print({k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]})


if __name__ == "__main__":
    main()
