"""Synthetic benchmark data, the same in the browser kernels and the subprocesses.

Every item's text starts with a unique marker (``ITEM-0000042``) that the in-page probe
looks for, so "the next item is visible" means exactly that item's text is on screen.

    from benchmarks._data import bench_frame
    df = bench_frame(1_000_000)   # ~0.5 s, ~330 MB of text
"""

from __future__ import annotations

import polars as pl

OPTIONS = ["safe", "borderline", "violating"]

#: ~300 characters of ordinary markdown, the body of every item
BODY = (
    "The assistant replied with a **short** answer about the weather in the city, "
    "then added a list of tips: wear a coat, carry an umbrella, and check the forecast "
    "before leaving. It cited no sources and asked a follow-up question about the "
    "user's plans for the weekend, which the rater should judge against the policy."
)


def marker(i: int) -> str:
    """The unique text that identifies item ``i`` on screen."""
    return f"ITEM-{i:07d}"


def bench_frame(n: int) -> pl.DataFrame:
    """``n`` rows: ``id`` (Int64, 0..n-1) and ``text`` (marker + markdown body)."""
    ids = pl.int_range(0, n, dtype=pl.Int64, eager=True).alias("id")
    text = pl.format("ITEM-{} {}", ids.cast(pl.String).str.zfill(7), pl.lit(BODY))
    return pl.DataFrame({"id": ids}).with_columns(text.alias("text"))


def long_markdown(chars: int = 100_000) -> str:
    """A markdown document of about ``chars`` characters: headings, paragraphs, lists,
    emphasis, inline code and fenced code, from the marker ``LONG-ITEM`` to ``LONG-END``."""
    parts = ["LONG-ITEM\n\n"]
    k = 0
    while sum(len(p) for p in parts) < chars:
        k += 1
        parts.append(
            f"## Section {k}\n\nParagraph {k} explains *why* the answer is `correct` and "
            f"**where** it could fail, with a [reference](https://example.org/{k}).\n\n"
            f"- point one of section {k}\n- point two with `code_{k}()`\n- point three\n\n"
            f"```python\ndef f_{k}(x):\n    return x * {k}\n```\n\n"
        )
    end = "\n\nLONG-END"
    return "".join(parts)[: chars - len(end)] + end


def long_trace(steps: int = 500) -> list[str]:
    """A reasoning trace of ``steps`` steps; step i's text contains ``STEP-<i>``."""
    return [
        f"STEP-{i} Multiply both sides by {i + 2} and simplify: "
        f"$x_{{{i}}} = {i} \\cdot y$, so the remainder is {i % 7}."
        for i in range(steps)
    ]
