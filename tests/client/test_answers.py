"""What servers really hand back: paid results kept over odd metadata, every error shape read into its
typed error, returned images checked when the answer is read, and typed errors from ``to_pil()``/``save()``."""

from __future__ import annotations

import io
import logging
import re
import struct
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from PIL import Image

from leonardo_realtime_client import (
    APIResponseError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    CostUnit,
    InternalServerError,
    Outcome,
    PermissionDeniedError,
    RateLimitError,
    RealtimeCanvas,
    RealtimeResult,
    RetryPolicy,
    UnprocessableEntityError,
)

from .conftest import API_KEY, BASE_URL, OUT_JPEG, Recorder, SleepRecorder, data_url, job, make_jpeg, make_png, ok

IMAGE = make_jpeg()


def call(*answers: httpx.Response, retries: int = 0, sleeper: SleepRecorder | None = None) -> RealtimeResult:
    recorder = Recorder(*answers)
    policy = RetryPolicy(sleep=sleeper or (lambda s: None), rng=lambda: 0.0)
    with RealtimeCanvas(
        api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, max_retries=retries, retry_policy=policy
    ) as canvas:
        return canvas.generate(IMAGE, prompt="x")


def with_job(**fields: object) -> httpx.Response:
    return ok({"lcmGenerationJob": job(**fields)})


# -- 1. a paid result is never thrown away over metadata -----------------------------------------------------------


def test_an_unknown_cost_unit_still_gives_the_images(caplog: pytest.LogCaptureFixture) -> None:
    # The example: cost.unit "TOKENS" raised APIResponseError, the images only on .response.
    with caplog.at_level(logging.WARNING, logger="leonardo_realtime_client"):
        result = call(with_job(cost={"amount": "3", "unit": "TOKENS"}))
    assert result.images == (OUT_JPEG,)
    assert (result.cost, result.cost_unit) == (Decimal(3), "TOKENS")
    assert result.unparsed == {"cost": {"amount": "3", "unit": "TOKENS"}}
    assert result.warnings == (
        "lcmGenerationJob.cost: unknown unit 'TOKENS' (known: CREDITS, DOLLARS); kept as the string sent",
    )
    assert "unknown unit 'TOKENS'" in caplog.text
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


@pytest.mark.parametrize(
    ("fields", "attribute", "value", "unparsed"),
    [
        ({"apiCreditCost": "3"}, "api_credit_cost", None, {"apiCreditCost": "3"}),
        ({"requestTimestamp": 5}, "request_timestamp", None, {"requestTimestamp": 5}),
        ({"generationId": "g1"}, "generation_ids", (), {"generationId": "g1"}),
        ({"cost": "1.5"}, "cost", None, {"cost": "1.5"}),
        (
            {"cost": {"amount": "lots", "unit": "CREDITS"}},
            "cost",
            None,
            {"cost": {"amount": "lots", "unit": "CREDITS"}},
        ),
        ({"cost": {"amount": [1], "unit": "DOLLARS"}}, "cost", None, {"cost": {"amount": [1], "unit": "DOLLARS"}}),
        ({"cost": {"amount": "0.5", "unit": None}}, "cost", Decimal("0.5"), {"cost": {"amount": "0.5", "unit": None}}),
        ({"cost": {"amount": "0.5", "unit": 7}}, "cost_unit", None, {"cost": {"amount": "0.5", "unit": 7}}),
        ({"newThing": {"a": 1}}, "cost", Decimal("0.0125"), {"newThing": {"a": 1}}),
    ],
)
def test_mistyped_missing_or_new_metadata_is_kept_raw_on_the_result(
    fields: dict[str, object], attribute: str, value: object, unparsed: dict[str, object]
) -> None:
    result = call(with_job(**fields))
    assert result.images == (OUT_JPEG,)
    assert getattr(result, attribute) == value
    assert result.unparsed == unparsed
    assert len(result.warnings) == 1


