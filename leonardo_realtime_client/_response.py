"""Turn an HTTP response into a :class:`RealtimeResult` or one of our typed errors.

One reason to change: the shape of what the server sends back. Nothing here lets a bare ``KeyError``,
``TypeError``, ``JSONDecodeError`` or ``ValueError`` escape:

- **Success (2xx)**: the body is parsed with ``orjson`` and read through the generated
  ``*Response200.from_dict`` (so JSON names are not typed twice and unknown fields are tolerated). The images
  themselves never become ``str``: in a body of the usual shape the ``imageDataUrl`` strings are located in
  the raw bytes, only the rest goes through ``orjson``, and each image is base64-decoded straight from the
  response through a ``memoryview`` (:func:`_load_spliced`; anything unusual takes the full parse). The
  generated ``from_dict`` checks no types (it ``cast``s), so every field is checked here: a non-JSON body,
  an HTML page, a missing or null ``lcmGenerationJob``, a string where a list is expected, an unknown cost
  unit, a bad amount, invalid base64 or bytes that are no image each raise :class:`APIResponseError`
  saying which field was wrong. Images are decoded by ``_images.decode_data_url`` (pybase64,
  ``validate=True``, format sniffed against the label). ``from_dict`` costs ~5 µs per response, about
  0.5 % of the ~1.1 ms CPU of a 1024² round trip (``make bench``), so the generated model is used.
- **Any other status**: :func:`status_error` picks the class by status (``status_error_class``; 520 is a
  5xx like any other, where the generated code would raise ``ValueError`` from ``HTTPStatus(520)``) and
  reads both error shapes in the wild: the spec's ``ApiError {message, path, locations, extensions}`` and
  Leonardo's documented ``{"error": "...", "path": "$", "code": "..."}`` (and GraphQL's ``{"errors": [...]}``),
  plus the request id header and ``Retry-After``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, cast

import httpx
import orjson
import pybase64

from ._errors import APIResponseError, APIStatusError, ImageError, short_repr, status_error_class
from ._generated.models.cost import Cost
from ._generated.models.cost_unit import CostUnit
from ._generated.types import UNSET, Unset
from ._images import MAX_IMAGE_BYTES, decode_data_url, sniff_format
from ._result import RealtimeResult
from ._retry import parse_retry_after

__all__ = ["REQUEST_ID_HEADERS", "parse_result", "request_id", "status_error"]

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-amz-cf-id", "cf-ray")
"""Tried in order; the first present is the error's ``request_id``."""

_JOB = "lcmGenerationJob"
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_MAX_TEXT_BODY = 2000


class _Output(Protocol):
    """What the four generated ``*Response200LcmGenerationOutput`` models have in common.

    Only the upscale model declares ``generation_id``, ``variation_id`` and ``generated_image_id``; for the
    others those keys, if ever sent, land in ``additional_properties`` and are read from there.
    """

    additional_properties: dict[str, Any]

    @property
    def image_data_url(self) -> list[str] | Unset: ...
    @property
    def request_timestamp(self) -> str | Unset: ...
    @property
    def api_credit_cost(self) -> int | Unset | None: ...
    @property
    def cost(self) -> Cost | Unset | None: ...


class _Response200(Protocol):
    @property
    def lcm_generation_job(self) -> object: ...


