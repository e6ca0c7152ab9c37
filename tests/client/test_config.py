"""Configuration: key, base URL, timeout, retries, http client and transport."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import httpx
import pytest

from leonardo_realtime_client import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    AsyncRealtimeCanvas,
    ConfigurationError,
    RealtimeCanvas,
    RetryPolicy,
)
from leonardo_realtime_client._config import APIKey, is_loopback_host, resolve_api_key

from .conftest import API_KEY, BASE_URL, Recorder, make_jpeg

IMAGE = make_jpeg()
SPEC = Path(__file__).parents[2] / "openapi" / "leonardo-ai-realtime-canvas-openapi.json"


def test_default_base_url_is_the_specs_server() -> None:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    assert spec["servers"][0]["url"] == DEFAULT_BASE_URL
    with RealtimeCanvas() as canvas:
        assert canvas.base_url == DEFAULT_BASE_URL


def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEONARDO_BASE_URL", "https://proxy.example.test/v1/")
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, transport=recorder.transport) as canvas:
        assert canvas.base_url == "https://proxy.example.test/v1"
        canvas.generate(IMAGE, prompt="x")
    assert str(recorder.requests[0].url) == "https://proxy.example.test/v1/generations-lcm"


def test_argument_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEONARDO_BASE_URL", "https://env.example.test")
    with RealtimeCanvas(base_url=BASE_URL) as canvas:
        assert canvas.base_url == BASE_URL


def test_missing_key_is_an_error_at_the_first_call_not_at_construction() -> None:
    recorder = Recorder()
    canvas = RealtimeCanvas(transport=recorder.transport)  # no key anywhere: still fine
    with canvas, pytest.raises(ConfigurationError, match="LEONARDO_API_KEY"):
        canvas.generate(IMAGE, prompt="x")
    assert recorder.requests == []


def test_key_from_the_environment_is_read_at_the_first_call(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    with RealtimeCanvas(base_url=BASE_URL, transport=recorder.transport) as canvas:
        monkeypatch.setenv("LEONARDO_API_KEY", "env-key-123")
        canvas.generate(IMAGE, prompt="x")
    assert recorder.sent_authorization == ["Bearer env-key-123"]


@pytest.mark.parametrize("bad", ["", "   ", "key with spaces", "clé"])
def test_malformed_keys_are_refused_without_quoting_them(bad: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_api_key(bad)
    if bad.strip():
        assert bad not in str(caught.value)


def test_api_key_wrapper_never_shows_the_key() -> None:
    key = APIKey("sekrit-key")
    assert "sekrit" not in repr(key)
    assert "sekrit" not in str(key)
    assert "sekrit" not in f"{key}"
    assert key.reveal() == "sekrit-key"
    with pytest.raises(TypeError):
        pickle.dumps(key)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/api/rest/v1",
        "http://localhost:8000",
        "http://app.localhost",
        "http://[::1]:9000/v1",
        "http://127.9.9.9",
        "https://cloud.leonardo.ai/api/rest/v1",
    ],
)
def test_https_and_loopback_http_are_allowed(url: str) -> None:
    with RealtimeCanvas(base_url=url):
        pass


@pytest.mark.parametrize(
    "url", ["http://cloud.leonardo.ai/api/rest/v1", "http://10.0.0.5", "http://localhost.evil.com"]
)
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        RealtimeCanvas(base_url=url)
    with RealtimeCanvas(base_url=url, allow_insecure_http=True) as canvas:
        assert canvas.base_url.startswith("http://")


def test_plain_http_from_the_environment_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEONARDO_BASE_URL", "http://example.com")
    with pytest.raises(ConfigurationError, match=r"\$LEONARDO_BASE_URL"):
        AsyncRealtimeCanvas()


@pytest.mark.parametrize(
    "url", ["ftp://example.com", "example.com/api", "https://u:p@example.com", "https://x.test/?a=1", "http://"]
)
def test_unusable_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        RealtimeCanvas(base_url=url)


def test_loopback_detection() -> None:
    assert is_loopback_host("LOCALHOST.")
    assert is_loopback_host("127.0.0.1")
    assert not is_loopback_host("127.0.0.1.nip.io")
    assert not is_loopback_host("example.com")


def test_default_timeout_is_never_none() -> None:
    with RealtimeCanvas() as canvas:
        assert canvas.timeout == DEFAULT_TIMEOUT == httpx.Timeout(60.0, connect=10.0)
    with RealtimeCanvas(timeout=None) as canvas:
        assert canvas.timeout == DEFAULT_TIMEOUT
    with RealtimeCanvas(timeout=5) as canvas:
        assert canvas.timeout == httpx.Timeout(5.0)


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), "10", True])
def test_bad_timeouts_are_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="timeout"):
        RealtimeCanvas(timeout=bad)  # type: ignore[arg-type]


def test_timeout_reaches_every_request_and_can_be_overridden_per_call() -> None:
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, timeout=7) as canvas:
        canvas.generate(IMAGE, prompt="x")
        canvas.generate(IMAGE, prompt="x", timeout=httpx.Timeout(1.0, connect=0.5))
        canvas.generate(IMAGE, prompt="x", timeout=None)
    timeouts = [request.extensions["timeout"] for request in recorder.requests]
    assert timeouts[0] == {"connect": 7.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    assert timeouts[1] == {"connect": 0.5, "read": 1.0, "write": 1.0, "pool": 1.0}
    assert timeouts[2] == timeouts[0]


def test_timeout_applies_through_a_user_client_too() -> None:
    recorder = Recorder()
    with httpx.Client(transport=recorder.transport, timeout=None) as http:
        RealtimeCanvas(api_key=API_KEY, http_client=http).generate(IMAGE, prompt="x")
    assert recorder.requests[0].extensions["timeout"]["read"] == 60.0


@pytest.mark.parametrize("bad", [-1, 1.5, "2", None, True])
def test_bad_max_retries_are_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="max_retries"):
        RealtimeCanvas(max_retries=bad)  # type: ignore[arg-type]


def test_bad_per_call_max_retries_is_refused_before_sending() -> None:
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, transport=recorder.transport) as canvas:
        with pytest.raises(ConfigurationError, match="max_retries"):
            canvas.generate(IMAGE, prompt="x", max_retries=-1)
        with pytest.raises(ConfigurationError, match="timeout"):
            canvas.generate(IMAGE, prompt="x", timeout=-2)
    assert recorder.requests == []


def test_user_http_client_is_used_and_left_open() -> None:
    recorder = Recorder()
    hooks: list[str] = []
    http = httpx.Client(transport=recorder.transport, event_hooks={"request": [lambda r: hooks.append(r.url.path)]})
    with RealtimeCanvas(api_key=API_KEY, http_client=http) as canvas:
        assert canvas.http_client is http
        canvas.generate(IMAGE, prompt="x")
    assert hooks == ["/api/rest/v1/generations-lcm"]
    assert not http.is_closed
    http.close()


def test_own_client_is_closed_and_then_refuses_calls() -> None:
    canvas = RealtimeCanvas(api_key=API_KEY, transport=Recorder().transport)
    canvas.close()
    assert canvas.http_client.is_closed
    with pytest.raises(ConfigurationError, match="closed"):
        canvas.generate(IMAGE, prompt="x")


def test_http_client_and_transport_are_exclusive() -> None:
    with httpx.Client() as http, pytest.raises(ConfigurationError, match="not both"):
        RealtimeCanvas(http_client=http, transport=httpx.MockTransport(Recorder()))


def test_wrong_kind_of_http_client_or_transport_is_refused() -> None:
    async_http = httpx.AsyncClient()
    with pytest.raises(ConfigurationError, match=r"httpx\.Client"):
        RealtimeCanvas(http_client=async_http)  # type: ignore[arg-type]
    with httpx.HTTPTransport() as sync_transport, pytest.raises(ConfigurationError, match="AsyncBaseTransport"):
        AsyncRealtimeCanvas(transport=sync_transport)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="retry_policy"):
        RealtimeCanvas(retry_policy=3)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="api_key"):
        RealtimeCanvas(api_key=123)  # type: ignore[arg-type]


def test_settings_are_readable() -> None:
    policy = RetryPolicy(max_delay=3)
    with RealtimeCanvas(max_retries=4, retry_policy=policy) as canvas:
        assert canvas.max_retries == 4
        assert canvas.retry_policy is policy


@pytest.mark.anyio
async def test_async_client_owns_and_closes_its_client() -> None:
    recorder = Recorder()
    canvas = AsyncRealtimeCanvas(api_key=API_KEY, transport=recorder.transport)
    async with canvas:
        assert (await canvas.generate(IMAGE, prompt="x")).images
    assert canvas.http_client.is_closed


@pytest.mark.anyio
async def test_async_user_client_is_left_open() -> None:
    recorder = Recorder()
    async with httpx.AsyncClient(transport=recorder.transport) as http:
        async with AsyncRealtimeCanvas(api_key=API_KEY, http_client=http) as canvas:
            await canvas.refine(IMAGE, prompt="x")
        assert not http.is_closed
    assert len(recorder.requests) == 1