@pytest.mark.parametrize(
    ("fields", "attribute", "value", "warning"),
    [
        # A negative amount was taken as the cost: a session adding it to its spending could pass its budget.
        ({"cost": {"amount": "-0.5", "unit": "DOLLARS"}}, "cost", None, "a negative cost (-0.5) is no charge"),
        ({"cost": {"amount": -0.5, "unit": "DOLLARS"}}, "cost", None, "a negative cost (-0.5) is no charge"),
        ({"apiCreditCost": -2}, "api_credit_cost", None, "a negative credit cost (-2) is no charge"),
        # The cost nested one level deeper read as no cost at all, with no warning and the raw value dropped.
        ({"cost": {"total": {"amount": "0.01", "unit": "DOLLARS"}}}, "cost", None, "the spec does not list: total"),
        # A new field beside amount and unit: the amount is used, the field kept.
        ({"cost": {"amount": "0.01", "unit": "DOLLARS", "tax": "0"}}, "cost", Decimal("0.01"), "list: tax"),
        ({"apiCreditCost": 1.5}, "api_credit_cost", None, "expected an integer, got a number 1.5"),
        ({"requestTimestamp": 12345}, "request_timestamp", None, "expected a string, got an integer 12345"),
    ],
)
def test_a_negative_or_nested_cost_is_kept_raw_and_not_counted(
    fields: dict[str, object], attribute: str, value: object, warning: str
) -> None:
    result = call(with_job(**fields))
    assert result.images == (OUT_JPEG,)
    assert getattr(result, attribute) == value
    assert result.unparsed == fields
    assert len(result.warnings) == 1
    assert warning in result.warnings[0]


def test_a_null_generated_image_id_on_upscale_is_no_warning() -> None:
    recorder = Recorder(with_job(generatedImageId=None, generationId=None, variationId=None))
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, max_retries=0) as canvas:
        result = canvas.upscale(IMAGE, prompt="x")
    assert (result.generated_image_id, result.generation_ids, result.warnings) == (None, (), ())


def test_a_result_with_ordinary_metadata_has_no_warnings() -> None:
    result = call(ok())
    assert (result.unparsed, result.warnings) == ({}, ())
    assert result.cost_unit is CostUnit.DOLLARS


def test_the_warning_is_logged_once_per_client_then_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(with_job(apiCreditCost="3"))
    with (
        caplog.at_level(logging.DEBUG, logger="leonardo_realtime_client"),
        RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport) as canvas,
    ):
        for _ in range(3):
            canvas.generate(IMAGE, prompt="x")
    levels = [r.levelno for r in caplog.records if "unexpected metadata" in r.getMessage()]
    assert levels == [logging.WARNING, logging.DEBUG, logging.DEBUG]


@pytest.mark.parametrize(
    "cost",
    [{"amount": "1", "unit": None}, {"amount": None, "unit": "EUROS"}, {"unit": 3}, [], "x", 5, {"amount": {}}],
)
def test_messages_never_contradict_themselves(cost: object) -> None:
    # One message read "expected an object, got an object".
    result = call(with_job(cost=cost))
    for line in result.warnings:
        match = re.search(r"expected (an? \w+).*got (an? \w+)", line)
        assert match is None or match.group(1) != match.group(2), line


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"somethingElse": 1}, "lcmGenerationJob: missing"),
        ({"lcmGenerationJob": job(imageDataUrl=[])}, "no image was returned"),
        ({"lcmGenerationJob": job(imageDataUrl=["data:image/jpeg;base64,@@"])}, "invalid base64"),
    ],
)
def test_only_a_missing_job_or_unusable_images_stay_errors(body: object, expected: str) -> None:
    with pytest.raises(APIResponseError, match=expected) as caught:
        call(ok(body))
    assert caught.value.outcome is Outcome.PROCESSED  # a 2xx: the server did (and billed) the work


# -- 2. errors in the shapes servers really use --------------------------------------------------------------------

RATE_LIMITED = {
    "errors": [{"message": "rate limit of 15 exceeded", "extensions": {"path": "$", "code": "rate-limit-exceeded"}}]
}
AUTH_HOOK = {"error": "Invalid response from authorization hook", "path": "$", "code": "unexpected"}


def test_a_graphql_rate_limit_on_a_200_is_a_rate_limit_error() -> None:
    # The example: it read "malformed response: lcmGenerationJob: missing" and lost the server's message.
    with pytest.raises(RateLimitError) as caught:
        call(ok(RATE_LIMITED))
    error = caught.value
    assert (error.status_code, error.effective_status, error.code) == (200, 429, "rate-limit-exceeded")
    assert error.message == "rate limit of 15 exceeded"
    assert error.outcome is Outcome.NOT_PROCESSED
    assert error.body == RATE_LIMITED


def test_a_graphql_rate_limit_is_retried_like_a_429(sleeper: SleepRecorder) -> None:
    result = call(ok(RATE_LIMITED), ok(), retries=2, sleeper=sleeper)
    assert result.images == (OUT_JPEG,)
    assert (result.attempts, result.possibly_billed_attempts) == (2, 0)
    assert sleeper.delays == [0.5]


