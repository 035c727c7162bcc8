"""Synthetic sample data for demos, tests and tutorials: no downloads, seeded, fast.

Every generator returns a Polars frame and is deterministic for a given ``(n, seed)``.
All text is invented. Items meant to be judged "violating" hold clearly marked
placeholders (``[synthetic harassment example: …]``) rather than real harmful content.

>>> import rater_widgets as rw
>>> df = rw.datasets.moderation(n=5, seed=0)
>>> df.columns
['id', 'prompt', 'response', 'category_hint', 'model', 'sensitive', 'suggestion']
>>> df["id"].to_list()
['m0001', 'm0002', 'm0003', 'm0004', 'm0005']
"""

from __future__ import annotations

import math
import random

import polars as pl

from rater_widgets import _samples_math as sm
from rater_widgets import _samples_moderation as smod
from rater_widgets._samples_chat import SCRIPTS
from rater_widgets._samples_prefs import PROMPTS, STRENGTH, response

__all__ = ["MODEL_STRENGTH", "chats", "moderation", "pairwise", "rankings", "traces"]

#: The latent strengths behind :func:`pairwise` and :func:`rankings` (log-odds scale).
MODEL_STRENGTH: dict[str, float] = dict(STRENGTH)

_MODERATION_SCHEMA = {
    "id": pl.String,
    "prompt": pl.String,
    "response": pl.String,
    "category_hint": pl.String,
    "model": pl.String,
    "sensitive": pl.Boolean,
    "suggestion": pl.String,
}
_MESSAGE = pl.Struct({"role": pl.String, "content": pl.String, "name": pl.String})


