"""Chat message lists as traces (private helper of :mod:`rater_widgets.traces`).

Understands OpenAI-style messages (``content`` strings or part lists, ``tool_calls`` with
JSON ``arguments`` strings, ``role: "tool"`` results, legacy ``function_call``),
Anthropic-style content blocks (``text``, ``thinking``, ``redacted_thinking``,
``tool_use``, ``tool_result``), ``reasoning_content`` fields, and ShareGPT's
``from``/``value``.

>>> r = parse_messages([{"role": "user", "content": "2+2?"},
...                     {"role": "assistant", "content": "4"}], None)
>>> [p.text for p in r.pieces], r.context
(['4'], [{'role': 'user', 'content': '2+2?'}])
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rater_widgets._trace_text import Piece, Splitter, has_think_tags, parse_text

_ROLE_ALIASES = {
    "human": "user",
    "gpt": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "ai": "assistant",
    "function": "tool",
    "ipython": "tool",
    "developer": "system",
}
_TEXT_TYPES = {"text", "input_text", "output_text"}
_REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")


@dataclass
class ChatResult:
    """Steps, answer, context turns and warnings found in one message list."""

    pieces: list[Piece] = field(default_factory=list)
    answer: str | None = None
    context: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Block:
    kind: str  # text | thinking | tool_use | tool_result | other
    text: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


def is_message(x: object) -> bool:
    """True for a dict that looks like one chat turn."""
    return isinstance(x, Mapping) and ("role" in x or "from" in x)


def _dumps(x: object) -> str:
    try:
        return json.dumps(x, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return str(x)


def _as_text(x: object) -> str:
    """Text of a content value that may be a string, a part list, or anything else."""
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    if isinstance(x, list | tuple):
        parts = [b.text for b in _blocks(x) if b.kind in ("text", "other")]
        return "\n\n".join(p for p in parts if p)
    return _dumps(x)


def _part_type(part: Mapping[str, Any]) -> str:
    kind = part.get("type")
    return kind if isinstance(kind, str) else ""


def _blocks(content: object) -> list[_Block]:
    if content is None:
        return []
    if isinstance(content, str):
        return [_Block("text", content)]
    if not isinstance(content, list | tuple):
        return [_Block("other", _dumps(content))]
    out: list[_Block] = []
    for part in content:
        if isinstance(part, str):
            out.append(_Block("text", part))
        elif not isinstance(part, Mapping):
            if part is not None:
                out.append(_Block("other", str(part)))
        elif (kind := _part_type(part)) in _TEXT_TYPES or (kind == "" and "text" in part):
            out.append(_Block("text", _as_text(part.get("text"))))
        elif kind == "thinking":
            out.append(_Block("thinking", _as_text(part.get("thinking") or part.get("text"))))
        elif kind == "redacted_thinking":
            out.append(_Block("thinking", "[redacted thinking]", {"redacted": True}))
        elif kind in ("tool_use", "function_call"):
            out.append(_Block("tool_use", data=part))
        elif kind == "tool_result":
            out.append(_Block("tool_result", _as_text(part.get("content")), part))
        elif kind in ("image", "image_url", "input_image"):
            out.append(_Block("other", "[image]"))
        else:
            out.append(_Block("other", _dumps(dict(part))))
    return out


class _Parser:
    def __init__(self, splitter: Splitter | None) -> None:
        self.splitter = splitter
        self.res = ChatResult()
        self.call_names: dict[str, str] = {}
        self.tool_seen = False

    def warn(self, msg: str) -> None:
        self.res.warnings.append(msg)

    def text_steps(self, text: str, meta: dict[str, Any], final: bool) -> str | None:
        """Add the steps of one text block; return its explicit answer when ``final``."""
        r = parse_text(text, 0, len(text), self.splitter)
        self.res.warnings.extend(f"message {meta['message']}: {w}" for w in r.warnings)
        for p in r.pieces:
            span = {"span": (p.start, p.end)} if p.start is not None else {}
            self.res.pieces.append(Piece(p.text, "reasoning", meta={**meta, **span, **p.meta}))
        if r.answer is not None and not final:
            # Text after </think> mid-conversation is more reasoning, not the answer.
            self.res.pieces.append(Piece(r.answer, "reasoning", meta={**meta, "after_think": True}))
        return r.answer if final else None

    def tool_call(self, call: Mapping[str, Any], i: int) -> None:
        fn = call.get("function")
        fn = fn if isinstance(fn, Mapping) else call
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            self.warn(f"message {i}: a tool call has no name")
            name = "unknown_tool"
        raw = fn.get("arguments", fn.get("input", fn.get("args")))
        args: Any = raw
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            args = {}
        elif isinstance(raw, str):
            try:
                args = json.loads(raw)
            except ValueError:
                self.warn(
                    f"message {i}: arguments of tool call {name!r} are not valid JSON; kept as text"
                )
        shown = raw if isinstance(args, str) else _dumps(args)
        call_id = call.get("id") or call.get("call_id")
        if isinstance(call_id, str):
            self.call_names[call_id] = name
        meta = {"message": i, "name": name, "arguments": args, "id": call_id}
        self.res.pieces.append(Piece(f"{name}({shown})", "tool_call", meta=meta))
        self.tool_seen = True

    def tool_result(
        self, text: str, i: int, call_id: object, name: object, is_error: object
    ) -> None:
        if isinstance(call_id, str) and not name:
            name = self.call_names.get(call_id)
            if name is None:
                self.warn(f"message {i}: tool result for unknown call id {call_id!r}")
        meta = {"message": i, "tool_call_id": call_id, "name": name, "is_error": bool(is_error)}
        self.res.pieces.append(Piece(text, "tool_result", meta=meta))
        self.tool_seen = True

    def assistant(self, i: int, blocks: list[_Block], final: bool) -> None:
        thinking = any(b.kind == "thinking" for b in blocks)
        tools = [j for j, b in enumerate(blocks) if b.kind in ("tool_use", "tool_result")]
        answers: list[str] = []
        for j, b in enumerate(blocks):
            final_text = final and j > max(tools, default=-1)
            meta: dict[str, Any] = {"message": i, "block": j}
            if b.kind == "thinking":
                self.text_steps(b.text, {**meta, "thinking": True, **b.data}, final=False)
            elif b.kind == "tool_use":
                self.tool_call(b.data, i)
            elif b.kind == "tool_result":
                self.tool_result(b.text, i, b.data.get("tool_use_id"), None, b.data.get("is_error"))
            elif final_text and (thinking or self.tool_seen) and not has_think_tags(b.text):
                answers.append(b.text.strip())
            else:
                found = self.text_steps(b.text, meta, final_text)
                if found is not None:
                    answers.append(found)
        if answers:
            self.res.answer = "\n\n".join(a for a in answers if a) or None


def _normalize(m: Mapping[str, Any], i: int, warnings: list[str]) -> tuple[str, list[_Block]]:
    role = m.get("role", m.get("from"))
    role = str(role).lower() if role is not None else ""
    role = _ROLE_ALIASES.get(role, role)
    content = m["content"] if "content" in m else m.get("value", m.get("text"))
    blocks = _blocks(content)
    if role == "assistant":
        for key in _REASONING_FIELDS:
            if isinstance(m.get(key), str) and m[key].strip():
                blocks.insert(0, _Block("thinking", m[key]))
                break
        calls = m.get("tool_calls")
        if isinstance(calls, list | tuple):
            blocks.extend(_Block("tool_use", data=c) for c in calls if isinstance(c, Mapping))
        if isinstance(m.get("function_call"), Mapping):
            blocks.append(_Block("tool_use", data=m["function_call"]))
    elif role not in ("user", "system", "tool"):
        warnings.append(f"message {i} has unknown role {role or None!r}; kept as context")
    return role, blocks


def _final_turn(turns: list[tuple[int, str, list[_Block], Mapping[str, Any]]]) -> int:
    """Index of the assistant turn that may hold the answer (-1: none).

    Only context may follow it: any tool call or result after its last text cancels it.
    """
    final = -1
    for i, role, blocks, _ in turns:
        kinds = [b.kind for b in blocks]
        after = kinds
        if role == "tool":
            final = -1
        elif role == "assistant" and "text" in kinds:
            final = i
            after = kinds[len(kinds) - kinds[::-1].index("text") :]
        if "tool_use" in after or "tool_result" in after:
            final = -1
    return final


def parse_messages(messages: list[Any], splitter: Splitter | None) -> ChatResult:
    """Steps from assistant and tool turns; user/system turns become context.

    The answer is the text of the last assistant turn when only user/system turns follow
    it and it either carries its own reasoning (thinking blocks, ``reasoning_content``,
    ``<think>`` tags) or comes after a tool call. Otherwise assistant text is reasoning,
    and a closing "Final answer: …" line still counts as the answer.
    """
    p = _Parser(splitter)
    turns: list[tuple[int, str, list[_Block], Mapping[str, Any]]] = []
    for i, raw in enumerate(messages):
        m = raw
        if isinstance(raw, str):
            p.warn(f"message {i} is a bare string; treated as assistant text")
            m = {"role": "assistant", "content": raw}
        if not isinstance(m, Mapping):
            if m is not None:
                p.warn(f"message {i} is a {type(m).__name__}, not a dict; skipped")
            continue
        role, blocks = _normalize(m, i, p.res.warnings)
        turns.append((i, role, blocks, m))
    final = _final_turn(turns)
    for i, role, blocks, m in turns:
        if role == "assistant":
            p.assistant(i, blocks, final=i == final)
        elif role == "tool":
            text = "\n\n".join(b.text for b in blocks if b.text)
            p.tool_result(text, i, m.get("tool_call_id"), m.get("name"), m.get("is_error"))
        else:
            for b in blocks:
                if b.kind == "tool_result":
                    p.tool_result(
                        b.text, i, b.data.get("tool_use_id"), None, b.data.get("is_error")
                    )
            text = "\n\n".join(b.text for b in blocks if b.kind in ("text", "other") and b.text)
            if text or not blocks:
                p.res.context.append({"role": role or "unknown", "content": text})
    if turns and final < 0 and p.tool_seen:
        p.warn("the trace ends with a tool call or result, so it has no final answer")
    return p.res