@pytest.mark.parametrize(
    ("status", "body", "cls", "message"),
    [
        (400, RATE_LIMITED, RateLimitError, "rate limit of 15 exceeded"),  # the code wins over any status
        (503, RATE_LIMITED, RateLimitError, "rate limit of 15 exceeded"),
        (
            200,
            {"errors": [{"message": "guidance too big", "extensions": {"code": "validation-failed"}}]},
            BadRequestError,
            "guidance too big",
        ),
        (200, {"error": "bad key", "path": "$", "code": "invalid-jwt"}, AuthenticationError, "bad key"),
        (200, {"errors": [{"message": "boom", "extensions": {"code": "unexpected"}}]}, InternalServerError, "boom"),
        (200, {"errors": [{"message": "what", "extensions": {"code": "brand-new"}}]}, APIStatusError, "what"),
        # An error object nested under "error" (OpenAI-style gateways): its message and code were not read.
        (400, {"error": {"message": "prompt too long", "code": "invalid-params"}}, BadRequestError, "prompt too long"),
        (200, {"error": {"message": "quota used up", "code": "rate-limit-exceeded"}}, RateLimitError, "quota used up"),
        (418, {"error": {"message": "no", "code": "access-denied"}}, PermissionDeniedError, "no"),
        # FastAPI's {"detail": ...}, a string or a list of {loc, msg}: shown whole, not as a body cut at 80.
        (422, {"detail": "Width must be 512"}, UnprocessableEntityError, "Width must be 512"),
        (
            422,
            {"detail": [{"loc": ["body", "width"], "msg": "ensure this value is less than 1025", "type": "x"}] * 2},
            UnprocessableEntityError,
            "body.width: ensure this value is less than 1025; body.width: ensure this value is less than 1025",
        ),
        (200, {"detail": "Not authenticated"}, APIStatusError, "Not authenticated"),
        # A 200 with a lone message and no job: the server's words, not "lcmGenerationJob: missing".
        (200, {"message": "service paused"}, APIStatusError, "service paused"),
        # A bare list of error objects (no "errors" wrapper) read as no message at all: "HTTP 400: Bad Request".
        (400, [{"message": "first"}, {"message": "second"}], BadRequestError, "first; second"),
        (200, [{"message": "slow", "extensions": {"code": "rate-limit-exceeded"}}], RateLimitError, "slow"),
        # A code inside a detail object, and a code written with underscores.
        (400, {"detail": {"message": "slow", "code": "rate-limited"}}, RateLimitError, "slow"),
        (200, {"error": {"message": "slow", "code": "rate_limit_exceeded"}}, RateLimitError, "slow"),
        (200, {"errors": [{"message": "who", "extensions": {"code": "ACCESS_DENIED"}}]}, PermissionDeniedError, "who"),
        # Every error of a GraphQL list is kept, not only the first; the first code decides.
        (
            200,
            {"errors": [{"message": "first"}, {"message": "second", "extensions": {"code": "validation-failed"}}]},
            BadRequestError,
            "first; second",
        ),
    ],
)
def test_every_error_shape_on_any_status_gives_its_typed_error_with_the_servers_words(
    status: int, body: object, cls: type[APIStatusError], message: str
) -> None:
    with pytest.raises(APIStatusError) as caught:
        call(httpx.Response(status, json=body))
    assert type(caught.value) is cls
    assert caught.value.message == message
    assert caught.value.body == body


def test_a_long_graphql_error_list_says_how_many_more() -> None:
    body = {"errors": [{"message": f"problem {n}"} for n in range(8)]}
    with pytest.raises(APIStatusError) as caught:
        call(httpx.Response(400, json=body))
    assert caught.value.message == "problem 0; problem 1; problem 2; problem 3; problem 4 (and 3 more in error.body)"


def test_an_unknown_error_shape_is_shown_whole_up_to_2000_characters() -> None:
    body = {"oops": "x" * 300}
    with pytest.raises(APIStatusError) as caught:
        call(httpx.Response(500, json=body))
    assert "x" * 300 in caught.value.message


_LONG_TEXT = (
    "Upstream failure: the inference worker pool is exhausted for region us-east-1; please retry after the "
    "maintenance window ends at 15:00 UTC (ticket OPS-4411)"
)
_CDN_PAGE = (
    "<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head><body><h1>502 Bad Gateway</h1>"
    "<p>The upstream server returned an invalid response.</p><p>Ray ID: <code>8a1b2c3d4e5f</code> &bull; "
    "Reference&nbsp;#18.abc</p><script>var x = 1;</script></body></html>"
)


