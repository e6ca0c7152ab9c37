"""What comes back: one result type, and a typed error for every malformed answer or error status."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from leonardo_realtime_client import (
    APIResponseError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    CostUnit,
    InternalServerError,
    LeonardoError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RealtimeCanvas,
    RealtimeResult,
    RequestTooLargeError,
    UnprocessableEntityError,
)

from .conftest import API_KEY, BASE_URL, OUT_JPEG, Recorder, data_url, job, make_jpeg, make_png, ok

IMAGE = make_jpeg()


def call(*answers: httpx.Response, method: str = "generate") -> RealtimeResult:
    recorder = Recorder(*answers)
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, max_retries=0) as canvas:
        if method == "inpaint":
            return canvas.inpaint(IMAGE, make_png((64, 48), "L"), prompt="x")
        result: RealtimeResult = getattr(canvas, method)(IMAGE, prompt="x")
        return result


def test_result_holds_decoded_images_cost_and_the_raw_response() -> None:
    png = make_png((8, 8), "RGB")
    payload = {"lcmGenerationJob": job(imageDataUrl=[data_url(OUT_JPEG), data_url(png, "image/png")])}
    result = call(ok(payload, **{"x-request-id": "req-1"}))
    assert result.operation == "generate"
    assert result.images == (OUT_JPEG, png)
    assert result.image == OUT_JPEG
    assert result.mime_types == ("image/jpeg", "image/png")
    assert result.request_timestamp == "ts-1"
    assert result.cost == Decimal("0.0125")
    assert result.cost_unit is CostUnit.DOLLARS
    assert result.api_credit_cost == 3
    assert result.generation_ids == result.variation_ids == ()
    assert result.generated_image_id is None
    assert result.http_response is not None
    assert result.http_response.headers["x-request-id"] == "req-1"


@pytest.mark.parametrize("method", ["generate", "refine", "inpaint", "upscale"])
def test_one_result_type_for_all_four_operations(method: str) -> None:
    result = call(ok(), method=method)
    assert isinstance(result, RealtimeResult)
    assert result.operation == method
    assert result.image == OUT_JPEG


def test_upscale_result_carries_its_ids() -> None:
    payload = {"lcmGenerationJob": job(generationId=["g1"], variationId=["v1", "v2"], generatedImageId="img-1")}
    result = call(ok(payload), method="upscale")
    assert result.generation_ids == ("g1",)
    assert result.variation_ids == ("v1", "v2")
    assert result.generated_image_id == "img-1"


def test_optional_fields_may_be_absent_or_null() -> None:
    payload = {"lcmGenerationJob": job(requestTimestamp=..., apiCreditCost=None, cost=None)}
    result = call(ok(payload))
    assert (result.request_timestamp, result.api_credit_cost, result.cost, result.cost_unit) == (None, None, None, None)


def test_cost_amount_as_a_number_and_credits_unit() -> None:
    result = call(ok({"lcmGenerationJob": job(cost={"amount": 12, "unit": "CREDITS"})}))
    assert result.cost == Decimal(12)
    assert result.cost_unit == "CREDITS"


def test_unknown_fields_are_tolerated() -> None:
    result = call(ok({"lcmGenerationJob": job(newField={"a": 1}), "other": True}))
    assert result.image == OUT_JPEG


def raw(content: bytes, content_type: str = "application/json", status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=content, headers={"content-type": content_type})


def js(value: object) -> httpx.Response:
    return raw(orjson.dumps(value))


MALFORMED: dict[str, tuple[httpx.Response, str]] = {
    "not json": (raw(b"upstream said no", "text/plain"), "expected JSON"),
    "empty body": (raw(b""), "empty body"),
    "html page": (
        raw(b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>", "text/html"),
        "HTML page titled '502 Bad Gateway'",
    ),
    "top-level list": (js([1, 2]), "expected a JSON object, got a list"),
    "missing job": (js({"somethingElse": 1}), "lcmGenerationJob: missing"),
    "null job": (js({"lcmGenerationJob": None}), "lcmGenerationJob: null"),
    "job is a string": (js({"lcmGenerationJob": "done"}), "lcmGenerationJob: expected an object, got a string"),
    "images missing": (js({"lcmGenerationJob": job(imageDataUrl=...)}), "imageDataUrl: missing"),
    "images null": (js({"lcmGenerationJob": job(imageDataUrl=None)}), "imageDataUrl: null"),
    "string where list expected": (
        js({"lcmGenerationJob": job(imageDataUrl=data_url(OUT_JPEG))}),
        "imageDataUrl: expected a list of strings, got a string",
    ),
    "list of numbers": (js({"lcmGenerationJob": job(imageDataUrl=[1])}), "imageDataUrl[0]: expected a string"),
    "no images": (js({"lcmGenerationJob": job(imageDataUrl=[])}), "no image was returned"),
    "invalid base64": (js({"lcmGenerationJob": job(imageDataUrl=["data:image/jpeg;base64,@@@@"])}), "invalid base64"),
    "not a data url": (js({"lcmGenerationJob": job(imageDataUrl=["https://cdn/x.jpg"])}), "not a data URL"),
    "non-image bytes": (
        js({"lcmGenerationJob": job(imageDataUrl=[data_url(b"hello world, no image here")])}),
        "labelled 'image/jpeg': not an image",
    ),
    "lying label": (
        js({"lcmGenerationJob": job(imageDataUrl=[data_url(make_png(), "image/jpeg")])}),
        "holds PNG bytes",
    ),
    # Metadata of an unexpected type or value is kept on the result: tests/client/test_answers.py
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_each_malformed_response_raises_a_typed_error(case: str) -> None:
    response, expected = MALFORMED[case]
    with pytest.raises(APIResponseError) as caught:
        call(response, method="upscale")
    error = caught.value
    assert expected in str(error)
    assert not isinstance(error, KeyError | TypeError | ValueError)
    assert error.response is not None
    assert error.status_code == 200


def test_a_malformed_success_is_not_retried() -> None:
    recorder = Recorder(raw(b"<html>", "text/html"))
    with (
        RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport) as canvas,
        pytest.raises(APIResponseError),
    ):
        canvas.generate(IMAGE, prompt="x")
    assert len(recorder.requests) == 1


SPEC_ERROR = {
    "message": "guidance must be at most 20",
    "path": ["generations-lcm", "guidance"],
    "locations": [{"line": 1, "column": 2}],
    "extensions": {"code": "validation-failed"},
}
LEONARDO_ERROR = {"error": "Invalid API key", "path": "$", "code": "invalid-jwt"}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (413, RequestTooLargeError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (520, InternalServerError),  # the generated code raises ValueError from HTTPStatus(520)
        (418, APIStatusError),
        (302, APIStatusError),
    ],
)
def test_status_maps_to_its_error_class(status: int, cls: type[APIStatusError]) -> None:
    # A code with no class of its own, so the status decides (codes: tests/client/test_answers.py).
    with pytest.raises(APIStatusError) as caught:
        call(httpx.Response(status, json={**LEONARDO_ERROR, "code": "some-other-code"}))
    assert type(caught.value) is cls
    assert caught.value.status_code == status


def test_spec_error_shape_is_parsed() -> None:
    with pytest.raises(BadRequestError) as caught:
        call(httpx.Response(400, json=SPEC_ERROR, headers={"x-request-id": "abc-123"}))
    error = caught.value
    assert error.body == SPEC_ERROR
    assert error.code == "validation-failed"
    assert error.request_id == "abc-123"
    assert error.message == "guidance must be at most 20 (at generations-lcm.guidance)"
    assert str(error) == (
        "HTTP 400: guidance must be at most 20 (at generations-lcm.guidance) [code: validation-failed] "
        "(request id abc-123)"
    )


def test_leonardo_error_shape_is_parsed() -> None:
    with pytest.raises(AuthenticationError) as caught:
        call(httpx.Response(401, json=LEONARDO_ERROR, headers={"cf-ray": "ray-9"}))
    error = caught.value
    assert error.body == LEONARDO_ERROR
    assert error.code == "invalid-jwt"
    assert error.request_id == "ray-9"
    assert str(error) == "HTTP 401: Invalid API key [code: invalid-jwt] (request id ray-9)"


def test_graphql_errors_list_is_parsed() -> None:
    body = {"errors": [{"message": "quota exceeded", "extensions": {"code": "quota"}}]}
    with pytest.raises(PermissionDeniedError) as caught:
        call(httpx.Response(403, json=body))
    assert (caught.value.message, caught.value.code) == ("quota exceeded", "quota")


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (raw(b"<html><title>Bad gateway</title></html>", "text/html", 502), "HTML page titled 'Bad gateway'"),
        (raw(b"", status=500), "Internal Server Error"),
        (raw(orjson.dumps({"weird": 1}), status=400), "Bad Request (body: {'weird': 1})"),
        (raw(b"plain failure", "text/plain", 500), "Internal Server Error: 'plain failure' (text/plain)"),
    ],
)
def test_error_bodies_of_any_shape_give_a_readable_message(response: httpx.Response, expected: str) -> None:
    with pytest.raises(APIStatusError) as caught:
        call(response)
    assert expected in str(caught.value)


def test_retry_after_is_read_into_the_error() -> None:
    with pytest.raises(RateLimitError) as caught:
        call(httpx.Response(429, json=LEONARDO_ERROR, headers={"Retry-After": "7"}))
    assert caught.value.retry_after == 7.0


def test_every_failure_is_a_leonardo_error() -> None:
    for response, _ in MALFORMED.values():
        with pytest.raises(LeonardoError):
            call(response)


def _raised(action: Callable[[], object]) -> LeonardoError:
    with pytest.raises(LeonardoError) as caught:
        action()
    return caught.value


def test_every_error_survives_pickling() -> None:
    # A ProcessPoolExecutor or multiprocessing worker sends its exception back pickled: each error must come
    # back as itself (same class, message and attributes), not as a TypeError from __init__.
    with RealtimeCanvas(api_key=API_KEY, transport=Recorder().transport) as canvas:
        errors = [
            _raised(lambda: call(httpx.Response(429, json=LEONARDO_ERROR, headers={"Retry-After": "7"}))),
            _raised(lambda: call(httpx.Response(200, text="<html><title>Oops</title></html>"))),
            _raised(lambda: call(httpx.Response(200, content=b'{"lcmGenerationJob": {"imageDataUrl": ["x"]}}'))),
            _raised(lambda: canvas.generate(b"?", prompt="x")),
            _raised(lambda: canvas.generate(IMAGE, prompt="x", steps=99, seed=-1, width=5)),
            _raised(lambda: RealtimeCanvas(base_url="ftp://x")),
        ]
    assert [type(error).__name__ for error in errors] == [
        "RateLimitError",
        "APIResponseError",
        "APIResponseError",
        "ImageError",
        "ValidationError",
        "ConfigurationError",
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert copy.args == error.args
        assert {name: repr(value) for name, value in vars(copy).items()} == {
            name: repr(value) for name, value in vars(error).items()
        }


def test_error_attributes_are_usable(monkeypatch: Any) -> None:
    with pytest.raises(InternalServerError) as caught:
        call(httpx.Response(500, text="boom"))
    assert caught.value.body == "boom"
    assert caught.value.response.status_code == 500
