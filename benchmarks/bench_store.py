"""Store throughput and read latency, SQLite (WAL, synchronous=FULL) and Postgres.

Prints a table:
- committed answers per second from 1, 2 and 4 concurrent writer processes, each
  appending one answer per transaction (what one keypress costs), durably committed;
- ``latest()`` over 100k rows: cold (a new store object: SQL + building the frame),
  warm (nothing changed), and after one new answer (the incremental path a widget
  polling ``w.annotations`` takes).

Medians of repeated runs. Postgres is a throwaway server started like the tests do
(tests/pgserver.py), with fsync and synchronous_commit on.

    python benchmarks/bench_store.py [--rows 300] [--repeats 3] [--latest-rows 100000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rater_widgets.store import NewRow, open_store
from tests.pgserver import PgServer, running_server
from tests.store_workers import timed_writer

NewUrl = Callable[[], str]


def writers_rate(new_url: NewUrl, writers: int, rows: int) -> float:
    """Committed answers per second from ``writers`` processes on a fresh store."""
    url = new_url()
    open_store(url).close()  # tables exist before the clock starts
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=timed_writer, args=(url, w, rows, start, out)) for w in range(writers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let every child import and connect
    start.set()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
    errors = [r[1] for r in results if isinstance(r[1], str)]
    if errors:
        raise RuntimeError(errors[0])
    elapsed = max(r[2] for r in results) - min(r[1] for r in results)  # type: ignore[type-var]
    with open_store(url) as store:
        stored = store.history("bench").height
    assert stored == writers * rows, (stored, writers * rows)
    return writers * rows / elapsed


def latest_times(new_url: NewUrl, n: int, repeats: int) -> tuple[float, float, float]:
    """Milliseconds for latest() over ``n`` rows: cold, warm, after one append."""
    url = new_url()
    with open_store(url) as store:
        batch = 5000
        for start in range(0, n, batch):
            store.append_many(
                [
                    NewRow(
                        "pilot",
                        f"item-{i}",
                        f"ann{i % 3}",
                        "answer",
                        {"verdict": "safe", "confidence": i % 5, "rationale": "fine"},
                        rubric_hash="h",
                        seq=i,
                        session="load",
                        duration_ms=1500,
                        client={"ua": "bench"},
                    )
                    for i in range(start, min(n, start + batch))
                ]
            )
    cold, warm, after = [], [], []
    for r in range(repeats):
        with open_store(url) as store:
            t = time.perf_counter()
            frame = store.latest("pilot")
            cold.append(time.perf_counter() - t)
            assert frame.height == n, frame.height
            t = time.perf_counter()
            store.latest("pilot")
            warm.append(time.perf_counter() - t)
            store.append(NewRow("pilot", f"item-{3 * r}", "ann0", "answer", {"verdict": "no"}))
            t = time.perf_counter()
            store.latest("pilot")
            after.append(time.perf_counter() - t)
    return tuple(statistics.median(x) * 1000 for x in (cold, warm, after))  # type: ignore[return-value]


def fsync_rate(folder: str, n: int = 200) -> float:
    """fsyncs per second of the disk under ``folder``: the ceiling for SQLite commits
    with synchronous=FULL (one fsync each, never shared between processes)."""
    path = Path(folder) / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        t = time.perf_counter()
        for _ in range(n):
            os.write(fd, b"x" * 512)
            os.fsync(fd)
        return n / (time.perf_counter() - t)
    finally:
        os.close(fd)
        path.unlink()


@contextmanager
def sqlite_urls() -> Iterator[NewUrl]:
    with tempfile.TemporaryDirectory(prefix="rw-bench-") as folder:
        yield lambda: str(Path(folder) / f"{uuid.uuid4().hex}.sqlite")


@contextmanager
def postgres_urls() -> Iterator[NewUrl]:
    with running_server() as server:
        yield lambda: _new_db(server)


def _new_db(server: PgServer) -> str:
    return server.create_database(f"bench_{uuid.uuid4().hex[:10]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300, help="answers per writer process")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latest-rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()

    backends = {"sqlite": sqlite_urls, "postgres": postgres_urls}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{os.cpu_count()} CPUs, load average {load}; "
        f"disk: {fsync_rate(tempfile.gettempdir()):.0f} fsync/s"
    )
    print(f"{'backend':<10} {'measure':<38} {'median':>12}  runs")
    for name in args.backends.split(","):
        with backends[name]() as new_url:
            for writers in (1, 2, 4):
                runs = [writers_rate(new_url, writers, args.rows) for _ in range(args.repeats)]
                label = (
                    f"committed answers/s, {writers} writer process{'es' if writers > 1 else ''}"
                )
                shown = ", ".join(f"{r:.0f}" for r in runs)
                print(f"{name:<10} {label:<38} {statistics.median(runs):>12.0f}  [{shown}]")
            cold, warm, after = latest_times(new_url, args.latest_rows, args.repeats)
            n = f"{args.latest_rows // 1000}k rows"
            print(f"{name:<10} {'latest() ms, ' + n + ', cold':<38} {cold:>12.1f}")
            print(f"{name:<10} {'latest() ms, ' + n + ', unchanged':<38} {warm:>12.2f}")
            print(f"{name:<10} {'latest() ms, ' + n + ', after 1 append':<38} {after:>12.1f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