def _check(n: int, seed: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")


def _ids(prefix: str, n: int) -> list[str]:
    width = max(4, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _rng(name: str, seed: int) -> random.Random:
    # A string seed gives each generator its own stream, so moderation(seed=0) and
    # traces(seed=0) are not secretly correlated.
    return random.Random(f"rater_widgets.datasets.{name}:{seed}")


def _suggest(label: str, rng: random.Random) -> str:
    """A model's verdict: right three times in four, otherwise a neighbouring label."""
    if rng.random() < 0.75:
        return label
    if label == "borderline":
        return rng.choice(("safe", "violating"))
    return "borderline"


def moderation(n: int = 300, seed: int = 0) -> pl.DataFrame:
    """Model replies to label for Trust & Safety: safe, borderline and violating items.

    Columns: ``id`` ("m0001"…), ``prompt``, ``response`` (markdown, some code and
    ``$…$`` math), ``category_hint``, ``model``, ``sensitive`` (Boolean), ``suggestion``
    (a model's verdict in safe/borderline/violating, right about 3 times in 4). Includes
    hostile HTML (``<script>``, ``onerror``, remote images, ``javascript:`` links) that a
    rater must be able to view safely, RTL (Arabic, Hebrew) and CJK text, emoji, and a few
    long items.

    >>> df = moderation(n=300, seed=0)
    >>> df.height, df["suggestion"].unique().sort().to_list()
    (300, ['borderline', 'safe', 'violating'])
    """
    _check(n, seed)
    rng = _rng("moderation", seed)
    specials: list[smod.Item] = []
    for pool, share, category, label in (
        (smod.HOSTILE, 0.03, "web-content", "borderline"),
        (smod.RTL, 0.02, "general", "safe"),
        (smod.CJK, 0.02, "general", "safe"),
        (smod.EMOJI, 0.015, "general", "safe"),
    ):
        for k in range(max(1, round(n * share))):
            prompt, reply = pool[k % len(pool)]
            specials.append(smod.Item(prompt, reply, category, label))
    specials += [smod.long_item(rng) for _ in range(max(1, n // 100))]
    items = specials[:n]
    groups = (smod.SAFE, smod.BORDERLINE, smod.VIOLATING)
    for _ in range(n - len(items)):
        group = rng.choices(groups, weights=(0.55, 0.28, 0.17))[0]
        items.append(rng.choice(group)(rng))
    rng.shuffle(items)
    return pl.DataFrame(
        {
            "id": _ids("m", n),
            "prompt": [it.prompt for it in items],
            "response": [it.response for it in items],
            "category_hint": [it.category for it in items],
            "model": [rng.choice(smod.MODELS) for _ in items],
            "sensitive": [it.sensitive for it in items],
            "suggestion": [_suggest(it.label, rng) for it in items],
        },
        schema=_MODERATION_SCHEMA,
    )


def chats(n: int = 100, seed: int = 0) -> pl.DataFrame:
    """Chat transcripts with system, user, assistant and tool turns.

    Columns: ``id`` ("c0001"…), ``conversation`` (List of Struct ``role``, ``content``,
    ``name``; ``name`` is the tool's name on tool turns, else null), ``model``.

    >>> df = chats(n=3, seed=0)
    >>> df.schema["conversation"]
    List(Struct({'role': String, 'content': String, 'name': String}))
    """
    _check(n, seed)
    rng = _rng("chats", seed)
    conversations = [rng.choice(SCRIPTS)(rng) for _ in range(n)]
    return pl.DataFrame(
        {
            "id": _ids("c", n),
            "conversation": conversations,
            "model": [rng.choice(smod.MODELS) for _ in range(n)],
        },
        schema={"id": pl.String, "conversation": pl.List(_MESSAGE), "model": pl.String},
    )


def _render(fmt: str, steps: list[str], answer: int, rng: random.Random) -> str:
    if fmt == "steps":
        sep = rng.choice(("\n", "\n\n"))
        tail = [f"Final answer: {answer}"] if rng.random() < 0.5 else []
        return sep.join([f"Step {i}: {s}" for i, s in enumerate(steps, 1)] + tail)
    if fmt == "numbered":
        gsm8k = f"\n#### {answer}" if rng.random() < 0.5 else ""
        return "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)) + gsm8k
    if fmt == "think":
        return "<think>\n" + "\n\n".join(steps) + f"\n</think>\n\nThe answer is **{answer}**."
    if fmt == "bullets":
        return "\n".join(f"- {s}" for s in steps)
    return "\n\n".join(steps)


def traces(n: int = 60, seed: int = 0) -> pl.DataFrame:
    """Math word problems with step-by-step solutions, some with a deliberate slip.

    Columns: ``id`` ("t0001"…), ``problem``, ``reasoning`` (a string: "Step N:" lines,
    "1." lists, ``<think>`` blocks, bullets or paragraphs), ``steps`` (List[String]: the
    same steps already split, which is what ``rw.traces.parse_trace(reasoning).texts``
    returns), ``final_answer`` (String), ``correct`` (Boolean) and ``first_error_step``
    (Int64, a 0-based index into ``steps``; null when the trace is right). A wrong trace
    has one arithmetic slip whose wrong value later steps use, so the final answer is
    wrong too. Some steps use LaTeX (``$12 \\times 3 = 36$``) and some end with a fenced
    Python check.

    >>> df = traces(n=60, seed=0)
    >>> df.filter(~pl.col("correct"))["first_error_step"].null_count()
    0
    """
    _check(n, seed)
    rng = _rng("traces", seed)
    rows: list[dict[str, object]] = []
    for _ in range(n):
        problem = rng.choice(sm.PROBLEMS)
        for _attempt in range(50):
            numbers = random.Random(rng.getrandbits(64))
            n_calcs = sm.count_calcs(problem, numbers)
            slip = rng.randrange(n_calcs) if rng.random() < 0.45 else None
            style = sm.Style(rng.random() < 0.3, rng.choice("×*"), rng.choice("-−"))
            worked = sm.solve(problem, numbers, slip, style, random.Random(rng.getrandbits(64)))
            if worked.valid:
                break
        code = sm.code_check(worked) if rng.random() < 0.25 else None
        if code is not None:
            worked.steps.insert(n_calcs, code)  # after the last calculation
        fmt = rng.choices(("steps", "numbered", "think", "bullets", "paragraphs"), (4, 2, 2, 1, 1))
        rows.append(
            {
                "problem": worked.problem,
                "reasoning": _render(fmt[0], worked.steps, worked.answer, rng),
                "steps": worked.steps,
                "final_answer": str(worked.answer),
                "correct": worked.first_error is None,
                "first_error_step": worked.first_error,
            }
        )
    schema = pl.Schema(
        {
            "problem": pl.String(),
            "reasoning": pl.String(),
            "steps": pl.List(pl.String),
            "final_answer": pl.String(),
            "correct": pl.Boolean(),
            "first_error_step": pl.Int64(),
        }
    )
    frame = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return frame.insert_column(0, pl.Series("id", _ids("t", n), pl.String))


def _strings(names: list[str]) -> pl.Schema:
    return pl.Schema(dict.fromkeys(names, pl.String()))


def _tiers(rng: random.Random, k: int) -> list[int]:
    """``k`` distinct quality tiers, best first."""
    return sorted(rng.sample(range(4), k), reverse=True)


def pairwise(n: int = 200, seed: int = 0) -> pl.DataFrame:
    """Two responses per prompt from models of different latent quality.

    Columns: ``id`` ("p0001"…), ``prompt``, ``response_a``, ``response_b``, ``model_a``,
    ``model_b`` and a hidden ``true_better`` ("a" or "b"), drawn from a Bradley–Terry
    model with :data:`MODEL_STRENGTH`; the better response is visibly better.

    >>> df = pairwise(n=200, seed=0)
    >>> sorted(df["true_better"].unique().to_list())
    ['a', 'b']
    """
    _check(n, seed)
    rng = _rng("pairwise", seed)
    models = sorted(STRENGTH)
    cols: dict[str, list[str]] = {k: [] for k in ("prompt", "response_a", "response_b")}
    cols |= {"model_a": [], "model_b": [], "true_better": []}
    for _ in range(n):
        p = rng.choice(PROMPTS)
        a, b = rng.sample(models, 2)
        a_wins = rng.random() < 1 / (1 + math.exp(STRENGTH[b] - STRENGTH[a]))
        hi, lo = _tiers(rng, 2)
        cols["prompt"].append(p.text)
        cols["response_a"].append(response(p, hi if a_wins else lo, rng))
        cols["response_b"].append(response(p, lo if a_wins else hi, rng))
        cols["model_a"].append(a)
        cols["model_b"].append(b)
        cols["true_better"].append("a" if a_wins else "b")
    return pl.DataFrame({"id": _ids("p", n), **cols}, schema=_strings(["id", *cols]))


def rankings(n: int = 50, seed: int = 0) -> pl.DataFrame:
    """Three responses per prompt to rank, from models of different latent quality.

    Columns: ``id`` ("r0001"…), ``prompt``, ``r1``, ``r2``, ``r3`` and the models that
    wrote them, ``m1``, ``m2``, ``m3``. The hidden order follows a Plackett–Luce draw
    from :data:`MODEL_STRENGTH`.

    >>> rankings(n=2, seed=0).columns
    ['id', 'prompt', 'r1', 'r2', 'r3', 'm1', 'm2', 'm3']
    """
    _check(n, seed)
    rng = _rng("rankings", seed)
    models = sorted(STRENGTH)
    names = ("prompt", "r1", "r2", "r3", "m1", "m2", "m3")
    cols: dict[str, list[str]] = {k: [] for k in names}
    for _ in range(n):
        p = rng.choice(PROMPTS)
        trio = rng.sample(models, 3)
        # Gumbel noise on the strengths samples a Plackett–Luce ranking.
        noisy = {m: STRENGTH[m] - math.log(-math.log(rng.random() or 1e-12)) for m in trio}
        best_first = sorted(trio, key=noisy.__getitem__, reverse=True)
        tier = dict(zip(best_first, _tiers(rng, 3), strict=True))
        cols["prompt"].append(p.text)
        for j, m in enumerate(trio, 1):
            cols[f"r{j}"].append(response(p, tier[m], rng))
            cols[f"m{j}"].append(m)
    return pl.DataFrame({"id": _ids("r", n), **cols}, schema=_strings(["id", *names]))
