"""What the sync and async clients share: settings, the operation table, request building, outcome decisions.

One reason to change: how a call becomes an HTTP request and how its outcome is judged. The I/O loops live
in ``_client.py`` and ``_async_client.py`` (``send → retry loop → _send_once``) and only differ by ``await``.

**Built on the generated core, with a fast wire path.** Every operation is described by the generated
constraints table (method, path, field rules) and the generated models: the request body is a generated
``*Body`` whose ``to_dict()`` gives the JSON names, and the response is read by the generated
``*Response200.from_dict`` (``_response.py``). The generated ``api/`` functions are *not* used: they send with
httpx's ``json=`` (stdlib ``json``, ~15 times slower than ``content=orjson.dumps(...)`` on a 1024² image),
raise ``ValueError`` for a status such as 520 (``HTTPStatus(520)``), and their ``AuthenticatedClient`` shows the
token in its ``repr``. So the body is serialised with ``orjson`` and sent as ``content=`` with explicit
``Content-Type``/``Accept`` headers — with the base64 data URL spliced in rather than serialised
(:func:`body_pieces`): the bytes are the same, but neither a joined copy of the payload nor ``orjson.dumps``'
worst-case reservation (~15x a long string) is made, and a JPEG given as ``bytes`` is base64-encoded per
attempt so nothing payload-sized is held while the answer is read. Measured per call: the model costs ~1.5 µs
to build and serialise, ``validate_body`` ~3 µs, ``from_dict`` ~5 µs; a minimal httpx+orjson+pybase64 round
trip of a 1024² image costs ~1.1 ms CPU over a local socket, and ``make bench`` puts this client at ~0.98x that
(sync) and ~1.04x (async), with a peak of 2x the base64 payload against the minimal call's 28x.

**Only what the caller set is sent.** The generated body defaults ``width``/``height`` to 512 and would always
send them; here every option left at ``None`` is left out (``UNSET``) and the server applies its own default
(the spec documents 512 for both). A request therefore says exactly what its caller asked for, is smaller,
and does not pin defaults the API may change.

**Validation before any I/O.** Images are turned into data URLs first (``_images``); their errors and every
violation that ``_validation.validate_body`` finds in the body (the only place limits are read, from the
generated table) are raised together, in one :class:`ValidationError` naming the caller's argument names
(``refine_strength``, not ``refineStrength``). Nothing is sent then.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import attrs
import httpx
import orjson
import pybase64

from ._config import (
    DEFAULT_TIMEOUT,
    APIKey,
    TimeoutTypes,
    check_max_retries,
    resolve_api_key,
    resolve_base_url,
    resolve_timeout,
)
from ._errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    ImageError,
    LeonardoError,
    ValidationError,
)
from ._images import ImageInput, encode_data_url, image_data_url, image_size, mask_data_url, sniff_format, to_jpeg_bytes
from ._logging import logger, redact_headers, setup_logging, summarize
from ._result import RealtimeResult
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._generated.constraints import OperationRule
    from ._generated.models import (
        CreateLcmGenerationBody,
        PerformAlchemyUpscaleLcmBody,
        PerformInpaintingLcmBody,
        PerformInstantRefineBody,
    )

    _Body = CreateLcmGenerationBody | PerformInstantRefineBody | PerformInpaintingLcmBody | PerformAlchemyUpscaleLcmBody

__all__ = ["BaseRealtimeCanvas", "Operation", "PreparedCall", "operations", "python_names"]

HttpClientT = TypeVar("HttpClientT", httpx.Client, httpx.AsyncClient)
_SPECIAL_NAMES: Final = {"imageDataUrl": "image", "maskDataUrl": "mask"}
_JSON_HEADERS: Final = {"Content-Type": "application/json", "Accept": "application/json"}


def python_names(rule: OperationRule) -> dict[str, str]:
    """JSON name → our keyword argument: ``refineStrength`` → ``refine_strength``, ``imageDataUrl`` → ``image``."""
    return {
        json_name: _SPECIAL_NAMES.get(json_name) or re.sub(r"(?<!^)(?=[A-Z])", "_", json_name).lower()
        for json_name in rule["fields"]
    }


@attrs.frozen
class Operation:
    """One endpoint: our method name, the spec's operation id, and what the generated code says about it."""

    name: str
    operation_id: str
    method: str
    path: str
    body_type: type[_Body]
    response_from_dict: Callable[[Mapping[str, Any]], Any]
    output_type: type
    names: Mapping[str, str]
    """JSON name → our argument name, so that errors speak the caller's language."""
    integer_fields: frozenset[str]

    @classmethod
    def from_generated(
        cls,
        name: str,
        operation_id: str,
        body_type: type[_Body],
        response_from_dict: Callable[[Mapping[str, Any]], Any],
        output_type: type,
    ) -> Operation:
        from ._generated.constraints import OPERATIONS as RULES

        rule = RULES[operation_id]
        return cls(
            name=name,
            operation_id=operation_id,
            method=rule["method"].upper(),
            path=rule["path"],
            body_type=body_type,
            response_from_dict=response_from_dict,
            output_type=output_type,
            names=python_names(rule),
            integer_fields=frozenset(key for key, field in rule["fields"].items() if field["type"] == "integer"),
        )


