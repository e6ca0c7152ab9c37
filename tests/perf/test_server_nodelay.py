"""The local server's accepted connections have TCP_NODELAY on.

asyncio sets TCP_NODELAY only on sockets whose ``proto`` is ``IPPROTO_TCP``; the server used to bind a socket
made with ``proto=0``, so Nagle's algorithm stayed on and a small answer written in two pieces waited for the
client's delayed ACK (~40 ms). The probe finds the server's end of a connection in this process (the server
runs in a thread here) through ``/proc/self/fd`` and reads the option from the socket itself.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys

import pytest

from leonardo_realtime_client.server import running_server
from leonardo_realtime_client.server._running import listening_socket

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")


def _nodelay_of_peer(client: socket.socket) -> int:
    """TCP_NODELAY of the socket in this process whose peer is `client` (the server's accepted end)."""
    wanted = client.getsockname()
    for name in os.listdir("/proc/self/fd"):
        try:
            sock = socket.socket(fileno=os.dup(int(name)))
        except OSError:  # not a socket
            continue
        with sock:
            try:
                if sock.getpeername() == wanted:
                    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            except OSError:  # not connected, or not TCP
                continue
    raise AssertionError(f"no socket in this process is connected to {wanted}")


def _exchange(port: int) -> tuple[socket.socket, bytes]:
    """Connect, send one small request, read the start of the answer: the server has accepted by then."""
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall(b"GET /api/rest/v1/generations-lcm HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    return client, client.recv(64)


def test_local_server_sets_nodelay_on_accepted_connections() -> None:
    with running_server() as base_url:
        port = int(base_url.split(":")[2].split("/")[0])
        client, answer = _exchange(port)
        with client:
            assert answer.startswith(b"HTTP/1.1 ")
            assert _nodelay_of_peer(client) != 0


def test_listening_socket_is_tcp_by_protocol() -> None:
    with listening_socket("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[0] == "127.0.0.1"


def test_the_probe_sees_nagle_on_a_socket_without_the_protocol() -> None:
    """The check can fail: asyncio leaves TCP_NODELAY off on what a ``proto=0`` socket accepts."""

    class Answer(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            assert isinstance(self.transport, asyncio.WriteTransport)
            self.transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")

    async def go() -> int:
        plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as the server used to bind
        plain.bind(("127.0.0.1", 0))
        server = await asyncio.get_running_loop().create_server(Answer, sock=plain)
        try:
            client, answer = await asyncio.to_thread(_exchange, plain.getsockname()[1])
            with client:
                assert answer.startswith(b"HTTP/1.1 204")
                return _nodelay_of_peer(client)
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(go()) == 0
