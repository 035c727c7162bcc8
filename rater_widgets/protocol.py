"""The wire protocol between a rater widget's kernel side and its frontend.

Mirrored, field for field, by ``js/protocol.ts``: change both or neither.

Item content only ever travels in custom messages (``items``), never in synced traits,
so a notebook saved with widget state holds no item text.

Messages from the frontend are untrusted: :func:`parse_client_message` checks their
shape and raises :class:`ProtocolError` (which the widget turns into an ``error`` reply)
before anything else looks at them.
"""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict

PROTOCOL_VERSION = 1

#: Keys the widget frame itself uses; rubric option keys never take these.
RESERVED_KEYS: frozenset[str] = frozenset(
    [
        "Enter", "Backspace", "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown",
        "Escape", "Tab", " ", "?", "s", "r", "g", "h", "j", "k", "f", "t", "x",
    ]
)  # fmt: skip

#: Keys a rubric with a ``Spans`` field uses besides its label keys: ``v`` starts keyboard
#: selection in the content, ``y`` / ``x`` accept / reject the focused suggested span,
#: ``Delete`` removes the focused span. Only rubrics with spans reserve them.
SPAN_KEYS: frozenset[str] = frozenset(["v", "y", "x", "Delete"])

#: How many items the kernel keeps ahead of (and behind) the frontend's cursor.
LOOKAHEAD = 4
LOOKBEHIND = 2
#: Upper bound on positions one message may ask for, so a tampered ``need`` cannot make
#: the kernel serialize the whole frame.
MAX_NEED = 16


class ProtocolError(ValueError):
    """A frontend message that does not follow the protocol."""


# ---------------------------------------------------------------- items


class ChatMessage(TypedDict, total=False):
    role: str
    content: str
    name: str | None


BlockFormat = Literal["text", "markdown", "html", "image", "chat", "code"]


class Block(TypedDict):
    name: str
    label: str
    format: BlockFormat
    value: str | list[ChatMessage]
    role: Literal["content", "context"]
    language: str | None


ItemStatus = Literal["new", "done", "skipped"]


class Item(TypedDict):
    pos: int
    id: str
    blocks: list[Block]
    answer: dict[str, Any] | None
    status: ItemStatus
    extra: dict[str, Any]
    sensitive: bool
    warning: str | None
    suggestion: dict[str, Any] | None


class Progress(TypedDict):
    done: int
    skipped: int
    total: int


# ---------------------------------------------------------------- frontend -> kernel


class ClientInfo(TypedDict):
    session: str
    view: str


class HelloMsg(TypedDict, total=False):
    """A view's first message. ``booted``: the page already applied the widget's ``_boot``
    (the first items and the cursor, sent with the widget's state), so ``need`` lists only
    what it still lacks; without it the kernel replies with the items around its cursor."""

    type: Required[Literal["hello"]]
    client: Required[ClientInfo]
    need: Required[list[int]]
    booted: bool


class SubmitMsg(TypedDict):
    type: Literal["submit"]
    seq: int
    item: str
    pos: int
    answer: dict[str, Any]
    ms: int
    need: list[int]
    client: ClientInfo


class SkipMsg(TypedDict):
    type: Literal["skip"]
    seq: int
    item: str
    pos: int
    ms: int
    need: list[int]
    client: ClientInfo


class GotoMsg(TypedDict):
    type: Literal["goto"]
    seq: int
    pos: int
    need: list[int]


class FetchMsg(TypedDict):
    """Items only: the cursor stays where it is (the kernel moved it, or settings changed).
    Answering a kernel ``cursor`` message with a ``goto`` would move the kernel's cursor
    back to a position it has already left."""

    type: Literal["fetch"]
    need: list[int]


class PrefsMsg(TypedDict):
    """The rater changed a viewing preference; the kernel keeps it for next time."""

    type: Literal["prefs"]
    prefs: dict[str, bool]


ClientMsg = HelloMsg | SubmitMsg | SkipMsg | GotoMsg | FetchMsg | PrefsMsg

#: Preferences a rater may set (and what type they are).
PREFS = ("grayscale", "blur_media")