@functools.cache
def operations() -> Mapping[str, Operation]:
    """Our four methods by name (``generate``, ``refine``, ``inpaint``, ``upscale``).

    Built at the first call rather than at import: importing the generated models and constraints table
    costs ~15 ms that ``import leonardo_realtime_client`` does not need to pay.
    """
    from ._generated import models as m

    table = (
        Operation.from_generated(
            "generate",
            "createLCMGeneration",
            m.CreateLcmGenerationBody,
            m.CreateLcmGenerationResponse200.from_dict,
            m.CreateLcmGenerationResponse200LcmGenerationOutput,
        ),
        Operation.from_generated(
            "refine",
            "performInstantRefine",
            m.PerformInstantRefineBody,
            m.PerformInstantRefineResponse200.from_dict,
            m.PerformInstantRefineResponse200LcmGenerationOutput,
        ),
        Operation.from_generated(
            "inpaint",
            "performInpaintingLCM",
            m.PerformInpaintingLcmBody,
            m.PerformInpaintingLcmResponse200.from_dict,
            m.PerformInpaintingLcmResponse200LcmGenerationOutput,
        ),
        Operation.from_generated(
            "upscale",
            "performAlchemyUpscaleLCM",
            m.PerformAlchemyUpscaleLcmBody,
            m.PerformAlchemyUpscaleLcmResponse200.from_dict,
            m.PerformAlchemyUpscaleLcmResponse200LcmGenerationOutput,
        ),
    )
    return MappingProxyType({op.name: op for op in table})


