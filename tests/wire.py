"""Drive a widget's kernel side exactly as the frontend does: the same messages in, the
replies collected (``w._reply`` is where every kernel -> frontend message goes)."""

from __future__ import annotations

from typing import Any

CLIENT = {"session": "s1", "view": "v1"}


class Wire:
    """Collects what the kernel sends to the frontend; ``ahead``: how many positions after
    the submitted one a submit asks for (the frontend's look-ahead)."""

    def __init__(self, w: Any, ahead: int = 2) -> None:
        self.sent: list[dict[str, Any]] = []
        w._reply = self.sent.append
        self.w = w
        self.ahead = ahead

    def client(self, **msg: Any) -> list[dict[str, Any]]:
        """Send one frontend message; return the kernel's replies to it."""
        self.sent.clear()
        self.w._on_msg(self.w, msg, [])
        return list(self.sent)

    def hello(self) -> list[dict[str, Any]]:
        return self.client(type="hello", client=CLIENT, need=[])

    def submit(
        self, seq: int, pos: int, item: str, answer: Any, ms: int = 900
    ) -> list[dict[str, Any]]:
        need = [pos + k for k in range(1, self.ahead + 1)]
        return self.client(
            type="submit", seq=seq, pos=pos, item=item, answer=answer, ms=ms, need=need,
            client=CLIENT,
        )  # fmt: skip

    def skip(self, seq: int, pos: int, item: str, ms: int = 10) -> list[dict[str, Any]]:
        return self.client(type="skip", seq=seq, pos=pos, item=item, ms=ms, need=[], client=CLIENT)

    def goto(self, seq: int, pos: int) -> list[dict[str, Any]]:
        return self.client(type="goto", seq=seq, pos=pos, need=[pos])
