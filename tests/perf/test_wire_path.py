"""The client's wire path — the body and the answer are handled without payload-sized copies.

The request body is sent in pieces (the base64 data URL spliced in, explicit Content-Length) and must be
exactly ``orjson.dumps`` of the body; the answer's images are decoded straight from the response bytes when
the document is in its plain shape, and by the full parse otherwise, with the same results and errors.
The peak-memory test guards against a return of ``orjson`` on the payload (a ~15x reservation).
"""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pybase64
import pytest

from leonardo_realtime_client import APIResponseError, AsyncRealtimeCanvas, RealtimeCanvas, RetryPolicy, _request_body

BASE_URL = "https://canvas.test/api/rest/v1"


def _jpeg(size: int, colour: tuple[int, int, int], *, noise: bool = False) -> bytes:
    import random

    from PIL import Image

    im = Image.new("RGB", (size, size), colour)
    if noise:
        im = Image.frombytes("RGB", (size, size), random.Random(size).randbytes(size * size * 3))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


IN_JPEG = _jpeg(64, (200, 40, 90))
OUT_JPEG = _jpeg(48, (10, 160, 220))
OUT_URL = "data:image/jpeg;base64," + pybase64.b64encode(OUT_JPEG).decode()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Server:
    """A MockTransport handler: records requests, answers with the queued bodies (the last one repeats)."""

    def __init__(self, *answers: bytes | httpx.Response) -> None:
        self.answers = list(answers) or [orjson.dumps({"lcmGenerationJob": {"imageDataUrl": [OUT_URL]}})]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, content=answer, headers={"content-type": "application/json"})

    def client(self, **kwargs: Any) -> RealtimeCanvas:
        return RealtimeCanvas(api_key="k", base_url=BASE_URL, transport=httpx.MockTransport(self), **kwargs)

    def async_client(self, **kwargs: Any) -> AsyncRealtimeCanvas:
        return AsyncRealtimeCanvas(api_key="k", base_url=BASE_URL, transport=httpx.MockTransport(self), **kwargs)


def _no_sleep() -> RetryPolicy:
    async def asleep(seconds: float) -> None:
        pass

    return RetryPolicy(sleep=lambda seconds: None, async_sleep=asleep, rng=lambda: 0.0)


