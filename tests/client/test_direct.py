"""The direct way to the transport (``_direct``): on the httpx client the package made, a request skips httpx's
per-request layers, and nothing a caller can see changes — the same request on the wire as httpx's own
``build_request``/``send`` makes, the client's headers and cookies honoured, and the full ``send`` again as soon
as the client is given event hooks, auth or redirects, or is the caller's own."""

from __future__ import annotations

import logging

import httpx
import pytest

from leonardo_realtime_client import APIConnectionError, APIStatusError, AsyncRealtimeCanvas, RealtimeCanvas
from leonardo_realtime_client._direct import Direct

from .conftest import API_KEY, BASE_URL, Recorder, make_jpeg, ok

JPEG = make_jpeg()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _wire(request: httpx.Request) -> tuple[str, str, list[tuple[bytes, bytes]], bytes, object]:
    return request.method, str(request.url), request.headers.raw, request.read(), request.extensions["timeout"]


def test_the_request_is_the_one_httpx_builds_and_sends() -> None:
    direct, public = Recorder(), Recorder()
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=direct.transport, timeout=7.5) as ours:
        assert ours._direct_sender() is not None
        ours.generate(JPEG, prompt="a fox", seed=3)
        ours.generate(JPEG, prompt="a fox", seed=3)  # the merged headers are reused: still the same request
    with (
        httpx.Client(transport=public.transport) as http,
        RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, http_client=http, timeout=7.5) as theirs,
    ):
        assert theirs._direct_sender() is None  # the caller's client: every layer of httpx.Client.send
        theirs.generate(JPEG, prompt="a fox", seed=3)
    assert direct.sent_authorization == [f"Bearer {API_KEY}"] * 2 == public.sent_authorization * 2
    assert _wire(direct.requests[0]) == _wire(direct.requests[1]) == _wire(public.requests[0])


def test_a_change_to_the_clients_headers_is_sent() -> None:
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport) as canvas:
        canvas.generate(JPEG, prompt="a fox")
        canvas.http_client.headers["X-Trace-Tag"] = "canvas-7"
        canvas.http_client.headers["Accept-Encoding"] = "identity"
        canvas.generate(JPEG, prompt="a fox")
    first, second = recorder.requests
    assert "x-trace-tag" not in first.headers
    assert second.headers["x-trace-tag"] == "canvas-7"
    assert (first.headers["accept-encoding"], second.headers["accept-encoding"]) != ("identity", "gzip")
    assert second.headers["accept-encoding"] == "identity"
    assert second.headers["authorization"] == "Bearer [redacted]"  # ours still over the client's, redacted after


def test_cookies_are_stored_and_sent_back_as_httpx_does() -> None:
    recorder = Recorder(ok(**{"set-cookie": "AWSALB=sticky-1; Path=/"}), ok())
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport) as canvas:
        canvas.generate(JPEG, prompt="a fox")
        assert canvas.http_client.cookies.get("AWSALB") == "sticky-1"
        canvas.generate(JPEG, prompt="a fox")
    assert "cookie" not in recorder.requests[0].headers
    assert recorder.requests[1].headers["cookie"] == "AWSALB=sticky-1"


@pytest.mark.parametrize("change", ["request hook", "response hook", "auth", "follow_redirects", "params"])
def test_a_client_given_hooks_auth_or_redirects_goes_through_httpx_send(change: str) -> None:
    seen: list[str] = []
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport) as canvas:
        http = canvas.http_client
        if change == "request hook":
            http.event_hooks["request"].append(lambda request: seen.append(request.url.path))
        elif change == "response hook":
            http.event_hooks["response"].append(lambda response: seen.append(response.request.url.path))
        elif change == "auth":
            http.auth = httpx.BasicAuth("user", "pass")
        elif change == "params":
            http.params = httpx.QueryParams({"tag": "canvas-7"})
        else:
            http.follow_redirects = True
        assert canvas._direct_sender() is None
        canvas.generate(JPEG, prompt="a fox")
    if change.endswith("hook"):
        assert seen == ["/api/rest/v1/generations-lcm"]
    if change == "params":
        assert recorder.requests[0].url.params["tag"] == "canvas-7"
    assert recorder.sent_authorization == [f"Bearer {API_KEY}"]  # our key, never the client-level auth


