"""Split one reasoning string into step spans (private helper of :mod:`rater_widgets.traces`).

Everything here works on a region ``src[lo:hi]`` of the caller's string and returns
pieces whose ``src[start:end]`` is exactly the piece's text, so the public parser can
promise offsets that map back into the original value.

>>> r = parse_text("1. two\\n2. three", 0, 15)
>>> [(p.text, p.start, p.end) for p in r.pieces]
[('two', 3, 6), ('three', 10, 15)]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: A user-supplied splitter: the text of one region in, the step strings out.
Splitter = Callable[[str], Sequence[str]]


@dataclass
class Piece:
    """A step before limits are applied; ``start``/``end`` are None when not mappable."""

    text: str
    kind: str = "reasoning"
    start: int | None = None
    end: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class TextResult:
    """What :func:`parse_text` found in one region."""

    pieces: list[Piece]
    answer: str | None
    answer_span: tuple[int, int] | None
    fmt: str
    warnings: list[str]


@dataclass(slots=True)
class _Line:
    start: int  # first character of the line
    lead: int  # first non-blank character (== end for blank lines)
    end: int  # end of content, before the line break
    indent: int  # width of the leading blanks, a tab counting as 4
    code: bool  # inside or delimiting a fenced code block
    blank: bool


@dataclass(slots=True)
class _Marker:
    line: int
    indent: int
    content: int  # where the step text starts: after the marker when it strips cleanly
    meta: dict[str, Any]
    number: int = -1


_EOL = re.compile(r"\r\n|\r|\n")
_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
_MATH_FENCE = re.compile(r"[ \t]*\$\$")
_HEADING = re.compile(r"[ \t]{0,3}#{1,6}[ \t]")
_STEP = re.compile(
    r"[ \t]*(?:#{1,6}[ \t]+)?(?P<open>\*\*|__)?step[ \t]*(?P<num>\d{1,6})(?!\d)"
    r"(?P<close1>\*\*|__)?[ \t]*(?P<sep>[:.)\-–—](?!\d))?[ \t]*(?P<close2>\*\*|__)?[ \t]*",
    re.IGNORECASE,
)
# Whitespace (or the line end) must follow "1." so "3.14" and "2024.5" never start a step.
_NUMBERED = re.compile(
    r"[ \t]*(?P<open>\*\*|__)?(?:(?P<num>\d{1,4})[.)]|\((?P<pnum>\d{1,4})\))"
    r"(?P<close>\*\*|__)?(?:[ \t]+|$)"
)
_BULLET = re.compile(r"[ \t]*(?P<b>[-*+•])(?:[ \t]+|$)")
_RULE = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_ANSWER = re.compile(
    r"[ \t]*(?:#{1,6}[ \t]+)?(?:\*\*|__)?(?:final[ \t]+answer|answer)(?:\*\*|__)?[ \t]*"
    r"(?P<colon>[:：])?(?:\*\*|__)?[ \t]*",
    re.IGNORECASE,
)
_GSM8K = re.compile(r"[ \t]*####[ \t]+(?=\S)")
_THINK_TAG = re.compile(r"<(/?)(think|thinking|reasoning)\s*>", re.IGNORECASE)
_ANSWER_MAX_LINES = 5
_NO_LIMIT = 1 << 62


def strip_span(src: str, a: int, b: int) -> tuple[int, int]:
    """Shrink ``[a, b)`` past surrounding whitespace; empty spans collapse to ``(a, a)``."""
    seg = src[a:b]
    body = seg.strip()
    if not body:
        return a, a
    left = len(seg) - len(seg.lstrip())
    return a + left, a + left + len(body)


def _width(blanks: str) -> int:
    if "\t" not in blanks:
        return len(blanks)
    width = 0
    for ch in blanks:
        width = (width // 4 + 1) * 4 if ch == "\t" else width + 1
    return width


def _lines(src: str, lo: int, hi: int) -> list[_Line]:
    bounds: list[tuple[int, int]] = []
    pos = lo
    for m in _EOL.finditer(src, lo, hi):
        bounds.append((pos, m.start()))
        pos = m.end()
    if pos < hi:
        bounds.append((pos, hi))
    out: list[_Line] = []
    fence = ""
    for a, b in bounds:
        body = src[a:b]
        rest = body.lstrip(" \t")
        lead = a + len(body) - len(rest)
        fm = _FENCE.match(body) if rest[:1] in ("`", "~") else None
        if fence:
            code = True
            if fm and fm.group(1)[0] == fence[0] and len(fm.group(1)) >= len(fence):
                fence = "" if not body[fm.end() :].strip() else fence
        else:
            code = fm is not None
            fence = fm.group(1) if fm else ""
        blank = not code and (not rest or rest.isspace())
        out.append(_Line(a, lead, b, _width(body[: lead - a]) if lead > a else 0, code, blank))
    return out


def _step_markers(src: str, lines: list[_Line]) -> list[_Marker]:
    found: list[_Marker] = []
    for i, ln in enumerate(lines):
        if ln.code or ln.blank or src[ln.lead] not in "sS#*_":
            continue
        m = _STEP.match(src, ln.start, ln.end)
        if m is None:
            continue
        opened, closed = m.group("open"), m.group("close1") or m.group("close2")
        rest_empty = not src[m.end() : ln.end].strip()
        # Strip "Step 1:" only when that leaves valid markdown behind: "**Step 1: Title**"
        # keeps its marker, or the text would end in a dangling "**".
        clean = (not opened or closed) and bool(m.group("sep") or closed or rest_empty)
        meta = {"marker": src[ln.lead : m.end()].strip(), "number": int(m.group("num"))}
        found.append(_Marker(i, ln.indent, m.end() if clean else ln.lead, meta))
    return found


def _numbered_markers(src: str, lines: list[_Line]) -> list[_Marker]:
    cands: list[_Marker] = []
    for i, ln in enumerate(lines):
        if ln.code or ln.blank or src[ln.lead] not in "0123456789(*_":
            continue
        m = _NUMBERED.match(src, ln.start, ln.end)
        if m is None:
            continue
        num = int(m.group("num") or m.group("pnum"))
        clean = not (m.group("open") and not m.group("close"))
        meta = {"marker": src[ln.lead : m.end()].strip(), "number": num}
        cands.append(_Marker(i, ln.indent, m.end() if clean else ln.lead, meta, num))
    if not cands:
        return []
    top = min(c.indent for c in cands)
    # Only a plausible sequence splits (n+1, or a restart at 0/1), so a line that happens
    # to begin "2024. " inside a step stays part of it.
    chain: list[_Marker] = []
    for c in cands:
        if c.indent == top and (not chain or c.number in (0, 1, chain[-1].number + 1)):
            chain.append(c)
    while (
        len(chain) >= 2
        and chain[0].number not in (0, 1)
        and (chain[1].number != chain[0].number + 1)
    ):
        chain.pop(0)
    return chain


def _bullet_markers(src: str, lines: list[_Line]) -> list[_Marker]:
    cands: list[_Marker] = []
    for i, ln in enumerate(lines):
        if ln.code or ln.blank or src[ln.lead] not in "-*+•":
            continue
        m = _BULLET.match(src, ln.start, ln.end)
        if m is None or _RULE.match(src, ln.start, ln.end):
            continue
        cands.append(_Marker(i, ln.indent, m.end(), {"marker": m.group("b")}))
    if not cands:
        return []
    top = min(c.indent for c in cands)
    return [c for c in cands if c.indent == top]


def _paragraphs(src: str, lines: list[_Line], limit: int = _NO_LIMIT) -> list[Piece]:
    groups: list[tuple[int, int]] = []
    first: int | None = None
    for i, ln in enumerate([*lines, None]):
        if len(groups) > limit:
            break
        if ln is not None and not ln.blank:
            first = i if first is None else first
        elif first is not None:
            groups.append((first, i - 1))
            first = None
    out: list[Piece] = []
    pending: int | None = None  # start of a lone heading, glued to the next paragraph
    for g0, g1 in groups:
        start = lines[g0].start if pending is None else pending
        if g0 == g1 and _HEADING.match(src, lines[g0].start, lines[g0].end):
            pending = start
            continue
        pending = None
        a, b = strip_span(src, start, lines[g1].end)
        out.append(Piece(src[a:b], start=a, end=b))
    if pending is not None:
        a, b = strip_span(src, pending, lines[groups[-1][1]].end)
        out.append(Piece(src[a:b], start=a, end=b))
    return out


def _choose(src: str, lines: list[_Line]) -> tuple[str, list[_Marker]] | None:
    options: list[tuple[int, int, str, list[_Marker]]] = []
    steps = _step_markers(src, lines)
    if steps:
        top = min(m.indent for m in steps)
        options.append((top, 0, "steps", [m for m in steps if m.indent == top]))
    nums = _numbered_markers(src, lines)
    if len(nums) >= 2:
        options.append((nums[0].indent, 1, "numbered", nums))
    bullets = _bullet_markers(src, lines)
    if len(bullets) >= 2:
        options.append((bullets[0].indent, 2, "bullets", bullets))
    if not options:
        return None
    # The least indented structure is the outer one; nested lists stay inside its steps.
    _, _, fmt, markers = min(options, key=lambda o: (o[0], o[1]))
    return fmt, markers


def _split_markers(
    src: str, lines: list[_Line], fmt: str, markers: list[_Marker], limit: int
) -> list[Piece]:
    at = {m.line: m for m in markers}
    top = markers[0].indent
    out = _paragraphs(src, lines[: markers[0].line], limit)
    item: _Marker | None = None
    region: int | None = None
    empty = 0

    def flush(stop: int) -> None:
        nonlocal empty
        if item is not None:
            a, b = strip_span(src, item.content, lines[stop - 1].end)
            out.append(Piece(src[a:b], start=a, end=b, meta=dict(item.meta)))
            empty += a == b
        elif region is not None:
            out.extend(_paragraphs(src, lines[region:stop], limit))

    prev_blank = False
    for i in range(markers[0].line, len(lines)):
        ln = lines[i]
        if i in at:
            flush(i)
            if len(out) - empty > limit:  # the caller truncates; no need to build the rest
                return out
            item, region = at[i], None
        elif (
            # Markdown semantics for lists: after a blank line an unindented paragraph ends
            # the item. "Step N" items run to the next marker, as their authors write them.
            fmt != "steps"
            and item is not None
            and prev_blank
            and not ln.blank
            and not ln.code
            and ln.indent <= top
            and not _MATH_FENCE.match(src, ln.start, ln.end)
        ):
            flush(i)
            item, region = None, i
        prev_blank = ln.blank
    flush(len(lines))
    return out


def split_builtin(
    src: str, lo: int, hi: int, lines: list[_Line] | None = None, limit: int = _NO_LIMIT
) -> tuple[list[Piece], str]:
    """Split ``src[lo:hi]`` by "Step N", numbered lists, bullets, or paragraphs."""
    lines = _lines(src, lo, hi) if lines is None else lines
    chosen = _choose(src, lines)
    if chosen is None:
        pieces = _paragraphs(src, lines, limit)
        return pieces, "paragraphs" if len(pieces) > 1 else "single"
    fmt, markers = chosen
    return _split_markers(src, lines, fmt, markers, limit), fmt


def _split_custom(
    src: str, lo: int, hi: int, splitter: Splitter, warnings: list[str]
) -> list[Piece] | None:
    try:
        parts = splitter(src[lo:hi])
        if isinstance(parts, str) or not isinstance(parts, Sequence):
            raise TypeError(f"it returned {type(parts).__name__}, not a list of strings")
        texts = [p if isinstance(p, str) else str(p) for p in parts]
    except Exception as exc:  # a user callable: any failure falls back to the built-ins
        warnings.append(
            f"the custom splitter failed ({type(exc).__name__}: {exc}); used the built-in splitting"
        )
        return None
    out: list[Piece] = []
    cursor, lost = lo, 0
    for raw in texts:
        text = raw.strip()
        if not text:
            continue
        at = src.find(text, cursor, hi)
        if at < 0:
            lost += 1
            out.append(Piece(text))
            continue
        cursor = at + len(text)
        out.append(Piece(text, start=at, end=cursor))
    if lost:
        warnings.append(
            f"{lost} step(s) from the custom splitter do not appear verbatim in the trace "
            "(in order); their start/end are None"
        )
    return out


def _split(
    src: str,
    lo: int,
    hi: int,
    splitter: Splitter | None,
    warnings: list[str],
    *,
    lines: list[_Line] | None = None,
    limit: int = _NO_LIMIT,
) -> tuple[list[Piece], str]:
    if splitter is not None:
        custom = _split_custom(src, lo, hi, splitter, warnings)
        if custom is not None:
            return custom, "custom"
    pieces, fmt = split_builtin(src, lo, hi, lines, limit)
    kept: list[Piece] = []
    for p in pieces:
        if p.text:
            kept.append(p)
        else:
            warnings.append(f"step {p.meta.get('marker', '')!r} is empty and was skipped")
    return kept, fmt


def _think_segments(
    src: str, lo: int, hi: int, warnings: list[str]
) -> tuple[list[tuple[int, int, int | None]], tuple[int, int] | None] | None:
    """Cut ``src[lo:hi]`` at think tags: (start, end, block or None if outside), answer span."""
    tags = list(_THINK_TAG.finditer(src, lo, hi))
    if not tags:
        return None
    segs: list[tuple[int, int, int | None]] = []
    pos, inside, block = lo, False, 0
    for t in tags:
        closing = t.group(1) == "/"
        if closing:
            if not inside:
                warnings.append(
                    f"{t.group(0)} at offset {t.start()} has no opening tag; "
                    "the text before it is treated as reasoning"
                )
            segs.append((pos, t.start(), block))
            block, inside, pos = block + 1, False, t.end()
        elif not inside:
            segs.append((pos, t.start(), None))
            inside, pos = True, t.end()
        # An opening tag inside an open block is just text: models do quote their tags.
    if inside:
        warnings.append("unterminated think block: the rest of the trace is treated as reasoning")
        segs.append((pos, hi, block))
        return segs, None
    a, b = strip_span(src, pos, hi)
    return segs, ((a, b) if b > a else None)


def _answer_line(src: str, hi: int, lines: list[_Line]) -> tuple[int, tuple[int, int]] | None:
    """A closing "Final answer: …" / "#### 42" line: (its line index, answer span)."""
    seen = 0
    for i in range(len(lines) - 1, -1, -1):
        ln = lines[i]
        if ln.blank:
            continue
        seen += 1
        if seen > _ANSWER_MAX_LINES + 1:
            return None
        if ln.code:
            continue
        m = _ANSWER.match(src, ln.start, ln.end)
        if m is not None and not m.group("colon") and src[m.end() : ln.end].strip():
            m = None  # "Answer the question…" is prose, not a marker
        m = m or _GSM8K.match(src, ln.start, ln.end)
        if m is not None:
            a, b = strip_span(src, m.end(), hi)
            return (i, (a, b)) if b > a else None
    # no marker: a last line like "The final answer is $\boxed{3}$" states it too
    last = next((i for i in range(len(lines) - 1, -1, -1) if not lines[i].blank), None)
    if last is not None and not lines[last].code:
        boxed = _boxed(src, lines[last].start, lines[last].end)
        if boxed is not None:
            return last, boxed
    return None


def _boxed(src: str, lo: int, hi: int) -> tuple[int, int] | None:
    """The span inside the last ``\\boxed{…}`` of ``src[lo:hi]`` (braces balanced)."""
    start = src.rfind("\\boxed{", lo, hi)
    if start < 0:
        return None
    i = start + len("\\boxed{")
    depth = 1
    for j in range(i, hi):
        if src[j] == "{":
            depth += 1
        elif src[j] == "}":
            depth -= 1
            if depth == 0:
                a, b = strip_span(src, i, j)
                return (a, b) if b > a else None
    return None


def _strip_marker(src: str, span: tuple[int, int]) -> tuple[int, int] | None:
    """Drop a leading "Final answer:" / "####" marker from an answer span."""
    a, b = span
    m = _ANSWER.match(src, a, b)
    if m is not None and not m.group("colon"):
        m = None
    m = m or _GSM8K.match(src, a, b)
    if m is None:
        return span
    a2, b2 = strip_span(src, m.end(), b)
    return (a2, b2) if b2 > a2 else None


def has_think_tags(text: str) -> bool:
    """True when ``text`` contains a ``<think>``-style tag (opening or closing)."""
    return _THINK_TAG.search(text) is not None


def parse_text(
    src: str, lo: int, hi: int, splitter: Splitter | None = None, limit: int = _NO_LIMIT
) -> TextResult:
    """Find think blocks, a closing answer line and the steps in ``src[lo:hi]``.

    Splitting may stop once more than ``limit`` steps are found (the caller truncates).
    """
    warnings: list[str] = []
    think = _think_segments(src, lo, hi, warnings)
    if think is not None:
        segs, span = think
        pieces: list[Piece] = []
        for a, b, block in segs:
            if len(pieces) > limit:
                break
            sub, _ = _split(src, a, b, splitter, warnings, limit=limit)
            for p in sub:
                p.meta.update({"outside_think": True} if block is None else {"think": block})
            pieces.extend(sub)
        if span is not None:
            span = _strip_marker(src, span)
        answer = src[span[0] : span[1]] if span else None
        return TextResult(pieces, answer, span, "think", warnings)
    if splitter is not None:
        pieces, fmt = _split(src, lo, hi, splitter, warnings)
        return TextResult(pieces, None, None, fmt, warnings)
    lines = _lines(src, lo, hi)
    found = _answer_line(src, hi, lines)
    stop, span = found if found else (len(lines), None)
    stop_at = lines[stop].start if stop < len(lines) else hi
    pieces, fmt = _split(src, lo, stop_at, None, warnings, lines=lines[:stop], limit=limit)
    answer = src[span[0] : span[1]] if span else None
    return TextResult(pieces, answer, span, fmt, warnings)
