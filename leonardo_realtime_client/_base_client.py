"""What the sync and async clients share: their settings and the steps of one attempt.

One reason to change: how a call's settings are resolved and how each attempt is prepared and judged. The I/O
loops live in ``_client.py`` and ``_async_client.py`` (``send → retry loop → _send_once``) and only differ by
``await``; the operations are in ``_operations``, the request body in ``_request_body``.

**Built on the generated core.** Every operation is described by the generated constraints table (method,
path, field rules) and the generated models: the request body is built by ``_request_body`` from a generated
``*Body``, and the response is read by the generated ``*Response200.from_dict`` (``_response.py``). The
generated ``api/`` functions are *not* used: they send with httpx's ``json=`` (stdlib ``json``, much slower
than ``orjson`` on an image), raise ``ValueError`` for a status such as 520 (``HTTPStatus(520)``), and their
``AuthenticatedClient`` shows the token in its ``repr``.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, NoReturn, TypeVar

import httpx
import orjson

from ._answer import DEFAULT_MAX_RESPONSE_BYTES, check_max_response_bytes
from ._config import (
    DEFAULT_TIMEOUT,
    APIKey,
    TimeoutTypes,
    check_max_retries,
    resolve_api_key,
    resolve_base_url,
    resolve_timeout,
)
from ._deadlines import AttemptDeadline, attempt_bound, check_total_timeout, remaining
from ._direct import Direct
from ._errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    LeonardoError,
    Outcome,
)
from ._http_client import make_http_client
from ._logging import logger, setup_logging, summarize
from ._numbers import Integer, Number
from ._operation_options import KEYWORDS, unexpected_keyword
from ._operations import Operation, operations
from ._outcome import transport_outcome
from ._proxies import EnvironmentProxy
from ._redaction import forget_key, redact, redact_error, redact_headers, redact_request, redact_response, remember_key
from ._request_body import RequestBody, build_body
from ._tracing import CallSpan, make_tracer

if TYPE_CHECKING:  # attrs classes: loaded when a client is made (its RetryPolicy) and when a call answers
    from ._result import RealtimeResult
    from ._retry import RetryPolicy

__all__ = ["BaseRealtimeCanvas", "PreparedCall"]

HttpClientT = TypeVar("HttpClientT", httpx.Client, httpx.AsyncClient)
_JSON_HEADERS: Final = {"Content-Type": "application/json", "Accept": "application/json"}


@dataclasses.dataclass(frozen=True, slots=True)  # not attrs: importing the clients does not load attrs
class PreparedCall:
    """A validated call, ready to send (and to resend on a retry).

    ``body`` is the request body as it is sent (:class:`RequestBody`); ``logged_body`` the shortened body for
    the debug log, made only when DEBUG is on.
    """

    operation: Operation
    url: str
    body: RequestBody = dataclasses.field(repr=False)
    timeout: httpx.Timeout
    max_retries: int
    logged_body: object = dataclasses.field(default=None, repr=False)
    total_timeout: float | None = None
    """Seconds for the whole call, retries included (``None``: each attempt is bounded by ``timeout`` only)."""

    def bound_reason(self, bound: float) -> tuple[float, str]:
        """What ended an attempt cut at ``bound`` seconds: the call's ``total_timeout`` or the attempt's own."""
        own = attempt_bound(self.timeout)
        if self.total_timeout is not None and (own is None or bound < own):
            return self.total_timeout, "the call's total_timeout"
        return bound, "the attempt's"

    def attempt_timeout(self, started: float) -> tuple[httpx.Timeout, float | None]:
        """This attempt's httpx timeout (capped by what is left of ``total_timeout``) and its overall bound."""
        bound = attempt_bound(self.timeout)
        left = remaining(started, self.total_timeout)
        if left is None or (bound is not None and bound <= left):
            return self.timeout, bound
        left = max(left, 0.001)
        capped = {
            phase: min(value, left) if value is not None else left
            for phase, value in (
                ("connect", self.timeout.connect),
                ("read", self.timeout.read),
                ("write", self.timeout.write),
                ("pool", self.timeout.pool),
            )
        }
        return httpx.Timeout(**capped), left