def test_a_transport_error_carries_the_request_and_httpx_logs_its_line(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(httpx.ConnectError("refused"), ok())
    canvas = RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, max_retries=0)
    with caplog.at_level(logging.INFO, logger="httpx"), canvas:
        with pytest.raises(APIConnectionError) as failed:
            canvas.generate(JPEG, prompt="a fox")
        canvas.generate(JPEG, prompt="a fox")
    assert failed.value.request is not None
    assert failed.value.request.url.path == "/api/rest/v1/generations-lcm"
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert lines == [f'HTTP Request: POST {BASE_URL}/generations-lcm "HTTP/1.1 200 OK"']
    assert API_KEY not in caplog.text


def test_the_answer_carries_its_request_and_elapsed_time_once_read() -> None:
    def streamed(request: httpx.Request) -> httpx.Response:  # not read yet, as from a socket
        return httpx.Response(200, stream=httpx.ByteStream(b"{}"))

    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(streamed)) as canvas:
        direct = canvas._direct_sender()
        assert isinstance(direct, Direct)
        request = direct.request("POST", f"{BASE_URL}/generations-lcm", {}, httpx.ByteStream(b"{}"), 2, canvas.timeout)
        response = direct.send(request)
        response.read()
        response.close()
    assert response.request is request
    assert response.elapsed.total_seconds() >= 0
    assert request.headers["content-length"] == "2"
    assert request.headers.raw[0] == (b"Host", b"api.example.test")


def test_a_closed_client_refuses_to_send() -> None:
    canvas = RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=Recorder().transport)
    direct = canvas._direct_sender()
    assert direct is not None
    request = direct.request("POST", f"{BASE_URL}/x", {}, httpx.ByteStream(b""), 0, canvas.timeout)
    canvas.close()
    with pytest.raises(RuntimeError, match="client has been closed"):
        direct.send(request)


@pytest.mark.anyio
async def test_the_async_client_sends_the_same_request_as_httpx() -> None:
    direct, public = Recorder(), Recorder()
    async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=direct.transport) as ours:
        assert ours._direct_sender() is not None
        await ours.refine(JPEG, prompt="a fox", strength=0.5)
    async with (
        httpx.AsyncClient(transport=public.transport) as http,
        AsyncRealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, http_client=http) as theirs,
    ):
        assert theirs._direct_sender() is None
        await theirs.refine(JPEG, prompt="a fox", strength=0.5)
    assert _wire(direct.requests[0]) == _wire(public.requests[0])


@pytest.mark.anyio
async def test_the_async_client_honours_a_hook_added_to_its_own_client() -> None:
    seen: list[int] = []
    recorder = Recorder()

    async def hook(response: httpx.Response) -> None:
        seen.append(response.status_code)

    async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport) as canvas:
        await canvas.generate(JPEG, prompt="a fox")
        canvas.http_client.event_hooks["response"].append(hook)
        await canvas.generate(JPEG, prompt="a fox")
    assert seen == [200]


def test_a_redirect_answer_is_a_status_error_with_its_location_and_no_prepared_next_request() -> None:
    """The one thing the direct way does not make (its docstring says so): httpx's ``next_request`` for a 3xx it
    does not follow. The answer is the same status error, its ``Location`` kept as sent."""
    moved = httpx.Response(308, headers={"location": "https://elsewhere.example/v1/generations-lcm"})
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=Recorder(moved).transport) as canvas:
        assert canvas._direct_sender() is not None
        with pytest.raises(APIStatusError) as caught:
            canvas.generate(JPEG, prompt="a fox", max_retries=0)
    assert caught.value.status_code == 308
    assert caught.value.response is not None
    assert caught.value.response.headers["location"] == "https://elsewhere.example/v1/generations-lcm"
    assert caught.value.response.next_request is None


def test_the_host_header_follows_each_requests_url() -> None:
    """The merged headers are reused between requests, but never with another request's Host."""
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=Recorder().transport) as canvas:
        direct = canvas._direct_sender()
        assert direct is not None
        first = direct.request("POST", "https://one.example.test/x", {}, httpx.ByteStream(b""), 0, canvas.timeout)
        second = direct.request("POST", "https://two.example.test/x", {}, httpx.ByteStream(b""), 0, canvas.timeout)
    assert (first.headers["host"], second.headers["host"]) == ("one.example.test", "two.example.test")
