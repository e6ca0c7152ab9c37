"""Request ids and tracing: one OpenTelemetry client span per call, attempts as events, never the
key or image data; off unless enabled, nothing imported when off. Checked through the SDK's in-memory exporter."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pybase64
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from leonardo_realtime_client import (
    APITimeoutError,
    AsyncRealtimeCanvas,
    ConfigurationError,
    InternalServerError,
    RealtimeCanvas,
    RetryPolicy,
)

from .conftest import BASE_URL, OUT_JPEG, Recorder, make_jpeg, ok

KEY = "sk-trace-0123456789abcdef-SECRET"
IMAGE = make_jpeg()


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.clear()


def provider_for(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def canvas(recorder: Recorder, exporter: InMemorySpanExporter, **kwargs: Any) -> RealtimeCanvas:
    return RealtimeCanvas(
        api_key=KEY,
        base_url=BASE_URL,
        transport=recorder.transport,
        retry_policy=RetryPolicy(sleep=lambda s: None, rng=lambda: 0.0),
        tracing=provider_for(exporter),
        **kwargs,
    )


def everything_in(span: ReadableSpan) -> str:
    """Every name and value a span carries, as text (to look for what must not be there)."""
    parts: list[object] = [span.name, dict(span.attributes or {}), span.status.description]
    parts += [(event.name, dict(event.attributes or {})) for event in span.events]
    return json.dumps(parts, default=str)


def test_one_client_span_per_call_with_what_a_backend_needs(exporter: InMemorySpanExporter) -> None:
    answer = ok(None, **{"x-request-id": "req-42"})
    recorder = Recorder(answer)
    with canvas(recorder, exporter) as c:
        result = c.generate(IMAGE, prompt="a secret prompt")
    (span,) = exporter.get_finished_spans()
    assert span.name == "leonardo.generate"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.OK
    attributes = dict(span.attributes or {})
    assert attributes["leonardo.operation"] == "generate"
    assert attributes["http.request.method"] == "POST"
    assert attributes["url.full"] == f"{BASE_URL}/generations-lcm"
    assert attributes["http.response.status_code"] == 200
    assert attributes["http.response.body.size"] == len(answer.content)
    sent = recorder.requests[0]
    assert attributes["http.request.body.size"] == int(sent.headers["content-length"])
    assert attributes["leonardo.retries"] == 0
    assert (attributes["leonardo.cost"], attributes["leonardo.cost.unit"]) == ("0.0125", "DOLLARS")
    assert attributes["leonardo.request_id"] == result.request_id == "req-42"
    assert span.events == ()


def test_attempts_are_events_and_a_failure_says_its_outcome(exporter: InMemorySpanExporter) -> None:
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "0"}), httpx.ReadTimeout("slow"))
    with canvas(recorder, exporter) as c, pytest.raises(APITimeoutError):
        c.generate(IMAGE, prompt="x")
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "APITimeoutError"
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "APITimeoutError"
    assert attributes["leonardo.outcome"] == "unknown"
    assert (attributes["leonardo.retries"], attributes["leonardo.possibly_billed_attempts"]) == (1, 1)
    events = [(e.name, dict(e.attributes or {})) for e in span.events]
    assert events == [
        (
            "leonardo.attempt",
            {
                "leonardo.attempt": 1,
                "error.type": "RateLimitError",
                "leonardo.outcome": "not_processed",
                "http.response.status_code": 429,
                "leonardo.retry_in_s": 0.0,
            },
        ),
        ("leonardo.attempt", {"leonardo.attempt": 2, "error.type": "APITimeoutError", "leonardo.outcome": "unknown"}),
    ]


def test_neither_the_key_nor_image_data_nor_server_text_reach_a_span(exporter: InMemorySpanExporter) -> None:
    echo = {"error": f"bad key {KEY} for prompt 'a secret prompt'", "code": "invalid-jwt"}
    recorder = Recorder(httpx.Response(500, json=echo, headers={"x-request-id": KEY}), ok())
    with canvas(recorder, exporter, max_retries=0) as c:
        with pytest.raises(InternalServerError):
            c.generate(IMAGE, prompt="a secret prompt")
        c.generate(IMAGE, prompt="a secret prompt")
    spans = exporter.get_finished_spans()
    assert len(spans) == 2
    for span in spans:
        text = everything_in(span)
        assert KEY not in text
        assert "secret prompt" not in text
        assert pybase64.b64encode(IMAGE)[:24].decode() not in text
        assert pybase64.b64encode(OUT_JPEG)[:24].decode() not in text
    assert dict(spans[0].attributes or {})["leonardo.request_id"] == "[redacted]"


@pytest.mark.anyio
async def test_the_async_client_traces_too_and_a_cancelled_call_ends_its_span(exporter: InMemorySpanExporter) -> None:
    import anyio

    scope = anyio.CancelScope()

    async def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/lcm-instant-refine"):
            scope.cancel()  # the caller gives up while the request is in flight
            await anyio.sleep_forever()
        return ok()

    async with AsyncRealtimeCanvas(
        api_key=KEY, base_url=BASE_URL, transport=httpx.MockTransport(answer), tracing=provider_for(exporter)
    ) as c:
        await c.upscale(IMAGE, prompt="x")
        with scope:
            await c.refine(IMAGE, prompt="x")
    spans = exporter.get_finished_spans()
    assert [(s.name, s.status.status_code) for s in spans] == [
        ("leonardo.upscale", StatusCode.OK),
        ("leonardo.refine", StatusCode.ERROR),
    ]
    assert dict(spans[1].attributes or {})["error.type"] == "CancelledError"


def test_off_by_default_and_a_bad_option_is_refused(exporter: InMemorySpanExporter) -> None:
    with RealtimeCanvas(api_key=KEY, base_url=BASE_URL, transport=Recorder().transport) as c:
        c.generate(IMAGE, prompt="x")
    assert exporter.get_finished_spans() == ()
    with pytest.raises(ConfigurationError, match="TracerProvider"):
        RealtimeCanvas(api_key=KEY, tracing="yes")


def test_without_tracing_nothing_of_opentelemetry_is_imported() -> None:
    code = (
        "import sys, httpx\n"
        "from leonardo_realtime_client import RealtimeCanvas\n"
        "c = RealtimeCanvas(api_key='k', transport=httpx.MockTransport(lambda r: httpx.Response(500)), max_retries=0)\n"
        "try:\n    c.generate(b'\\xff\\xd8\\xff\\xe0' + b'x' * 20 + b'\\xff\\xd9', prompt='x')\n"
        "except Exception:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
