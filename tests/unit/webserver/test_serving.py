"""webserver/serving.py: a server socket bound as Streamlit binds it (protocol 0) gets TCP_NODELAY on every
accepted connection, so kept-alive responses do not wait for the client's delayed ACK."""

from __future__ import annotations

import asyncio
import asyncio.base_events
import socket

import pytest

from webserver import serving


def accepted_nodelay() -> int:
    listener = socket.socket(family=socket.AF_INET)  # as streamlit's _bind_socket does: protocol 0
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    found: list[int] = []

    async def main() -> None:
        done = asyncio.Event()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            found.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            done.set()
            writer.close()

        server = await asyncio.start_server(handle, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        await asyncio.wait_for(done.wait(), 10)
        writer.close()
        server.close()

    asyncio.run(main())
    return found[0]


def test_nodelay_is_set_on_connections_of_a_protocol_0_listener(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asyncio.base_events, "_set_nodelay", asyncio.base_events._set_nodelay)  # restored after
    assert accepted_nodelay() == 0  # the bug: asyncio skips a socket whose protocol is 0
    assert serving.install()
    assert accepted_nodelay() == 1
