"""Bounded answers (issue 11, point 4b), over a real 127.0.0.1 socket: an answer larger than ``max_response_bytes`` is
refused before its body is read when it says its length, and reading stops at the limit when it does not."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import orjson
import pytest

from leonardo_realtime_client import (
    APIResponseError,
    AsyncRealtimeCanvas,
    ConfigurationError,
    Outcome,
    RealtimeCanvas,
)
from leonardo_realtime_client._answer import DEFAULT_MAX_RESPONSE_BYTES

from .conftest import OUT_JPEG, data_url, make_jpeg

IMAGE = make_jpeg()
GOOD = orjson.dumps({"lcmGenerationJob": {"imageDataUrl": [data_url(OUT_JPEG)], "padding": "." * 1024}})


class Answers(http.server.BaseHTTPRequestHandler):
    """``/declared-huge``: a Content-Length of 1 GB, then a few bytes and the end of the connection (a client that
    tried to read it would fail with an incomplete body, not our error); ``/chunked-big``: 2 MiB chunked, no length;
    anything else: a normal answer."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        if self.path.startswith("/declared-huge"):
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(10**9))
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(b'{"lcmGenerationJob": ')
            return
        if self.path.startswith("/chunked-big"):
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("transfer-encoding", "chunked")
            self.send_header("connection", "close")
            self.end_headers()
            piece = b"x" * 65536
            for _ in range(32):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(GOOD)))
        self.end_headers()
        self.wfile.write(GOOD)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_a_declared_length_above_the_cap_is_refused_unread(server: str) -> None:
    expected = "declares 1,000,000,000 bytes, more than max_response_bytes"
    with (
        RealtimeCanvas(api_key="k", base_url=server + "/declared-huge", max_retries=0) as c,
        pytest.raises(APIResponseError, match=expected) as e,
    ):
        c.generate(IMAGE, prompt="x")
    assert e.value.outcome is Outcome.PROCESSED  # a 200: the server did (and billed) the work
    assert e.value.attempts == 1


def test_a_body_without_a_length_stops_being_read_at_the_cap(server: str) -> None:
    with (
        RealtimeCanvas(api_key="k", base_url=server + "/chunked-big", max_response_bytes=1024 * 1024) as c,
        pytest.raises(APIResponseError, match="went on past 1,048,576 bytes"),
    ):
        c.generate(IMAGE, prompt="x")


def test_an_answer_within_the_cap_is_read_whole(server: str) -> None:
    with RealtimeCanvas(api_key="k", base_url=server, max_response_bytes=len(GOOD)) as c:
        assert c.generate(IMAGE, prompt="x").images == (OUT_JPEG,)
    assert DEFAULT_MAX_RESPONSE_BYTES == 64 * 1024 * 1024


@pytest.mark.anyio
async def test_the_async_client_is_bounded_too(server: str) -> None:
    async with AsyncRealtimeCanvas(api_key="k", base_url=server + "/chunked-big", max_response_bytes=4096) as c:
        with pytest.raises(APIResponseError, match="went on past 4,096 bytes"):
            await c.refine(IMAGE, prompt="x")
    async with AsyncRealtimeCanvas(api_key="k", base_url=server + "/declared-huge") as c:
        with pytest.raises(APIResponseError, match="declares 1,000,000,000 bytes"):
            await c.refine(IMAGE, prompt="x")
    async with AsyncRealtimeCanvas(api_key="k", base_url=server) as c:
        assert (await c.refine(IMAGE, prompt="x")).images == (OUT_JPEG,)


@pytest.mark.parametrize("value", [0, 1023, -1, 2.5, "64MB", True])
def test_a_nonsense_cap_is_a_configuration_error(value: object) -> None:
    with pytest.raises(ConfigurationError, match="max_response_bytes"):
        RealtimeCanvas(api_key="k", max_response_bytes=value)  # type: ignore[arg-type]


def test_peak_memory_stays_near_twice_the_body(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue measured a 40 MB answer peaking at ~200 MB; now the body is read once and joined once (~2x)."""
    import gc
    import tracemalloc

    big = make_jpeg((16, 16))
    padded = big[:2] + (b"\xff\xfe\xff\xff" + b"x" * 65533) * 48 + big[2:]  # ~3 MB of comment segments
    body = orjson.dumps({"lcmGenerationJob": {"imageDataUrl": [data_url(padded), data_url(padded)]}})
    monkeypatch.setattr(Answers, "do_POST", _answer_with(body))
    with RealtimeCanvas(api_key="k", base_url=server) as c:
        c.generate(IMAGE, prompt="x")  # warm: imports, connection
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            result = c.generate(IMAGE, prompt="x")
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
    assert result.images == (padded, padded)
    assert peak < 2.3 * len(body), f"peak {peak:,} for a body of {len(body):,} bytes"


def _answer_with(body: bytes) -> object:
    def do_post(self: Answers) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    return do_post