@attrs.frozen
class PreparedCall:
    """A validated call, ready to send (and to resend on a retry).

    Only the serialised body is kept, not the dict: its data URLs would double the memory held while the
    request is in flight. ``content`` is that body in pieces, ``b"".join(content) == orjson.dumps(body)``:
    each data URL the client made itself is a piece of its own, spliced between the others, so the payload
    is never copied into one buffer nor run through ``orjson.dumps`` (which reserves ~15 times a long
    string's length). It goes out as it is, with an explicit ``Content-Length``, on every attempt.
    ``logged_body`` is the shortened body, made only when DEBUG is on.

    When the image is a JPEG given as ``bytes`` (immutable, and sent as it is), ``jpeg`` holds it and the
    piece at ``jpeg_at`` is only the data URL's prefix: the base64 after it is made for each attempt
    (:meth:`pieces`) and let go once sent, so nothing payload-sized is held here while the answer is read.
    """

    operation: Operation
    url: str
    content: tuple[bytes, ...] = attrs.field(repr=False)
    timeout: httpx.Timeout
    max_retries: int
    logged_body: object = attrs.field(default=None, repr=False)
    jpeg: bytes | None = attrs.field(default=None, repr=False)
    jpeg_at: int = -1
    content_length: int = attrs.field(init=False)

    @content_length.default
    def _length(self) -> int:
        size = sum(map(len, self.content))
        return size if self.jpeg is None else size + 4 * ((len(self.jpeg) + 2) // 3)

    def pieces(self) -> list[bytes]:
        """The body's pieces for one attempt (a new list: the request may drain it)."""
        pieces = list(self.content)
        if self.jpeg is not None:
            pieces.insert(self.jpeg_at + 1, pybase64.b64encode(self.jpeg))
        return pieces


def _collect_images(
    operation: Operation, image: ImageInput, mask: ImageInput | None
) -> tuple[str, str | None, list[ImageError]]:
    """(image data URL, mask data URL, image errors): both are checked even when the first fails."""
    problems: list[ImageError] = []
    image_url = ""
    size: tuple[int, int] | None = None
    try:
        if operation.name == "inpaint":
            jpeg = to_jpeg_bytes(image, field="image")
            size = image_size(jpeg, field="image")
            image_url = encode_data_url(jpeg)
        else:
            image_url = image_data_url(image, field="image")
    except ImageError as exc:
        problems.append(exc)
    mask_url: str | None = None
    if operation.name == "inpaint":
        if mask is None:
            problems.append(ImageError("mask", None, "required: the inpainting mask, white on black"))
        else:
            try:
                mask_url = mask_data_url(mask, size=size, field="mask")
            except ImageError as exc:
                problems.append(exc)
    return image_url, mask_url, problems


def build_body(
    operation: Operation,
    *,
    image: ImageInput,
    mask: ImageInput | None,
    prompt: str,
    options: Mapping[str, object],
) -> dict[str, Any]:
    """The JSON body (spec names, only what was set), or one error listing every problem. No I/O."""
    from ._generated.models.lcm_generation_style import LcmGenerationStyle
    from ._generated.types import UNSET
    from ._validation import validate_body

    image_url, mask_url, image_errors = _collect_images(operation, image, mask)
    problems = [violation for error in image_errors for violation in error.violations]
    kwargs: dict[str, Any] = {"width": UNSET, "height": UNSET}
    kwargs.update((name, value) for name, value in options.items() if value is not None)
    raw_style = kwargs.pop("style", None)
    if raw_style is not None:
        with contextlib.suppress(ValueError):  # not a style: reported by the validator below
            kwargs["style"] = LcmGenerationStyle(raw_style)
    if operation.name == "inpaint":
        kwargs["mask_data_url"] = mask_url or ""  # "" stands in for a mask already reported above
    body = operation.body_type(image_data_url=image_url, prompt=prompt, **kwargs).to_dict()
    if prompt is None:
        del body["prompt"]  # reported as "required", like any missing field
    if raw_style is not None and "style" not in kwargs:
        body["style"] = raw_style  # not a known style: let the validator say what is allowed
    image_fields = {v.field for v in problems}
    problems.extend(
        v for v in validate_body(operation.operation_id, body, names=operation.names) if v.field not in image_fields
    )
    if problems:
        if len(image_errors) == 1 and len(problems) == len(image_errors[0].violations):
            raise image_errors[0]  # only an image problem: keep its precise type
        raise ValidationError(problems, operation=operation.name)
    for name in operation.integer_fields & body.keys():
        body[name] = int(body[name])  # 8.0 passed validation as an integer: send 8
    return body


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
        max_retries: int,
        retry_policy: RetryPolicy | None,
        http_client: HttpClientT | None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
        allow_insecure_http: bool,
    ) -> None:
        setup_logging()
        self._base_url = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self._timeout = resolve_timeout(timeout, DEFAULT_TIMEOUT)
        self._max_retries = check_max_retries(max_retries)
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise ConfigurationError(f"retry_policy must be a RetryPolicy, not {type(retry_policy).__name__}")
        self._retry_policy = retry_policy or RetryPolicy()
        if api_key is not None and not isinstance(api_key, str):
            raise ConfigurationError(f"api_key must be a str, not {type(api_key).__name__}")
        self._api_key_arg = api_key
        self._headers: dict[str, str] | None = None  # built at the first call (the key is read then)
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
            self._http = self._http_client_type(transport=transport, timeout=self._timeout)  # type: ignore[arg-type]
            self._owns_http = True

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
            self._headers = {
                "Authorization": f"Bearer {key.reveal()}",
                **_JSON_HEADERS,
                "User-Agent": f"leonardo-realtime-client/{version} python-httpx/{httpx.__version__}",
            }
        return self._headers

    # -- one call ----------------------------------------------------------------------------------------------------

    def _prepare(
        self,
        name: str,
        *,
        image: ImageInput,
        mask: ImageInput | None = None,
        prompt: str,
        options: Mapping[str, object],
        timeout: TimeoutTypes,
        max_retries: int | None,
    ) -> PreparedCall:
        operation = operations()[name]
        call_timeout = resolve_timeout(timeout, self._timeout)
        retries = self._max_retries if max_retries is None else check_max_retries(max_retries)
        if self._http.is_closed:
            raise ConfigurationError(f"this {type(self).__name__} (or its http_client) is closed")
        body = build_body(operation, image=image, mask=mask, prompt=prompt, options=options)
        self._auth_headers()  # a missing key is reported now, before any I/O
        logged = summarize(body) if logger.isEnabledFor(logging.DEBUG) else None
        # A data URL made here (from bytes, a path, a file, a PIL image) is the prefix and base64 only: JSON
        # never escapes those, so it can be spliced in. A caller's own data URL may hold line breaks.
        own = [name for name, given in (("imageDataUrl", image), ("maskDataUrl", mask)) if not _is_data_url(given)]
        content = body_pieces(body, own)
        del body
        jpeg, at, content = _defer_jpeg(image, content)
        return PreparedCall(
            operation, self._base_url + operation.path, content, call_timeout, retries, logged, jpeg, at
        )

    def _build_request(self, call: PreparedCall, attempt: int) -> httpx.Request:
        # The pieces with an explicit Content-Length: httpx sends them one after the other, with no chunked
        # encoding and no joined copy. Each pass over the body makes them anew (a redirect can resend it).
        content: _BodyPieces | _AsyncBodyPieces = (
            _AsyncBodyPieces(call) if isinstance(self._http, httpx.AsyncClient) else _BodyPieces(call)
        )
        request = self._http.build_request(
            call.operation.method,
            call.url,
            content=content,
            headers={**self._auth_headers(), "Content-Length": str(call.content_length)},
            timeout=call.timeout,
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

        for sent in (*response.history, response):  # a followed redirect's earlier requests carry it too
            _redact(sent.request)
        if logger.isEnabledFor(logging.DEBUG):
            _log_response(response)
        if response.is_success:
            op = call.operation
            return parse_result(op.name, response, op.response_from_dict, op.output_type)
        return status_error(response, secret=self._auth_headers()["Authorization"].removeprefix("Bearer "))

    def _transport_error(self, call: PreparedCall, exc: httpx.RequestError) -> LeonardoError:
        _redact(exc.request)
        where = f"{call.operation.method} {call.url}"
        if isinstance(exc, httpx.TimeoutException):
            kind = type(exc).__name__.replace("Timeout", " timeout").strip().lower()
            return APITimeoutError(f"{kind} on {where} (timeout {_fmt_timeout(call.timeout)})", request=exc.request)
        if isinstance(exc, httpx.DecodingError):
            return APIResponseError(f"could not decode the response of {where}: {exc}")
        detail = str(exc) or type(exc).__name__
        return APIConnectionError(f"connection failed on {where}: {type(exc).__name__}: {detail}", request=exc.request)

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
        if status is not None:
            if not policy.should_retry(status_code=status.status_code):
                return None
            delay = policy.delay(retries_done + 1, retry_after=status.retry_after)
            reason = f"HTTP {status.status_code}"
        else:
            if not policy.should_retry(error=error):
                return None
            delay = policy.delay(retries_done + 1)
            reason = type(error).__name__
        if delay is not None:
            logger.info(
                "retrying %s %s in %.2f s (retry %d of %d) after %s",
                call.operation.method,
                call.operation.path,
                delay,
                retries_done + 1,
                call.max_retries,
                reason,
            )
        return delay


def body_pieces(body: dict[str, Any], spliceable: Iterable[str]) -> tuple[bytes, ...]:
    """``orjson.dumps(body)`` in pieces, the (ASCII) strings of the `spliceable` keys as pieces of their own.

    Only for values that JSON does not escape (a ``data:image/…;base64,`` URL made by the client): the bytes
    are then exactly ``orjson.dumps``' (keys in the body's order do not matter to JSON; the spliced ones come
    first). ``body`` loses those keys.
    """
    pieces: list[bytes] = []
    for name in spliceable:
        value = body.get(name)
        if isinstance(value, str) and value.isascii():
            del body[name]
            pieces += (b',"' if pieces else b'{"', name.encode("ascii"), b'":"', value.encode("ascii"), b'"')
    rest = orjson.dumps(body)
    if not pieces:
        return (rest,)
    pieces.append(b"}" if rest == b"{}" else b"," + rest[1:])
    return tuple(pieces)


def _is_data_url(given: ImageInput | None) -> bool:
    return isinstance(given, str) and given[:5].lower() == "data:"  # the image helpers' rule


_JPEG_URL_PREFIX: Final[bytes] = b"data:image/jpeg;base64,"


def _defer_jpeg(image: ImageInput, content: tuple[bytes, ...]) -> tuple[bytes | None, int, tuple[bytes, ...]]:
    """(the caller's JPEG bytes, index of the data URL's piece, the pieces with that one cut down to the prefix)
    when the base64 can be made again from those bytes for each attempt; else (None, -1, content).

    The image helpers send a JPEG byte-identical, so the piece is the prefix and the base64 of exactly these
    bytes: checked by format and length rather than by a payload-sized comparison."""
    if not isinstance(image, bytes) or len(content) < 5 or content[1] != b"imageDataUrl":
        return None, -1, content
    url = content[3]
    expected = len(_JPEG_URL_PREFIX) + 4 * ((len(image) + 2) // 3)
    if len(url) == expected and url.startswith(_JPEG_URL_PREFIX) and sniff_format(image) == "jpeg":
        return image, 3, (*content[:3], _JPEG_URL_PREFIX, *content[4:])
    return None, -1, content


class _BodyPieces:
    """A request body httpx can iterate more than once (not a generator, so no ``StreamConsumed``); each pass
    makes the pieces anew and lets go of each once it is sent."""

    def __init__(self, call: PreparedCall) -> None:
        self._call = call

    def __iter__(self) -> Iterator[bytes]:
        pieces = self._call.pieces()
        pieces.reverse()
        while pieces:
            yield pieces.pop()


class _AsyncBodyPieces:
    """:class:`_BodyPieces` for ``httpx.AsyncClient`` (async-iterable only, so httpx streams it asynchronously)."""

    def __init__(self, call: PreparedCall) -> None:
        self._call = call

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pieces = self._call.pieces()
        pieces.reverse()
        while pieces:
            yield pieces.pop()


def _redact(request: httpx.Request) -> None:
    """After sending: keep the key out of what is handed back (errors, results, tracebacks)."""
    if "authorization" in request.headers:
        request.headers["Authorization"] = "Bearer [redacted]"


def _fmt_timeout(timeout: httpx.Timeout) -> str:
    parts = {"connect": timeout.connect, "read": timeout.read, "write": timeout.write, "pool": timeout.pool}
    if len(set(parts.values())) == 1:
        return f"{timeout.read} s"
    return ", ".join(f"{name} {value} s" for name, value in parts.items())


def _log_response(response: httpx.Response) -> None:
    from ._response import request_id

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
