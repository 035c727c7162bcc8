"""Opt-in Jupyter server extension: send kernel websocket messages without Nagle's delay.

Why: a stock Jupyter server writes each kernel message to the browser as its own small
websocket frame, on a TCP socket that keeps Nagle's algorithm on (tornado turns it on
again after the HTTP upgrade). A small frame written while an earlier one is still
unacknowledged waits for that ACK, and the browser's TCP stack delays ACKs by up to
~40 ms (Linux's minimum delayed-ACK time). A kernel reply is usually several frames in a
row (``status: busy``, the reply, ``status: idle``), so widget round trips that the kernel
answers in ~3 ms reach the page ~40 ms later. Setting ``TCP_NODELAY`` on the kernel
websockets sends every frame at once. It changes nothing else: the same bytes, the same
order, in more (smaller) TCP segments, which only matters on a link where packet count
costs more than latency.

The switch is per server and covers every kernel websocket of that server (the socket
carries all of a kernel's traffic, not only rater_widgets'), so it is opt-in. Enable it
for one run::

    jupyter lab --ServerApp.jpserver_extensions='{"rater_widgets.nodelay": True}'

or for good, in ``jupyter_server_config.json``::

    {"ServerApp": {"jpserver_extensions": {"rater_widgets.nodelay": true}}}

It wraps whatever kernel websocket connection class the server is configured with
(the default ZMQ one, or a gateway's), so other settings keep working.

>>> cls = nodelay_connection_class(object)  # doctest: +SKIP
"""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["nodelay_connection_class", "set_nodelay"]

#: settings key jupyter_server's KernelWebsocketHandler reads the connection class from
_SETTING = "kernel_websocket_connection_class"


def set_nodelay(websocket_handler: Any) -> bool:
    """Set TCP_NODELAY on an open tornado websocket; return whether it is set now.

    A socket that is not TCP (a Unix socket) or already closed is left alone.

    >>> set_nodelay(handler)  # doctest: +SKIP
    True
    """
    connection = getattr(websocket_handler, "ws_connection", None)
    stream = getattr(connection, "stream", None)
    sock = getattr(stream, "socket", None)
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    try:
        websocket_handler.set_nodelay(True)
        return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    except OSError:  # the peer went away meanwhile: nothing to speed up
        return False


def nodelay_connection_class(base: type[Any]) -> type[Any]:
    """A subclass of the kernel websocket connection class ``base`` that turns
    TCP_NODELAY on when the websocket connects, before any kernel message is sent.

    >>> from jupyter_server.services.kernels.connection.channels import (
    ...     ZMQChannelsWebsocketConnection)
    >>> nodelay_connection_class(ZMQChannelsWebsocketConnection).__name__
    'NoDelayZMQChannelsWebsocketConnection'
    """
    if getattr(base, "_rw_nodelay", False):
        return base

    def connect(self: Any) -> Any:
        set_nodelay(self.websocket_handler)
        return base.connect(self)  # sync or async, as the base class has it

    return type(
        f"NoDelay{base.__name__}",
        (base,),
        {"connect": connect, "_rw_nodelay": True, "__module__": __name__},
    )


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "rater_widgets.nodelay"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    base = settings.get(_SETTING)
    if base is None:  # a server without kernel websockets: nothing to do
        serverapp.log.warning("rater_widgets.nodelay: no kernel websocket class to wrap")
        return
    settings[_SETTING] = nodelay_connection_class(base)
    serverapp.log.info(
        "rater_widgets.nodelay: kernel websockets send without delay (TCP_NODELAY, %s)",
        base.__name__,
    )
