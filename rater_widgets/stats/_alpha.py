"""Krippendorff's alpha from per-item features (see ``agreement.krippendorff_alpha``).

alpha = 1 - D_o / D_e, with observed disagreement D_o = sum_ck o_ck delta_ck / n over
the coincidence matrix o and expected D_e = sum_ck n_c n_k delta_ck / (n (n - 1)).
The coincidence matrix is a sum over items of (n_u n_u^T - diag n_u) / (m_u - 1), so
every level is a function of column sums of per-item features, which is what the
item bootstrap resamples. Nominal and interval reduce to a handful of features per
item (no k x k matrix), so they scale to any number of distinct values.
"""

from __future__ import annotations

import numpy as np

from ._common import Estimate, FloatArray, IntArray, Statistic, estimate_with_ci
from ._encode import MAX_CELLS, Coded, item_counts, pairable_annotators, raise_no_overlap


def alpha_estimate(
    coded: Coded, level: str, *, ci: float | None, n_boot: int, seed: int
) -> Estimate:
    if level != "nominal" and coded.kind == "string":
        raise ValueError(
            f"level={level!r} needs ordered answers, but {coded.field!r} is a String "
            "column; use an Enum column (its order), numbers, or level='nominal'"
        )
    if level == "ratio" and coded.kind == "numeric" and coded.values.min() < 0:
        raise ValueError(
            f"level='ratio' needs non-negative values; {coded.field!r} has "
            f"{coded.values.min():g}; use level='interval'"
        )
    if level == "interval" and coded.n_items * coded.k > MAX_CELLS:
        features, mult = _interval_from_values(coded)
    else:
        patterns, mult = item_counts(coded)
        features = _features(patterns, coded, level) if mult.size else np.zeros((0, 1))
    if mult.size == 0:
        raise_no_overlap(coded, "krippendorff_alpha")
    return estimate_with_ci(
        features,
        mult,
        _statistic(coded, level),
        ci=ci,
        n_boot=n_boot,
        seed=seed,
        n_annotators=pairable_annotators(coded),
        label=f"Krippendorff's alpha ({level}) on {coded.field!r}",
    )


def _centred_values(coded: Coded) -> FloatArray:
    # The interval metric only sees differences; centring keeps sum-of-squares exact.
    v = coded.values
    weights = np.bincount(coded.code, minlength=coded.k).astype(np.float64)
    out: FloatArray = v - (weights @ v) / max(weights.sum(), 1.0)
    return out


def _features(patterns: IntArray, coded: Coded, level: str) -> FloatArray:
    n = patterns.astype(np.float64)
    m = n.sum(axis=1)
    if level == "nominal":
        observed = (m**2 - (n**2).sum(axis=1)) / (m - 1)
        return np.column_stack([m, observed, n])
    if level == "interval":
        v = _centred_values(coded)
        s1, s2 = n @ v, n @ v**2
        return np.column_stack([m, 2.0 * (m * s2 - s1**2) / (m - 1), s1, s2])
    k = coded.k
    if n.shape[0] * k * k > MAX_CELLS // 2:
        raise ValueError(
            f"level={level!r}: {coded.field!r} has {k} distinct values, too many for the "
            f"{k}x{k} coincidence matrix; bin or round the values, or use level='interval'"
        )
    outer = n[:, :, None] * n[:, None, :]
    outer[:, np.arange(k), np.arange(k)] -= n
    flat: FloatArray = (outer / (m - 1)[:, None, None]).reshape(n.shape[0], k * k)
    return flat


def _interval_from_values(coded: Coded) -> tuple[FloatArray, IntArray]:
    """Per-item interval features straight from the values (many distinct numbers)."""
    v = _centred_values(coded)[coded.code]
    m = np.bincount(coded.item).astype(np.float64)
    s1 = np.bincount(coded.item, weights=v)
    s2 = np.bincount(coded.item, weights=v * v)
    keep = m >= 2
    m, s1, s2 = m[keep], s1[keep], s2[keep]
    rows = np.column_stack([m, 2.0 * (m * s2 - s1**2) / (m - 1), s1, s2])
    # Continuous values rarely repeat a whole item, so one pattern per item.
    return rows, np.ones(rows.shape[0], dtype=np.int64)


def _statistic(coded: Coded, level: str) -> Statistic:
    k = coded.k

    def nominal(s: FloatArray) -> FloatArray:
        n = s[:, 0]
        expected = (n**2 - (s[:, 2:] ** 2).sum(axis=1)) / (n * (n - 1))
        out: FloatArray = 1.0 - (s[:, 1] / n) / expected
        return out

    def interval(s: FloatArray) -> FloatArray:
        n = s[:, 0]
        expected = 2.0 * (n * s[:, 3] - s[:, 2] ** 2) / (n * (n - 1))
        out: FloatArray = 1.0 - (s[:, 1] / n) / expected
        return out

    def from_coincidences(s: FloatArray, delta: FloatArray) -> FloatArray:
        o = s.reshape(-1, k, k)
        nc = o.sum(axis=2)
        n = nc.sum(axis=1)
        observed = (o * delta).sum(axis=(1, 2)) / n
        expected = (nc[:, :, None] * nc[:, None, :] * delta).sum(axis=(1, 2)) / (n * (n - 1))
        out: FloatArray = 1.0 - observed / expected
        return out

    def ordinal(s: FloatArray) -> FloatArray:
        # Krippendorff's ordinal metric (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 equals the
        # squared difference of mid-ranks cumsum(n) - n/2, which depend on the (resampled)
        # marginals, hence the per-replicate delta.
        nc = s.reshape(-1, k, k).sum(axis=2)
        mid = np.cumsum(nc, axis=1) - nc / 2.0
        delta = (mid[:, :, None] - mid[:, None, :]) ** 2
        return from_coincidences(s, delta)

    if level != "ratio":
        return {"nominal": nominal, "interval": interval, "ordinal": ordinal}[level]
    v = coded.values
    total = v[:, None] + v[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_delta = np.where(total > 0, ((v[:, None] - v[None, :]) / total) ** 2, 0.0)

    def ratio(s: FloatArray) -> FloatArray:
        return from_coincidences(s, ratio_delta[None, :, :])

    return ratio
