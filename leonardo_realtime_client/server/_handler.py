"""The request handler every way of running the server shares: routing, auth, validation, faults, the reply.

Framework-free on purpose: ``(method, path, headers, body) -> Reply``. The in-process transport calls it
directly; the starlette app wraps it. Delays and dropped connections are *described* in the reply and carried
out by the caller, so the sync transport, the async transport and the HTTP server each wait their own way.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import orjson
import pybase64

from .._errors import ImageError, ValidationError, Violation
from .._extras import require_server_extra
from .._generated.constraints import OPERATIONS
from .._images import JPEG_DATA_URL_PREFIX, MAX_IMAGE_PIXELS, decode_data_url, image_size, sniff_format
from .._images._exif import TRANSPOSED, orientation
from .._validation import validate_body
from ._config import DEFAULT_COSTS, LOCAL_BASE_PATH, Fault, ServerConfig
from ._faults import FaultPlan

if TYPE_CHECKING:
    from ._imaging import Job

__all__ = ["CanvasHandler", "RecordedRequest", "Reply"]

_log = logging.getLogger(__name__)
_JSON = (("content-type", "application/json"),)
_UNIT_AREA = 512 * 512
_CENT_FRACTION = Decimal("0.0001")
_ID_NAMESPACE = uuid.UUID("6f1b7a52-4c1e-4d55-9a1e-6c0c2b0e7d11")


@attrs.frozen
class Reply:
    """A response to send: after ``delay`` seconds; or, when ``drop``, no complete response at all."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = _JSON
    delay: float = 0.0
    drop: bool = False


@attrs.frozen
class RecordedRequest:
    """One request the server saw (newest last in ``requests``): for assertions in tests."""

    index: int
    method: str
    path: str
    operation_id: str | None
    status: int
    fault: Fault
    body: Any = attrs.field(repr=False)
    """The parsed JSON body (``None`` when there was none or it was not JSON)."""


def _error(status: int, message: str, code: str, path: str = "$", **kw: Any) -> Reply:
    """Leonardo's documented error shape: ``{"error": ..., "path": ..., "code": ...}``."""
    return Reply(status, orjson.dumps({"error": message, "path": path, "code": code}), **kw)


def _rounded_integers(op_id: str, body: Mapping[str, Any]) -> bool:
    """Whether an integer field holds a float: orjson reads an integer literal beyond 64 bits as a rounded float
    (-(2**63)-1 as -(2**63), which is valid), so such a body is parsed again, exactly, with the json module."""
    fields = OPERATIONS[op_id]["fields"]
    return any(isinstance(v, float) and k in fields and fields[k]["type"] == "integer" for k, v in body.items())


def _retry_after(seconds: float) -> tuple[tuple[str, str], ...]:
    text = str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"
    return (*_JSON, ("retry-after", text))


def _check_mask_fits(image: bytes, mask: bytes, problems: list[Violation]) -> None:
    """Image and mask are both taken as displayed (each one's EXIF orientation applied, as the client sends them).
    A mask of another size is scaled to the output like the image, but one drawn in the *stored* coordinates of
    a turned phone photo would change the wrong area: that one is refused, saying how to fix it."""
    shown = image_size(image, field="imageDataUrl")
    mask_shown = image_size(mask, field="maskDataUrl")
    turned = orientation(image, sniff_format(image) or "") in TRANSPOSED
    if turned and mask_shown != shown and mask_shown == shown[::-1]:
        problems.append(
            Violation(
                "maskDataUrl",
                f"{mask_shown[0]}x{mask_shown[1]}",
                f"the mask has the image's stored size, but the image is displayed {shown[0]}x{shown[1]} (its EXIF "
                "orientation turns it); draw the mask on the image as displayed",
            )
        )