@pytest.mark.parametrize(
    ("status", "text", "ctype", "shown"),
    [
        # A plain-text error over 80 characters was cut there: the ticket and the time to retry were lost.
        (500, _LONG_TEXT, "text/plain", f"Internal Server Error: {_LONG_TEXT!r} (text/plain)"),
        # A proxy's or CDN's page showed its title only; its text holds the Ray ID or reference a support desk asks for.
        (
            502,
            _CDN_PAGE,
            "text/html",
            "Bad Gateway: an HTML page titled '502 Bad Gateway' (text/html): 'The upstream server returned an "
            "invalid response. Ray ID: 8a1b2c3d4e5f \u2022 Reference #18.abc'",
        ),
        (
            504,
            "<html><body><b>Gateway Time-out</b> at edge LHR</body></html>",
            "text/html",
            "Gateway Timeout: an HTML page (text/html): 'Gateway Time-out at edge LHR'",
        ),
        (503, "x" * 600, "text/plain", f"Service Unavailable: {'x' * 500 + '…'!r} (text/plain)"),
    ],
)
def test_a_text_or_html_error_body_is_shown_as_its_words(status: int, text: str, ctype: str, shown: str) -> None:
    with pytest.raises(APIStatusError) as caught:
        call(httpx.Response(status, text=text, headers={"content-type": ctype}))
    assert caught.value.message == shown
    assert caught.value.body == text


def test_an_error_body_of_unknown_code_on_a_200_may_have_been_billed() -> None:
    with pytest.raises(APIStatusError) as caught:
        call(ok({"errors": [{"message": "what", "extensions": {"code": "brand-new"}}]}))
    assert caught.value.outcome is Outcome.UNKNOWN


@pytest.mark.parametrize(
    "body",
    [
        AUTH_HOOK,  # Leonardo's documented shape
        {"errors": [{"message": "Invalid response from authorization hook", "extensions": {"code": "unexpected"}}]},
        {"message": "invalid response from Authorization hook", "extensions": {"code": "unexpected"}},
    ],
)
def test_the_authorization_hook_failure_is_an_authentication_error_never_retried(
    body: object, sleeper: SleepRecorder
) -> None:
    recorder = Recorder(httpx.Response(500, json=body), ok())
    opt_in = RetryPolicy(sleep=sleeper, retry_unknown_outcome=True)  # even retrying every 5xx: not this one
    with (
        RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, retry_policy=opt_in) as c,
        pytest.raises(AuthenticationError) as caught,
    ):
        c.generate(IMAGE, prompt="x")
    assert len(recorder.requests) == 1
    assert sleeper.delays == []
    error = caught.value
    assert (error.status_code, error.effective_status, error.outcome) == (500, 401, Outcome.NOT_PROCESSED)
    assert not error.may_have_been_billed


# -- 4a. returned images are checked when the answer is read -------------------------------------------------------


def _with_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    at = jpeg.index(b"\xff\xc0") + 5  # SOF0: length(2) precision(1) height(2) width(2)
    return jpeg[:at] + struct.pack(">HH", height, width) + jpeg[at + 4 :]


BOMB = _with_jpeg_size(make_jpeg((16, 16)), 60000, 60000)


@pytest.mark.parametrize(
    ("image", "mime", "expected"),
    [
        (BOMB, "image/jpeg", "claims 60000x60000 = 3,600,000,000 pixels"),  # the example
        (OUT_JPEG[:-200], "image/jpeg", "truncated JPEG"),  # the example
        (make_png((8, 8), "RGB")[:-12], "image/png", "truncated PNG"),
        (_with_jpeg_size(make_jpeg((16, 16)), 4097, 4096), "image/jpeg", "more than MAX_IMAGE_PIXELS"),
    ],
)
def test_a_bomb_or_a_truncated_image_is_refused_when_the_answer_is_read(image: bytes, mime: str, expected: str) -> None:
    with pytest.raises(APIResponseError, match=expected) as caught:
        call(with_job(imageDataUrl=[data_url(image, mime)]))
    assert "lcmGenerationJob.imageDataUrl[0]" in str(caught.value)


def test_a_truncated_webp_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (9, 9, 9)).save(buffer, "WEBP")
    with pytest.raises(APIResponseError, match="truncated WebP"):
        call(with_job(imageDataUrl=[data_url(buffer.getvalue()[:-10], "image/webp")]))


def _result(image: bytes, mime: str = "image/jpeg") -> RealtimeResult:
    return RealtimeResult(operation="generate", images=(image,), mime_types=(mime,))


