"""The API key never shows: not in reprs, errors, results or debug logs; logs shorten payloads."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import httpx
import pytest

from leonardo_realtime_client import (
    APIConnectionError,
    APIStatusError,
    AsyncRealtimeCanvas,
    ConfigurationError,
    LeonardoError,
    RealtimeCanvas,
    RetryPolicy,
    ValidationError,
)
from leonardo_realtime_client import _logging as log_module
from leonardo_realtime_client._logging import setup_logging, shorten, summarize
from leonardo_realtime_client._redaction import redact_headers

from .conftest import API_KEY, BASE_URL, Recorder, data_url, make_jpeg, ok

IMAGE = make_jpeg((128, 128))


def every_text_of(error: BaseException) -> str:
    """str, repr, the formatted traceback with its chain, and the reprs of the attributes."""
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    parts.extend(repr(value) for value in vars(error).values())
    response = getattr(error, "response", None)
    request = getattr(error, "request", None) or (response.request if response is not None else None)
    if request is not None:
        parts.append(str(dict(request.headers)))
    return "\n".join(parts)


def test_key_is_sent_as_a_bearer_token() -> None:
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport) as canvas:
        canvas.generate(IMAGE, prompt="x")
    assert recorder.sent_authorization == [f"Bearer {API_KEY}"]


def test_key_is_not_in_the_client_repr() -> None:
    with RealtimeCanvas(api_key=API_KEY) as canvas:
        assert API_KEY not in repr(canvas)
        assert API_KEY not in str(canvas)
        assert "max_retries=2" in repr(canvas)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json={"error": "Invalid key", "code": "invalid-jwt"}),
        httpx.Response(500, text="oops"),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, text="<html>"),
    ],
)
def test_key_is_not_in_any_error(answer: httpx.Response | Exception) -> None:
    recorder = Recorder(answer)
    with (
        RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, max_retries=0) as canvas,
        pytest.raises(LeonardoError) as caught,
    ):
        canvas.generate(IMAGE, prompt="x")
    assert recorder.sent_authorization == [f"Bearer {API_KEY}"]
    assert API_KEY not in every_text_of(caught.value)
    if isinstance(caught.value, APIStatusError | APIConnectionError):
        request = caught.value.response.request if isinstance(caught.value, APIStatusError) else caught.value.request
        assert request is not None
        assert request.headers["authorization"] == "Bearer [redacted]"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json={"error": f"Invalid key {API_KEY}", "path": "$", "code": "invalid-jwt"}),
        httpx.Response(400, json={"message": f"bad header Bearer {API_KEY}", "extensions": {"auth": API_KEY}}),
        httpx.Response(502, text=f"<html>upstream said: Authorization: Bearer {API_KEY}</html>"),
    ],
)
def test_key_echoed_by_the_server_is_cut_out_of_the_error(answer: httpx.Response) -> None:
    """A server or proxy that echoes the Authorization header must not put the key into our exception."""
    recorder = Recorder(answer)
    with (
        RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, max_retries=0) as canvas,
        pytest.raises(APIStatusError) as caught,
    ):
        canvas.generate(IMAGE, prompt="x")
    error = caught.value
    assert API_KEY not in str(error)
    assert API_KEY not in repr(error)
    assert API_KEY not in "".join(traceback.format_exception(error))
    assert API_KEY not in error.message
    assert "[redacted]" in str(error)
    # The parsed data stays as the server sent it (never altered, so error.body["error"] still works)
    assert error.body == (answer.json() if answer.headers["content-type"] == "application/json" else answer.text)


def test_key_is_not_in_the_result_response() -> None:
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=Recorder().transport) as canvas:
        result = canvas.generate(IMAGE, prompt="x")
    assert result.http_response is not None
    assert API_KEY not in str(dict(result.http_response.request.headers))
    assert API_KEY not in repr(result)


def _redirect_once(request: httpx.Request) -> httpx.Response:
    """307 from the documented path to a moved one on the same host (httpx keeps the key on the same origin)."""
    if not request.url.path.startswith("/moved"):
        return httpx.Response(307, headers={"location": "/moved" + request.url.path})
    return ok() if request.url.path.endswith("lcm") else httpx.Response(401, json={"error": "Invalid key"})


def test_key_is_not_in_the_requests_of_followed_redirects() -> None:
    http_client = httpx.Client(transport=httpx.MockTransport(_redirect_once), follow_redirects=True)
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, http_client=http_client, max_retries=0) as canvas:
        response = canvas.generate(IMAGE, prompt="x").http_response
        with pytest.raises(APIStatusError) as caught:
            canvas.upscale(IMAGE, prompt="x")  # the moved upscale answers 401
    assert API_KEY not in every_text_of(caught.value)
    for final in (response, caught.value.response):
        assert final is not None
        assert len(final.history) == 1, "the redirect was followed"
        assert final.history[0].request.headers["authorization"] == "Bearer [redacted]"
    http_client.close()


@pytest.mark.anyio
async def test_async_key_is_not_in_the_requests_of_followed_redirects() -> None:
    http_client = httpx.AsyncClient(transport=httpx.MockTransport(_redirect_once), follow_redirects=True)
    async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, http_client=http_client) as canvas:
        response = (await canvas.generate(IMAGE, prompt="x")).http_response
    assert response is not None
    assert len(response.history) == 1
    assert response.history[0].request.headers["authorization"] == "Bearer [redacted]"
    await http_client.aclose()


def test_the_key_is_sent_even_when_the_users_client_has_its_own_auth() -> None:
    recorder = Recorder()
    http_client = httpx.Client(transport=recorder.transport, auth=("user", "password"))
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, http_client=http_client) as canvas:
        canvas.generate(IMAGE, prompt="x")
    assert recorder.sent_authorization == [f"Bearer {API_KEY}"]
    http_client.close()


@pytest.mark.anyio
async def test_async_the_key_is_sent_even_when_the_users_client_has_its_own_auth() -> None:
    recorder = Recorder()
    http_client = httpx.AsyncClient(transport=recorder.transport, auth=("user", "password"))
    async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, http_client=http_client) as canvas:
        await canvas.generate(IMAGE, prompt="x")
    assert recorder.sent_authorization == [f"Bearer {API_KEY}"]
    await http_client.aclose()


def test_key_is_not_in_validation_or_configuration_errors() -> None:
    with RealtimeCanvas(api_key=API_KEY) as canvas, pytest.raises(ValidationError) as caught:
        canvas.generate(IMAGE, prompt="x", steps=100)
    assert API_KEY not in every_text_of(caught.value)
    with pytest.raises(ConfigurationError) as config_error:
        RealtimeCanvas(api_key=API_KEY + " x").generate(IMAGE, prompt="x")
    assert API_KEY not in every_text_of(config_error.value)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG, logger="leonardo_realtime_client"):
        yield caplog


def test_debug_logs_redact_the_key_and_shorten_base64(debug_logs: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(httpx.Response(503, json={"message": "busy"}, headers={"Retry-After": "0"}), ok())
    sent_url = data_url(IMAGE)
    no_sleep = RetryPolicy(sleep=lambda seconds: None)
    with RealtimeCanvas(
        api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, retry_policy=no_sleep
    ) as canvas:
        canvas.generate(IMAGE, prompt="a red square", guidance=3)
    text = debug_logs.text
    assert API_KEY not in text
    assert "'authorization': '[redacted]'" in text
    assert "a red square" in text
    assert "'guidance': 3" in text
    assert sent_url not in text  # the payload is not
    assert sent_url[:32] + f"… ({len(sent_url):,} chars)" in text
    assert "HTTP 503" in text
    assert "HTTP 200" in text
    assert max(len(record.getMessage()) for record in debug_logs.records) < 2000


def test_nothing_is_formatted_when_debug_is_off(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="leonardo_realtime_client"),
        RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=Recorder().transport) as canvas,
    ):
        canvas.generate(IMAGE, prompt="x")
    assert caplog.records == []


@pytest.fixture
def fresh_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    logger = logging.getLogger("leonardo_realtime_client")
    saved = (logger.level, list(logger.handlers))
    monkeypatch.setattr(log_module, "_configured", False)
    yield logger
    for handler in logger.handlers[:]:
        if handler not in saved[1]:
            logger.removeHandler(handler)
    logger.setLevel(saved[0])


def test_leonardo_log_debug_switches_debug_logging_on(
    monkeypatch: pytest.MonkeyPatch, fresh_logging: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEONARDO_LOG", "debug")
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=Recorder().transport) as canvas:
        assert fresh_logging.level == logging.DEBUG
        assert len(fresh_logging.handlers) == 1
        canvas.generate(IMAGE, prompt="x")
    err = capsys.readouterr().err
    assert "DEBUG leonardo_realtime_client] request POST" in err
    assert API_KEY not in err


def test_without_leonardo_log_nothing_is_configured(fresh_logging: logging.Logger) -> None:
    setup_logging()
    assert fresh_logging.level == logging.NOTSET
    assert fresh_logging.handlers == []


def test_redaction_helpers() -> None:
    headers = redact_headers([("Authorization", "Bearer x"), ("Cookie", "a=b"), ("Accept", "application/json")])
    assert headers == {"Authorization": "[redacted]", "Cookie": "[redacted]", "Accept": "application/json"}
    b64 = "QUJD" * 100
    assert shorten(b64) == "QUJD" * 8 + "… (400 chars)"
    assert shorten("a long prompt " * 20) == "a long prompt " * 20  # not base64: kept
    assert shorten("short") == "short"
    nested = summarize({"a": [data_url(IMAGE)], "b": ("x",), "c": 1})
    assert isinstance(nested, dict)
    assert nested["a"][0].endswith(" chars)")
    assert nested["b"] == ["x"]
    assert nested["c"] == 1


# -- requests reachable from what escapes a call: every one shows Bearer [redacted] --------------------------------


def _every_request_of(error: BaseException) -> list[httpx.Request]:
    """Every request an error lets its catcher reach: its own, its response's, the redirects' and the next one
    httpx built for a redirect it did not follow."""
    response: httpx.Response | None = getattr(error, "response", None)
    requests: list[httpx.Request | None] = [getattr(error, "request", None)]
    if response is not None:
        requests.append(response.request)
        requests.extend(earlier.request for earlier in response.history)
        requests.append(response.next_request)
    return [request for request in requests if request is not None]


def _raise_for_status(response: httpx.Response) -> None:
    response.read()
    response.raise_for_status()


def _moved_permanently(request: httpx.Request) -> httpx.Response:
    """308 to a moved path on the same host: httpx keeps the key in the redirect it builds (the same origin)."""
    return httpx.Response(308, headers={"location": "/moved" + request.url.path})


def test_the_redirect_httpx_built_but_did_not_follow_does_not_carry_the_key() -> None:
    http_client = httpx.Client(transport=httpx.MockTransport(_moved_permanently))
    with (
        RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, http_client=http_client, max_retries=0) as canvas,
        pytest.raises(APIStatusError) as caught,
    ):
        canvas.generate(IMAGE, prompt="x")
    http_client.close()
    assert caught.value.response is not None
    assert caught.value.response.next_request is not None
    requests = _every_request_of(caught.value)
    assert caught.value.response.next_request in requests
    assert {request.headers["authorization"] for request in requests} == {"Bearer [redacted]"}


@pytest.mark.parametrize("own", [False, True], ids=["the caller's client", "ours given a hook"])
def test_an_error_raised_by_a_response_hook_does_not_carry_the_key(own: bool) -> None:
    """``raise_for_status`` in a response event hook (httpx's documented pattern) raises httpx's
    ``HTTPStatusError`` out of the call as it is: its request and response are the ones that carried the key."""
    transport = httpx.MockTransport(lambda request: httpx.Response(500, json={"error": "boom"}))
    http_client = None if own else httpx.Client(transport=transport, event_hooks={"response": [_raise_for_status]})
    canvas = RealtimeCanvas(
        api_key=API_KEY,
        base_url=BASE_URL,
        max_retries=0,
        **({"transport": transport} if own else {"http_client": http_client}),
    )
    if own:
        canvas.http_client.event_hooks["response"].append(_raise_for_status)
    with canvas, pytest.raises(httpx.HTTPStatusError) as caught:
        canvas.generate(IMAGE, prompt="x")
    if http_client is not None:
        http_client.close()
    requests = _every_request_of(caught.value)
    assert requests, "the hook's error carries the request"
    assert {request.headers["authorization"] for request in requests} == {"Bearer [redacted]"}
    assert API_KEY not in every_text_of(caught.value)


def test_an_error_raised_by_a_hook_after_a_followed_redirect_does_not_carry_the_key() -> None:
    http_client = httpx.Client(
        transport=httpx.MockTransport(_redirect_once),
        follow_redirects=True,
        event_hooks={"response": [_raise_for_status]},
    )
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, http_client=http_client, max_retries=0) as canvas:
        with pytest.raises(httpx.HTTPStatusError) as caught:
            canvas.generate(IMAGE, prompt="x")  # the hook raises on the 307 itself
        http_client.event_hooks["response"] = [lambda r: _raise_for_status(r) if r.status_code != 307 else None]
        with pytest.raises(httpx.HTTPStatusError) as moved:
            canvas.upscale(IMAGE, prompt="x")  # followed to the moved upscale, which answers 401
    http_client.close()
    for error in (caught.value, moved.value):
        requests = _every_request_of(error)
        assert {request.headers["authorization"] for request in requests} == {"Bearer [redacted]"}
    assert moved.value.request.url.path.startswith("/moved/"), "the redirect was followed"


@pytest.mark.anyio
async def test_async_an_error_raised_by_a_response_hook_or_a_redirect_not_followed_does_not_carry_the_key() -> None:
    async def raise_for_status(response: httpx.Response) -> None:
        await response.aread()
        response.raise_for_status()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("lcm-upscale"):
            return httpx.Response(308, headers={"location": "/moved" + request.url.path})
        return httpx.Response(500, json={"error": "boom"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http_client:
        canvas = AsyncRealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, http_client=http_client, max_retries=0)
        with pytest.raises(APIStatusError) as not_followed:
            await canvas.upscale(IMAGE, prompt="x")
        http_client.event_hooks["response"].append(raise_for_status)
        with pytest.raises(httpx.HTTPStatusError) as hooked:
            await canvas.generate(IMAGE, prompt="x")
    for error in (not_followed.value, hooked.value):
        requests = _every_request_of(error)
        assert requests
        assert {request.headers["authorization"] for request in requests} == {"Bearer [redacted]"}