def request_id(headers: httpx.Headers) -> str | None:
    """The request id the server sent, if any (see :data:`REQUEST_ID_HEADERS`)."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _describe_non_json(response: httpx.Response) -> str:
    content = response.content
    ctype = response.headers.get("content-type", "no content-type")
    if not content.strip():
        return f"an empty body ({ctype})"
    title = _TITLE_RE.search(content[:4096])
    if title:
        text = title.group(1).decode("utf-8", "replace").strip()
        return f"an HTML page titled {text[:100]!r} ({ctype})"
    head = content[:80].decode("utf-8", "replace")
    return f"{ctype} starting {head!r}" + (f" ({len(content):,} bytes)" if len(content) > 80 else "")


def _load_json(response: httpx.Response) -> object:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise APIResponseError(
            f"HTTP {response.status_code} from {response.request.url.path}: expected JSON, got "
            f"{_describe_non_json(response)}",
            response=response,
        ) from None


def _malformed(response: httpx.Response, where: str, problem: str) -> APIResponseError:
    return APIResponseError(
        f"malformed response from {response.request.url.path}: {where}: {problem}", response=response
    )


def _str_list(response: httpx.Response, name: str, value: object, *, required: bool) -> tuple[str, ...]:
    where = f"{_JOB}.{name}"
    if isinstance(value, Unset) or value is None:
        if required:
            raise _malformed(response, where, "missing" if isinstance(value, Unset) else "null")
        return ()
    if not isinstance(value, list):
        raise _malformed(response, where, f"expected a list of strings, got {_kind(value)} {short_repr(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _malformed(response, f"{where}[{index}]", f"expected a string, got {_kind(item)}")
    return tuple(value)


def _optional_str(response: httpx.Response, name: str, value: object) -> str | None:
    if isinstance(value, Unset) or value is None:
        return None
    if not isinstance(value, str):
        raise _malformed(response, f"{_JOB}.{name}", f"expected a string, got {_kind(value)} {short_repr(value)}")
    return value


def _credit_cost(response: httpx.Response, value: object) -> int | None:
    if isinstance(value, Unset) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _malformed(response, f"{_JOB}.apiCreditCost", f"expected an integer, got {short_repr(value)}")
    return value


def _cost(response: httpx.Response, value: object) -> tuple[Decimal | None, CostUnit | None]:
    where = f"{_JOB}.cost"
    if isinstance(value, Unset) or value is None:
        return None, None
    if not isinstance(value, Cost):
        # The generated parser falls back to the raw value when Cost.from_dict fails (an unknown unit).
        unit = value.get("unit") if isinstance(value, dict) else None
        if isinstance(value, dict) and unit is not None:
            known = ", ".join(member.value for member in CostUnit)
            raise _malformed(response, f"{where}.unit", f"unknown unit {short_repr(unit)}; known: {known}")
        raise _malformed(response, where, f"expected an object, got {_kind(value)} {short_repr(value)}")
    amount = value.amount
    unit = None if isinstance(value.unit, Unset) else value.unit
    if isinstance(amount, Unset) or amount is None:
        return None, unit
    if isinstance(amount, bool) or not isinstance(amount, str | int | float):
        raise _malformed(response, f"{where}.amount", f"expected a decimal string, got {_kind(amount)}")
    try:
        decimal = Decimal(amount if isinstance(amount, str) else repr(amount))
    except InvalidOperation:
        decimal = Decimal("NaN")
    if not decimal.is_finite():
        raise _malformed(response, f"{where}.amount", f"not a finite decimal number: {short_repr(amount)}")
    return decimal, unit


def _extra(job: _Output, attribute: str, json_name: str) -> object:
    """A field only some output models declare: the attribute if there is one, else the undeclared JSON key."""
    if hasattr(job, attribute):
        return cast(object, getattr(job, attribute))
    return job.additional_properties.get(json_name, UNSET)


_IMAGES_KEY = b'"imageDataUrl"'
_KNOWN_LABELS = {b"data:image/jpeg;base64": "jpeg", b"data:image/png;base64": "png", b"data:image/webp;base64": "webp"}


def _skip_space(buf: bytes, i: int) -> int:
    while buf[i : i + 1] in (b" ", b"\t", b"\r", b"\n"):
        i += 1
    return i


def _load_spliced(content: bytes) -> tuple[object, list[tuple[int, int]]] | None:
    """Parse a 2xx body without turning its images into ``str``: ``(document, spans)``, where the document has
    ``lcmGenerationJob.imageDataUrl`` as ``["", …]`` and ``spans`` are the ``(start, end)`` of those strings in
    `content`; ``None`` when the body is not in the plain shape this handles (the caller then parses it whole).

    The ``"imageDataUrl": [ … ]`` array is found in the raw bytes and must hold only strings without escapes.
    Only the small rest (the array replaced by empty strings) goes through ``orjson``; the key must occur once
    and the empty strings must then sit exactly at ``lcmGenerationJob.imageDataUrl``, else it falls back.
    """
    key = content.find(_IMAGES_KEY)
    if key < 0:
        return None
    i = _skip_space(content, key + len(_IMAGES_KEY))
    if content[i : i + 1] != b":":
        return None
    i = _skip_space(content, i + 1)
    if content[i : i + 1] != b"[":
        return None
    array_start = i
    spans: list[tuple[int, int]] = []
    i = _skip_space(content, i + 1)
    while content[i : i + 1] != b"]":
        if content[i : i + 1] != b'"':
            return None
        end = content.find(b'"', i + 1)
        if end < 0 or content.find(b"\\", i + 1, end) >= 0:
            return None
        spans.append((i + 1, end))
        i = _skip_space(content, end + 1)
        if content[i : i + 1] == b",":
            i = _skip_space(content, i + 1)
        elif content[i : i + 1] != b"]":
            return None
    rest = b"".join((content[:array_start], b"[", b",".join([b'""'] * len(spans)), b"]", content[i + 1 :]))
    if rest.count(_IMAGES_KEY) != 1:  # the key also elsewhere: the array cut out may not be the job's
        return None
    try:
        data = orjson.loads(rest)
    except orjson.JSONDecodeError:
        return None
    job = data.get(_JOB) if isinstance(data, dict) else None
    if not isinstance(job, dict) or job.get("imageDataUrl") != [""] * len(spans):
        return None
    return data, spans


def _decode_span(content: bytes, start: int, end: int, field: str) -> tuple[str, bytes]:
    """:func:`decode_data_url` of ``content[start:end]``; a plain JPEG/PNG/WebP data URL is decoded straight
    from `content` through a ``memoryview`` (no ``str``, no copy), anything else by ``decode_data_url``."""
    comma = content.find(b",", start, min(end, start + 32))
    fmt = _KNOWN_LABELS.get(content[start:comma]) if comma > start else None
    if fmt is not None and (end - comma - 1) * 3 // 4 <= MAX_IMAGE_BYTES:
        try:
            with memoryview(content) as view:
                data = pybase64.b64decode(view[comma + 1 : end], validate=True)
        except ValueError:
            pass  # let decode_data_url say what is wrong
        else:
            if sniff_format(data) == fmt:
                return f"image/{fmt}", data
    return decode_data_url(content[start:end].decode("utf-8", "replace"), field=field)


def parse_result(
    operation: str,
    response: httpx.Response,
    from_dict: Callable[[Mapping[str, Any]], _Response200],
    output_type: type,
) -> RealtimeResult:
    """A successful response as a :class:`RealtimeResult`; :class:`APIResponseError` if it is malformed.

    ``from_dict`` is the operation's generated ``*Response200.from_dict`` and ``output_type`` its
    ``*LcmGenerationOutput`` model.
    """
    content = response.content
    spliced = _load_spliced(content)
    spans: list[tuple[int, int]] | None = None
    if spliced is None:
        data = _load_json(response)
    else:
        data, spans = spliced
    if not isinstance(data, dict):
        raise _malformed(response, "body", f"expected a JSON object, got {_kind(data)}")
    raw_job = data.get(_JOB)
    if raw_job is None:
        raise _malformed(response, _JOB, "missing" if _JOB not in data else "null")
    if not isinstance(raw_job, dict):
        raise _malformed(response, _JOB, f"expected an object, got {_kind(raw_job)} {short_repr(raw_job)}")
    try:
        job_model = from_dict(data).lcm_generation_job
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # pragma: no cover - from_dict of a dict
        raise _malformed(response, _JOB, f"could not be read ({type(exc).__name__})") from None
    if not isinstance(job_model, output_type):  # pragma: no cover - from_dict of a dict always gives the model
        raise _malformed(response, _JOB, "could not be read")
    job = cast(_Output, job_model)

    urls = _str_list(response, "imageDataUrl", job.image_data_url, required=True)
    if not urls:
        raise _malformed(response, f"{_JOB}.imageDataUrl", "an empty list: no image was returned")
    images: list[bytes] = []
    mime_types: list[str] = []
    for index, url in enumerate(urls):
        field = f"{_JOB}.imageDataUrl[{index}]"
        try:
            if spans is not None:
                mime, image = _decode_span(content, *spans[index], field)
            else:
                mime, image = decode_data_url(url, field=field)
        except ImageError as exc:
            problem = exc.violations[0].allowed if exc.violations else str(exc)
            raise _malformed(response, field, problem) from exc
        mime_types.append(mime)
        images.append(image)

    cost, unit = _cost(response, job.cost)
    return RealtimeResult(
        operation=operation,
        images=tuple(images),
        mime_types=tuple(mime_types),
        request_timestamp=_optional_str(response, "requestTimestamp", job.request_timestamp),
        cost=cost,
        cost_unit=unit,
        api_credit_cost=_credit_cost(response, job.api_credit_cost),
        generation_ids=_str_list(
            response, "generationId", _extra(job, "generation_id", "generationId"), required=False
        ),
        variation_ids=_str_list(response, "variationId", _extra(job, "variation_id", "variationId"), required=False),
        generated_image_id=_optional_str(
            response, "generatedImageId", _extra(job, "generated_image_id", "generatedImageId")
        ),
        http_response=response,
    )


def _error_body(response: httpx.Response) -> object:
    if not response.content:
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        text = response.text
        return text if len(text) <= _MAX_TEXT_BODY else text[:_MAX_TEXT_BODY] + "…"


def _from_error_object(body: Mapping[str, object]) -> tuple[str | None, str | None]:
    """(message, code) from one error object of either shape."""
    message: str | None = None
    for key in ("message", "error"):
        candidate = body.get(key)
        if isinstance(candidate, str) and candidate.strip():
            message = candidate.strip()
            break
    code = body.get("code")
    extensions = body.get("extensions")
    if code is None and isinstance(extensions, Mapping):
        code = extensions.get("code")
    path = body.get("path")
    if isinstance(message, str) and message:
        if isinstance(path, list) and path:
            message = f"{message} (at {'.'.join(map(str, path))})"
        elif isinstance(path, str) and path not in ("", "$"):
            message = f"{message} (at {path})"
    return (message or None), (str(code) if code is not None and not isinstance(code, dict | list) else None)


def _error_message(body: object, response: httpx.Response) -> tuple[str, str | None]:
    if isinstance(body, Mapping):
        message, code = _from_error_object(body)
        errors = body.get("errors")
        if message is None and isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            message, code = _from_error_object(errors[0])
        if message is not None:
            return message, code
        return f"{response.reason_phrase or 'error'} (body: {short_repr(body)})", code
    if isinstance(body, str) and body.strip():
        return f"{response.reason_phrase or 'error'}: {_describe_non_json(response)}", None
    return response.reason_phrase or "error (no body)", None


def _scrub(value: object, secret: str) -> object:
    """``value`` with every occurrence of ``secret`` in its strings replaced (JSON-like data)."""
    if isinstance(value, str):
        return value.replace(secret, "[redacted]") if secret in value else value
    if isinstance(value, dict):
        return {_scrub(k, secret): _scrub(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(item, secret) for item in value]
    return value


def status_error(response: httpx.Response, *, secret: str | None = None) -> APIStatusError:
    """The typed error for a non-2xx response (``response`` must be read).

    ``secret`` (the API key) is cut out of the message and the parsed body: a server or proxy that echoes
    the request's ``Authorization`` header in its error text must not put the key into our exceptions.
    """
    body = _error_body(response)
    message, code = _error_message(body, response)
    if secret:
        body, message = _scrub(body, secret), str(_scrub(message, secret))
        code = None if code is None else str(_scrub(code, secret))
    return status_error_class(response.status_code)(
        message,
        response=response,
        body=body,
        code=code,
        request_id=request_id(response.headers),
        retry_after=parse_retry_after(response.headers),
    )
