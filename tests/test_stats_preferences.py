"""Preferences: win rates, Bradley–Terry, position bias."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pytest

from rater_widgets import stats
from rater_widgets.stats import UndefinedStatisticWarning


def simulate(strengths: dict[str, float], n: int, seed: int, tie_rate: float = 0.1) -> pl.DataFrame:
    """Comparisons drawn from a Bradley–Terry model, winner stored as a/b/tie."""
    rng = np.random.default_rng(seed)
    names = list(strengths)
    theta = np.array([strengths[m] for m in names])
    i = rng.integers(0, len(names), n)
    j = (i + rng.integers(1, len(names), n)) % len(names)
    p_a = 1.0 / (1.0 + np.exp(-(theta[i] - theta[j])))
    u = rng.random(n)
    winner = np.where(u < tie_rate, "tie", np.where(rng.random(n) < p_a, "a", "b"))
    return pl.DataFrame(
        {
            "model_a": [names[k] for k in i],
            "model_b": [names[k] for k in j],
            "winner": winner,
        }
    )


def to_names(pairs: pl.DataFrame) -> pl.DataFrame:
    """The same comparisons with the winner given by model name."""
    return pairs.with_columns(
        pl.when(pl.col("winner") == "a")
        .then(pl.col("model_a"))
        .when(pl.col("winner") == "b")
        .then(pl.col("model_b"))
        .otherwise(pl.col("winner"))
        .alias("winner")
    )


# ------------------------------------------------------------------ win rates


def test_win_rates_counts_both_directions_and_ties_as_half() -> None:
    pairs = pl.DataFrame(
        {
            "model_a": ["gpt", "gpt", "claude", "gpt", "gpt", "llama"],
            "model_b": ["claude", "claude", "gpt", "claude", "llama", "gpt"],
            "winner": ["a", "b", "a", "tie", "both_bad", "b"],
        }
    )
    table = stats.win_rates(pairs, ci=None)
    rows = {
        (r["model"], r["opponent"]): r
        for r in table.select(
            "model", "opponent", "wins", "losses", "ties", "n", "win_rate"
        ).to_dicts()
    }
    assert rows["gpt", "claude"] | {} == {
        "model": "gpt", "opponent": "claude", "wins": 1, "losses": 2, "ties": 1, "n": 4,
        "win_rate": pytest.approx(1.5 / 4),
    }  # fmt: skip
    assert rows["claude", "gpt"]["wins"] == 2
    assert rows["claude", "gpt"]["win_rate"] == 2.5 / 4
    assert rows["gpt", "llama"]["ties"] == 1
    assert rows["gpt", "llama"]["wins"] == 1
    assert rows["llama", "gpt"]["win_rate"] == 0.25
    assert table.get_column("ci_low").null_count() == table.height


def test_win_rates_conventions_agree_and_wilson_matches_statsmodels() -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    pairs = simulate({"a1": 0.5, "b2": 0.0, "c3": -0.5}, 600, seed=4, tie_rate=0.0)
    codes = stats.win_rates(pairs)
    names = stats.win_rates(to_names(pairs))
    assert codes.equals(names)
    for row in codes.iter_rows(named=True):
        low, high = proportion.proportion_confint(row["wins"], row["n"], method="wilson")
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))


def test_win_rates_by_criterion() -> None:
    a = simulate({"x": 1.0, "y": 0.0}, 200, seed=1).with_columns(criterion=pl.lit("helpful"))
    b = simulate({"x": -1.0, "y": 0.0}, 200, seed=2).with_columns(criterion=pl.lit("harmless"))
    table = stats.win_rates(pl.concat([a, b]), by="criterion")
    assert table.columns[0] == "criterion"
    x = table.filter(pl.col("model") == "x")
    rates = dict(zip(x["criterion"], x["win_rate"], strict=True))
    assert rates["helpful"] > 0.6 > 0.4 > rates["harmless"]


# ------------------------------------------------------------------ Bradley–Terry

TRUE = {"alpha": 1.0, "bravo": 0.5, "charlie": 0.0, "delta": -0.3, "echo": -1.2}


def test_bradley_terry_shape_and_identification() -> None:
    result = stats.bradley_terry(simulate(TRUE, 3000, seed=0), n_boot=200)
    assert result.columns == ["model", "log_strength", "ci_low", "ci_high", "rank"]
    assert result.schema["model"] == pl.String
    assert result.schema["rank"] == pl.Int64
    assert result.get_column("log_strength").mean() == pytest.approx(0.0, abs=1e-9)
    assert result.get_column("model").to_list() == list(TRUE)  # strongest first
    assert result.get_column("rank").to_list() == [1, 2, 3, 4, 5]
    assert (result["ci_low"] < result["log_strength"]).all()
    assert (result["log_strength"] < result["ci_high"]).all()


def test_bradley_terry_recovers_simulated_strengths() -> None:
    result = stats.bradley_terry(simulate(TRUE, 40_000, seed=3, tie_rate=0.0), n_boot=300)
    truth = np.array(list(TRUE.values()))
    truth -= truth.mean()
    est = dict(zip(result["model"], result["log_strength"], strict=True))
    assert [est[m] for m in TRUE] == pytest.approx(truth.tolist(), abs=0.06)
    covered = sum(
        lo <= t <= hi
        for lo, hi, t in zip(
            result["ci_low"], result["ci_high"], [truth[list(TRUE).index(m)] for m in
                                                  result["model"]], strict=True)
    )  # fmt: skip
    assert covered >= 4


@pytest.mark.parametrize("ties", ["half", "drop"])
def test_bradley_terry_matches_statsmodels_logistic_regression(ties: str) -> None:
    sm = pytest.importorskip("statsmodels.api")
    pairs = simulate(TRUE, 2000, seed=8, tie_rate=0.2)
    names = sorted(TRUE)
    index = {m: k for k, m in enumerate(names)}
    rows, outcome, weight = [], [], []
    for a, b, w in pairs.iter_rows():
        if ties == "drop" and w == "tie":
            continue
        x = np.zeros(len(names))
        x[index[a]], x[index[b]] = 1.0, -1.0
        for won, share in ((1.0, {"a": 1.0, "b": 0.0, "tie": 0.5}[w]),):
            rows += [x, x]
            outcome += [won, 1.0 - won]
            weight += [share, 1.0 - share]
    design = np.array(rows)[:, 1:]  # first model fixed at 0 for the reference fit
    glm = sm.GLM(np.array(outcome), design, family=sm.families.Binomial(),
                 freq_weights=np.array(weight)).fit()  # fmt: skip
    reference = np.concatenate([[0.0], glm.params])
    reference -= reference.mean()
    ours = stats.bradley_terry(pairs, ties=ties, ci=None)  # type: ignore[arg-type]
    est = dict(zip(ours["model"], ours["log_strength"], strict=True))
    assert [est[m] for m in names] == pytest.approx(reference.tolist(), abs=1e-6)


def test_bradley_terry_matches_scikit_learn() -> None:
    linear_model = pytest.importorskip("sklearn.linear_model")
    pairs = simulate(TRUE, 3000, seed=9, tie_rate=0.0)
    names = sorted(TRUE)
    x = np.zeros((pairs.height, len(names)))
    rows = np.arange(pairs.height)
    x[rows, [names.index(m) for m in pairs["model_a"]]] = 1.0
    x[rows, [names.index(m) for m in pairs["model_b"]]] = -1.0
    y = (pairs["winner"] == "a").to_numpy().astype(int)
    fit = linear_model.LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-10,
                                          max_iter=10_000).fit(x, y)  # fmt: skip
    reference = fit.coef_[0] - fit.coef_[0].mean()
    ours = stats.bradley_terry(pairs, ci=None)
    est = dict(zip(ours["model"], ours["log_strength"], strict=True))
    assert [est[m] for m in names] == pytest.approx(reference.tolist(), abs=1e-4)


def test_bradley_terry_winner_conventions_and_pandas_agree() -> None:
    pairs = simulate(TRUE, 500, seed=5)
    codes = stats.bradley_terry(pairs, n_boot=100)
    assert codes.equals(stats.bradley_terry(to_names(pairs), n_boot=100))
    assert codes.equals(stats.bradley_terry(pairs.to_pandas(), n_boot=100))


def test_bradley_terry_both_bad_is_a_tie_and_self_pairs_are_skipped() -> None:
    pairs = simulate(TRUE, 500, seed=6, tie_rate=0.2)
    as_both_bad = pairs.with_columns(pl.col("winner").replace("tie", "both_bad"))
    with_self = pl.concat(
        [as_both_bad, pl.DataFrame({"model_a": ["echo"], "model_b": ["echo"], "winner": ["a"]})]
    )
    with_null = pl.concat([with_self, pl.DataFrame({"model_a": ["alpha"], "model_b": ["echo"],
                                                    "winner": [None]})])  # fmt: skip
    expected = stats.bradley_terry(pairs, ci=None)
    assert stats.bradley_terry(with_null, ci=None).equals(expected)


def test_bradley_terry_by_criterion_equals_separate_fits() -> None:
    a = simulate(TRUE, 800, seed=1).with_columns(criterion=pl.lit("helpful"))
    b = simulate({m: -s for m, s in TRUE.items()}, 800, seed=2).with_columns(
        criterion=pl.lit("harmless")
    )
    both = stats.bradley_terry(pl.concat([a, b]), by="criterion", n_boot=50)
    assert both.columns == ["criterion", "model", "log_strength", "ci_low", "ci_high", "rank"]
    alone = stats.bradley_terry(b.drop("criterion"), n_boot=50)
    assert both.filter(pl.col("criterion") == "harmless").drop("criterion").equals(alone)
    top = both.filter(pl.col("rank") == 1)
    assert dict(zip(top["criterion"], top["model"], strict=True)) == {
        "helpful": "alpha",
        "harmless": "echo",
    }


def test_disconnected_comparisons_are_a_clear_error() -> None:
    pairs = pl.DataFrame(
        {
            "model_a": ["a1", "b1", "a1", "c1", "d1", "c1"],
            "model_b": ["b1", "a1", "b1", "d1", "c1", "d1"],
            "winner": ["a", "a", "tie", "a", "a", "b"],
        }
    )
    with pytest.raises(ValueError, match=r"disconnected into 2 groups.*\['a1', 'b1'\]"):
        stats.bradley_terry(pairs)


def test_a_model_that_never_lost_is_a_clear_error_and_prior_fixes_it() -> None:
    pairs = pl.DataFrame(
        {
            "model_a": ["x", "x", "y", "z"],
            "model_b": ["y", "z", "z", "y"],
            "winner": ["a", "a", "a", "a"],
        }
    )
    with pytest.raises(ValueError, match=r"\['x'\] never lost.*prior=0.5"):
        stats.bradley_terry(pairs, ci=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        fitted = stats.bradley_terry(pairs, prior=0.5, n_boot=200)
    assert fitted.get_column("model").to_list()[0] == "x"
    assert fitted.get_column("log_strength").is_finite().all()


def test_bootstrap_resamples_without_a_finite_fit_are_reported() -> None:
    pairs = pl.DataFrame(
        {"model_a": ["x", "x", "y"], "model_b": ["y", "y", "x"], "winner": ["a", "a", "a"]}
    )
    with pytest.warns(UndefinedStatisticWarning, match=r"of 300 bootstrap resamples"):
        stats.bradley_terry(pairs, n_boot=300)


def test_preference_errors_name_values_and_columns() -> None:
    pairs = simulate(TRUE, 50, seed=1)
    bad = pairs.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("left"))
                             .otherwise(pl.col("winner")).alias("winner"))  # fmt: skip
    with pytest.raises(ValueError, match=r"neither a/b/tie/both_bad.*\['left'\]"):
        stats.bradley_terry(bad)
    with pytest.raises(KeyError, match=r"no column 'model_x'.*available"):
        stats.win_rates(pairs, a="model_x")
    with pytest.raises(ValueError, match=r"unknown ties='third'"):
        stats.bradley_terry(pairs, ties="third")  # type: ignore[arg-type]
    clash = pairs.with_columns(pl.col("model_a").replace("alpha", "tie"))
    with pytest.raises(ValueError, match=r"\['tie'\] collide"):
        stats.win_rates(clash)


# ------------------------------------------------------------------ position bias


def test_position_bias_counts_decisive_judgments_and_matches_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    n = 400
    left = rng.choice(["a", "b"], n)
    # the left response wins 60% of decisive judgments; 10% ties or both bad
    left_wins = rng.random(n) < 0.6
    winner = np.where(left_wins, left, np.where(left == "a", "b", "a")).astype(object)
    winner[rng.random(n) < 0.1] = "tie"
    ann = pl.DataFrame({"shown_left": left, "winner": winner})
    out = stats.position_bias(ann)
    row = out.row(0, named=True)
    decisive = winner != "tie"
    assert row["n"] == int(decisive.sum())
    assert row["left_wins"] == int((winner == left)[decisive].sum())
    expected = scipy_stats.binomtest(row["left_wins"], row["n"], 0.5).pvalue
    assert row["p_value"] == pytest.approx(expected, rel=1e-9)
    assert row["p_value"] < 0.01
    assert row["ci_low"] > 0.5


def test_position_bias_without_bias_and_by_group() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    ann = pl.DataFrame(
        {
            "shown_left": ["a", "b"] * 50 + ["a"] * 7,
            "winner": ["a", "a"] * 50 + ["a"] * 6 + ["b"],
            "criterion": ["overall"] * 100 + ["safety"] * 7,
        }
    )
    out = stats.position_bias(ann, by="criterion")
    overall, safety = out.rows(named=True)
    assert overall["left_win_rate"] == 0.5
    assert overall["p_value"] == 1.0
    assert safety["left_wins"] == 6
    assert safety["n"] == 7
    assert safety["p_value"] == pytest.approx(scipy_stats.binomtest(6, 7).pvalue)
    typo = ann.with_columns(pl.col("winner").replace({"b": "B"}))
    with pytest.raises(ValueError, match=r"not tie/both_bad nor a side in 'shown_left'.*\['B'\]"):
        stats.position_bias(typo)


def test_bootstrap_refits_match_full_newton_fits() -> None:
    # The bootstrap refits replicates with a fixed-information (chord) iteration; it must
    # land on the same maximum-likelihood estimates as full Newton from zero.
    from rater_widgets.stats import _bt

    rng = np.random.default_rng(4)
    k = 12
    theta = rng.normal(0, 1, k)
    games = rng.poisson(6, (k, k)) * (1 - np.eye(k, dtype=np.int64))
    p = 1 / (1 + np.exp(-(theta[:, None] - theta[None, :])))
    data = rng.binomial(games, p).astype(float)
    data = np.triu(data) + np.triu(games - data, 1).T  # wins[i, j] for i < j, and back
    replicates = rng.poisson(data[None].repeat(50, axis=0)).astype(float)
    replicates = replicates[_bt.identified(replicates)]
    estimate = _bt.fit(data[None])[0]
    np.testing.assert_allclose(
        _bt.fit_near(replicates, data, estimate), _bt.fit(replicates), atol=1e-7
    )


def test_position_bias_with_no_decisive_judgments_is_null_not_nan() -> None:
    ann = pl.DataFrame({"shown_left": ["a", "b"], "winner": ["tie", "both_bad"]})
    row = stats.position_bias(ann).row(0, named=True)
    assert row["n"] == 0
    assert row["left_win_rate"] is None
    assert row["p_value"] is None
    assert row["ci_low"] is None