# -- the request ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{}, {"guidance": 7.5, "strength": 0.6, "steps": 8, "width": 640, "height": 640, "seed": 42, "style": "ANIME"}],
)
def test_the_spliced_body_is_exactly_orjson_of_the_body(options: dict[str, Any]) -> None:
    server = Server()
    with server.client() as client:
        client.generate(IN_JPEG, prompt='a "quoted" prompt, ünïcode \\ and a\nnew line', **options)
    request = server.requests[0]
    body = orjson.loads(request.content)
    assert request.content == orjson.dumps(body)  # valid JSON, and byte for byte what orjson would send
    assert body["imageDataUrl"] == "data:image/jpeg;base64," + pybase64.b64encode(IN_JPEG).decode()
    assert body["prompt"] == 'a "quoted" prompt, ünïcode \\ and a\nnew line'
    assert request.headers["content-length"] == str(len(request.content))
    assert "transfer-encoding" not in request.headers


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "path", "data URL"])
def test_every_input_kind_sends_the_same_valid_body(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "in.jpg"
    path.write_bytes(IN_JPEG)
    given: Any = {
        "bytes": IN_JPEG,
        "bytearray": bytearray(IN_JPEG),
        "memoryview": memoryview(IN_JPEG),
        "path": path,
        "data URL": "data:image/jpeg;base64," + pybase64.b64encode(IN_JPEG).decode(),
    }[kind]
    reference, server = Server(), Server()
    with reference.client() as client:
        client.generate(IN_JPEG, prompt="a fox", seed=3)
    with server.client() as client:
        client.generate(given, prompt="a fox", seed=3)
    assert server.requests[0].content == reference.requests[0].content
    assert server.requests[0].content == orjson.dumps(orjson.loads(server.requests[0].content))


@pytest.mark.parametrize("kind", ["bytes", "bytearray"])
def test_a_retry_sends_the_same_bytes_again(kind: str) -> None:
    given = IN_JPEG if kind == "bytes" else bytearray(IN_JPEG)
    server = Server(
        # Answers that say "not processed", so the default policy retries them (a bare 500 it would not)
        httpx.Response(503, headers={"Retry-After": "0"}),
        httpx.Response(429),
        orjson.dumps({"lcmGenerationJob": {"imageDataUrl": [OUT_URL]}}),
    )
    with server.client(retry_policy=_no_sleep()) as client:
        result = client.generate(given, prompt="a fox", seed=1)
    assert len(server.requests) == 3
    assert server.requests[0].content == server.requests[1].content == server.requests[2].content
    assert [r.headers["content-length"] for r in server.requests] == [str(len(server.requests[0].content))] * 3
    assert result.image == OUT_JPEG


@pytest.mark.anyio
async def test_an_async_retry_sends_the_same_bytes_again() -> None:
    server = Server(httpx.Response(429), orjson.dumps({"lcmGenerationJob": {"imageDataUrl": [OUT_URL]}}))
    async with server.async_client(retry_policy=_no_sleep()) as client:
        result = await client.generate(IN_JPEG, prompt="a fox", seed=1)
    assert len(server.requests) == 2
    assert server.requests[0].content == server.requests[1].content
    assert result.image == OUT_JPEG


class StreamingRedirector(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Consumes the request body the way a socket does (iterating ``request.stream``, never ``read()``, which
    would swap in a replayable copy); answers a 307 to /moved first, then 200. Records the bodies received."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, bytes]] = []
        self.pieces: list[int] = []  # how many pieces each body came in

    def _answer(self, request: httpx.Request, chunks: list[bytes]) -> httpx.Response:
        body = b"".join(chunks)
        self.bodies.append((request.url.path, body))
        self.pieces.append(len(chunks))
        if not request.url.path.endswith("/moved"):
            return httpx.Response(307, headers={"location": str(request.url.copy_with(path="/moved"))})
        return httpx.Response(200, content=orjson.dumps({"lcmGenerationJob": {"imageDataUrl": [OUT_URL]}}))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        return self._answer(request, list(request.stream))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        return self._answer(request, [chunk async for chunk in request.stream])


@pytest.mark.parametrize("joined", [True, False], ids=["joined", "three pieces"])
def test_a_followed_307_redirect_resends_the_same_body(joined: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not joined:  # a body above JOIN_LIMIT goes out as its three pieces: resent whole all the same
        monkeypatch.setattr(_request_body, "JOIN_LIMIT", 0)
    transport = StreamingRedirector()
    http = httpx.Client(transport=transport, follow_redirects=True)
    with http, RealtimeCanvas(api_key="k", base_url=BASE_URL, http_client=http) as client:
        result = client.generate(IN_JPEG, prompt="a fox")
    assert [path for path, _ in transport.bodies] == ["/api/rest/v1/generations-lcm", "/moved"]
    assert transport.bodies[0][1] == transport.bodies[1][1]
    assert transport.pieces == ([1, 1] if joined else [3, 3])
    assert orjson.loads(transport.bodies[1][1])["prompt"] == "a fox"
    assert result.image == OUT_JPEG


@pytest.mark.anyio
@pytest.mark.parametrize("joined", [True, False], ids=["joined", "three pieces"])
async def test_an_async_followed_307_redirect_resends_the_same_body(
    joined: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not joined:
        monkeypatch.setattr(_request_body, "JOIN_LIMIT", 0)
    transport = StreamingRedirector()
    http = httpx.AsyncClient(transport=transport, follow_redirects=True)
    async with http, AsyncRealtimeCanvas(api_key="k", base_url=BASE_URL, http_client=http) as client:
        result = await client.generate(IN_JPEG, prompt="a fox")
    assert [path for path, _ in transport.bodies] == ["/api/rest/v1/generations-lcm", "/moved"]
    assert transport.bodies[0][1] == transport.bodies[1][1]
    assert transport.pieces == ([1, 1] if joined else [3, 3])
    assert result.image == OUT_JPEG


@pytest.mark.anyio
async def test_async_sends_what_sync_sends() -> None:
    sync_server, async_server = Server(), Server()
    with sync_server.client() as client:
        client.refine(IN_JPEG, prompt="a fox", strength=0.5)
    async with async_server.async_client() as aclient:
        await aclient.refine(IN_JPEG, prompt="a fox", strength=0.5)
    assert async_server.requests[0].content == sync_server.requests[0].content
    assert async_server.requests[0].headers["content-length"] == str(len(sync_server.requests[0].content))


def test_a_callers_own_data_url_with_line_breaks_still_makes_valid_json() -> None:
    b64 = pybase64.b64encode(IN_JPEG).decode()
    wrapped = "data:image/jpeg;base64," + "\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    server = Server()
    with server.client() as client:
        client.generate(wrapped, prompt="a fox")
    body = orjson.loads(server.requests[0].content)
    assert pybase64.b64decode(body["imageDataUrl"].split(",", 1)[1].replace("\n", "")) == IN_JPEG


def test_inpaint_splices_image_and_mask() -> None:
    mask = _jpeg(64, (255, 255, 255))
    server = Server()
    with server.client() as client:
        client.inpaint(IN_JPEG, mask, prompt="a fox")
    content = server.requests[0].content
    body = orjson.loads(content)
    assert content == orjson.dumps(body)
    assert body["imageDataUrl"].endswith(pybase64.b64encode(IN_JPEG).decode())
    assert body["maskDataUrl"].startswith("data:image/jpeg;base64,")


# -- the answer ---------------------------------------------------------------------------------------------------


def _answer(urls: list[str], *, indent: bool = False, escape_slashes: bool = False, extra: Any = None) -> bytes:
    document: dict[str, Any] = {"lcmGenerationJob": {"imageDataUrl": urls, "requestTimestamp": "7"}}
    if extra is not None:
        document = {"echo": extra, **document}
    raw = orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0)
    return raw.replace(b"/", b"\\/") if escape_slashes else raw


PNG_OUT = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("plain", _answer([OUT_URL])),
        ("pretty-printed", _answer([OUT_URL], indent=True)),
        ("slashes escaped (valid JSON, slow path)", _answer([OUT_URL], escape_slashes=True)),
        ("two images", _answer([OUT_URL, OUT_URL])),
        ("the key also elsewhere", _answer([OUT_URL], extra={"imageDataUrl": ["not this one"]})),
        ("the key inside a string", _answer([OUT_URL], extra='"imageDataUrl": ["nor this"]')),
    ],
)
def test_every_shape_of_answer_gives_the_same_images(name: str, answer: bytes) -> None:
    server = Server(answer)
    with server.client() as client:
        result = client.generate(IN_JPEG, prompt="a fox")
    expected = len(orjson.loads(answer)["lcmGenerationJob"]["imageDataUrl"])
    assert result.images == (OUT_JPEG,) * expected
    assert result.mime_types == ("image/jpeg",) * expected
    assert result.request_timestamp == "7"


@pytest.mark.parametrize(
    "answer",
    [
        orjson.dumps({"imageDataUrl": [OUT_URL], "lcmGenerationJob": {"imageDataUrl": [""]}}),
        orjson.dumps({"lcmGenerationJob": {"echo": {"imageDataUrl": [OUT_URL]}, "imageDataUrl": [""]}}),
    ],
)
def test_images_elsewhere_in_the_answer_never_stand_in_for_the_jobs(answer: bytes) -> None:
    # The job's own list holds an empty string, which is no data URL: a full parse refuses it, and so must the
    # fast path, though the first "imageDataUrl" in the bytes (outside the job) holds a good image.
    server = Server(answer)
    with server.client() as client, pytest.raises(APIResponseError) as caught:
        client.generate(IN_JPEG, prompt="a fox")
    assert "lcmGenerationJob.imageDataUrl[0]" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("data:image/jpeg;base64,!!!!" + OUT_URL[27:], "base64"),
        ("data:image/png;base64," + OUT_URL[23:], "label"),
        ("data:image/jpeg;base64," + pybase64.b64encode(b"not an image at all").decode(), "image"),
    ],
)
def test_a_bad_image_in_the_answer_is_reported_the_same_way(url: str, problem: str) -> None:
    server = Server(_answer([url]))
    with server.client() as client, pytest.raises(APIResponseError) as caught:
        client.generate(IN_JPEG, prompt="a fox")
    assert "imageDataUrl[0]" in str(caught.value)
    assert problem in str(caught.value).lower()


# -- memory ---------------------------------------------------------------------------------------------------


def _peak(call: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        call()  # warm
        gc.collect()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = call()
        peak = tracemalloc.get_traced_memory()[1] - base
        del result
    finally:
        tracemalloc.stop()
    return peak


def test_a_round_trip_allocates_a_few_payloads_not_orjsons_reservations() -> None:
    big_in = _jpeg(512, (0, 0, 0), noise=True)
    big_out = "data:image/jpeg;base64," + pybase64.b64encode(_jpeg(500, (0, 0, 0), noise=True)).decode()
    payload = len(pybase64.b64encode(big_in))
    server = Server(_answer([big_out]))
    with server.client() as client:
        peak = _peak(lambda: client.generate(big_in, prompt="a fox").image)
    # MockTransport reads the request into one buffer and hands the answer over whole, unlike a socket, so
    # this is looser than `make bench`'s 3x; orjson on the payload would read ~15x and more.
    assert peak < 5 * payload, f"peak {peak / payload:.1f}x the payload"
