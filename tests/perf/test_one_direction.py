"""One request, one direction: each input image is read and sniffed once per call, base64-encoded once per
attempt, and the body goes out joined up to ``JOIN_LIMIT`` (two socket sends with the headers, as a hand-written
call's) or in three pieces above it (four sends, the payload never copied into a joined buffer), sync and
async alike.

Calls are counted with spies on every place the functions are reachable from the package (module attributes
and names imported into our modules), so a second sniff or encode anywhere on the way out is caught; only calls
on the caller's payload count (the answer's images are decoded, not sniffed as input).
"""

from __future__ import annotations

import base64
import binascii
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pybase64
import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, RealtimeCanvas, RetryPolicy, _request_body
from leonardo_realtime_client._images import sniff_format
from leonardo_realtime_client.server import running_server

from ..client.conftest import API_KEY, BASE_URL, make_jpeg, ok

PAYLOAD = make_jpeg((96, 80), (30, 120, 210))
MASK = make_jpeg((96, 80), (255, 255, 255))
PAYLOAD_URL = "data:image/jpeg;base64," + pybase64.b64encode(PAYLOAD).decode()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _as_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("latin-1", "replace")
    return None


class Spy:
    """Counts the calls of the functions it wraps whose first argument is ``payload``."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.calls = 0
        self.depth = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def spy(data: object, *args: Any, **kwargs: Any) -> Any:
            if self.depth == 0 and _as_bytes(data) == self.payload:
                self.calls += 1
            self.depth += 1  # base64.b64encode calls binascii: one encode, counted once
            try:
                return function(data, *args, **kwargs)
            finally:
                self.depth -= 1

        return spy


def _patch_everywhere(monkeypatch: pytest.MonkeyPatch, function: Callable[..., Any], spy: Spy) -> None:
    """Replace ``function`` in its own module and wherever a module of the package imported it by name."""
    wrapped = spy.wrap(function)
    owners = [sys.modules[function.__module__], pybase64, base64, binascii] + [
        module for name, module in list(sys.modules.items()) if name.startswith("leonardo_realtime_client")
    ]
    for module in owners:
        for attribute, value in list(vars(module).items()):
            if value is function:
                monkeypatch.setattr(module, attribute, wrapped)


@pytest.fixture
def sniffs(monkeypatch: pytest.MonkeyPatch) -> Spy:
    spy = Spy(PAYLOAD)
    _patch_everywhere(monkeypatch, sniff_format, spy)
    return spy


@pytest.fixture
def encodes(monkeypatch: pytest.MonkeyPatch) -> Spy:
    spy = Spy(PAYLOAD)
    for function in (
        pybase64.b64encode,
        pybase64.b64encode_as_string,
        pybase64.standard_b64encode,
        base64.b64encode,
        base64.standard_b64encode,
        binascii.b2a_base64,
    ):
        _patch_everywhere(monkeypatch, function, spy)
    return spy


def _recorder(answers: list[httpx.Response]) -> tuple[list[httpx.Request], httpx.MockTransport]:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        request.read()
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return requests, httpx.MockTransport(handler)


def _no_sleep() -> RetryPolicy:
    async def asleep(seconds: float) -> None:
        pass

    return RetryPolicy(sleep=lambda seconds: None, async_sleep=asleep, rng=lambda: 0.0)


@pytest.mark.parametrize("operation", ["generate", "refine", "upscale", "inpaint"])
def test_jpeg_bytes_are_sniffed_once_and_base64_encoded_once(operation: str, sniffs: Spy, encodes: Spy) -> None:
    requests, transport = _recorder([ok()])
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=transport) as client:
        method = getattr(client, operation)
        method(PAYLOAD, MASK, prompt="a fox") if operation == "inpaint" else method(PAYLOAD, prompt="a fox")
    assert (sniffs.calls, encodes.calls) == (1, 1)
    body = orjson.loads(requests[0].content)
    assert body["imageDataUrl"] == PAYLOAD_URL


def test_each_retry_encodes_again_but_never_sniffs_again(sniffs: Spy, encodes: Spy) -> None:
    requests, transport = _recorder([httpx.Response(429), httpx.Response(429), ok()])
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=transport, retry_policy=_no_sleep()) as client:
        client.refine(bytearray(PAYLOAD), prompt="a fox")
    assert len(requests) == 3
    assert (sniffs.calls, encodes.calls) == (1, 3)  # the base64 is let go between attempts, not kept
    assert requests[0].content == requests[1].content == requests[2].content


@pytest.mark.anyio
async def test_the_async_client_sniffs_and_encodes_as_often_as_the_sync_one(sniffs: Spy, encodes: Spy) -> None:
    _, transport = _recorder([ok()])
    async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=transport) as client:
        await client.generate(PAYLOAD, prompt="a fox")
    assert (sniffs.calls, encodes.calls) == (1, 1)


def test_a_path_is_read_once_and_a_data_url_is_sent_as_given(
    tmp_path: Path, sniffs: Spy, encodes: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "in.jpg"
    path.write_bytes(PAYLOAD)
    opened: list[Path] = []
    real_open = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(self)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    requests, transport = _recorder([ok()])
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=transport) as client:
        client.refine(path, prompt="a fox")
        assert (sniffs.calls, encodes.calls) == (1, 1)
        assert opened == [path]
        client.refine(PAYLOAD_URL, prompt="a fox")
    assert (sniffs.calls, encodes.calls) == (2, 1)  # sniffed once when decoded; the base64 is not made again
    assert requests[0].content == requests[1].content


# -- pieces and writes ---------------------------------------------------------------------------------------------


class StreamReader(httpx.BaseTransport):
    """Reads the request body the way a socket does (iterating ``request.stream``) and keeps its chunks."""

    def __init__(self) -> None:
        self.chunks: list[list[bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        self.chunks.append(list(request.stream))
        return ok()


def test_a_body_up_to_the_join_limit_is_handed_to_httpx_joined_in_one_piece() -> None:
    transport = StreamReader()
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=transport) as client:
        client.refine(PAYLOAD, prompt="a fox", strength=0.5)
        client.inpaint(PAYLOAD, MASK, prompt="a fox")
    assert [len(pieces) for pieces in transport.chunks] == [1, 1]
    for (body,) in transport.chunks:
        assert orjson.loads(body)["imageDataUrl"] == PAYLOAD_URL


def test_a_larger_body_is_handed_to_httpx_in_three_pieces_never_joined(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = StreamReader()
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=transport) as client:
        body = client._prepare("refine", {"image": PAYLOAD, "prompt": "a fox", "options": {}}).body
        monkeypatch.setattr(_request_body, "JOIN_LIMIT", body.content_length)  # this body: still joined
        client.refine(PAYLOAD, prompt="a fox")
        monkeypatch.setattr(_request_body, "JOIN_LIMIT", body.content_length - 1)  # one byte more than the limit
        client.refine(PAYLOAD, prompt="a fox")
        client.inpaint(PAYLOAD, MASK, prompt="a fox")
    assert [len(pieces) for pieces in transport.chunks] == [1, 3, 3]
    for pieces in transport.chunks[1:]:
        assert pieces[1] == pybase64.b64encode(PAYLOAD)  # the payload alone: never joined into a copy
        assert orjson.loads(b"".join(pieces))["prompt"] == "a fox"


class SendCounter:
    """Counts ``send``/``sendall`` calls on TCP sockets whose peer is the server's port (the client's side)."""

    def __init__(self) -> None:
        self.port = 0
        self.sends = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def spy(sock: socket.socket, data: Any, *args: Any) -> Any:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    peer_port = sock.getpeername()[1]
                except OSError:
                    peer_port = None
                if peer_port == self.port:
                    self.sends += 1
            return function(sock, data, *args)

        return spy


@pytest.fixture
def local_sends(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, SendCounter]]:
    counter = SendCounter()
    with running_server() as base_url:
        counter.port = httpx.URL(base_url).port or 0
        monkeypatch.setattr(socket.socket, "send", counter.wrap(socket.socket.send))
        monkeypatch.setattr(socket.socket, "sendall", counter.wrap(socket.socket.sendall))
        yield base_url, counter


@pytest.mark.parametrize(("limit", "sends"), [(_request_body.JOIN_LIMIT, 2), (0, 4)])
def test_a_sync_request_is_two_socket_sends_or_four_above_the_join_limit(
    local_sends: tuple[str, SendCounter], monkeypatch: pytest.MonkeyPatch, limit: int, sends: int
) -> None:
    """Headers, then the body: joined (as a hand-written call sends it), or its three pieces when larger."""
    monkeypatch.setattr(_request_body, "JOIN_LIMIT", limit)
    base_url, counter = local_sends
    with RealtimeCanvas(api_key=API_KEY, base_url=base_url) as client:
        client.refine(PAYLOAD, prompt="a fox")  # opens the connection
        counter.sends = 0
        for _ in range(3):
            client.refine(PAYLOAD, prompt="a fox", strength=0.5)
    assert counter.sends == 3 * sends


@pytest.mark.anyio
@pytest.mark.parametrize(("limit", "sends"), [(_request_body.JOIN_LIMIT, 2), (0, 4)])
async def test_an_async_request_is_as_many_socket_sends_as_a_sync_one(
    local_sends: tuple[str, SendCounter], monkeypatch: pytest.MonkeyPatch, limit: int, sends: int
) -> None:
    monkeypatch.setattr(_request_body, "JOIN_LIMIT", limit)
    base_url, counter = local_sends
    async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=base_url) as client:
        await client.refine(PAYLOAD, prompt="a fox")
        counter.sends = 0
        for _ in range(3):
            await client.refine(PAYLOAD, prompt="a fox", strength=0.5)
    assert counter.sends == 3 * sends
