"""Turn a row into display blocks: text, markdown, html, image, chat, code.

The kernel decides *what* is shown (which columns, which format, labels) and converts
values the browser cannot take as they are (image bytes, PIL images, files). Making it
safe to show is the frontend's one renderer's job: every block it gets is untrusted.

>>> spec = ContentSpec(["id", "prompt", "response"], content="response", context=["prompt"])
>>> [b["name"] for b in spec.blocks({"prompt": "Hi", "response": "**Hello**"})]
['prompt', 'response']
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import mimetypes
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast, get_args

from rater_widgets.fields import nearest
from rater_widgets.protocol import Block, BlockFormat, ChatMessage

__all__ = ["FORMATS", "ContentSpec", "to_chat", "to_data_url"]

FORMATS: tuple[str, ...] = get_args(BlockFormat)
_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
#: Largest image the kernel will send (the browser gets it base64-encoded).
MAX_IMAGE_BYTES = 20 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    label: str
    format: str | None  # None: decided per value
    role: Literal["content", "context"]


def check_columns(columns: Sequence[str], wanted: Sequence[str], arg: str) -> None:
    """Raise a KeyError-like ValueError naming a missing column and the nearest ones."""
    for name in wanted:
        if not isinstance(name, str):
            raise TypeError(f"{arg}= takes column names, got {name!r}")
        if name not in columns:
            raise ValueError(f"{arg}={name!r}: no such column; {nearest(name, list(columns))}")


class ContentSpec:
    """Which columns an item shows, in which format, under which label.

    ``format``: one format for all content columns, or ``{column: format}``; formats are
    text, markdown (the default for strings), html, image, chat and code. ``labels``:
    ``{column: label}`` (default: the column name).
    """

    def __init__(
        self,
        columns: Sequence[str],
        *,
        content: str | Sequence[str],
        context: str | Sequence[str] | None = None,
        format: str | Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        content_cols = [content] if isinstance(content, str) else list(content)
        context_cols = [context] if isinstance(context, str) else list(context or [])
        if not content_cols:
            raise ValueError("content= needs at least one column")
        check_columns(columns, content_cols, "content")
        check_columns(columns, context_cols, "context")
        formats: dict[str, str | None]
        if format is None or isinstance(format, str):
            formats = dict.fromkeys(content_cols, format)
        elif isinstance(format, Mapping):
            check_columns(columns, list(format), "format")
            formats = dict(format)
        else:
            raise TypeError(f"format= takes a format name or a dict, got {format!r}")
        for col, fmt in formats.items():
            if fmt is not None and fmt not in FORMATS:
                raise ValueError(f"format for column {col!r} is {fmt!r}; {nearest(fmt, FORMATS)}")
        labels = dict(labels or {})
        check_columns(columns, list(labels), "labels")
        self.columns: list[Column] = [
            Column(c, labels.get(c, c), formats.get(c), "context") for c in context_cols
        ] + [Column(c, labels.get(c, c), formats.get(c), "content") for c in content_cols]
        self.redact = redact

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def blocks(self, row: Mapping[str, Any]) -> list[Block]:
        """The blocks of one row, context first; a column that is null in this row is left
        out (an empty labelled box is noise)."""
        return [self.block(c, row.get(c.name)) for c in self.columns if row.get(c.name) is not None]

    def block(self, col: Column, value: Any) -> Block:
        fmt = col.format or infer_format(value)
        shown: str | list[ChatMessage]
        if fmt == "image":
            shown = to_data_url(value)
        elif fmt == "chat":
            shown = to_chat(value)
            if self.redact:
                shown = [{**m, "content": self.redact(m.get("content") or "")} for m in shown]
        else:
            shown = "" if value is None else value if isinstance(value, str) else _as_text(value)
            if self.redact:
                shown = self.redact(shown)
        return {
            "name": col.name,
            "label": col.label,
            "format": cast(BlockFormat, fmt),
            "value": shown,
            "role": col.role,
            "language": None,
        }


def infer_format(value: Any) -> str:
    """markdown for strings, chat for message lists, image for bytes and PIL images."""
    if isinstance(value, bytes | bytearray | memoryview) or _is_pil(value):
        return "image"
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(m, Mapping) and "role" in m for m in value)
    ):
        return "chat"
    return "markdown"


def _as_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, indent=2, default=str)
    except (TypeError, ValueError):
        return str(value)


def _is_pil(value: Any) -> bool:
    return type(value).__module__.startswith("PIL.") and hasattr(value, "save")


def to_data_url(value: Any) -> str:
    """An image as a ``data:`` URL: bytes, a PIL image, a file path, or a URL (passed on
    as is; remote URLs are blocked by the frontend until the rater allows them).

    >>> to_data_url(b"GIF89a" + bytes(10))[:22]
    'data:image/gif;base64,'
    """
    if value is None:
        return ""
    if _is_pil(value):
        buf = io.BytesIO()
        value.save(buf, format="PNG")
        return _encode(buf.getvalue(), "image/png")
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return _encode(data, _sniff(data))
    if isinstance(value, Path) or (
        isinstance(value, str) and not value.startswith(("data:", "http://", "https://"))
    ):
        path = Path(value).expanduser()
        if not path.is_file():
            raise ValueError(f"image file {str(value)!r} does not exist")
        data = path.read_bytes()
        guessed = mimetypes.guess_type(path.name)[0]
        return _encode(data, guessed if guessed and guessed.startswith("image/") else _sniff(data))
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot show {type(value).__name__} as an image")


def _sniff(data: bytes) -> str:
    for magic, mime in _IMAGE_MAGIC.items():
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.lstrip()[:5] in (b"<svg ", b"<?xml"):
        return "image/svg+xml"
    return "application/octet-stream"


def _encode(data: bytes, mime: str) -> str:
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"image of {len(data):,} bytes is larger than {MAX_IMAGE_BYTES:,}")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def to_chat(value: Any) -> list[ChatMessage]:
    """Normalize a conversation to ``[{role, content, name}]``.

    Accepts a list of ``{"role", "content"}`` dicts (content may be a list of typed parts:
    text, tool_use/tool_calls, tool_result) or a JSON string of one.

    >>> to_chat([{"role": "user", "content": [{"type": "text", "text": "hi"}]}])
    [{'role': 'user', 'content': 'hi', 'name': None}]
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return [{"role": "assistant", "content": value, "name": None}]
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        return [{"role": "assistant", "content": _as_text(value), "name": None}]
    out: list[ChatMessage] = []
    for m in value:
        if not isinstance(m, Mapping):
            out.append({"role": "assistant", "content": _as_text(m), "name": None})
            continue
        parts = [_part_text(m.get("content"))]
        for call in m.get("tool_calls") or []:
            fn = call.get("function", call) if isinstance(call, Mapping) else {}
            parts.append(f"→ `{fn.get('name', 'tool')}({fn.get('arguments', '')})`")
        name = m.get("name")
        out.append(
            {
                "role": str(m.get("role") or "assistant"),
                "content": "\n\n".join(p for p in parts if p),
                "name": None if name is None else str(name),
            }
        )
    return out


def _part_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list | tuple):
        texts = []
        for part in content:
            if isinstance(part, Mapping):
                kind = part.get("type")
                if kind == "tool_use":
                    args = json.dumps(part.get("input"), ensure_ascii=False)
                    texts.append(f"→ `{part.get('name', 'tool')}({args})`")
                elif kind == "tool_result":
                    texts.append(_part_text(part.get("content")))
                else:
                    texts.append(str(part.get("text") or part.get("thinking") or ""))
            else:
                texts.append(str(part))
        return "\n\n".join(t for t in texts if t)
    return _as_text(content)