class CanvasHandler:
    """Handles requests for one server instance; keeps the fault plan, a small output cache and a request log."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        require_server_extra("the local server")  # at once, not as an error status on every request
        self.config = config or ServerConfig()
        self._plan = FaultPlan(self.config)
        self._routes = {LOCAL_BASE_PATH + op["path"]: op_id for op_id, op in OPERATIONS.items()}
        self._seen = 0
        self._log: collections.deque[RecordedRequest] = collections.deque(maxlen=self.config.history)
        self._cache: collections.OrderedDict[tuple[object, ...], tuple[str, tuple[int, int]]] = (
            collections.OrderedDict()
        )
        self._cache_lock = threading.Lock()

    @property
    def requests(self) -> list[RecordedRequest]:
        """The most recent requests (up to ``ServerConfig.history``), oldest first."""
        return list(self._log)

    @property
    def routes(self) -> Mapping[str, str]:
        """Path → operation id."""
        return self._routes

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes | None) -> Reply:
        """Answer one request. ``headers`` has lower-case names; ``body`` is ``None`` when it was too large to read."""
        op_id = self._routes.get(path)
        parsed: Any = None
        fault = Fault.NONE
        if op_id is None:
            reply = _error(404, f"resource does not exist: {method} {path}", "not-found")
        elif method != "POST":
            reply = _error(
                405,
                f"method {method} not allowed on {path}; allowed: POST",
                "method-not-allowed",
                headers=(*_JSON, ("allow", "POST")),
            )
        else:
            reply, parsed, fault = self._operation(op_id, headers, body)
        if self._log.maxlen:
            with self._cache_lock:
                index = self._seen
                self._seen += 1
            self._log.append(RecordedRequest(index, method, path, op_id, reply.status, fault, parsed))
        return reply

    def _operation(self, op_id: str, headers: Mapping[str, str], body: bytes | None) -> tuple[Reply, Any, Fault]:
        config = self.config
        if body is None or len(body) > config.max_body_bytes:
            size = f"more than {config.max_body_bytes}" if body is None else str(len(body))
            message = f"request body too large: {size} bytes; at most {config.max_body_bytes} bytes are accepted"
            return _error(413, message, "request-too-large"), None, Fault.NONE
        auth = self._authenticate(headers)
        if auth is not None:
            return auth, None, Fault.NONE
        decision = self._plan.next()
        delay = decision.delay
        retry_after = config.faults.retry_after
        if decision.fault is Fault.RATE_LIMIT:
            message = "rate limit exceeded: too many requests; retry after the Retry-After delay"
            reply = _error(429, message, "rate-limited", headers=_retry_after(retry_after), delay=delay)
            return reply, None, decision.fault
        if decision.fault is Fault.SERVER_ERROR:
            return _error(500, "unexpected server error", "unexpected", delay=delay), None, decision.fault
        if decision.fault is Fault.UNAVAILABLE:
            message = "service temporarily unavailable"
            reply = _error(503, message, "service-unavailable", headers=_retry_after(retry_after), delay=delay)
            return reply, None, decision.fault
        if decision.fault is Fault.DROP:
            return Reply(0, b"", (), delay=delay, drop=True), None, decision.fault
        try:
            parsed = orjson.loads(body) if body.strip() else {}
        except orjson.JSONDecodeError as exc:
            return _error(400, f"request body is not valid JSON: {exc}", "parse-failed", delay=delay), None, Fault.NONE
        if not isinstance(parsed, dict):
            message = f"request body must be a JSON object, not {type(parsed).__name__}"
            return _error(400, message, "parse-failed", delay=delay), parsed, decision.fault
        if _rounded_integers(op_id, parsed):
            parsed = json.loads(body)  # exact integers, so validation judges the number that was sent
        try:
            payload = self._process(op_id, parsed, decision.index)
        except ValidationError as exc:
            first = exc.violations[0].field if exc.violations else ""
            reply = _error(400, str(exc), "validation-failed", path=f"$.{first}" if first else "$", delay=delay)
            return reply, parsed, decision.fault
        except Exception:  # a bug here must still look like a server's 500, not kill the caller's transport
            _log.exception("local server failed on %s", op_id)
            return _error(500, "unexpected server error", "unexpected", delay=delay), parsed, decision.fault
        return Reply(200, payload, delay=delay), parsed, decision.fault

    def _authenticate(self, headers: Mapping[str, str]) -> Reply | None:
        value = headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            message = "missing or malformed Authorization header; expected 'Authorization: Bearer <api_key>'"
            return _error(401, message, "invalid-headers", headers=(*_JSON, ("www-authenticate", "Bearer")))
        required = self.config.require_token
        if required is not None and not hmac.compare_digest(token.encode(), required.encode()):
            if self.config.wrong_key == "hook":  # what Leonardo documents for a bad key (an HTTP 500)
                return _error(500, "Invalid response from authorization hook", "unexpected")
            return _error(401, "invalid API key", "invalid-jwt", headers=(*_JSON, ("www-authenticate", "Bearer")))
        return None

    def _process(self, op_id: str, body: dict[str, Any], index: int) -> bytes:
        problems = validate_body(op_id, body, allow_unknown=True)
        # Data URLs that are strings are checked too, so one 400 lists every problem of the request.
        image = self._image(body, "imageDataUrl", problems)
        mask = self._image(body, "maskDataUrl", problems) if "maskDataUrl" in OPERATIONS[op_id]["fields"] else None
        if image is not None and mask is not None:
            _check_mask_fits(image, mask, problems)
        if problems:
            raise ValidationError(problems, operation=op_id)
        assert image is not None
        job = self._job(op_id, body)
        url, size = self._render(job, image, mask)
        config = self.config
        area = size[0] * size[1] / (job.upscale_factor**2 if job.operation == "performAlchemyUpscaleLCM" else 1)
        unit_cost = config.costs.get(op_id, DEFAULT_COSTS[op_id])
        amount = (unit_cost * Decimal(area) / _UNIT_AREA).quantize(_CENT_FRACTION)
        out: dict[str, Any] = {"imageDataUrl": [url]}
        if op_id == "performAlchemyUpscaleLCM":
            name = f"{config.seed}:{index}:{job.key}"
            out["generationId"] = [str(uuid.uuid5(_ID_NAMESPACE, "generation:" + name))]
            out["variationId"] = [str(uuid.uuid5(_ID_NAMESPACE, "variation:" + name))]
            out["generatedImageId"] = str(uuid.uuid5(_ID_NAMESPACE, "image:" + name))
        if body.get("requestTimestamp") is not None:
            out["requestTimestamp"] = body["requestTimestamp"]
        out["apiCreditCost"] = None
        out["cost"] = {"amount": str(amount), "unit": "DOLLARS"}
        return orjson.dumps({"lcmGenerationJob": out})

    @staticmethod
    def _image(body: Mapping[str, Any], field: str, problems: list[Violation]) -> bytes | None:
        if not isinstance(body.get(field), str):
            return None  # missing or of the wrong type: validate_body reported it
        try:
            _, data = decode_data_url(body[field], field=field)
            width, height = image_size(data, field=field)
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageError(field, f"{width}x{height}", f"at most {MAX_IMAGE_PIXELS:,} pixels")
        except ImageError as exc:
            problems.extend(exc.violations)
            return None
        return data

    def _job(self, op_id: str, body: Mapping[str, Any]) -> Job:
        from ._imaging import Job  # Pillow loads at the first request, not at import

        def get(name: str) -> Any:
            return body.get(name)

        params: dict[str, Any] = {"operation": op_id, "prompt": body["prompt"]}
        for name, key, kind in (
            ("seed", "seed", int),
            ("style", "style", str),
            ("strength", "strength", float),
            ("guidance", "guidance", float),
            ("steps", "steps", int),
            ("refineCreative", "refine_creative", bool),
            ("refineStrength", "refine_strength", float),
        ):
            if get(name) is not None:
                params[key] = kind(get(name))
        upscale = op_id == "performAlchemyUpscaleLCM"
        for name in ("width", "height"):
            value = get(name)
            params[name] = int(value) if value is not None else (None if upscale else 512)
        return Job(**params, upscale_factor=self.config.upscale_factor, jpeg_quality=self.config.jpeg_quality)

    def _render(self, job: Job, image: bytes, mask: bytes | None) -> tuple[str, tuple[int, int]]:
        from ._imaging import render

        key = (job, hashlib.blake2b(image, digest_size=16).digest(), mask and hashlib.blake2b(mask).digest())
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        jpeg, size = render(job, image, mask)
        result = (JPEG_DATA_URL_PREFIX + pybase64.b64encode_as_string(jpeg), size)
        with self._cache_lock:
            self._cache[key] = result
            if len(self._cache) > 32:
                self._cache.popitem(last=False)
        return result
