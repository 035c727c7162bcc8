"""Parse reasoning traces into steps that raters judge one by one.

:func:`parse_trace` takes whatever a trace column holds and never raises on it: a list of
step strings, a string with "Step 1:" / "1." / "1)" numbering, markdown bullets or blank-
line paragraphs, ``<think>…</think>`` blocks followed by the answer, or a chat message
list with tool calls (OpenAI or Anthropic style). Odd values (None, NaN, numbers, bytes,
dicts, empty strings) become zero or one step with a warning.

>>> t = parse_trace("Step 1: 3 boxes of 4 is 3 * 4 = 12.\\nStep 2: 12 - 5 = 7.\\nFinal answer: 7")
>>> [s.text for s in t.steps], t.answer
(['3 boxes of 4 is 3 * 4 = 12.', '12 - 5 = 7.'], '7')

Offsets (string input only): ``source[step.start:step.end] == step.text`` for every step,
steps are in source order and never overlap, and likewise
``source[a:b] == trace.answer`` for ``(a, b) = trace.answer_span``. A step's text is its
source slice without the list marker ("Step 1:", "2.", "- ") and without surrounding
whitespace; a marker wrapped in unbalanced emphasis ("**Step 1: Add**") is kept so the
step still renders as markdown. Nested, indented lists stay inside their parent step.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from rater_widgets._trace_chat import is_message, parse_messages
from rater_widgets._trace_text import Piece, Splitter, parse_text

__all__ = ["STEP_KINDS", "Step", "StepKind", "Trace", "parse_trace"]

#: What a step is: model reasoning text, a call to a tool, or what the tool returned.
#: The final answer is never a step: it is :attr:`Trace.answer`.
StepKind = Literal["reasoning", "tool_call", "tool_result"]
STEP_KINDS: tuple[StepKind, ...] = ("reasoning", "tool_call", "tool_result")

DEFAULT_MAX_STEPS = 2_000
DEFAULT_MAX_CHARS = 1_000_000


@dataclass(frozen=True)
class Step:
    """One unit a rater judges.

    ``start``/``end`` are code-point offsets into the original string (None for other
    inputs). ``meta`` holds what the format knew: ``marker`` and ``number`` for numbered
    steps; ``think`` (block index) inside think tags, ``outside_think`` between blocks;
    ``index`` for list elements; for chats ``message``/``block`` (positions in the message
    list), ``span`` (offsets into that message's text), ``thinking`` for thinking blocks,
    ``name``/``arguments``/``id`` for tool calls (``arguments`` parsed from JSON when
    possible, else the raw string) and ``tool_call_id``/``name``/``is_error`` for results.

    >>> parse_trace(["look up the rate", "multiply"]).steps[1]
    Step(text='multiply', kind='reasoning', start=None, end=None, meta={'index': 1})
    """

    text: str
    kind: StepKind = "reasoning"
    start: int | None = None
    end: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Trace:
    """A parsed trace: steps, the final answer if the trace states one, and diagnostics.

    ``format`` names what was recognised: ``"steps"``, ``"numbered"``, ``"bullets"``,
    ``"paragraphs"``, ``"single"``, ``"think"``, ``"custom"``, ``"list"``,
    ``"messages"``, ``"empty"`` or ``"fallback"``. ``context`` holds the user/system
    turns of a chat (``{"role", "content"}``), which are not steps.

    >>> t = parse_trace("<think>2 + 2 = 4</think>The answer is 4.")
    >>> t.texts, t.answer, t.format
    (['2 + 2 = 4'], 'The answer is 4.', 'think')
    """

    steps: list[Step]
    answer: str | None = None
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    context: list[dict[str, str]] = field(default_factory=list)
    format: str = "empty"
    answer_span: tuple[int, int] | None = None

    @property
    def texts(self) -> list[str]:
        """The step texts, in order.

        >>> parse_trace("- a\\n- b").texts
        ['a', 'b']
        """
        return [s.text for s in self.steps]


class _Opts(NamedTuple):
    splitter: Splitter | None
    max_steps: int
    max_chars: int


@dataclass
class _Draft:
    pieces: list[Piece] = field(default_factory=list)
    answer: str | None = None
    answer_span: tuple[int, int] | None = None
    warnings: list[str] = field(default_factory=list)
    context: list[dict[str, str]] = field(default_factory=list)
    fmt: str = "empty"
    truncated: bool = False


def parse_trace(
    x: object,
    *,
    splitter: Splitter | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Trace:
    """Split a trace into steps; never raises on odd input (it warns instead).

    ``splitter`` (a callable ``str -> list[str]``) replaces the built-in step splitting
    of string text; think tags are still separated first, and pieces are located in the
    source to get offsets (None, with a warning, for pieces not found verbatim). Beyond
    ``max_steps`` steps or ``max_chars`` characters the rest is dropped and
    ``truncated`` is set; for strings only the first ``max_chars`` characters are read.

    >>> parse_trace("1. Add 2 and 3.\\n   1. 2 + 3 = 5\\n2. Double it: 10.").texts
    ['Add 2 and 3.\\n   1. 2 + 3 = 5', 'Double it: 10.']
    >>> parse_trace(None).warnings
    ['the trace is missing (None)']
    """
    if max_steps < 1 or max_chars < 1:
        raise ValueError(f"max_steps and max_chars must be >= 1, got {max_steps}, {max_chars}")
    try:
        draft = _dispatch(x, _Opts(splitter, max_steps, max_chars), depth=0)
    except Exception as exc:  # the contract: odd input never breaks a rating session
        draft = _one_step(x, "fallback", f"parsing failed ({type(exc).__name__}: {exc})")
    return _finish(draft, max_steps, max_chars)


def _safe_str(x: object) -> str:
    try:
        return str(x)
    except Exception:
        return f"<unprintable {type(x).__name__}>"


def _one_step(x: object, fmt: str, why: str) -> _Draft:
    text = _safe_str(x).strip()
    pieces = [Piece(text)] if text else []
    return _Draft(pieces, warnings=[f"{why}; shown as {len(pieces)} step(s)"], fmt=fmt)


def _is_missing(x: object) -> bool:
    if isinstance(x, float) and math.isnan(x):
        return True
    return type(x).__name__ in ("NAType", "NaTType")


def _dispatch(x: object, o: _Opts, depth: int) -> _Draft:
    if x is None or _is_missing(x):
        return _Draft(warnings=[f"the trace is missing ({_safe_str(x)})"])
    if isinstance(x, str):
        return _from_text(x, o, offsets=True)
    if isinstance(x, bytes | bytearray | memoryview):
        raw = bytes(x)
        text = raw.decode("utf-8", errors="replace")
        d = _from_text(text, o, offsets=False)
        bad = "" if text.encode("utf-8", errors="replace") == raw else " (invalid bytes replaced)"
        d.warnings.insert(0, f"the trace is bytes; decoded as UTF-8{bad}")
        return d
    if isinstance(x, bool | int | float | complex | Decimal):
        return _one_step(x, "fallback", f"the trace is a number ({type(x).__name__})")
    if isinstance(x, Mapping):
        messages = x.get("messages")
        if isinstance(messages, list | tuple):
            return _from_messages(list(messages), o.splitter)
        if is_message(x):
            return _from_messages([x], o.splitter)
        return _one_step(_dumps(x), "fallback", "the trace is a dict without 'messages'")
    if isinstance(x, list | tuple):
        return _from_list(list(x), o)
    for attr in ("to_list", "tolist"):  # Polars/pandas Series, numpy arrays and scalars
        convert = getattr(x, attr, None)
        if callable(convert) and depth == 0:
            try:
                converted = convert()
            except Exception as exc:  # a foreign object's method: anything can happen
                why = f"{type(x).__name__}.{attr}() failed ({type(exc).__name__})"
                return _one_step(x, "fallback", why)
            return _dispatch(converted, o, depth + 1)
    return _one_step(x, "fallback", f"the trace is of type {type(x).__name__}")


def _dumps(x: object) -> str:
    try:
        return json.dumps(x, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return _safe_str(x)


def _from_text(s: str, o: _Opts, *, offsets: bool) -> _Draft:
    d = _Draft()
    if len(s) > o.max_chars:
        d.warnings.append(
            f"the trace has {len(s):,} characters; only the first {o.max_chars:,} are read"
        )
        d.truncated, s = True, s[: o.max_chars]
    if not s.strip():
        d.warnings.append("the trace is empty" if not s else "the trace is only whitespace")
        return d
    decoded = _json_trace(s)
    if decoded is not None:
        inner = _dispatch(decoded, o, depth=1)
        inner.warnings[:0] = d.warnings
        inner.truncated |= d.truncated
        return inner
    r = parse_text(s, 0, len(s), o.splitter, limit=o.max_steps)
    d.pieces, d.answer, d.fmt = r.pieces, r.answer, r.fmt
    d.warnings.extend(r.warnings)
    if offsets:
        d.answer_span = r.answer_span
    else:
        for p in d.pieces:
            p.start = p.end = None
    return d


def _json_trace(s: str) -> object:
    """A JSON-encoded step list or message list stored as a string (CSV columns do this)."""
    body = s.strip()
    if not (body[:1] == "[" and body[-1:] == "]") and not (body[:1] == "{" and body[-1:] == "}"):
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, list) and (
        all(isinstance(v, str) for v in value) or all(is_message(v) for v in value)
    ):
        return value or None
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        return value
    return None


def _from_messages(messages: list[Any], splitter: Splitter | None) -> _Draft:
    r = parse_messages(messages, splitter)
    d = _Draft(r.pieces, r.answer, None, r.warnings, r.context, "messages")
    if not messages:
        d.warnings.append("the trace is an empty message list")
    return d


def _from_list(items: list[Any], o: _Opts) -> _Draft:
    if not items:
        return _Draft(warnings=["the trace is an empty list"])
    if any(is_message(v) for v in items):
        return _from_messages(items, o.splitter)
    d = _Draft(fmt="list")
    skipped: list[int] = []
    for i, v in enumerate(items):
        text = _element_text(v, i, o.max_chars, d.warnings)
        if text:
            d.pieces.append(Piece(text, meta={"index": i}))
        else:
            skipped.append(i)
    if skipped:
        shown = ", ".join(map(str, skipped[:10])) + (", …" if len(skipped) > 10 else "")
        d.warnings.append(f"{len(skipped)} empty element(s) skipped (index {shown})")
    return d


def _element_text(v: object, i: int, max_chars: int, warnings: list[str]) -> str:
    if isinstance(v, Mapping) and isinstance(v.get("text", v.get("content")), str):
        v = v.get("text", v.get("content"))  # e.g. [{"step": 1, "text": "..."}]
    if isinstance(v, bytes):
        v = v.decode("utf-8", errors="replace")
    if v is None or _is_missing(v):
        return ""
    if isinstance(v, str):
        return v[: max_chars + 1].strip()
    warnings.append(f"element {i} is of type {type(v).__name__}; converted to text")
    return (_dumps(v) if isinstance(v, list | tuple | Mapping) else _safe_str(v)).strip()


def _finish(d: _Draft, max_steps: int, max_chars: int) -> Trace:
    steps: list[Step] = []
    total = 0
    truncated = d.truncated
    for p in d.pieces:
        if len(steps) >= max_steps:
            d.warnings.append(
                f"the trace has more than {max_steps:,} steps; kept the first {max_steps:,}"
            )
            truncated = True
            break
        text, start, end = p.text, p.start, p.end
        if total + len(text) > max_chars:
            text = text[: max_chars - total]
            end = None if start is None else start + len(text)
            d.warnings.append(
                f"the trace has more than {max_chars:,} characters of steps; cut there"
            )
            truncated = True
        kind = p.kind if p.kind in STEP_KINDS else "reasoning"
        if text or kind != "reasoning":
            steps.append(Step(text, kind, start, end, p.meta))
        total += len(text)
        if total >= max_chars and truncated:
            break
    return Trace(steps, d.answer, truncated, d.warnings, d.context, d.fmt, d.answer_span)
