"""OpenTelemetry tracing, off unless asked for: one client span per call, its attempts as events.

One reason to change: what a call tells a tracing backend. ``RealtimeCanvas(tracing=True)`` (the global tracer
provider) or ``tracing=provider`` (a ``TracerProvider`` of yours) needs the ``otel`` extra
(``pip install 'leonardo-realtime-client[otel]'``, the ``opentelemetry-api`` package); with the default
``tracing=False`` nothing of OpenTelemetry is imported and a call pays one ``is None`` check.

Each call is one span of kind ``CLIENT`` named ``leonardo.<operation>`` (``leonardo.generate`` …) with:

- ``leonardo.operation``, ``http.request.method``, ``url.full`` (the endpoint: no query, no key),
  ``server.address``, ``http.request.body.size``;
- on success ``http.response.status_code``, ``http.response.body.size``, ``leonardo.retries``,
  ``leonardo.cost`` (a string, exact), ``leonardo.cost.unit``, ``leonardo.images``, ``leonardo.request_id``,
  ``leonardo.possibly_billed_attempts``; status OK;
- on failure ``error.type`` (the exception class), ``leonardo.outcome`` (``not_processed``, ``unknown``,
  ``processed``), ``leonardo.retries``, ``leonardo.possibly_billed_attempts`` and the status code if any; status
  ERROR with the class name as description;
- an event ``leonardo.attempt`` per failed attempt: its number, ``error.type``, status code, outcome and the
  delay before the next one (``leonardo.retry_in_s``), or none if it was the last.

Never recorded: the API key, the prompt, image data or any server text (messages may echo what was sent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import APIResponseError, APIStatusError, ConfigurationError, LeonardoError

if TYPE_CHECKING:
    from ._base_client import PreparedCall
    from ._result import RealtimeResult

__all__ = ["CallSpan", "make_tracer"]

INSTRUMENTATION_NAME = "leonardo_realtime_client"


def make_tracer(tracing: object) -> Any:
    """The tracer for a client's ``tracing=`` option: ``None`` when off (``False``/``None``)."""
    if tracing is None or tracing is False:
        return None
    try:
        from opentelemetry import trace
    except ImportError:
        raise ConfigurationError(
            "tracing=... needs OpenTelemetry: pip install 'leonardo-realtime-client[otel]'"
        ) from None
    from . import __version__

    if tracing is True:
        return trace.get_tracer(INSTRUMENTATION_NAME, __version__)
    get_tracer = getattr(tracing, "get_tracer", None)
    if not callable(get_tracer):
        raise ConfigurationError(
            f"tracing must be True, False or an OpenTelemetry TracerProvider, not {type(tracing).__name__}"
        )
    return get_tracer(INSTRUMENTATION_NAME, __version__)


class CallSpan:
    """The span of one call; ended exactly once, whatever ends the call (a result, an error, a cancellation)."""

    def __init__(self, tracer: Any, call: PreparedCall) -> None:
        import httpx
        from opentelemetry.trace import SpanKind

        operation = call.operation
        url = httpx.URL(call.url)
        self._span = tracer.start_span(
            f"leonardo.{operation.name}",
            kind=SpanKind.CLIENT,
            attributes={
                "leonardo.operation": operation.name,
                "http.request.method": operation.method,
                "url.full": str(url.copy_with(query=None, fragment=None)),
                "server.address": url.host,
                "http.request.body.size": call.body.content_length,
            },
        )
        self._ended = False

    def attempt_failed(self, attempt: int, error: LeonardoError, delay: float | None) -> None:
        attributes: dict[str, Any] = {
            "leonardo.attempt": attempt,
            "error.type": type(error).__name__,
            "leonardo.outcome": error.outcome.value,
        }
        status = getattr(error, "status_code", None)
        if isinstance(status, int):
            attributes["http.response.status_code"] = status
        if delay is not None:
            attributes["leonardo.retry_in_s"] = delay
        self._span.add_event("leonardo.attempt", attributes)

    def succeeded(self, result: RealtimeResult) -> None:
        from opentelemetry.trace import Status, StatusCode

        span = self._span
        response = result.http_response
        if response is not None:
            span.set_attribute("http.response.status_code", response.status_code)
            span.set_attribute("http.response.body.size", len(response.content))
        span.set_attribute("leonardo.retries", result.attempts - 1)
        span.set_attribute("leonardo.images", len(result.images))
        span.set_attribute("leonardo.possibly_billed_attempts", result.possibly_billed_attempts)
        if result.cost is not None:
            span.set_attribute("leonardo.cost", str(result.cost))
        if result.cost_unit is not None:
            span.set_attribute("leonardo.cost.unit", str(getattr(result.cost_unit, "value", result.cost_unit)))
        if result.request_id is not None:
            span.set_attribute("leonardo.request_id", result.request_id)  # already redacted by the client
        span.set_status(Status(StatusCode.OK))
        self._end()

    def failed(self, error: BaseException) -> None:
        if self._ended:
            return
        from opentelemetry.trace import Status, StatusCode

        span = self._span
        span.set_attribute("error.type", type(error).__name__)
        if isinstance(error, LeonardoError):
            span.set_attribute("leonardo.outcome", error.outcome.value)
            span.set_attribute("leonardo.retries", max(error.attempts - 1, 0))
            span.set_attribute("leonardo.possibly_billed_attempts", error.possibly_billed_attempts)
        if isinstance(error, APIStatusError | APIResponseError) and error.status_code is not None:
            span.set_attribute("http.response.status_code", error.status_code)
        request_id = getattr(error, "request_id", None)
        if isinstance(request_id, str):
            span.set_attribute("leonardo.request_id", request_id)  # already redacted by the client
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        self._end()

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._span.end()
