"""Cohen's kappa (plain and weighted) from coded ratings; see ``agreement.cohen_kappa``.

The two annotators' answers on shared items form a k x k table; items are resampled by
drawing table cells, since an item is fully described by its cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from ._common import Estimate, FloatArray, estimate_with_ci
from ._encode import Coded

#: Beyond this many answer values a k x k agreement table stops making sense.
_MAX_CATEGORIES = 200


def cohen_estimate(
    coded: Coded,
    weights: Literal["linear", "quadratic"] | None,
    annotators: Sequence[Any] | None,
    *,
    ci: float | None,
    n_boot: int,
    seed: int,
) -> Estimate:
    pair = _choose_pair(coded, annotators)
    if weights is not None and coded.kind == "string":
        raise ValueError(
            f"weights={weights!r} needs ordered answers, but {coded.field!r} is a String "
            "column; use an Enum column (its order) or numbers, or weights=None"
        )
    k = coded.k
    if k > _MAX_CATEGORIES:
        raise ValueError(
            f"cohen_kappa: {coded.field!r} has {k} distinct values; kappa supports at most "
            f"{_MAX_CATEGORIES} categories (bin the values, or use krippendorff_alpha with "
            "level='interval' for numbers)"
        )
    first = np.full(coded.n_items, -1, dtype=np.int64)
    second = np.full(coded.n_items, -1, dtype=np.int64)
    for target, rater in ((first, pair[0]), (second, pair[1])):
        mine = coded.rater == rater
        target[coded.item[mine]] = coded.code[mine]
    both = (first >= 0) & (second >= 0)
    if not both.any():
        names = [coded.annotators[r] for r in pair]
        raise ValueError(
            f"cohen_kappa: annotators {names[0]!r} and {names[1]!r} rated no item of "
            f"{coded.field!r} in common"
        )
    table = np.bincount(first[both] * k + second[both], minlength=k * k)
    cells = np.flatnonzero(table)
    # Only the occupied cells are resampled; these map them to the table's margins.
    row_of = np.eye(k)[cells // k]
    col_of = np.eye(k)[cells % k]
    v = coded.values
    dist = np.abs(v[:, None] - v[None, :])
    disagreement = {None: (dist > 0).astype(np.float64), "linear": dist, "quadratic": dist**2}
    w = disagreement[weights]
    w_cells = w.ravel()[cells]

    def stat(s: FloatArray) -> FloatArray:
        n = s.sum(axis=1)
        rows, cols = (s @ row_of) / n[:, None], (s @ col_of) / n[:, None]
        observed = (s @ w_cells) / n
        expected = ((rows @ w) * cols).sum(axis=1)
        out: FloatArray = 1.0 - observed / expected
        return out

    return estimate_with_ci(
        None,
        table[cells],
        stat,
        ci=ci,
        n_boot=n_boot,
        seed=seed,
        n_annotators=2,
        label=f"Cohen's kappa on {coded.field!r}",
    )


def _choose_pair(coded: Coded, annotators: Sequence[Any] | None) -> tuple[int, int]:
    found = coded.annotators
    if annotators is None:
        if len(found) == 2:
            return 0, 1
        listed = ", ".join(repr(a) for a in found[:20])
        if len(found) < 2:
            raise ValueError(
                f"cohen_kappa compares two annotators; {coded.field!r} has answers from "
                f"{len(found)}: {listed or 'none'}"
            )
        raise ValueError(
            f"cohen_kappa compares exactly two annotators; {coded.field!r} has answers from "
            f"{len(found)}: {listed}. Pass annotators=({found[0]!r}, {found[1]!r}), or use "
            "fleiss_kappa / krippendorff_alpha for all of them"
        )
    chosen = list(annotators)
    if len(chosen) != 2 or chosen[0] == chosen[1]:
        raise ValueError(f"annotators= must name two different annotators, got {chosen!r}")
    index = {a: i for i, a in enumerate(found)}
    for a in chosen:
        if a not in index:
            raise ValueError(
                f"annotator {a!r} has no answers in {coded.field!r}; annotators found: {found}"
            )
    return index[chosen[0]], index[chosen[1]]
