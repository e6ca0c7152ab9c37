"""What goes out: honest data URLs, only the options set, validation before any I/O."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pybase64
import pytest
from PIL import Image

from leonardo_realtime_client import (
    ImageError,
    LcmGenerationStyle,
    RealtimeCanvas,
    ValidationError,
    sniff_format,
)
from leonardo_realtime_client._generated.constraints import OPERATIONS
from leonardo_realtime_client._validation import allowed_text

from .conftest import API_KEY, BASE_URL, Recorder, data_url, encode, make_jpeg, make_png


def client(recorder: Recorder, **kwargs: Any) -> RealtimeCanvas:
    return RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, **kwargs)


def decoded_payload(url: str) -> bytes:
    prefix, _, payload = url.partition(",")
    assert prefix == "data:image/jpeg;base64"
    return pybase64.b64decode(payload, validate=True)


def test_png_input_goes_out_as_a_jpeg_data_url_whose_bytes_are_jpeg() -> None:
    recorder = Recorder()
    with client(recorder) as canvas:
        canvas.generate(make_png((40, 30)), prompt="a cat")
    sent = decoded_payload(recorder.body()["imageDataUrl"])
    assert sniff_format(sent) == "jpeg"
    with Image.open(io.BytesIO(sent)) as picture:
        assert (picture.format, picture.size) == ("JPEG", (40, 30))


def test_jpeg_input_goes_out_byte_identical() -> None:
    jpeg = make_jpeg((50, 20))
    recorder = Recorder()
    with client(recorder) as canvas:
        canvas.refine(jpeg, prompt="sharper")
    assert decoded_payload(recorder.body()["imageDataUrl"]) == jpeg


@pytest.mark.parametrize("kind", ["path", "file object", "data url", "pil"])
def test_every_input_kind_is_accepted(kind: str, tmp_path: Any) -> None:
    jpeg = make_jpeg()
    image: Any
    if kind == "path":
        image = tmp_path / "in.jpg"
        image.write_bytes(jpeg)
    elif kind == "file object":
        image = io.BytesIO(jpeg)
    elif kind == "data url":
        image = data_url(jpeg)
    else:
        image = Image.new("RGB", (20, 10), "blue")
    recorder = Recorder()
    with client(recorder) as canvas:
        canvas.generate(image, prompt="x")
    sent = decoded_payload(recorder.body()["imageDataUrl"])
    assert sniff_format(sent) == "jpeg"
    if kind != "pil":
        assert sent == jpeg


def test_a_data_url_whose_label_lies_is_rejected_before_sending() -> None:
    recorder = Recorder()
    with client(recorder) as canvas, pytest.raises(ImageError) as caught:
        canvas.generate(data_url(make_png(), mime="image/jpeg"), prompt="x")
    assert caught.value.fields == ("image",)
    assert "PNG" in str(caught.value)
    assert recorder.requests == []


def test_only_the_options_the_caller_set_are_sent() -> None:
    recorder = Recorder()
    with client(recorder) as canvas:
        canvas.generate(make_jpeg(), prompt="a cat", guidance=7.5)
    body = recorder.body()
    assert set(body) == {"imageDataUrl", "prompt", "guidance"}  # no width/height=512 from the generated defaults
    assert body["prompt"] == "a cat"
    assert body["guidance"] == 7.5


def test_every_option_is_sent_under_its_json_name() -> None:
    recorder = Recorder()
    with client(recorder) as canvas:
        canvas.upscale(
            make_jpeg(),
            prompt="p",
            guidance=2,
            strength=0.5,
            steps=8.0,  # type: ignore[arg-type]  # an integral float is accepted and sent as an int
            width=640,
            height=1024,
            seed=42,
            style=LcmGenerationStyle.ANIME,
            request_timestamp="t-9",
            refine_creative=True,
            refine_strength=0.7,
        )
    body = recorder.body()
    del body["imageDataUrl"]
    assert body == {
        "prompt": "p",
        "guidance": 2,
        "strength": 0.5,
        "steps": 8,
        "width": 640,
        "height": 1024,
        "seed": 42,
        "style": "ANIME",
        "requestTimestamp": "t-9",
        "refineCreative": True,
        "refineStrength": 0.7,
    }
    assert b'"steps":8,' in recorder.requests[-1].content


@pytest.mark.parametrize("style", [["ANIME"], 3, "ANIME ", "animee", ""])  # "anime": any case is accepted
def test_a_style_that_is_not_one_is_reported(style: object) -> None:
    recorder = Recorder()
    with client(recorder) as canvas, pytest.raises(ValidationError) as caught:
        canvas.generate(make_jpeg(), prompt="x", style=style)  # type: ignore[arg-type]
    assert caught.value.fields == ("style",)
    assert caught.value.violations[0].value == style
    assert recorder.requests == []


def test_style_by_name_is_accepted() -> None:
    recorder = Recorder()
    with client(recorder) as canvas:
        canvas.generate(make_jpeg(), prompt="x", style="RENDER_3D")
    assert recorder.body()["style"] == "RENDER_3D"


@pytest.mark.parametrize(
    ("method", "path"),
    [("generate", "/generations-lcm"), ("refine", "/lcm-instant-refine"), ("upscale", "/lcm-upscale")],
)
def test_each_operation_posts_json_to_its_path(method: str, path: str) -> None:
    recorder = Recorder()
    with client(recorder) as canvas:
        getattr(canvas, method)(make_jpeg(), prompt="x")
    request = recorder.requests[-1]
    assert request.method == "POST"
    assert str(request.url) == BASE_URL + path
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("leonardo-realtime-client/")
    # orjson's compact output, sent as content= (not httpx's json=, which adds spaces after separators)
    assert request.content == orjson.dumps(orjson.loads(request.content))


def test_inpaint_sends_image_and_normalised_mask() -> None:
    recorder = Recorder()
    mask = encode(Image.new("RGBA", (64, 48), (0, 0, 0, 0)), "PNG")
    with client(recorder) as canvas:
        canvas.inpaint(make_jpeg((64, 48)), mask, prompt="a hat")
    request = recorder.requests[-1]
    assert request.url.path.endswith("/lcm-inpainting")
    body = recorder.body()
    with Image.open(io.BytesIO(decoded_payload(body["maskDataUrl"]))) as sent_mask:
        assert (sent_mask.mode, sent_mask.size) == ("L", (64, 48))


def test_inpaint_mask_of_another_size_is_refused_before_sending() -> None:
    recorder = Recorder()
    with client(recorder) as canvas, pytest.raises(ImageError) as caught:
        canvas.inpaint(make_jpeg((64, 48)), make_png((10, 10), "L"), prompt="x")
    assert caught.value.fields == ("mask",)
    assert "64x48" in str(caught.value)
    assert recorder.requests == []


def test_every_out_of_range_field_is_named_in_one_error_and_nothing_is_sent() -> None:
    recorder = Recorder()
    with client(recorder) as canvas, pytest.raises(ValidationError) as caught:
        canvas.upscale(
            make_jpeg(),
            prompt="x",
            guidance=999,
            strength=0,
            steps=100,
            width=777,
            height=1,
            seed=10**11,
            style="WATERCOLOUR",
            refine_strength=0.95,
        )
    error = caught.value
    assert type(error) is ValidationError
    assert error.fields == (
        "guidance",
        "strength",
        "style",
        "steps",
        "width",
        "height",
        "seed",
        "refine_strength",
    )
    rules = OPERATIONS["performAlchemyUpscaleLCM"]["fields"]
    message = str(error)
    for violation in error.violations:
        json_name = "refineStrength" if violation.field == "refine_strength" else violation.field
        assert violation.allowed == allowed_text(rules[json_name])
        assert f"{violation.field}={violation.value!r}" in message
    assert recorder.requests == []


def test_image_errors_join_the_field_errors_in_one_validation_error() -> None:
    recorder = Recorder()
    with client(recorder) as canvas, pytest.raises(ValidationError) as caught:
        canvas.inpaint(b"not an image", b"nor this", prompt="x", steps=3, guidance="high")  # type: ignore[arg-type]
    assert caught.value.fields == ("image", "mask", "guidance", "steps")
    assert recorder.requests == []


def test_prompt_none_and_non_integer_seed_are_reported() -> None:
    recorder = Recorder()
    with client(recorder) as canvas, pytest.raises(ValidationError) as caught:
        canvas.generate(make_jpeg(), prompt=None, seed=1.5)  # type: ignore[arg-type]
    assert caught.value.fields == ("prompt", "seed")
    assert "required" in caught.value.violations[0].allowed
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("options", "field", "says"),
    [
        ({"guidance": 10**400}, "guidance", "a number from 0.5 to 20"),  # math.isfinite(10**400) overflows
        ({"seed": -(2**63) - 1}, "seed", "64 bits"),  # orjson cannot write it
        ({"seed": -1e30}, "seed", "64 bits"),  # an integral float, sent as int(-1e30)
        ({"request_timestamp": "ts-\udc80"}, "request_timestamp", "surrogate"),  # not UTF-8: orjson refuses it
    ],
)
def test_values_json_cannot_carry_are_validation_errors(options: dict[str, Any], field: str, says: str) -> None:
    recorder = Recorder()
    with client(recorder) as canvas, pytest.raises(ValidationError) as caught:
        canvas.generate(make_jpeg(), prompt="x", **options)
    assert caught.value.fields == (field,)
    assert says in caught.value.violations[0].allowed
    assert recorder.requests == []


def test_a_prompt_with_a_lone_surrogate_is_a_validation_error() -> None:
    recorder = Recorder()
    with client(recorder) as canvas, pytest.raises(ValidationError) as caught:
        canvas.generate(make_jpeg(), prompt="a cat \ud83d")
    assert caught.value.fields == ("prompt",)
    assert recorder.requests == []


def test_unknown_keyword_is_a_type_error() -> None:
    with client(Recorder()) as canvas, pytest.raises(TypeError, match="refine_strength"):
        canvas.generate(make_jpeg(), prompt="x", refine_strength=0.7)  # type: ignore[call-arg]


def test_validation_happens_before_the_key_is_needed() -> None:
    recorder = Recorder()
    with RealtimeCanvas(transport=recorder.transport) as canvas, pytest.raises(ValidationError):
        canvas.generate(make_jpeg(), prompt="x", steps=99)
    assert recorder.requests == []


def test_absurd_image_is_refused_without_encoding() -> None:
    huge = encode(Image.new("L", (5000, 5000)), "PNG")
    recorder = Recorder()
    with client(recorder) as canvas, pytest.raises(ImageError, match="too large"):
        canvas.generate(huge, prompt="x")
    assert recorder.requests == []
