"""rater_widgets.nodelay: TCP_NODELAY on kernel websockets, opt-in per server.

Real tornado websockets on loopback: a stock websocket keeps Nagle's algorithm on (the
cause of the delayed frames), and the extension's connection class turns it off before
the kernel's first message.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from tornado import web, websocket
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from rater_widgets import nodelay
from tests.browser import run_in_thread


def _nodelay_of(handler: websocket.WebSocketHandler) -> int:
    sock = handler.ws_connection.stream.socket  # type: ignore[union-attr]
    return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


async def _open_handler(on_open: Any) -> dict[str, Any]:
    """Serve one websocket on a free loopback port, connect to it, run ``on_open``."""
    seen: dict[str, Any] = {}
    opened = asyncio.Event()

    class Handler(websocket.WebSocketHandler):
        def open(self) -> None:
            seen.update(on_open(self))
            opened.set()

    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(web.Application([(r"/ws", Handler)]))
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    client = await websocket.websocket_connect(f"ws://127.0.0.1:{port}/ws")
    await asyncio.wait_for(opened.wait(), 10)
    client.close()
    server.stop()
    return seen


# tornado's websocket client leaves sockets and a loop for the garbage collector; they are
# collected (in run_in_thread) while these filters apply, not in a later test
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_stock_websocket_keeps_nagle_and_set_nodelay_turns_it_off() -> None:
    def on_open(handler: websocket.WebSocketHandler) -> dict[str, Any]:
        before = _nodelay_of(handler)
        changed = nodelay.set_nodelay(handler)
        return {"before": before, "changed": changed, "after": _nodelay_of(handler)}

    seen = run_in_thread(_open_handler(on_open))
    assert seen == {"before": 0, "changed": True, "after": 1}


# tornado's websocket client leaves sockets and a loop for the garbage collector; they are
# collected (in run_in_thread) while these filters apply, not in a later test
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_connection_class_sets_nodelay_before_connecting() -> None:
    calls: list[str] = []

    class Base:  # the part of a kernel websocket connection class the wrapper uses
        def __init__(self, handler: websocket.WebSocketHandler) -> None:
            self.websocket_handler = handler

        def connect(self) -> str:
            calls.append(f"connect with nodelay={_nodelay_of(self.websocket_handler)}")
            return "connected"

    cls = nodelay.nodelay_connection_class(Base)
    assert issubclass(cls, Base)
    assert nodelay.nodelay_connection_class(cls) is cls  # wrapping twice changes nothing
    seen = run_in_thread(_open_handler(lambda h: {"result": cls(h).connect()}))
    assert seen == {"result": "connected"}
    assert calls == ["connect with nodelay=1"]


def test_the_real_kernel_connection_class_is_wrapped_by_name() -> None:
    cls = nodelay.nodelay_connection_class(ZMQChannelsWebsocketConnection)
    assert cls.__name__ == "NoDelayZMQChannelsWebsocketConnection"
    assert issubclass(cls, ZMQChannelsWebsocketConnection)
    # close_all keeps working: open connections register on the base class
    assert cls.close_all.__func__ is ZMQChannelsWebsocketConnection.close_all.__func__  # type: ignore[attr-defined]


class _App:
    def __init__(self, settings: dict[str, Any]) -> None:
        self.web_app = type("WebApp", (), {"settings": settings})()
        self.log = logging.getLogger("test-nodelay")


def test_loading_the_extension_swaps_the_servers_connection_class(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _App({"kernel_websocket_connection_class": ZMQChannelsWebsocketConnection})
    assert nodelay._jupyter_server_extension_points() == [{"module": "rater_widgets.nodelay"}]
    with caplog.at_level(logging.INFO, logger="test-nodelay"):
        nodelay._load_jupyter_server_extension(app)
    cls = app.web_app.settings["kernel_websocket_connection_class"]
    assert cls.__name__ == "NoDelayZMQChannelsWebsocketConnection"
    assert "kernel websockets send without delay" in caplog.text
    nodelay._load_jupyter_server_extension(app)  # loaded twice: still one wrapper
    assert app.web_app.settings["kernel_websocket_connection_class"] is cls


def test_a_server_without_kernel_websockets_is_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _App({})
    with caplog.at_level(logging.WARNING, logger="test-nodelay"):
        nodelay._load_jupyter_server_extension(app)
    assert app.web_app.settings == {}
    assert "no kernel websocket class to wrap" in caplog.text