@pytest.mark.parametrize(
    "image", [BOMB, OUT_JPEG[:-200], b"\xff\xd8\xff" + b"\x00" * 40, _with_jpeg_size(make_jpeg((16, 16)), 9000, 9000)]
)
def test_to_pil_and_save_raise_only_typed_errors(image: bytes, tmp_path: Path) -> None:
    result = _result(image)  # built by hand: not through the checks of the response parser
    with pytest.raises(APIResponseError, match="generate result image 0"):
        result.to_pil()
    with pytest.raises(APIResponseError):
        result.save(tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def _with_app1(jpeg: bytes, payload: bytes) -> bytes:
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


@pytest.mark.parametrize(
    "exif",
    [
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + b"\x00" * 20,  # an entry count past the segment
        b"Exif\x00\x00MM\x00*\xff\xff\xff\xf0",  # the first IFD far past the end
        b"Exif\x00\x00II*\x00\x08\x00\x00\x00" + b"\x00" * 65000,  # a huge segment, all zeros
    ],
)
def test_a_returned_jpeg_with_damaged_exif_opens_without_a_warning(exif: bytes, tmp_path: Path) -> None:
    # Pillow's "Corrupt EXIF data" UserWarning left to_pil()/save() untyped under -W error (this suite's setting).
    image = _with_app1(make_jpeg((32, 32)), exif)
    result = call(with_job(imageDataUrl=[data_url(image)]))
    assert result.images == (image,)
    assert result.to_pil().size == (32, 32)
    with Image.open(result.save(tmp_path / "x.png")) as written:
        assert written.size == (32, 32)


# -- 6. request ids on successful results --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-request-id": "req-1"}, "req-1"),
        ({"cf-ray": "ray-7", "x-amzn-requestid": "amz-3"}, "amz-3"),  # the same order as for errors
        ({}, None),
    ],
)
def test_successful_results_carry_the_request_id(headers: dict[str, str], expected: str | None) -> None:
    assert call(ok(None, **headers)).request_id == expected


def test_the_local_server_answers_a_wrong_key_as_leonardo_does_and_it_is_not_retried() -> None:
    from leonardo_realtime_client.server import LocalTransport, ServerConfig

    transport = LocalTransport(ServerConfig(require_token="the-right-key"))
    with (
        RealtimeCanvas(api_key="a-wrong-key", transport=transport, max_retries=2) as canvas,
        pytest.raises(AuthenticationError) as caught,
    ):
        canvas.generate(IMAGE, prompt="x")
    assert [r.status for r in transport.requests] == [500]  # once: never retried
    assert (caught.value.status_code, caught.value.effective_status) == (500, 401)
    assert caught.value.message == "Invalid response from authorization hook"


# -- 4b. answers written by other JSON writers: escaped slashes, base64 in lines -------------------------------------


def _written_as(body: bytes, how: str) -> bytes:
    if how == "escaped slashes":
        return body.replace(b"/", b"\\/")
    if how == "base64 in lines":
        return re.sub(rb"([A-Za-z0-9+/]{76})", rb"\1\\n", body)
    return body.replace(b"/", b"\\u002f")  # any other escape: the full parse


@pytest.mark.parametrize("how", ["escaped slashes", "base64 in lines", "unicode escapes"])
def test_answers_from_other_json_writers_give_the_same_images(how: str) -> None:
    import orjson

    big = make_jpeg((300, 200))
    body = orjson.dumps({"lcmGenerationJob": job(imageDataUrl=[data_url(big), data_url(OUT_JPEG)])})
    written = _written_as(body, how)
    assert written != body
    response = httpx.Response(200, content=written, headers={"content-type": "application/json"})
    assert call(response).images == (big, OUT_JPEG)


@pytest.mark.parametrize("how", ["escaped slashes", "base64 in lines", "unicode escapes"])
def test_an_escaped_answer_peaks_near_twice_its_size(how: str) -> None:
    # A 40 MB answer whose "/" were written "\/" peaked at 560 MB (orjson reserves ~13x an escaped string).
    import gc
    import tracemalloc

    import orjson

    from leonardo_realtime_client._operations import operations
    from leonardo_realtime_client._response import parse_result

    padded = IMAGE[:2] + (b"\xff\xfe\xff\xff" + b"x" * 65533) * 30 + IMAGE[2:]  # ~2 MB of comment segments
    body = _written_as(orjson.dumps({"lcmGenerationJob": {"imageDataUrl": [data_url(padded)]}}), how)
    response = httpx.Response(200, content=body, request=httpx.Request("POST", BASE_URL + "/generations-lcm"))
    op = operations()["generate"]
    gc.collect()
    tracemalloc.start()
    try:
        result = parse_result("generate", response, op.response_from_dict, op.output_type)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(result, RealtimeResult)
    assert result.images == (padded,)
    bound = 3.0 if how == "unicode escapes" else 2.5  # the full parse (json, then the data URL as text)
    assert peak < bound * len(body), f"peak {peak:,} for {len(body):,} bytes"