# ---------------------------------------------------------------- kernel -> frontend


class ItemsMsg(TypedDict):
    type: Literal["items"]
    items: list[Item]


class AckMsg(TypedDict):
    type: Literal["ack"]
    seq: int
    item: str
    pos: int
    answer: dict[str, Any] | None
    #: with reveal_after=True, the model's suggestion, shown once the rater has answered
    suggestion: dict[str, Any] | None


class ErrorMsg(TypedDict):
    type: Literal["error"]
    seq: int | None
    item: str | None
    pos: int | None
    message: str
    field: str | None


class CursorMsg(TypedDict):
    type: Literal["cursor"]
    pos: int


class InvalidateMsg(TypedDict):
    type: Literal["invalidate"]
    pos: list[int] | None


class BreakMsg(TypedDict):
    """The exposure limit was reached: hide all content until ``until`` (epoch ms)."""

    type: Literal["break"]
    until: int
    reason: str


KernelMsg = ItemsMsg | AckMsg | ErrorMsg | CursorMsg | InvalidateMsg | BreakMsg

# ---------------------------------------------------------------- validation of client messages

_REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "hello": {"client": dict, "need": list},
    "submit": {
        "seq": int, "item": str, "pos": int, "answer": dict, "ms": (int, float),
        "need": list, "client": dict,
    },
    "skip": {"seq": int, "item": str, "pos": int, "ms": (int, float), "need": list, "client": dict},
    "goto": {"seq": int, "pos": int, "need": list},
    "fetch": {"need": list},
    "prefs": {"prefs": dict},
}  # fmt: skip


def parse_client_message(msg: object) -> ClientMsg:
    """Check the shape of a message from the frontend and return it typed.

    >>> parse_client_message({"type": "goto", "seq": 1, "pos": 3, "need": [4]})["pos"]
    3
    """
    if not isinstance(msg, dict):
        raise ProtocolError(f"message must be an object, got {type(msg).__name__}")
    kind = msg.get("type")
    if kind not in _REQUIRED:
        raise ProtocolError(f"unknown message type {kind!r}; expected one of {sorted(_REQUIRED)}")
    for key, typ in _REQUIRED[kind].items():
        value = msg.get(key)
        # bool is an int in Python; a JSON true is never a valid seq or position
        if value is None or isinstance(value, bool) or not isinstance(value, typ):
            raise ProtocolError(
                f"{kind} message: field {key!r} must be {_type_name(typ)}, got {value!r}"
            )
    if kind == "hello" and not isinstance(msg.get("booted", False), bool):
        raise ProtocolError(f"hello message: 'booted' must be true or false, got {msg['booted']!r}")
    if kind == "prefs":
        prefs = msg["prefs"]
        bad = [k for k, v in prefs.items() if k not in PREFS or not isinstance(v, bool)]
        if bad:
            raise ProtocolError(f"prefs message: {bad[0]!r} is not a preference; use {PREFS}")
        return msg  # type: ignore[return-value]
    need = msg["need"]
    if len(need) > MAX_NEED or not all(
        isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in need
    ):
        raise ProtocolError(
            f"{kind} message: 'need' must be at most {MAX_NEED} non-negative positions"
        )
    if "pos" in msg and msg["pos"] < 0:
        raise ProtocolError(f"{kind} message: 'pos' must be >= 0, got {msg['pos']}")
    if "ms" in msg and msg["ms"] < 0:
        raise ProtocolError(f"{kind} message: 'ms' must be >= 0, got {msg['ms']}")
    if "client" in msg:
        client = msg["client"]
        if not all(isinstance(client.get(k), str) for k in ("session", "view")):
            raise ProtocolError(f"{kind} message: 'client' needs string 'session' and 'view'")
    return msg  # type: ignore[return-value]


def _type_name(typ: type | tuple[type, ...]) -> str:
    names = {
        int: "an integer",
        str: "a string",
        dict: "an object",
        list: "a list",
        float: "a number",
    }
    if isinstance(typ, tuple):
        return " or ".join(names.get(t, t.__name__) for t in typ)
    return names.get(typ, typ.__name__)
