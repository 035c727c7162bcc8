"""Shared plumbing for the stats modules: frame input, errors, results, bootstrap, Wilson.

Everything here is private; the public names live in the sibling modules.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from statistics import NormalDist
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

#: Bootstrap work is done in chunks of replicates so memory stays near this many cells.
_CHUNK_CELLS = 4_000_000


class UndefinedStatisticWarning(RuntimeWarning):
    """A statistic is undefined for this data (e.g. kappa when everyone chose one label).

    The function returns ``nan`` and emits this warning instead of raising, so a report
    over many fields still renders. Silence it with ``warnings.simplefilter("ignore",
    UndefinedStatisticWarning)``.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", UndefinedStatisticWarning)
    """


def require_columns(df: pl.DataFrame, columns: Iterable[str], what: str = "ann") -> None:
    """Raise a KeyError naming each missing column and the ones that exist."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        plural = "s" if len(missing) > 1 else ""
        raise KeyError(f"{what} has no column{plural} {names}; available columns: {df.columns}")


def check_choice(name: str, value: object, valid: Sequence[object]) -> None:
    """Raise a ValueError naming the parameter, the bad value and the valid ones."""
    if value not in valid:
        raise ValueError(f"unknown {name}={value!r}; valid values: {list(valid)}")


def check_ci(ci: float | None) -> None:
    if ci is not None and not 0.0 < ci < 1.0:
        raise ValueError(f"ci must be a confidence level between 0 and 1 (e.g. 0.95), got {ci!r}")


def as_list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    return list(cols)


def warn_undefined(message: str) -> None:
    warnings.warn(message, UndefinedStatisticWarning, stacklevel=3)


class Estimate(float):
    """A statistic with a bootstrap confidence interval; it *is* a float.

    Arithmetic, comparisons, ``round`` and ``float()`` use the point estimate; the
    interval and sample sizes are attributes.

    Example:
        >>> r = Estimate(0.71, ci_low=0.6, ci_high=0.8, level=0.95, n_items=120,
        ...              n_annotators=3, n_boot=1000)
        >>> float(r), r.ci_low, r > 0.7
        (0.71, 0.6, True)
    """

    estimate: float
    ci_low: float
    ci_high: float
    level: float
    n_items: int
    n_annotators: int
    n_boot: int

    def __new__(
        cls,
        estimate: float,
        *,
        ci_low: float,
        ci_high: float,
        level: float,
        n_items: int,
        n_annotators: int,
        n_boot: int,
    ) -> Estimate:
        obj = super().__new__(cls, estimate)
        obj.estimate = float(estimate)
        obj.ci_low = float(ci_low)
        obj.ci_high = float(ci_high)
        obj.level = float(level)
        obj.n_items = int(n_items)
        obj.n_annotators = int(n_annotators)
        obj.n_boot = int(n_boot)
        return obj

    def __repr__(self) -> str:
        pct = f"{self.level * 100:g}%"
        return (
            f"{self.estimate:.4f} ({pct} CI {self.ci_low:.4f} to {self.ci_high:.4f}; "
            f"n_items={self.n_items}, n_annotators={self.n_annotators})"
        )

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_estimate, (self.__getstate__(),))

    def __getstate__(self) -> dict[str, float]:
        return {
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "level": self.level,
            "n_items": self.n_items,
            "n_annotators": self.n_annotators,
            "n_boot": self.n_boot,
        }


def _rebuild_estimate(state: dict[str, float]) -> Estimate:
    return Estimate(
        state["estimate"],
        ci_low=state["ci_low"],
        ci_high=state["ci_high"],
        level=state["level"],
        n_items=int(state["n_items"]),
        n_annotators=int(state["n_annotators"]),
        n_boot=int(state["n_boot"]),
    )


Statistic: TypeAlias = Callable[[FloatArray], FloatArray]


