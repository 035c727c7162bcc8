"""Pairwise preferences: win rates, Bradley–Terry strengths, position bias.

Input is one row per judged comparison with the two model names in columns ``a`` and
``b`` (default ``model_a``/``model_b``) and a ``winner`` column. Two conventions for the
winner are both understood, row by row:

- relative to the columns, as ``PairwiseRater`` stores it: ``"a"``, ``"b"``, ``"tie"``
  or ``"both_bad"``;
- the winning model's name (equal to the value in column ``a`` or ``b``), or
  ``"tie"``/``"both_bad"``.

``"both_bad"`` counts as a tie (neither response won). A null winner (not judged yet)
is skipped; a comparison of a model with itself carries no preference and is skipped.
Any other winner value is an error that lists the valid ones. A model may not be named
``a``, ``b``, ``tie`` or ``both_bad`` (that would make rows ambiguous).

Every function takes ``by=`` (a column or columns, e.g. ``"criterion"``) and then
returns one block of rows per group, with the ``by`` columns first.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from rater_widgets.frames import to_polars

from . import _bt
from ._common import (
    FloatArray,
    UndefinedStatisticWarning,
    as_list,
    binomial_test_half,
    check_choice,
    check_ci,
    percentile_interval,
    require_columns,
    wilson,
)

_CODES = ("a", "b", "tie", "both_bad")


def win_rates(
    pairs: Any,
    a: str = "model_a",
    b: str = "model_b",
    winner: str = "winner",
    *,
    ci: float | None = 0.95,
    by: str | Sequence[str] | None = None,
) -> pl.DataFrame:
    """Wins, losses and ties of every model against every opponent, with a CI.

    One row per ordered pair (both ``A vs B`` and ``B vs A``): ``model``, ``opponent``,
    ``wins``, ``losses``, ``ties`` (including both-bad), ``n``, ``win_rate`` (ties count
    as half a win) and its Wilson score interval ``ci_low``/``ci_high`` over the ``n``
    comparisons (null when ``ci=None``).

    Example:
        >>> pairs = pl.DataFrame({"model_a": ["x", "x", "y"], "model_b": ["y", "y", "x"],
        ...                       "winner": ["a", "tie", "x"]})
        >>> win_rates(pairs).select("model", "opponent", "wins", "ties", "win_rate").rows()
        [('x', 'y', 2, 1, 0.8333333333333334), ('y', 'x', 0, 1, 0.16666666666666666)]
    """
    check_ci(ci)
    keys = as_list(by)
    games = _outcomes(pairs, a, b, winner, keys)
    a_won = pl.col("outcome") == "a"
    b_won = pl.col("outcome") == "b"
    tied = ~(a_won | b_won)
    forward = games.select(
        *keys,
        pl.col("_a").alias("model"),
        pl.col("_b").alias("opponent"),
        a_won.alias("win"),
        b_won.alias("loss"),
        tied.alias("tie"),
    )
    backward = games.select(
        *keys,
        pl.col("_b").alias("model"),
        pl.col("_a").alias("opponent"),
        b_won.alias("win"),
        a_won.alias("loss"),
        tied.alias("tie"),
    )
    table = (
        pl.concat([forward, backward])
        .group_by([*keys, "model", "opponent"])
        .agg(
            pl.col("win").sum().cast(pl.Int64).alias("wins"),
            pl.col("loss").sum().cast(pl.Int64).alias("losses"),
            pl.col("tie").sum().cast(pl.Int64).alias("ties"),
            pl.len().cast(pl.Int64).alias("n"),
        )
        .with_columns(((pl.col("wins") + 0.5 * pl.col("ties")) / pl.col("n")).alias("win_rate"))
    )
    if ci is None:
        low = high = pl.lit(None, dtype=pl.Float64)
    else:
        low, high = wilson(pl.col("win_rate") * pl.col("n"), pl.col("n"), ci)
    return table.with_columns(low.alias("ci_low"), high.alias("ci_high")).sort(
        [*keys, "model", "opponent"]
    )


def bradley_terry(
    pairs: Any,
    a: str = "model_a",
    b: str = "model_b",
    winner: str = "winner",
    *,
    ties: Literal["half", "drop"] = "half",
    ci: float | None = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    by: str | Sequence[str] | None = None,
    prior: float = 0.0,
) -> pl.DataFrame:
    """Bradley–Terry strengths of the models, with bootstrap CIs and a rank.

    Returns ``model`` (String), ``log_strength`` (the maximum-likelihood estimate, where
    P(i beats j) = 1 / (1 + exp(-(s_i - s_j))); identified by fixing the *mean*
    log-strength over the models to 0), ``ci_low``/``ci_high`` (percentile bootstrap
    over comparisons, ``n_boot`` resamples seeded by ``seed``; null when ``ci=None``)
    and ``rank`` (1 = strongest; equal strengths share the better rank), sorted by rank.

    ``ties="half"`` counts a tie (and both-bad) as half a win for each side;
    ``ties="drop"`` ignores them. The fit needs every model to have both won and lost
    against the rest (strongly connected comparisons): otherwise a ``ValueError``
    names the models and the way out. ``prior=0.5`` adds that many virtual ties to every
    compared pair, which keeps estimates finite (a mild shrinkage towards equality).
    Bootstrap resamples where a model happens to win or lose everything are left out
    of the CI, with a warning saying how many.

    Example:
        >>> pairs = pl.DataFrame({"model_a": ["x", "x", "y", "z", "z"],
        ...                       "model_b": ["y", "z", "z", "x", "y"],
        ...                       "winner": ["a", "a", "b", "a", "tie"]})
        >>> bradley_terry(pairs, ci=None).select("model", "rank").rows()
        [('x', 1), ('z', 2), ('y', 3)]
    """
    check_choice("ties", ties, ("half", "drop"))
    check_ci(ci)
    if prior < 0:
        raise ValueError(f"prior must be >= 0 (virtual ties per compared pair), got {prior}")
    keys = as_list(by)
    games = _outcomes(pairs, a, b, winner, keys)
    if ties == "drop":
        games = games.filter(pl.col("outcome").is_in(["a", "b"]))
    groups = games.partition_by(keys, as_dict=True, maintain_order=True) if keys else {(): games}
    frames = []
    for key, group in groups.items():
        label = f" for {dict(zip(keys, key, strict=True))}" if keys else ""
        fitted = _fit_group(group, ci=ci, n_boot=n_boot, seed=seed, prior=prior, label=label)
        frames.append(
            fitted.select(*[pl.lit(v).alias(c) for c, v in zip(keys, key, strict=True)], pl.all())
        )
    return pl.concat(frames) if frames else _empty_bt(games, keys)


def position_bias(
    ann: Any,
    shown_left: str = "shown_left",
    winner: str = "winner",
    *,
    ci: float | None = 0.95,
    by: str | Sequence[str] | None = None,
) -> pl.DataFrame:
    """How often the response shown on the left wins, against the 50% of no bias.

    Counts only decisive judgments (ties and both-bad say nothing about sides):
    ``n``, ``left_wins``, ``left_win_rate``, its Wilson interval ``ci_low``/``ci_high``,
    and ``p_value`` of the exact two-sided binomial test of rate = 0.5. ``shown_left``
    and ``winner`` must use the same codes (``"a"``/``"b"`` as PairwiseRater stores them).

    Example:
        >>> ann = pl.DataFrame({"shown_left": ["a", "b", "a", "b"],
        ...                     "winner": ["a", "b", "b", "tie"]})
        >>> position_bias(ann).select("n", "left_wins").row(0)
        (3, 2)
    """
    check_ci(ci)
    keys = as_list(by)
    df = to_polars(ann, "ann")
    require_columns(df, [shown_left, winner, *keys])
    w = pl.col(winner).cast(pl.String)
    decisive = df.filter(w.is_not_null() & ~w.is_in(["tie", "both_bad"]))
    sides = set(df.get_column(shown_left).cast(pl.String).drop_nulls().to_list())
    unknown = decisive.filter(~w.is_in(sorted(sides))).get_column(winner).cast(pl.String)
    if unknown.len():
        examples = unknown.unique().sort()[:5].to_list()
        raise ValueError(
            f"column {winner!r} has {unknown.len()} values that are not tie/both_bad nor a "
            f"side in {shown_left!r} ({sorted(sides)}), e.g. {examples}"
        )
    aggs = [
        pl.len().cast(pl.Int64).alias("n"),
        (w == pl.col(shown_left).cast(pl.String)).sum().cast(pl.Int64).alias("left_wins"),
    ]
    counts = decisive.group_by(keys).agg(aggs) if keys else decisive.select(aggs)
    n = counts.get_column("n").to_numpy()
    k = counts.get_column("left_wins").to_numpy()
    p_value = binomial_test_half(k, n)
    if ci is None:
        low = high = pl.lit(None, dtype=pl.Float64)
    else:
        low, high = wilson(pl.col("left_wins").cast(pl.Float64), pl.col("n"), ci)
    out = counts.with_columns(
        pl.when(pl.col("n") > 0).then(pl.col("left_wins") / pl.col("n")).alias("left_win_rate"),
        low.alias("ci_low"),
        high.alias("ci_high"),
        pl.Series("p_value", p_value, dtype=pl.Float64).fill_nan(None),
    )
    return out.sort(keys) if keys else out


# ------------------------------------------------------------------ helpers


def _outcomes(pairs: Any, a: str, b: str, winner: str, keys: list[str]) -> pl.DataFrame:
    """Rows with ``_a``, ``_b`` (model names) and ``outcome`` in a/b/tie/both_bad."""
    df = to_polars(pairs, "pairs")
    require_columns(df, [a, b, winner, *keys], "pairs")
    ma, mb = pl.col(a).cast(pl.String), pl.col(b).cast(pl.String)
    w = pl.col(winner).cast(pl.String)
    df = df.select(*keys, ma.alias("_a"), mb.alias("_b"), w.alias("_w"))
    for col, name in (("_a", a), ("_b", b)):
        nulls = df.get_column(col).null_count()
        if nulls:
            raise ValueError(f"pairs has {nulls} rows with no model name in column {name!r}")
    names = set(df.get_column("_a").unique().to_list()) | set(df.get_column("_b").to_list())
    clash = sorted(names & set(_CODES))
    if clash:
        raise ValueError(
            f"model name(s) {clash} collide with the winner codes {list(_CODES)}; "
            "rename those models"
        )
    wc = pl.col("_w")
    outcome = (
        pl.when((wc == "a") | (wc == pl.col("_a")))
        .then(pl.lit("a"))
        .when((wc == "b") | (wc == pl.col("_b")))
        .then(pl.lit("b"))
        .when(wc.is_in(["tie", "both_bad"]))
        .then(wc)
    )
    df = df.filter(wc.is_not_null()).with_columns(outcome.alias("outcome"))
    bad = df.filter(pl.col("outcome").is_null())
    if bad.height:
        examples = bad.get_column("_w").unique().sort().head(5).to_list()
        raise ValueError(
            f"column {winner!r} has {bad.height} values that are neither a/b/tie/both_bad "
            f"nor the name in {a!r} or {b!r} of the same row, e.g. {examples}"
        )
    return df.filter(pl.col("_a") != pl.col("_b"))


def _fit_group(
    games: pl.DataFrame, *, ci: float | None, n_boot: int, seed: int, prior: float, label: str
) -> pl.DataFrame:
    models = sorted(set(games.get_column("_a").to_list()) | set(games.get_column("_b").to_list()))
    if len(models) < 2:
        raise ValueError(
            f"bradley_terry needs comparisons between two or more models{label}; found {models}"
        )
    k = len(models)
    index = pl.DataFrame({"_m": models, "_i": np.arange(k)})
    cells = (
        games.join(index.rename({"_m": "_a", "_i": "i"}), on="_a")
        .join(index.rename({"_m": "_b", "_i": "j"}), on="_b")
        .group_by("i", "j", "outcome")
        .agg(pl.len().alias("count"))
        .sort("i", "j", "outcome")  # group order varies; the bootstrap must not
    )
    i = cells.get_column("i").to_numpy()
    j = cells.get_column("j").to_numpy()
    outcome = cells.get_column("outcome").to_numpy()
    count = cells.get_column("count").to_numpy().astype(np.float64)
    # A cell adds its count to wins[i, j] (a won), wins[j, i] (b won), or half to each
    # (tie). Within one outcome the cells hit distinct entries, so fancy += is exact.
    forward, backward = i * k + j, j * k + i
    parts = [
        (outcome == "a", forward, 1.0),
        (outcome == "b", backward, 1.0),
        (~np.isin(outcome, ["a", "b"]), forward, 0.5),
        (~np.isin(outcome, ["a", "b"]), backward, 0.5),
    ]
    compared = np.zeros(k * k, dtype=bool)
    compared[forward] = compared[backward] = True
    virtual = prior / 2.0 * compared.reshape(k, k)

    def win_matrices(weights: FloatArray) -> FloatArray:
        flat = np.zeros((weights.shape[0], k * k))
        for mask, target, share in parts:
            flat[:, target[mask]] += share * weights[:, mask]
        out: FloatArray = flat.reshape(-1, k, k) + virtual[None]
        return out

    wins = win_matrices(count[None, :])
    if not _bt.identified(wins)[0]:
        raise ValueError(f"bradley_terry{label}: " + _bt.explain_unidentified(wins[0], models))
    theta = _bt.fit(wins)[0]
    low = high = np.full(k, np.nan)
    if ci is not None:
        low, high = _bootstrap_ci(
            count, win_matrices, wins[0], theta, ci=ci, n_boot=n_boot, seed=seed, label=label
        )
    out = pl.DataFrame(
        {
            "model": pl.Series(models, dtype=pl.String),
            "log_strength": theta,
            "ci_low": pl.Series(low).fill_nan(None),
            "ci_high": pl.Series(high).fill_nan(None),
        }
    )
    rank = pl.col("log_strength").round(9).rank("min", descending=True).cast(pl.Int64)
    return out.with_columns(rank.alias("rank")).sort("rank", "model")


def _bootstrap_ci(
    count: FloatArray,
    win_matrices: Any,
    data: FloatArray,
    theta: FloatArray,
    *,
    ci: float,
    n_boot: int,
    seed: int,
    label: str,
) -> tuple[FloatArray, FloatArray]:
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    rng = np.random.default_rng(seed)
    k = len(theta)
    total = int(count.sum())
    # Resampling comparisons = a multinomial draw over the distinct (pair, outcome) cells.
    draws = rng.multinomial(total, count / total, size=n_boot).astype(np.float64)
    thetas = np.full((n_boot, k), np.nan)
    chunk = max(1, 2_000_000 // (k * k))
    n_bad = 0
    for start in range(0, n_boot, chunk):
        wins = win_matrices(draws[start : start + chunk])
        ok = _bt.identified(wins)
        n_bad += int((~ok).sum())
        if ok.any():
            block = thetas[start : start + chunk]
            block[ok] = _bt.fit_near(wins[ok], data, theta)
    if n_bad:
        warnings.warn(
            f"bradley_terry{label}: {n_bad} of {n_boot} bootstrap resamples had a model "
            "that won or lost every comparison; the CI uses the other "
            f"{n_boot - n_bad} (consider prior=0.5)",
            UndefinedStatisticWarning,
            stacklevel=3,
        )
    low = np.empty(k)
    high = np.empty(k)
    for m in range(k):
        low[m], high[m] = percentile_interval(thetas[:, m], ci)
    return low, high


def _empty_bt(games: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    schema: dict[str, Any] = {c: games.schema[c] for c in keys}
    schema.update(
        model=pl.String,
        log_strength=pl.Float64,
        ci_low=pl.Float64,
        ci_high=pl.Float64,
        rank=pl.Int64,
    )
    return pl.DataFrame(schema=schema)
