"""Bundled synthetic datasets: determinism, schemas, content mix, arithmetic truth."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import polars as pl
import pytest

from rater_widgets import datasets
from rater_widgets._samples_prefs import PROMPTS
from rater_widgets.traces import parse_trace

GENERATORS: dict[str, tuple[Callable[..., pl.DataFrame], str, int]] = {
    "moderation": (datasets.moderation, "m", 300),
    "chats": (datasets.chats, "c", 100),
    "traces": (datasets.traces, "t", 60),
    "pairwise": (datasets.pairwise, "p", 200),
    "rankings": (datasets.rankings, "r", 50),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_deterministic_under_seed_and_seed_matters(name: str) -> None:
    make, _, _ = GENERATORS[name]
    a, b, other = make(seed=0), make(seed=0), make(seed=1)
    assert a.equals(b)
    assert not a.equals(other)
    assert a.schema == other.schema


@pytest.mark.parametrize("name", GENERATORS)
def test_default_size_and_unique_ids(name: str) -> None:
    make, prefix, default_n = GENERATORS[name]
    df = make()
    assert df.height == default_n
    assert df["id"].n_unique() == default_n
    assert df["id"].str.contains(rf"^{prefix}\d{{4}}$").all()
    assert df.columns[0] == "id"
    nullable = {"first_error_step"}
    for col in df.columns:
        if col not in nullable:
            assert df[col].null_count() == 0, col


@pytest.mark.parametrize("name", GENERATORS)
def test_sizes_zero_one_and_large(name: str) -> None:
    make, prefix, _ = GENERATORS[name]
    full = make()
    empty = make(n=0)
    assert empty.height == 0
    assert empty.schema == full.schema
    assert make(n=1).height == 1
    big = make(n=10_001, seed=3)
    assert big["id"][0] == f"{prefix}00001"  # ids widen so they still sort
    assert big["id"].n_unique() == 10_001
    assert big["id"].is_sorted()


@pytest.mark.parametrize("bad", [-1, 2.5, "10", True])
def test_bad_n_is_a_clear_error(bad: object) -> None:
    with pytest.raises(ValueError, match="n must be a non-negative integer"):
        datasets.moderation(n=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed must be an integer"):
        datasets.traces(seed="x")  # type: ignore[arg-type]


# ---------------------------------------------------------------- moderation


def test_moderation_schema() -> None:
    assert datasets.moderation(n=3).schema == pl.Schema(
        {
            "id": pl.String,
            "prompt": pl.String,
            "response": pl.String,
            "category_hint": pl.String,
            "model": pl.String,
            "sensitive": pl.Boolean,
            "suggestion": pl.String,
        }
    )


def _count(df: pl.DataFrame, pattern: str, col: str = "response") -> int:
    return int(df[col].str.contains(pattern).sum())


def test_moderation_contains_the_content_raters_must_see_safely() -> None:
    df = datasets.moderation()
    both = df.with_columns(text=pl.col("prompt") + "\n" + pl.col("response"))
    assert _count(df, r"(?i)<script") >= 1
    assert _count(df, r"(?i)onerror=") >= 1
    assert _count(df, r"!\[[^\]]*\]\(https?://") >= 1  # remote image
    assert _count(df, r"javascript:") >= 1
    assert _count(df, r"(?i)<(script|img|svg|iframe|form|div|a) ") >= 6
    assert _count(both, r"[\u0600-\u06FF]", "text") >= 2  # Arabic
    assert _count(both, r"[\u0590-\u05FF]", "text") >= 2  # Hebrew
    assert _count(both, r"[\u3040-\u30FF\u4E00-\u9FFF\uAC00-\uD7AF]", "text") >= 3  # CJK
    assert _count(df, r"[\U0001F300-\U0001FAFF]") >= 3  # emoji
    assert _count(df, r"\$[^$\n]+\$") >= 5  # inline or display math
    assert _count(df, r"```") >= 5  # fenced code
    assert (df["response"].str.len_chars() > 3000).sum() >= 2  # long items
    assert set(df["suggestion"]) == {"safe", "borderline", "violating"}
    assert set(df["model"]) >= {"aurora-7b", "cobalt-70b"}
    assert 0 < df["sensitive"].sum() < df.height
    assert set(df["category_hint"]) >= {"harassment", "self-harm", "medical", "privacy"}


def test_violating_items_are_marked_placeholders() -> None:
    df = datasets.moderation()
    placeholders = df.filter(pl.col("response").str.contains(r"\[synthetic "))
    assert placeholders.height >= 20
    for row in placeholders.iter_rows(named=True):
        m = re.search(r"\[synthetic ([a-z-]+) example: [^\]]+\]", row["response"])
        assert m is not None, row["response"]
        assert m.group(1) == row["category_hint"]
        # The suggestion is right or one step off, never "safe" for a violation.
        assert row["suggestion"] in ("violating", "borderline")
    agree = (placeholders["suggestion"] == "violating").mean()
    assert isinstance(agree, float)
    assert 0.5 < agree < 0.95


# ---------------------------------------------------------------- chats


def test_chats_roles_tools_and_parse_trace_integration() -> None:
    df = datasets.chats()
    assert df.schema["conversation"] == pl.List(
        pl.Struct({"role": pl.String, "content": pl.String, "name": pl.String})
    )
    roles = Counter(m["role"] for conv in df["conversation"].to_list() for m in conv)
    assert set(roles) == {"system", "user", "assistant", "tool"}
    for conv in df["conversation"].to_list():
        kinds = {m["role"] for m in conv}
        assert {"user", "assistant"} <= kinds
        for m in conv:
            assert m["content"]
            assert (m["name"] is not None) == (m["role"] == "tool")
    # A tool conversation parses into a tool result step and a final answer.
    tool_conv = next(c for c in df["conversation"] if "tool" in c.struct.field("role").to_list())
    t = parse_trace(tool_conv)
    assert "tool_result" in [s.kind for s in t.steps]
    assert t.answer
    assert t.answer == tool_conv.to_list()[-1]["content"]


# ---------------------------------------------------------------- traces

_EQ = re.compile(r"(\d+) *(\\times|\\div|×|÷|\*|/|\+|-|−) *(\d+) *= *(\d+)")
_FENCE = re.compile(r"```.*?```", re.DOTALL)


def _equations(step: str) -> list[tuple[int, str, int, int]]:
    prose = _FENCE.sub("", step)  # a code check restates, it does not compute
    return [(int(a), op, int(b), int(r)) for a, op, b, r in _EQ.findall(prose)]


def _ok(a: int, op: str, b: int, r: int) -> bool:
    if op in ("\\times", "×", "*"):
        return a * b == r
    if op in ("\\div", "÷", "/"):
        return a == b * r
    if op == "+":
        return a + b == r
    return a - b == r


def test_traces_schema() -> None:
    assert datasets.traces(n=2).schema == pl.Schema(
        {
            "id": pl.String(),
            "problem": pl.String(),
            "reasoning": pl.String(),
            "steps": pl.List(pl.String),
            "final_answer": pl.String(),
            "correct": pl.Boolean(),
            "first_error_step": pl.Int64(),
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_first_error_step_matches_the_arithmetic(seed: int) -> None:
    df = datasets.traces(n=200, seed=seed)
    for row in df.iter_rows(named=True):
        eqs = [(i, eq) for i, step in enumerate(row["steps"]) for eq in _equations(step)]
        assert len(eqs) >= 2, row["steps"]
        wrong = [i for i, eq in eqs if not _ok(*eq)]
        expected = wrong[0] if wrong else None
        assert row["first_error_step"] == expected, (row["steps"], row["first_error_step"])
        assert row["correct"] == (expected is None)
        # One slip, then later steps compute correctly from the wrong value.
        assert len(wrong) <= 1
        assert row["final_answer"] == str(eqs[-1][1][3])
        assert all(n >= 0 for _, eq in eqs for n in eq if isinstance(n, int))
        if wrong:
            # The slip propagates: the wrong value is used by a later step.
            slipped = eqs[[i for i, _ in eqs].index(wrong[0])][1][3]
            later = [eq for i, eq in eqs if i > wrong[0]]
            assert any(slipped in (a, b) for a, _, b, _ in later) or not later


def test_traces_mix_correct_and_wrong_and_formats() -> None:
    df = datasets.traces()
    share_wrong = 1 - df["correct"].mean()  # type: ignore[operator]
    assert 0.2 < share_wrong < 0.7
    reasoning = df["reasoning"]
    assert reasoning.str.contains(r"(?m)^Step 1: ").sum() >= 5
    assert reasoning.str.contains(r"(?m)^1\. ").sum() >= 2
    assert reasoning.str.contains("<think>").sum() >= 2
    assert reasoning.str.contains(r"(?m)^- ").sum() >= 1
    assert reasoning.str.contains(r"\$\d+ \\(times|div) \d+ = \d+\$").sum() >= 5
    assert reasoning.str.contains("```python").sum() >= 2
    assert df["steps"].list.len().min() >= 2  # type: ignore[operator]


def test_parse_trace_recovers_the_steps_of_every_format() -> None:
    df = datasets.traces(n=200, seed=5)
    for row in df.iter_rows(named=True):
        src = row["reasoning"]
        t = parse_trace(src)
        assert t.texts == row["steps"], src
        assert t.warnings == []
        for s in t.steps:
            assert s.start is not None
            assert src[s.start : s.end] == s.text
        if t.format == "think" or "Final answer:" in src or "####" in src:
            assert t.answer is not None
            assert row["final_answer"] in t.answer


# ---------------------------------------------------------------- pairwise and rankings


def _tier(prompt: str, text: str) -> int:
    p = next(p for p in PROMPTS if p.text == prompt)
    if text == p.good:
        return 3
    if text == p.good.split("\n\n")[0]:
        return 2
    return 1 if text == p.flawed else 0


def test_pairwise_better_response_is_visibly_better() -> None:
    df = datasets.pairwise()
    assert (df["model_a"] != df["model_b"]).all()
    assert set(df["true_better"]) == {"a", "b"}
    for row in df.iter_rows(named=True):
        ta, tb = _tier(row["prompt"], row["response_a"]), _tier(row["prompt"], row["response_b"])
        assert (ta > tb) == (row["true_better"] == "a")
        assert ta != tb


def test_pairwise_win_rates_follow_latent_strength() -> None:
    df = datasets.pairwise(n=4000, seed=2)
    long = pl.concat(
        [
            df.select(model="model_a", win=pl.col("true_better") == "a"),
            df.select(model="model_b", win=pl.col("true_better") == "b"),
        ]
    )
    rates = long.group_by("model").agg(pl.col("win").mean()).sort("win", descending=True)
    expected = sorted(datasets.MODEL_STRENGTH, key=datasets.MODEL_STRENGTH.__getitem__)[::-1]
    assert rates["model"].to_list() == expected


def test_rankings_models_distinct_and_order_follows_strength() -> None:
    df = datasets.rankings(n=3000, seed=4)
    assert df.columns == ["id", "prompt", "r1", "r2", "r3", "m1", "m2", "m3"]
    ranks: dict[str, list[int]] = {m: [] for m in datasets.MODEL_STRENGTH}
    for row in df.iter_rows(named=True):
        models = [row["m1"], row["m2"], row["m3"]]
        assert len(set(models)) == 3
        tiers = [_tier(row["prompt"], row[f"r{j}"]) for j in (1, 2, 3)]
        assert len(set(tiers)) == 3  # a strict order exists
        for m, t in zip(models, tiers, strict=True):
            ranks[m].append(sorted(tiers, reverse=True).index(t))
    mean_rank = {m: sum(v) / len(v) for m, v in ranks.items()}
    by_rank = sorted(mean_rank, key=mean_rank.__getitem__)
    assert by_rank == sorted(datasets.MODEL_STRENGTH, key=lambda m: -datasets.MODEL_STRENGTH[m])
