"""A fix to how Streamlit's server answers, installed by server.py before the server accepts a
connection.

Streamlit 1.67 binds its listening socket itself with ``socket.socket(family=...)``: protocol 0, not
IPPROTO_TCP. asyncio turns Nagle's algorithm off (TCP_NODELAY) only on accepted sockets whose
protocol is IPPROTO_TCP (``asyncio.base_events._set_nodelay``), so on a kept-alive connection every
response waited for the client's delayed ACK: ~40 ms added to every API call after the first on a
connection (bench/invoke.py measured it, Streamlit's own /_stcore/health included). Here asyncio sets
TCP_NODELAY on every IPv4/IPv6 stream socket, protocol 0 (which is TCP for a stream socket) included.
"""

from __future__ import annotations

import asyncio.base_events
import socket
from typing import Any


def set_nodelay(sock: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def install() -> bool:
    """Replace asyncio's check; False (nothing changed) if this Python has no such function."""
    if not hasattr(asyncio.base_events, "_set_nodelay") or not hasattr(socket, "TCP_NODELAY"):
        return False
    asyncio.base_events._set_nodelay = set_nodelay
    return True
