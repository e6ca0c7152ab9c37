"""The asynchronous client, :class:`AsyncRealtimeCanvas` (asyncio or trio, through anyio).

One reason to change: the async I/O loop (``_send`` → retry loop → ``_send_once``). It mirrors ``_client.py``
line for line, with ``await`` (``tests/client/test_mirror.py`` lists where the two may differ); settings and the
steps of one attempt are in ``_base_client``, the operations' keyword options in ``_operation_options``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, Unpack

import httpx

from ._answer import DEFAULT_MAX_RESPONSE_BYTES, aread_bounded
from ._base_client import BaseRealtimeCanvas, PreparedCall
from ._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, TimeoutTypes
from ._deadlines import AsyncProgress, deadline_exceeded, past_bound
from ._direct import Direct
from ._errors import APIStatusError, LeonardoError, Outcome
from ._event_loops import LoopBinding, carry_over, closed_loop_error
from ._images import ImageInput
from ._lazy import GenericOnResolve, on_resolve
from ._numbers import Integer, Number
from ._operation_docs import operation_doc
from ._operation_options import OperationOptions, UpscaleOptions
from ._redaction import redact_request, redact_response

if TYPE_CHECKING:  # attrs classes (and the session): loaded when a client is made and a call answers
    from ._generated.models.lcm_generation_style import LcmGenerationStyle
    from ._result import RealtimeResult
    from ._retry import RetryPolicy
    from ._session import RealtimeSession
else:  # the signatures still resolve (typing.get_type_hints), importing them then
    RealtimeResult = on_resolve("leonardo_realtime_client._result", "RealtimeResult")
    RetryPolicy = on_resolve("leonardo_realtime_client._retry", "RetryPolicy")
    LcmGenerationStyle = on_resolve("leonardo_realtime_client._generated.models", "LcmGenerationStyle")  # options
    RealtimeSession = GenericOnResolve("leonardo_realtime_client._session", "RealtimeSession")

__all__ = ["AsyncRealtimeCanvas"]


class AsyncRealtimeCanvas(BaseRealtimeCanvas[httpx.AsyncClient]):
    """Client of the Leonardo.AI Realtime Canvas API (async). Use ``async with``, or call :meth:`aclose`.

    Every method validates everything before any I/O and raises one :class:`ValidationError` (or
    :class:`ImageError`) naming each bad argument; HTTP failures raise :class:`APIStatusError` subclasses,
    :class:`APIConnectionError`/:class:`APITimeoutError` or :class:`APIResponseError` for a malformed answer.

    ::

        async with AsyncRealtimeCanvas() as canvas:  # $LEONARDO_API_KEY, $LEONARDO_BASE_URL
            result = await canvas.generate("sketch.png", prompt="a lighthouse at dusk")

    Its arguments are described by ``help(AsyncRealtimeCanvas.__init__)`` (on the documentation site, right below).
    """

    _http_client_type = httpx.AsyncClient
    _transport_type = httpx.AsyncBaseTransport

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        total_timeout: Number | None = None,
        max_retries: Integer = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_insecure_http: bool = False,
        tracing: object = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        shrink_inputs: bool = False,
    ) -> None:
        """Create a client; nothing is sent and no key is read until the first call.

        Args:
            api_key: Your API key; default ``$LEONARDO_API_KEY``, read at the first call (a missing key is a
                :class:`ConfigurationError` then, not now). Never shown in ``repr``, errors or logs.
            base_url: Default ``$LEONARDO_BASE_URL``, else ``https://cloud.leonardo.ai/api/rest/v1``. Plain
                ``http://`` is refused for hosts other than loopback unless ``allow_insecure_http=True``.
            timeout: Seconds or an :class:`httpx.Timeout`; default 60 s (10 s to connect). ``None`` means the
                default, never "no timeout". Applies to every request, also through your ``http_client``, and
                bounds each *attempt* as a whole (its largest phase, 60 s by default), not only each socket
                read: a server that drips its answer cannot hold an attempt longer.
            total_timeout: Seconds the whole call may take, retries and backoff included (default ``None``:
                only each attempt is bounded, so at most ``attempts * timeout + backoff``). Past it,
                :class:`APITimeoutError`.
            max_retries: Retries of failures that were not processed (429, 408, 409, a 503 with Retry-After,
                connection errors before sending); default 2. What may have been processed (a read timeout, a
                5xx) is retried only with ``RetryPolicy(retry_unknown_outcome=True)``.
            retry_policy: Backoff shape and sleep function (:class:`RetryPolicy`); tests inject a non-sleeping one.
            http_client: Your own :class:`httpx.AsyncClient` (proxies, limits, event hooks…). You keep ownership:
                :meth:`aclose` does not close it. Its ``base_url`` and ``auth`` are not used.
            transport: An :class:`httpx.AsyncBaseTransport` for a client made here (e.g. the local server's
                in-process transport, or :class:`httpx.MockTransport` in tests).
            allow_insecure_http: Allow sending the key over plain http to a remote host.
            tracing: ``True`` (OpenTelemetry's global tracer provider) or a ``TracerProvider``: one client span per
                call, its attempts as events, never the key or image data (needs the ``otel`` extra). Default off.
            max_response_bytes: The largest answer read, in bytes (default 64 MiB); a larger one is refused as
                :class:`APIResponseError` before its body is read, or as soon as the limit is passed.
            shrink_inputs: Send an input larger than the requested output (``width`` x ``height``, the API's
                512 x 512 when not given) scaled down, keeping its aspect ratio, to the smallest size that
                still covers the output, before it is encoded: less to upload and for the server to decode
                (a 2048 px canvas for a 512 px picture goes out at 512 px). generate, refine and inpaint (the
                mask is scaled with the image); never upscale. Needs Pillow for an input it shrinks. Default
                ``False``: every input is sent at its own size (a JPEG byte-identical).

        Raises:
            ConfigurationError: A value that cannot work: a malformed ``base_url`` (or one with a query),
                plain ``http://`` to a host other than this machine without ``allow_insecure_http``, a
                negative ``max_retries`` or timeout, both ``http_client`` and ``transport``, or an argument of
                the wrong type (the message names it; a key is never shown).
        """
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            http_client=http_client,
            transport=transport,
            allow_insecure_http=allow_insecure_http,
            tracing=tracing,
            max_response_bytes=max_response_bytes,
            shrink_inputs=shrink_inputs,
        )
        # Our own pool follows the event loop that uses it (see _event_loops); a transport of yours is yours.
        self._loops: LoopBinding | None = LoopBinding() if http_client is None and transport is None else None
        self._closed_by_caller = False

    async def aclose(self) -> None:
        """Close the httpx client made by this object (a client you passed in stays open). Works from any event
        loop, also after the ``asyncio.run()`` that used the client has returned."""
        self._closed_by_caller = True
        self._closed()
        if not self._owns_http:
            return
        if self._loops is not None and self._loops.needs_new_pool():
            return  # the pool belonged to a loop that is gone: it was closed there when that loop shut down
        try:
            await self._http.aclose()
        except RuntimeError as exc:  # a loop closed without shutting down (loop.close() by hand)
            if closed_loop_error(exc) is None:
                raise

    def _prepare(self, name: str, arguments: Mapping[str, Any]) -> PreparedCall:
        loops = self._loops
        if loops is not None and not self._closed_by_caller and loops.needs_new_pool():
            old, self._http = self._http, self._make_http(None)  # a fresh pool on this loop; the old one closed
            carry_over(old, self._http)  # with its loop; what the caller set on it goes on
        return super()._prepare(name, arguments)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def session(self, operation: str, **params: Any) -> RealtimeSession[RealtimeResult]:
        """A latest-wins :class:`RealtimeSession` on this client for ``operation`` (generate, refine, inpaint, upscale).

        ``**params`` are the session's options (``max_in_flight``, ``min_interval``, ``budget``, ``on_event`` …)
        and the operation's fixed keyword arguments (``prompt``, ``strength`` …); see ``RealtimeSession``::

            async with canvas.session("generate", prompt="a castle", strength=0.7) as session:
                session.submit(sketch)

        Returns:
            A new :class:`RealtimeSession` (not started yet: ``async with`` or the first ``submit()`` starts it).

        Raises:
            ValidationError: An unknown operation or parameter, or one outside the spec's limits.
        """
        from ._session import RealtimeSession  # only sessions pay for the session machinery

        return RealtimeSession(self, operation, **params)

    # -- operations --------------------------------------------------------------------------------------------------

    @operation_doc("generate")
    async def generate(self, image: ImageInput, *, prompt: str, **options: Unpack[OperationOptions]) -> RealtimeResult:
        """Generate an image from a sketch or picture and a prompt (``POST /generations-lcm``).

        Args:
            image: The input picture: encoded bytes, a path, a binary file, a ``PIL.Image.Image`` or a data URL.
                A JPEG is sent byte-identical; PNG, WebP and others are transcoded to JPEG.
            prompt: The prompt used to generate images.
        """
        return await self._send(self._prepare("generate", locals()))

    @operation_doc("refine")
    async def refine(self, image: ImageInput, *, prompt: str, **options: Unpack[OperationOptions]) -> RealtimeResult:
        """Instant refine of an LCM image (``POST /lcm-instant-refine``).

        Args:
            image: The image to refine: encoded bytes, a path, a binary file, a ``PIL.Image.Image`` or a data URL.
                A JPEG is sent byte-identical; PNG, WebP and others are transcoded to JPEG.
            prompt: The prompt used to generate images.
        """
        return await self._send(self._prepare("refine", locals()))

    @operation_doc("inpaint")
    async def inpaint(
        self, image: ImageInput, mask: ImageInput, *, prompt: str, **options: Unpack[OperationOptions]
    ) -> RealtimeResult:
        """Inpaint the white area of ``mask`` in ``image`` (``POST /lcm-inpainting``).

        Args:
            image: The image: encoded bytes, a path, a binary file, a ``PIL.Image.Image`` or a data URL.
                A JPEG is sent byte-identical; PNG, WebP and others are transcoded to JPEG.
            mask: White on black, white = where to generate; same size as ``image``. Grayscale, RGB, 1-bit and
                RGBA (alpha as the mask) are normalised to a grayscale JPEG; a JPEG mask is sent as it is.
            prompt: The prompt used to generate images.
        """
        return await self._send(self._prepare("inpaint", locals()))

    @operation_doc("upscale")
    async def upscale(self, image: ImageInput, *, prompt: str, **options: Unpack[UpscaleOptions]) -> RealtimeResult:
        """Alchemy upscale of an LCM image (``POST /lcm-upscale``); the result carries generation/variation/image ids.

        Args:
            image: The image to upscale: encoded bytes, a path, a binary file, a ``PIL.Image.Image`` or a data
                URL. A JPEG is sent byte-identical; PNG, WebP and others are transcoded to JPEG.
            prompt: The prompt used to generate images.
            refine_creative: Refine creative: true or false.
            refine_strength: Refine strength: a number from 0.5 to 0.9.
        """
        return await self._send(self._prepare("upscale", locals()))

    # -- I/O ---------------------------------------------------------------------------------------------------------

    async def _send(self, call: PreparedCall) -> RealtimeResult:
        """Send with retries: ask the policy after each failure, sleep through ``retry_policy.async_sleep``."""
        span = self._span(call)  # None unless tracing is on
        retries = billed = 0  # billed: failed attempts whose outcome was not NOT_PROCESSED
        started = time.monotonic()
        if self._loops is not None:
            await self._loops.watch(self._http)
        try:
            while True:
                try:
                    outcome = await self._send_once(call, retries, started)
                except LeonardoError as unusable:  # a 2xx that could not be used
                    self._raise_settled(unusable, retries + 1, billed, span)
                except RuntimeError as exc:  # the caller's own transport on a closed loop
                    clear = closed_loop_error(exc)
                    if clear is None:
                        raise
                    raise clear from exc
                if not isinstance(outcome, tuple):  # a RealtimeResult (not imported here: an attrs class)
                    return self._settled(outcome, retries + 1, billed, span)
                error, delay = outcome
                last = delay is None or self._past_total(call, started, delay)
                if span is not None:
                    span.attempt_failed(retries + 1, error, None if last else delay)
                if delay is None or last:
                    self._raise_settled(error, retries + 1, billed, span)
                billed += error.outcome is not Outcome.NOT_PROCESSED
                retries += 1
                await self._retry_policy.async_sleep(delay)
        except BaseException as exc:  # a cancellation or Ctrl-C mid-call ends the span too
            if span is not None:
                span.failed(exc)
            raise

    async def _read_answer(self, request: httpx.Request, direct: Direct | None) -> httpx.Response:
        """Send and read the answer, at most ``max_response_bytes`` of it (``_answer.aread_bounded``)."""
        if direct is not None:
            response = await direct.asend(request)
        else:  # our key, not a client-level auth
            response = await self._http.send(request, auth=None, stream=True)
        try:
            await aread_bounded(response, self._max_response_bytes)
        finally:
            await response.aclose()
        return response

    async def _send_once(
        self, call: PreparedCall, retries: int, started: float
    ) -> RealtimeResult | tuple[LeonardoError, float | None]:
        """One attempt, ended at its bound (``_deadlines``): the result, or the error with the delay before a
        retry (``None``: do not retry)."""
        timeout, bound = call.attempt_timeout(started)
        direct = self._direct_sender()
        request = self._build_request(call, retries + 1, timeout, direct)
        try:
            if bound is None:
                response = await self._read_answer(request, direct)
            else:
                import anyio  # httpx's own dependency, already loaded by the async transport

                progress = AsyncProgress(request)
                deadline = time.monotonic() + bound
                try:
                    with anyio.fail_after(bound):
                        response = await self._read_answer(request, direct)
                except (TimeoutError, httpx.TimeoutException) as late:
                    if not isinstance(late, TimeoutError) and not past_bound(late, deadline):
                        raise  # a phase shorter than the bound timed out: httpx's own words
                    cut = deadline_exceeded(request, *call.bound_reason(bound), progress.headers_in)
                    cut.__cause__ = late
                    raise cut from late
        except httpx.HTTPStatusError as hooked:  # raise_for_status() in an event hook: raised as it is, keyless
            redact_request(hooked.request)
            redact_response(hooked.response)
            raise
        except httpx.RequestError as exc:
            error = self._transport_error(call, exc)
            error.__cause__ = exc
            return error, self._retry_delay(call, retries, error=exc)
        judged = self._judge_response(call, response)
        if isinstance(judged, APIStatusError):
            return judged, self._retry_delay(call, retries, status=judged)
        return judged
