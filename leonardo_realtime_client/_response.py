"""Turn an HTTP response into a :class:`RealtimeResult` or one of our typed errors.

One reason to change: the shape of what the server sends back. Nothing here lets a bare ``KeyError``,
``TypeError``, ``JSONDecodeError`` or ``ValueError`` escape:

- **Success (2xx)**: the body is parsed with ``orjson`` and read through the generated
  ``*Response200.from_dict`` (so JSON names are not typed twice and unknown fields are tolerated). The images
  themselves never become ``str``: in a body of the usual shape the ``imageDataUrl`` strings are located in
  the raw bytes, only the rest goes through ``orjson``, and each image is base64-decoded straight from the
  response through a ``memoryview`` (``_spliced.load_spliced``; anything unusual takes the full parse). The
  generated ``from_dict`` checks no types (it ``cast``s), so every field is checked here: a non-JSON body,
  an HTML page, a missing or null ``lcmGenerationJob``, a string where a list is expected, an unknown cost
  unit, a bad amount, invalid base64 or bytes that are no image each raise :class:`APIResponseError`
  saying which field was wrong. Images are decoded by ``_images.decode_data_url`` (pybase64,
  ``validate=True``, format sniffed against the label). ``from_dict`` costs a small share of a round trip's
  CPU (``benchmarks/RESULTS.md``), so the generated model is used.
- **Any other status**, and a 2xx whose body is an error instead of a job: :func:`status_error`
  (``_error_answers``) reads every error shape into its typed error.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Protocol, cast

import attrs
import httpx
import orjson

from ._answer import check_returned_image
from ._error_answers import describe_non_json, error_object, errors_list, status_error
from ._errors import (
    REQUEST_ID_HEADERS,
    APIResponseError,
    APIStatusError,
    ImageError,
    request_id,
    short_repr,
)
from ._generated.models.cost import Cost
from ._generated.models.cost_unit import CostUnit
from ._generated.types import UNSET, Unset
from ._images import decode_data_url
from ._logging import logger
from ._result import RealtimeResult
from ._spliced import decode_span, load_spliced

__all__ = ["REQUEST_ID_HEADERS", "parse_result", "request_id", "status_error"]


_JOB = "lcmGenerationJob"


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


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), f"a {type(value).__name__}")


_LARGE_ESCAPED: Final = 1024 * 1024


def _load_json(response: httpx.Response) -> object:
    """The body as JSON. A large body with escapes goes through the standard library's parser: ``orjson`` reserves
    about 13 times a long escaped string's length (a 40 MB answer whose ``/`` are written ``\\/`` peaked at
    560 MB), ``json`` about twice."""
    content = response.content
    try:
        if len(content) > _LARGE_ESCAPED and b"\\" in content:
            return json.loads(content)
        return orjson.loads(content)
    except (orjson.JSONDecodeError, ValueError, RecursionError):  # json's JSONDecodeError and UnicodeDecodeError
        raise APIResponseError(
            f"HTTP {response.status_code} from {response.request.url.path}: expected JSON, got "
            f"{describe_non_json(response)}",
            response=response,
        ) from None


def _malformed(response: httpx.Response, where: str, problem: str) -> APIResponseError:
    return APIResponseError(
        f"malformed response from {response.request.url.path}: {where}: {problem}", response=response
    )


class _Metadata:
    """Reads the metadata fields of a job leniently: a value of an unexpected type or an unknown value is kept
    raw in ``unparsed`` (by JSON name) with a note, and its typed attribute stays ``None``."""

    def __init__(self) -> None:
        self.unparsed: dict[str, object] = {}
        self.notes: list[str] = []

    def keep(self, name: str, raw: object, problem: str) -> None:
        self.unparsed[name] = raw
        self.notes.append(f"{_JOB}.{name}: {problem}")

    def str_list(self, name: str, value: object) -> tuple[str, ...]:
        if isinstance(value, Unset) or value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.keep(name, value, f"expected a list of strings, got {_kind(value)} {short_repr(value)}")
            return ()
        return tuple(value)

    def optional_str(self, name: str, value: object) -> str | None:
        if isinstance(value, Unset) or value is None:
            return None
        if not isinstance(value, str):
            self.keep(name, value, f"expected a string, got {_kind(value)} {short_repr(value)}")
            return None
        return value

    def credit_cost(self, value: object) -> int | None:
        if isinstance(value, Unset) or value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.keep("apiCreditCost", value, f"expected an integer, got {_kind(value)} {short_repr(value)}")
            return None
        if value < 0:  # a refund is no charge: added to a budget it would let the session spend more
            self.keep("apiCreditCost", value, f"a negative credit cost ({value}) is no charge; not used")
            return None
        return value

    def cost(self, value: object) -> tuple[Decimal | None, CostUnit | str | None]:
        """``(amount, unit)``; an unknown unit is kept as the plain string the server sent."""
        if isinstance(value, Unset) or value is None:
            return None, None
        if isinstance(value, Cost):
            raw_amount: object = value.amount
            raw_unit: object = value.unit
        elif isinstance(value, dict):  # the generated parser keeps the raw dict when Cost.from_dict fails
            raw_amount, raw_unit = value.get("amount", UNSET), value.get("unit", UNSET)
        else:
            self.keep("cost", value, f"expected an object {{amount, unit}}, got {_kind(value)} {short_repr(value)}")
            return None, None
        raw = value.to_dict() if isinstance(value, Cost) else value
        extra = sorted(str(name) for name in raw if name not in ("amount", "unit"))
        if extra:  # a new field beside amount and unit, or the cost nested one level deeper ({"total": {...}})
            self.keep("cost", raw, f"field{'s' if len(extra) > 1 else ''} the spec does not list: {', '.join(extra)}")
        unit: CostUnit | str | None = None
        if isinstance(raw_unit, CostUnit):
            unit = raw_unit
        elif isinstance(raw_unit, str) and raw_unit.strip():
            known = ", ".join(member.value for member in CostUnit)
            self.keep("cost", raw, f"unknown unit {short_repr(raw_unit)} (known: {known}); kept as the string sent")
            unit = raw_unit
        elif not isinstance(raw_unit, Unset) and raw_unit is not None:
            self.keep("cost", raw, f"unit: expected a string, got {_kind(raw_unit)} {short_repr(raw_unit)}")
        if isinstance(raw_amount, Unset) or raw_amount is None:
            return None, unit
        if isinstance(raw_amount, bool) or not isinstance(raw_amount, str | int | float):
            self.keep("cost", raw, f"amount: expected a decimal string, got {_kind(raw_amount)}")
            return None, unit
        try:
            decimal = Decimal(raw_amount if isinstance(raw_amount, str) else repr(raw_amount))
        except InvalidOperation:
            decimal = Decimal("NaN")
        if not decimal.is_finite():
            self.keep("cost", raw, f"amount: not a finite decimal number: {short_repr(raw_amount)}")
            return None, unit
        if decimal < 0:  # a refund is no charge: added to a session's spending it would raise its budget
            self.keep("cost", raw, f"amount: a negative cost ({decimal}) is no charge; not used")
            return None, unit
        if unit is None and "cost" not in self.unparsed:
            self.keep("cost", raw, f"an amount ({decimal}) without a unit")
        return decimal, unit


def _extra(job: _Output, attribute: str, json_name: str) -> object:
    """A field only some output models declare: the attribute if there is one, else the undeclared JSON key."""
    if hasattr(job, attribute):
        return cast(object, getattr(job, attribute))
    return job.additional_properties.get(json_name, UNSET)


def _image_urls(response: httpx.Response, value: object) -> tuple[str, ...]:
    where = f"{_JOB}.imageDataUrl"
    if isinstance(value, Unset) or value is None:
        raise _malformed(response, where, "missing" if isinstance(value, Unset) else "null")
    if not isinstance(value, list):
        raise _malformed(response, where, f"expected a list of strings, got {_kind(value)} {short_repr(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _malformed(response, f"{where}[{index}]", f"expected a string, got {_kind(item)}")
    if not value:
        raise _malformed(response, where, "an empty list: no image was returned")
    return tuple(value)


def _is_error_body(data: Mapping[str, object]) -> bool:
    """A 2xx body without a job that holds an error instead: GraphQL's ``errors`` list, an ``error`` string or
    object, a FastAPI-style ``detail``, or a lone ``message`` (the server's words are worth more than "missing")."""
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        return True
    return error_object(data)[0] is not None


_KNOWN_EXTRAS = frozenset({"generationId", "variationId", "generatedImageId"})
_warned_lock = threading.Lock()
_WARNED_LIMIT = 1024


def _warn(notes: list[str], operation: str, warned: set[str] | None) -> None:
    """Log each note at WARNING the first time (per ``warned`` set, e.g. one per client), then at DEBUG."""
    for note in notes:
        first = True
        if warned is not None:
            with _warned_lock:
                first = note not in warned
                if first and len(warned) < _WARNED_LIMIT:
                    warned.add(note)
        logger.log(
            logging.WARNING if first else logging.DEBUG,
            "%s: unexpected metadata in a successful response: %s; the result keeps the raw value in "
            "result.unparsed (reported once per client)",
            operation,
            note,
        )


def parse_result(
    operation: str,
    response: httpx.Response,
    from_dict: Callable[[Mapping[str, Any]], _Response200],
    output_type: type,
    *,
    warned: set[str] | None = None,
) -> RealtimeResult | APIStatusError:
    """A successful response as a :class:`RealtimeResult`; :class:`APIResponseError` raised if it is unusable.

    ``from_dict`` is the operation's generated ``*Response200.from_dict`` and ``output_type`` its
    ``*LcmGenerationOutput`` model. The images are the product: only a body that is no JSON object, a missing
    job or unusable images raise. Metadata of an unexpected type or value (an unknown cost unit, a string where
    a number was expected, a field the spec does not list) is kept raw in ``result.unparsed``, described in
    ``result.warnings`` and logged at WARNING once per ``warned`` set. A 2xx whose body is an error instead of a
    job (the GraphQL engine's ``{"errors": [...]}``) is returned as the :class:`APIStatusError` it stands for.
    """
    content = response.content
    spliced = load_spliced(content)
    spans: list[tuple[int, int]] | None = None
    if spliced is None:
        data = _load_json(response)
    else:
        data, spans = spliced
    if isinstance(data, list) and errors_list(data)[0] is not None:  # a bare list of error objects
        return status_error(response)
    if not isinstance(data, dict):
        raise _malformed(response, "body", f"expected a JSON object, got {_kind(data)}")
    raw_job = data.get(_JOB)
    if raw_job is None:
        if _is_error_body(data):
            return status_error(response)
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

    urls = _image_urls(response, job.image_data_url)
    images: list[bytes] = []
    mime_types: list[str] = []
    for index, url in enumerate(urls):
        field = f"{_JOB}.imageDataUrl[{index}]"
        try:
            if spans is not None:
                mime, image = decode_span(content, *spans[index], field)
            else:
                mime, image = decode_data_url(url, field=field)
            check_returned_image(image, mime.removeprefix("image/"), field=field)
        except ImageError as exc:
            problem = exc.violations[0].allowed if exc.violations else str(exc)
            raise _malformed(response, field, problem) from exc
        mime_types.append(mime)
        images.append(image)

    meta = _Metadata()
    cost, unit = meta.cost(job.cost)
    result = RealtimeResult(
        operation=operation,
        images=tuple(images),
        mime_types=tuple(mime_types),
        request_timestamp=meta.optional_str("requestTimestamp", job.request_timestamp),
        cost=cost,
        cost_unit=unit,
        api_credit_cost=meta.credit_cost(job.api_credit_cost),
        generation_ids=meta.str_list("generationId", _extra(job, "generation_id", "generationId")),
        variation_ids=meta.str_list("variationId", _extra(job, "variation_id", "variationId")),
        generated_image_id=meta.optional_str("generatedImageId", _extra(job, "generated_image_id", "generatedImageId")),
        request_id=request_id(response.headers),
        http_response=response,
    )
    for name, value in job.additional_properties.items():
        if name not in _KNOWN_EXTRAS:
            meta.keep(name, value, "a field the spec does not list")
    if meta.notes:
        result = attrs.evolve(result, unparsed=meta.unparsed, warnings=tuple(meta.notes))
        _warn(meta.notes, operation, warned)
    return result
