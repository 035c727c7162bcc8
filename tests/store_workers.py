"""Functions run in child processes by the store tests and benchmark.

A module of its own, so a ``spawn`` child imports only this and the store, not a test
module with its fixtures.
"""

from __future__ import annotations

import time
from typing import Any

from rater_widgets.store import NewRow, open_store


def append_worker(url: str, worker: int, n: int, resend_every: int, start: Any, out: Any) -> None:
    """Append ``n`` answers as session ``w<worker>``; every ``resend_every``-th message is
    sent twice (a client retrying after a lost ack). Puts ``(worker, results)`` on ``out``
    where results are ``(seq, row_id, inserted)``; or ``(worker, "error: ...")``."""
    try:
        store = open_store(url)
        start.wait(60)
        results = []
        for seq in range(n):
            row = NewRow(
                study="race",
                item_id=f"item-{seq % 37}",
                annotator=f"ann{worker}",
                kind="answer",
                answer={"verdict": "safe", "worker": worker, "seq": seq},
                seq=seq,
                session=f"w{worker}",
                duration_ms=seq,
            )
            got = store.append(row)
            results.append((seq, got.row_id, got.inserted))
            if resend_every and seq % resend_every == 0:
                again = store.append(row)
                results.append((seq, again.row_id, again.inserted))
        store.close()
        out.put((worker, results))
    except Exception as exc:  # reported to the parent, which fails the test
        out.put((worker, f"error: {type(exc).__name__}: {exc}"))


def timed_writer(url: str, worker: int, n: int, start: Any, out: Any) -> None:
    """Benchmark child: append ``n`` answers one commit each; puts (worker, first, last)
    monotonic timestamps of the first and last commit, or an error string."""
    try:
        store = open_store(url)
        payload = {
            "verdict": "violating",
            "categories": ["harassment"],
            "confidence": 4,
            "rationale": "Targets a named person with insults. " * 3,
        }
        start.wait(60)
        t0 = time.perf_counter()
        for seq in range(n):
            store.append(
                NewRow(
                    "bench",
                    f"item-{seq}",
                    f"ann{worker}",
                    "answer",
                    payload,
                    rubric_hash="h",
                    seq=seq,
                    session=f"s{worker}-{t0}",
                    duration_ms=900,
                    client={"ua": "bench"},
                )
            )
        t1 = time.perf_counter()
        store.close()
        out.put((worker, t0, t1))
    except Exception as exc:
        out.put((worker, f"error: {type(exc).__name__}: {exc}", 0.0))


def ack_until_killed(url: str, conn: Any) -> None:
    """Append answers forever, sending ``seq`` over ``conn`` after each ``append`` returns
    (an ack); the parent SIGKILLs this process at some moment."""
    store = open_store(url)
    seq = 0
    while True:
        store.append(
            NewRow(
                "kill",
                f"item-{seq % 50}",
                "ana",
                "answer",
                {"seq": seq, "pad": "p" * 500},
                seq=seq,
                session="doomed",
            )
        )
        conn.send(seq)
        seq += 1
