"""The local server's HTTP contract through the in-process transport: routes, auth, errors, response shapes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from leonardo_realtime_client import ImageError, ValidationError
from leonardo_realtime_client._generated.models import (
    CreateLcmGenerationResponse200,
    PerformAlchemyUpscaleLcmResponse200,
    PerformInpaintingLcmResponse200,
    PerformInstantRefineResponse200,
)
from leonardo_realtime_client._images import decode_data_url
from leonardo_realtime_client._validation import validate_body
from leonardo_realtime_client.server import IN_PROCESS_BASE_URL, LOCAL_BASE_PATH, LocalTransport, ServerConfig

from .conftest import AUTH, client_for, data_url, decode_output

PATHS = {
    "createLCMGeneration": "/generations-lcm",
    "performInstantRefine": "/lcm-instant-refine",
    "performInpaintingLCM": "/lcm-inpainting",
    "performAlchemyUpscaleLCM": "/lcm-upscale",
}
MODELS: dict[str, Any] = {
    "createLCMGeneration": CreateLcmGenerationResponse200,
    "performInstantRefine": PerformInstantRefineResponse200,
    "performInpaintingLCM": PerformInpaintingLcmResponse200,
    "performAlchemyUpscaleLCM": PerformAlchemyUpscaleLcmResponse200,
}


def body_for(op: str, url: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"imageDataUrl": url, "prompt": "a lighthouse at dusk", **extra}
    if op == "performInpaintingLCM":
        body.setdefault("maskDataUrl", url)
    return body


def error_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/json"
    payload: dict[str, Any] = response.json()
    assert set(payload) == {"error", "path", "code"}, payload
    assert isinstance(payload["error"], str)
    return payload


@pytest.mark.parametrize("op", list(PATHS))
def test_each_operation_answers_in_the_spec_shape(http: httpx.Client, scene_url: str, op: str) -> None:
    response = http.post(PATHS[op], json=body_for(op, scene_url, requestTimestamp="1700000000123", seed=7))

    assert response.status_code == 200, response.text
    payload = response.json()
    parsed = MODELS[op].from_dict(payload)  # the generated model of the spec's 200 response
    job = payload["lcmGenerationJob"]
    assert parsed.lcm_generation_job.request_timestamp == "1700000000123"
    assert len(job["imageDataUrl"]) == 1
    assert re.fullmatch(r"\d+\.\d{4}", job["cost"]["amount"])
    assert job["cost"]["unit"] == "DOLLARS"
    assert job["apiCreditCost"] is None
    if op == "performAlchemyUpscaleLCM":
        assert len(job["generationId"]) == 1
        assert len(job["variationId"]) == 1
        assert re.fullmatch(r"[0-9a-f-]{36}", job["generatedImageId"])
        assert len({job["generationId"][0], job["variationId"][0], job["generatedImageId"]}) == 3
    else:
        assert not {"generationId", "variationId", "generatedImageId"} & set(job)


def test_request_timestamp_is_left_out_when_not_sent(http: httpx.Client, scene_url: str) -> None:
    job = http.post("/generations-lcm", json=body_for("createLCMGeneration", scene_url)).json()["lcmGenerationJob"]
    assert "requestTimestamp" not in job


@pytest.mark.parametrize(("width", "height"), [(None, None), (640, 1024), (1024, 512)])
def test_output_has_the_requested_size(
    http: httpx.Client, scene_url: str, width: int | None, height: int | None
) -> None:
    extra = {k: v for k, v in (("width", width), ("height", height)) if v is not None}
    response = http.post("/generations-lcm", json=body_for("createLCMGeneration", scene_url, **extra))
    assert decode_output(response.json()).size == (width or 512, height or 512)


def test_cost_scales_with_the_output_area(http: httpx.Client, scene_url: str) -> None:
    def cost(**extra: Any) -> Decimal:
        body = body_for("createLCMGeneration", scene_url, **extra)
        return Decimal(http.post("/generations-lcm", json=body).json()["lcmGenerationJob"]["cost"]["amount"])

    assert cost() == Decimal("0.0147")
    assert cost(width=1024, height=1024) == Decimal("0.0588")


def test_upscale_ids_differ_between_calls_but_repeat_between_runs(scene_url: str) -> None:
    def ids(client: httpx.Client) -> list[str]:
        return [
            client.post("/lcm-upscale", json=body_for("x", scene_url)).json()["lcmGenerationJob"]["generatedImageId"]
            for _ in range(2)
        ]

    with client_for(ServerConfig()) as first, client_for(ServerConfig()) as second:
        a, b = ids(first), ids(second)
    assert a[0] != a[1]
    assert a == b


# -- routing ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/generations", "/generations-lcm/", "/lcm-upscale/extra", "/"])
def test_unknown_path_is_404(http: httpx.Client, path: str) -> None:
    response = http.post(path, json={})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not-found"


def test_path_outside_the_base_path_is_404(scene_url: str) -> None:
    with httpx.Client(transport=LocalTransport(), headers=AUTH) as client:
        response = client.post("http://x.localhost/generations-lcm", json=body_for("x", scene_url))
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_wrong_method_is_405_with_allow(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/generations-lcm")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert error_of(response)["code"] == "method-not-allowed"


# -- auth ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_missing_or_malformed_token_is_401(scene_url: str, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    with httpx.Client(transport=LocalTransport(), base_url=IN_PROCESS_BASE_URL) as client:
        response = client.post("/generations-lcm", json=body_for("x", scene_url), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert error_of(response)["code"] == "invalid-headers"


def test_any_non_empty_token_is_accepted_by_default(scene_url: str) -> None:
    with httpx.Client(transport=LocalTransport(), base_url=IN_PROCESS_BASE_URL) as client:
        response = client.post("/generations-lcm", json=body_for("x", scene_url), headers={"Authorization": "bearer z"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("wrong_key", "status", "error"),
    [
        # Leonardo's documented answer to a bad key, and the default, so offline tests meet production's class
        ("hook", 500, {"error": "Invalid response from authorization hook", "path": "$", "code": "unexpected"}),
        ("401", 401, {"error": "invalid API key", "path": "$", "code": "invalid-jwt"}),
    ],
)
def test_require_token_rejects_others_without_echoing_them(
    scene_url: str, wrong_key: str, status: int, error: dict[str, str]
) -> None:
    transport = LocalTransport(ServerConfig(require_token="s3cret-token", wrong_key=wrong_key))
    with httpx.Client(transport=transport, base_url=IN_PROCESS_BASE_URL) as client:
        wrong = client.post(
            "/generations-lcm", json=body_for("x", scene_url), headers={"Authorization": "Bearer guess-123"}
        )
        right = client.post(
            "/generations-lcm", json=body_for("x", scene_url), headers={"Authorization": "Bearer s3cret-token"}
        )
    assert wrong.status_code == status
    assert error_of(wrong) == error
    assert "guess-123" not in wrong.text
    assert "s3cret" not in wrong.text
    assert right.status_code == 200
    assert "s3cret" not in repr(transport.config)


# -- bad requests -------------------------------------------------------------------------------------------------


def test_oversized_body_is_413() -> None:
    with client_for(ServerConfig(max_body_bytes=4096)) as client:
        response = client.post("/generations-lcm", json={"imageDataUrl": "data:image/jpeg;base64," + "A" * 5000})
    assert response.status_code == 413
    payload = error_of(response)
    assert payload["code"] == "request-too-large"
    assert "4096" in payload["error"]
    size = len(response.request.content)
    assert payload["error"] == f"request body too large: {size} bytes; at most 4096 bytes are accepted"


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "JSON object"), (b'"text"', "JSON object")],
)
def test_body_that_is_no_json_object_is_400(http: httpx.Client, content: bytes, words: str) -> None:
    response = http.post("/generations-lcm", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    payload = error_of(response)
    assert payload["code"] == "parse-failed"
    assert words in payload["error"]


def test_empty_body_names_the_required_fields(http: httpx.Client) -> None:
    response = http.post("/lcm-inpainting")
    assert response.status_code == 400
    message = error_of(response)["error"]
    for field in ("imageDataUrl", "maskDataUrl", "prompt"):
        assert f"{field}=None: required" in message


def test_every_violation_is_listed_with_value_and_allowed_range(http: httpx.Client, scene_url: str) -> None:
    body = body_for("x", scene_url, guidance=25, width=513, style="WATERCOLOUR", steps=2.5)
    response = http.post("/generations-lcm", json=body)
    assert response.status_code == 400
    payload = error_of(response)
    assert payload["code"] == "validation-failed"
    assert payload["path"] == "$.guidance"
    assert "4 invalid arguments for createLCMGeneration" in payload["error"]
    assert "guidance=25: a number from 0.5 to 20" in payload["error"]
    assert "width=513: one of 512, 640, 1024" in payload["error"]
    assert "style='WATERCOLOUR': one of ANIME" in payload["error"]
    assert "steps=2.5: an integer from 4 to 16" in payload["error"]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/cat.jpg",
        "data:image/jpeg;base64,!!!!",
        "data:image/png;base64," + data_url(b"\xff\xd8\xff\xe0" + b"\x00" * 40).split(",")[1],
        data_url(b"GIF8 definitely not an image"),
        "data:text/plain;base64,aGVsbG8=",
    ],
)
def test_bad_data_urls_are_400_with_the_clients_own_message(http: httpx.Client, scene_url: str, url: str) -> None:
    with pytest.raises(ImageError) as expected:  # the client's check: the server must say the same
        decode_data_url(url, field="maskDataUrl")
    response = http.post("/lcm-inpainting", json=body_for("performInpaintingLCM", scene_url, maskDataUrl=url))
    assert response.status_code == 400
    payload = error_of(response)
    assert payload["path"] == "$.maskDataUrl"
    assert str(expected.value.violations[0]) in payload["error"]
    assert len(payload["error"]) < 600  # the data URL is shortened, not echoed whole


def test_truncated_jpeg_is_400_not_500(http: httpx.Client) -> None:
    broken = data_url(b"\xff\xd8\xff\xdb" + b"\x00" * 64)
    response = http.post("/generations-lcm", json={"imageDataUrl": broken, "prompt": "p"})
    assert response.status_code == 400
    assert "imageDataUrl" in error_of(response)["error"]


def test_unknown_fields_are_ignored(http: httpx.Client, scene_url: str) -> None:
    response = http.post("/generations-lcm", json=body_for("x", scene_url, numImages=4, alchemy=True))
    assert response.status_code == 200


def test_null_optional_fields_mean_defaults(http: httpx.Client, scene_url: str) -> None:
    body = body_for("x", scene_url, guidance=None, strength=None, style=None, steps=None, width=None, seed=None)
    response = http.post("/generations-lcm", json=body)
    assert response.status_code == 200
    assert decode_output(response.json()).size == (512, 512)


def test_request_log_records_what_the_server_saw(scene_url: str) -> None:
    transport = LocalTransport(ServerConfig(history=2))
    with httpx.Client(transport=transport, base_url=IN_PROCESS_BASE_URL, headers=AUTH) as client:
        client.get("/nowhere")
        client.post("/generations-lcm", json={"prompt": "only a prompt"})
        client.post("/lcm-upscale", json=body_for("x", scene_url))
    log = transport.requests
    assert [(r.index, r.operation_id, r.status) for r in log] == [
        (1, "createLCMGeneration", 400),
        (2, "performAlchemyUpscaleLCM", 200),
    ]
    assert log[0].body == {"prompt": "only a prompt"}
    assert log[1].path == LOCAL_BASE_PATH + "/lcm-upscale"


def test_the_same_body_twice_is_served_from_cache_byte_identical(http: httpx.Client, scene_url: str) -> None:
    body = orjson.dumps(body_for("x", scene_url, seed=3))
    first = http.post("/generations-lcm", content=body).json()
    second = http.post("/generations-lcm", content=body).json()
    assert first == second


def test_too_many_pixels_is_400_before_anything_is_decoded(http: httpx.Client) -> None:
    # Only a JPEG frame header claiming 5000x4000 (20 MP): refused from the header, never handed to Pillow.
    header = b"\xff\xd8\xff\xc0\x00\x11\x08" + (4000).to_bytes(2, "big") + (5000).to_bytes(2, "big")
    header += b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    response = http.post("/generations-lcm", json={"imageDataUrl": data_url(header), "prompt": "p"})
    assert response.status_code == 400
    assert "5000x4000" in response.json()["error"]
    assert "16,777,216 pixels" in response.json()["error"]


@pytest.mark.parametrize("seed", [-(2**63) - 1, -(2**70), 2**64])
def test_integers_beyond_64_bits_are_400_exactly_as_sent(http: httpx.Client, scene_url: str, seed: int) -> None:
    """orjson reads such a literal as a rounded float (-(2**63)-1 as -(2**63), which is valid): the server must
    judge the number that was sent, as the client does."""
    content = b'{"imageDataUrl": "%s", "prompt": "p", "seed": %d}' % (scene_url.encode(), seed)
    response = http.post("/generations-lcm", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    payload = error_of(response)
    assert payload["path"] == "$.seed"
    assert f"seed={seed}: " in payload["error"]
    exact = {"imageDataUrl": scene_url, "prompt": "p", "seed": seed}
    assert payload["error"] == str(ValidationError(validate_body("createLCMGeneration", exact), "createLCMGeneration"))


def test_the_smallest_64_bit_seed_is_accepted(http: httpx.Client, scene_url: str) -> None:
    content = b'{"imageDataUrl": "%s", "prompt": "p", "seed": %d}' % (scene_url.encode(), -(2**63))
    response = http.post("/generations-lcm", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