class BaseRealtimeCanvas(Generic[HttpClientT]):
    """Settings and per-call logic shared by :class:`RealtimeCanvas` and :class:`AsyncRealtimeCanvas`."""

    _http_client_type: type[HttpClientT]
    _transport_type: type[httpx.BaseTransport] | type[httpx.AsyncBaseTransport]

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        timeout: TimeoutTypes,
        total_timeout: Number | None = None,
        max_retries: Integer,
        retry_policy: RetryPolicy | None,
        http_client: HttpClientT | None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
        allow_insecure_http: bool,
        tracing: object = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        shrink_inputs: bool = False,
    ) -> None:
        setup_logging()
        self._tracer = make_tracer(tracing)  # None unless tracing was asked for (see _tracing)
        self._max_response_bytes = check_max_response_bytes(max_response_bytes)
        if not isinstance(shrink_inputs, bool):  # "no" is truthy: a string would switch it on
            raise ConfigurationError(f"shrink_inputs must be True or False, not {shrink_inputs!r}")
        self._shrink_inputs = shrink_inputs
        self._base_url = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self._timeout = resolve_timeout(timeout, DEFAULT_TIMEOUT)
        self._total_timeout = check_total_timeout(total_timeout)
        self._max_retries = check_max_retries(max_retries)
        from ._retry import check_retry_policy  # here: importing the clients does not load attrs (~6 ms)

        self._retry_policy = check_retry_policy(retry_policy)
        if api_key is not None and not isinstance(api_key, str):
            raise ConfigurationError(f"api_key must be a str, not {type(api_key).__name__}")
        self._api_key_arg = api_key
        self._headers: dict[str, str] | None = None  # built at the first call (the key is read then)
        self._secret: str | None = None  # the key, once read (to cut it out of what is handed back)
        self._warned: set[str] = set()  # metadata warnings already logged at WARNING by this client
        self._proxy: EnvironmentProxy | None = None  # the environment proxy requests go through (see _proxies)
        if http_client is not None and transport is not None:
            raise ConfigurationError("pass http_client or transport, not both (set the transport on your client)")
        if http_client is not None:
            if not isinstance(http_client, self._http_client_type):
                raise ConfigurationError(
                    f"http_client must be an {self._http_client_type.__module__}.{self._http_client_type.__name__}, "
                    f"not {type(http_client).__name__}"
                )
            self._http: HttpClientT = http_client
            self._owns_http = False
        else:
            if transport is not None and not isinstance(transport, self._transport_type):
                raise ConfigurationError(
                    f"transport must be an httpx.{self._transport_type.__name__}, not {type(transport).__name__}"
                )
            self._http = self._make_http(transport)
            self._owns_http = True
        self._direct = Direct(self._http) if self._owns_http else None

    def _make_http(self, transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None) -> HttpClientT:
        """The httpx client this object owns (``_http_client``); remembers the environment proxy it goes through."""
        http, self._proxy = make_http_client(self._http_client_type, self._base_url, self._timeout, transport)
        return http

    # -- settings ----------------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._timeout

    @property
    def max_retries(self) -> int:
        return self._max_retries

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry_policy

    @property
    def http_client(self) -> HttpClientT:
        """The httpx client used (yours if you passed one; closing this object closes only its own)."""
        return self._http

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._base_url!r}, timeout={self._timeout!r}, "
            f"max_retries={self._max_retries})"
        )

    def _auth_headers(self) -> dict[str, str]:
        if self._headers is None:
            key: APIKey = resolve_api_key(self._api_key_arg)
            package = sys.modules.get("leonardo_realtime_client")
            version = getattr(package, "__version__", "unknown")
            self._secret = key.reveal()
            remember_key(self._secret)  # the logger's filter cuts it out of every line
            self._headers = {
                "Authorization": f"Bearer {self._secret}",
                **_JSON_HEADERS,
                "User-Agent": f"leonardo-realtime-client/{version} python-httpx/{httpx.__version__}",
            }
        return self._headers

    # -- one call ----------------------------------------------------------------------------------------------------

    def _prepare(self, name: str, arguments: Mapping[str, Any]) -> PreparedCall:
        """Check and build the call for operation ``name`` from its method's own arguments (the method passes its
        ``locals()``): ``image``, ``mask`` (inpaint), ``prompt`` and ``options``, the keyword options as
        ``_operation_options`` declares them. A keyword the operation does not take is the ``TypeError`` Python
        would raise; this call's ``timeout``/``total_timeout``/``max_retries`` are taken out, the rest are the body
        options."""
        options: dict[str, Any] = arguments["options"]  # the method's own **options: a new dict at each call
        if not KEYWORDS[name].issuperset(options):
            raise unexpected_keyword(f"{type(self).__name__}.{name}", options, KEYWORDS[name])
        timeout, total_timeout = options.pop("timeout", None), options.pop("total_timeout", None)
        max_retries = options.pop("max_retries", None)
        image, mask, prompt = arguments["image"], arguments.get("mask"), arguments["prompt"]
        operation = operations()[name]
        call_timeout = resolve_timeout(timeout, self._timeout)
        total = self._total_timeout if total_timeout is None else check_total_timeout(total_timeout)
        retries = self._max_retries if max_retries is None else check_max_retries(max_retries)
        if self._http.is_closed:
            raise ConfigurationError(f"this {type(self).__name__} (or its http_client) is closed")
        body = build_body(
            operation, image=image, mask=mask, prompt=prompt, options=options, shrink_inputs=self._shrink_inputs
        )
        self._auth_headers()  # a missing key is reported now, before any I/O
        logged = summarize(body.for_log()) if logger.isEnabledFor(logging.DEBUG) else None
        return PreparedCall(operation, self._base_url + operation.path, body, call_timeout, retries, logged, total)

    def _direct_sender(self) -> Direct | None:
        """The way past httpx's per-request layers (``_direct``), when the client is ours and still as made."""
        direct = self._direct
        if direct is None:
            return None
        if direct.http is not self._http:  # the async client made a new pool for a new event loop
            direct = self._direct = Direct(self._http)
        return direct if direct.usable() else None

    def _build_request(
        self, call: PreparedCall, attempt: int, timeout: httpx.Timeout | None = None, direct: Direct | None = None
    ) -> httpx.Request:
        # The body with an explicit Content-Length (no chunked encoding): joined up to JOIN_LIMIT, else as its
        # pieces. Each pass over the body makes it anew (a retry or redirect resends it).
        stream = call.body.stream(asynchronous=isinstance(self._http, httpx.AsyncClient))
        timeout = call.timeout if timeout is None else timeout
        if direct is not None:
            method, url, length = call.operation.method, call.url, call.body.content_length
            request = direct.request(method, url, self._auth_headers(), stream, length, timeout)
        else:
            request = self._http.build_request(
                call.operation.method,
                call.url,
                content=stream,
                headers={**self._auth_headers(), "Content-Length": str(call.body.content_length)},
                timeout=timeout,
            )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "request %s %s (attempt %d of %d) headers=%s body=%s",
                request.method,
                request.url,
                attempt,
                call.max_retries + 1,
                redact_headers(request.headers.items()),
                call.logged_body,
            )
        return request

    def _judge_response(self, call: PreparedCall, response: httpx.Response) -> RealtimeResult | APIStatusError:
        """A result for 2xx (or :class:`APIResponseError` raised for a malformed one); else the status error."""
        from ._response import parse_result, status_error  # imports the generated models: after operations()

        redact_response(response)  # a followed redirect's earlier requests and one not followed carry it too
        if logger.isEnabledFor(logging.DEBUG):
            _log_response(response)  # the logger's RedactingFilter cuts the key out of the line
        if response.is_success:
            op = call.operation
            return parse_result(op.name, response, op.response_from_dict, op.output_type, warned=self._warned)
        return status_error(response)

    def _transport_error(self, call: PreparedCall, exc: httpx.RequestError) -> LeonardoError:
        redact_request(exc.request)
        where = f"{call.operation.method} {call.url}"
        if isinstance(exc, httpx.DecodingError):
            return APIResponseError(f"could not decode the response of {where}: {exc}")
        outcome = transport_outcome(exc)
        billed = (
            "" if outcome is Outcome.NOT_PROCESSED else "; the request was sent: it may have been processed and billed"
        )
        via = f" through {self._proxy.describe()}" if self._proxy is not None else ""
        if isinstance(exc, httpx.TimeoutException):
            kind = type(exc).__name__.replace("Timeout", " timeout").strip().lower()
            if isinstance(exc, AttemptDeadline):  # the attempt's bound ended it: says whether the answer had begun
                kind = str(exc)
            return APITimeoutError(
                f"{kind} on {where} (timeout {_fmt_timeout(call.timeout)}){via}{billed}",
                request=exc.request,
                outcome=outcome,
            )
        detail = str(exc) or type(exc).__name__
        if self._proxy is not None:  # say where it really went: a dead proxy looks like a dead server
            detail += f" (through {self._proxy.describe()}; add the host to NO_PROXY to bypass it)"
        return APIConnectionError(
            f"connection failed on {where}: {type(exc).__name__}: {detail}{billed}",
            request=exc.request,
            outcome=outcome,
        )

    def _closed(self) -> None:
        """The client is closed: its key no longer needs cutting out of log lines."""
        if self._secret is not None:
            forget_key(self._secret)
            self._secret, self._headers = None, None

    # -- the boundary: what is handed back to the caller -----------------------------------------------------------

    def _span(self, call: PreparedCall) -> CallSpan | None:
        """The call's tracing span, or ``None`` (tracing off: the usual case)."""
        return None if self._tracer is None else CallSpan(self._tracer, call)

    def _settled(
        self, result: RealtimeResult, attempts: int, billed: int, span: CallSpan | None = None
    ) -> RealtimeResult:
        """The call's result as handed back: how many attempts it took and how many earlier ones may have been
        billed, and the key cut out of what it renders (``request_id``, ``warnings``; see ``_redaction``)."""
        request_id = None if result.request_id is None else redact(result.request_id, self._secret)
        warnings = tuple(redact(line, self._secret) for line in result.warnings)
        if attempts > 1 or request_id != result.request_id or warnings != result.warnings:  # else: as it is
            import attrs  # loaded with the answer's models already

            result = attrs.evolve(
                result, attempts=attempts, possibly_billed_attempts=billed, request_id=request_id, warnings=warnings
            )
        if span is not None:
            span.succeeded(result)
        return result

    def _raise_settled(
        self, error: LeonardoError, attempts: int, billed: int, span: CallSpan | None = None
    ) -> NoReturn:
        """Raise the call's final error as handed back: its attempts, how many may have been billed (itself too),
        and the key cut out of everything it renders (message, ``repr``, the chain a traceback shows)."""
        error.attempts = attempts
        error.possibly_billed_attempts = billed + (error.outcome is not Outcome.NOT_PROCESSED)
        redact_error(error, self._secret)
        if span is not None:
            span.failed(error)
        raise error

    def _past_total(self, call: PreparedCall, started: float, delay: float) -> bool:
        """Whether a retry after ``delay`` seconds would start past the call's ``total_timeout``."""
        left = remaining(started, call.total_timeout)
        if left is not None and left <= delay:
            logger.info(
                "not retrying %s %s: total_timeout %g s would pass",
                call.operation.method,
                call.operation.path,
                call.total_timeout,
            )
            return True
        return False

    def _retry_delay(
        self,
        call: PreparedCall,
        retries_done: int,
        *,
        error: BaseException | None = None,
        status: APIStatusError | None = None,
    ) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to raise now."""
        if retries_done >= call.max_retries:
            return None
        policy = self._retry_policy
        failure = status if status is not None else error
        if status is not None:
            outcome = status.outcome
            reason = f"HTTP {status.status_code}" + (
                f" (as {status.effective_status})" if status.effective_status != status.status_code else ""
            )
        else:
            outcome = transport_outcome(error) if error is not None else Outcome.UNKNOWN
            reason = type(error).__name__
        billing = "not processed" if outcome is Outcome.NOT_PROCESSED else "outcome unknown: may have been billed"
        if not policy.should_retry(error=failure):
            import attrs  # loaded with the policy already

            transient = attrs.evolve(policy, retry_unknown_outcome=True).should_retry(error=failure)
            if outcome is not Outcome.NOT_PROCESSED and not policy.retry_unknown_outcome and transient:
                logger.info(
                    "not retrying %s %s after %s (%s); RetryPolicy(retry_unknown_outcome=True) would",
                    call.operation.method,
                    call.operation.path,
                    reason,
                    billing,
                )
            return None
        delay = policy.delay(retries_done + 1, retry_after=status.retry_after if status is not None else None)
        if delay is not None:
            logger.info(
                "retrying %s %s in %.2f s (retry %d of %d) after %s (%s)",
                call.operation.method,
                call.operation.path,
                delay,
                retries_done + 1,
                call.max_retries,
                reason,
                billing,
            )
        return delay


def _fmt_timeout(timeout: httpx.Timeout) -> str:
    parts = {"connect": timeout.connect, "read": timeout.read, "write": timeout.write, "pool": timeout.pool}
    if len(set(parts.values())) == 1:
        return f"{timeout.read} s"
    return ", ".join(f"{name} {value} s" for name, value in parts.items())


def _log_response(response: httpx.Response) -> None:
    from ._errors import request_id

    try:
        body: object = summarize(orjson.loads(response.content)) if response.content else None
    except orjson.JSONDecodeError:
        body = f"<{len(response.content):,} bytes of {response.headers.get('content-type', 'unknown type')}>"
    try:
        elapsed = f" in {response.elapsed.total_seconds():.3f} s"
    except RuntimeError:  # a response built already read (mock transports) has no timing
        elapsed = ""
    logger.debug(
        "response %s %s: HTTP %d%s request_id=%s headers=%s body=%s",
        response.request.method,
        response.request.url,
        response.status_code,
        elapsed,
        request_id(response.headers),
        redact_headers(response.headers.items()),
        body,
    )