def bootstrap(
    features: FloatArray | None,
    multiplicity: IntArray,
    statistic: Statistic,
    n_boot: int,
    seed: int,
) -> FloatArray:
    """Replicates of ``statistic`` over items resampled with replacement.

    Each statistic here is a function of column sums of a per-item feature matrix, and
    items with identical features are interchangeable. So ``features`` holds one row per
    distinct item pattern (``None`` means the identity: the statistic gets the pattern
    counts themselves) and ``multiplicity`` how many items share it. Resampling N items
    with replacement is then a multinomial draw over patterns (exactly the same
    distribution), which is what makes 1000 replicates over 200k items take a second.
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    rng = np.random.default_rng(seed)
    n_patterns = multiplicity.shape[0]
    width = n_patterns if features is None else features.shape[1]
    n_items = int(multiplicity.sum())
    # Many distinct patterns (continuous values): drawing item indices is cheaper than
    # one binomial per pattern.
    use_indices = n_patterns > max(n_items // 4, 1)
    per_replicate = n_items if use_indices else n_patterns
    chunk = max(1, _CHUNK_CELLS // max(per_replicate, width, 1))
    out = np.empty(n_boot, dtype=np.float64)
    one_each = bool((multiplicity == 1).all())
    pattern_of_item = np.repeat(np.arange(n_patterns), multiplicity)
    probs = multiplicity / n_items
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        if use_indices:
            draws = rng.integers(0, n_items, size=(size, n_items))
            if not one_each:
                draws = pattern_of_item[draws]
            draws += (np.arange(size) * n_patterns)[:, None]
            weights = np.bincount(draws.ravel(), minlength=size * n_patterns)
            weights = weights.reshape(size, n_patterns)
        else:
            weights = rng.multinomial(n_items, probs, size=size)
        w = weights.astype(np.float64)
        sums = w if features is None else w @ features
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start : start + size] = statistic(sums)
    return out


def estimate_with_ci(
    features: FloatArray | None,
    multiplicity: IntArray,
    statistic: Statistic,
    *,
    ci: float | None,
    n_boot: int,
    seed: int,
    n_annotators: int,
    label: str,
) -> Estimate:
    """The point estimate with a percentile bootstrap interval (nan bounds without ci).

    Public functions hand back ``float(result)`` when no interval was asked for.
    """
    check_ci(ci)
    mult = multiplicity.astype(np.float64)[None, :]
    totals = mult if features is None else mult @ features
    with np.errstate(divide="ignore", invalid="ignore"):
        point = float(statistic(totals)[0])
    if math.isnan(point):
        warn_undefined(f"{label} is undefined for this data (no variation in the ratings)")
    low = high = math.nan
    if ci is not None:
        reps = bootstrap(features, multiplicity, statistic, n_boot, seed)
        low, high = percentile_interval(reps, ci)
    return Estimate(
        point,
        ci_low=low,
        ci_high=high,
        level=ci if ci is not None else math.nan,
        n_items=int(multiplicity.sum()),
        n_annotators=n_annotators,
        n_boot=n_boot if ci is not None else 0,
    )


def percentile_interval(replicates: FloatArray, ci: float) -> tuple[float, float]:
    """Percentile bootstrap interval; replicates where the statistic is undefined are
    left out (they are resamples with no variation at all)."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return math.nan, math.nan
    alpha = (1.0 - ci) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(low), float(high)


def wilson(successes: pl.Expr, n: pl.Expr, ci: float) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval as Polars expressions (vectorized over groups).

    ``successes`` may be fractional (ties counted as half a win); the interval then uses
    the observed proportion with ``n`` trials, the usual convention.
    """
    z = NormalDist().inv_cdf(0.5 + ci / 2.0)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom
    low = pl.when(n > 0).then((centre - half).clip(0.0, 1.0))
    high = pl.when(n > 0).then((centre + half).clip(0.0, 1.0))
    return low, high


def binomial_test_half(successes: IntArray, trials: IntArray) -> FloatArray:
    """Exact two-sided p-values of Binomial(n, 0.5) tests, one per (k, n) pair.

    By symmetry p = min(1, 2 P(X <= min(k, n - k))); the tail is summed in log space.
    """
    out = np.full(len(trials), np.nan)
    for idx, (k, n) in enumerate(zip(successes.tolist(), trials.tolist(), strict=True)):
        if n <= 0:
            continue
        m = min(k, n - k)
        t = np.arange(m, dtype=np.float64)
        log_choose = np.concatenate([[0.0], np.cumsum(np.log((n - t) / (t + 1.0)))])
        top = log_choose.max()
        log_tail = top + math.log(float(np.exp(log_choose - top).sum())) - n * math.log(2.0)
        out[idx] = min(1.0, 2.0 * math.exp(log_tail))
    return out
