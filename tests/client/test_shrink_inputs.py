"""``shrink_inputs=True``: an input larger than the requested output in both directions goes out scaled down to
the smallest size that still covers the output (aspect ratio kept; the mask with it); anything else is sent as
before, a JPEG byte-identical. Off by default."""

from __future__ import annotations

import io
import random
from typing import Any, cast

import pybase64
import pytest
from PIL import Image, ImageDraw

from leonardo_realtime_client import AsyncRealtimeCanvas, ConfigurationError, ImageError, RealtimeCanvas
from leonardo_realtime_client._images._shrink import covering_size

from .conftest import API_KEY, Recorder, data_url, encode, make_jpeg

BIG = make_jpeg((1600, 1200), (40, 90, 200))


def _sent(recorder: Recorder, key: str = "imageDataUrl") -> bytes:
    url = recorder.body()[key]
    return pybase64.b64decode(url.split(",", 1)[1])


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        return im.size


def _call(operation: str, image: object, *, shrink: bool = True, **options: Any) -> Recorder:
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, transport=recorder.transport, shrink_inputs=shrink) as canvas:
        getattr(canvas, operation)(image, prompt="a fox", **options)
    return recorder


@pytest.mark.parametrize(
    ("size", "target", "expected"),
    [
        ((1600, 1200), (512, 512), (683, 512)),  # the shorter side meets the target
        ((1200, 1600), (512, 512), (512, 683)),
        ((1600, 1200), (1024, 640), (1024, 768)),  # the width is what needs covering
        ((2048, 2048), (640, 640), (640, 640)),
        ((1025, 1025), (1024, 1024), (1024, 1024)),
        ((3000, 1000), (512, 512), (1536, 512)),
        ((1024, 1024), (1024, 1024), None),  # no larger: nothing to shrink
        ((2000, 400), (512, 512), None),  # smaller in one direction: never scaled up
        ((400, 300), (512, 512), None),
    ],
)
def test_the_covering_size_is_the_smallest_that_covers_the_output(
    size: tuple[int, int], target: tuple[int, int], expected: tuple[int, int] | None
) -> None:
    assert covering_size(size, target) == expected
    if expected is not None:
        assert min(side - want for side, want in zip(expected, target, strict=True)) >= 0  # it covers the output


def test_off_by_default_a_large_jpeg_goes_out_byte_identical() -> None:
    assert _sent(_call("generate", BIG, shrink=False)) == BIG


@pytest.mark.parametrize(
    ("options", "expected"),
    [({}, (683, 512)), ({"width": 1024, "height": 640}, (1024, 768)), ({"width": 640, "height": 1024}, (1366, 1024))],
    ids=["default-512", "1024x640", "640x1024"],
)
@pytest.mark.parametrize("operation", ["generate", "refine"])
def test_a_larger_input_is_sent_covering_the_requested_output(
    operation: str, options: dict[str, Any], expected: tuple[int, int]
) -> None:
    sent = _sent(_call(operation, BIG, **options))
    assert _size(sent) == expected  # the API's 512 x 512 when no size is given


def test_what_is_saved_is_the_payload_of_the_pixels_left_out() -> None:
    grain = Image.frombytes("RGB", (1600, 1200), random.Random(7).randbytes(1600 * 1200 * 3))
    photo = encode(Image.blend(Image.new("RGB", (1600, 1200), (120, 90, 60)), grain, 0.2), "JPEG", quality=90)
    sent = _sent(_call("generate", photo))
    assert _size(sent) == (683, 512)
    assert len(sent) < len(photo) / 3  # 18 % of the pixels


@pytest.mark.parametrize(
    "image",
    [
        make_jpeg((400, 300)),  # smaller
        make_jpeg((2000, 400)),  # larger in one direction only
        make_jpeg((512, 512)),  # the output's size
    ],
)
def test_an_input_that_is_not_larger_goes_out_byte_identical(image: bytes) -> None:
    assert _sent(_call("generate", image)) == image


def test_upscale_never_shrinks_its_input() -> None:
    assert _sent(_call("upscale", BIG)) == BIG


def test_a_png_a_pil_image_and_a_data_url_are_shrunk_too() -> None:
    png = encode(Image.new("RGBA", (1600, 1200), (10, 200, 10, 255)), "PNG")
    pil = Image.new("RGB", (1200, 1600), (200, 10, 10))
    assert _size(_sent(_call("generate", png))) == (683, 512)
    assert _size(_sent(_call("generate", pil))) == (512, 683)
    assert _size(_sent(_call("generate", data_url(BIG)))) == (683, 512)


def test_a_phone_photo_stored_turned_is_shrunk_as_displayed() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 1600 x 1200, shown 1200 x 1600
    stored = Image.new("RGB", (1600, 1200), (90, 90, 90))
    photo = encode(stored, "JPEG", exif=exif.tobytes())
    assert _size(_sent(_call("generate", photo))) == (512, 683)


def _mask(size: tuple[int, int], box: tuple[int, int, int, int]) -> bytes:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle(box, fill=255)
    return encode(mask, "PNG")


@pytest.mark.parametrize("mask_format", ["PNG", "JPEG"])
def test_inpaint_scales_the_mask_with_the_image(mask_format: str) -> None:
    mask = _mask((1600, 1200), (800, 0, 1599, 599))  # the top right quarter
    if mask_format == "JPEG":
        with Image.open(io.BytesIO(mask)) as im:
            mask = encode(im.convert("L"), "JPEG", quality=95)
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, transport=recorder.transport, shrink_inputs=True) as canvas:
        canvas.inpaint(BIG, mask, prompt="a fox")
    image, sent_mask = _sent(recorder), _sent(recorder, "maskDataUrl")
    assert _size(image) == _size(sent_mask) == (683, 512)
    with Image.open(io.BytesIO(sent_mask)) as im:
        assert im.mode == "L"
        inside, outside = cast(int, im.getpixel((600, 100))), cast(int, im.getpixel((100, 400)))
    assert inside > 200  # inside the quarter: generate
    assert outside < 50  # outside: keep


def test_a_mask_of_another_size_is_refused_naming_the_images_own_size() -> None:
    with (
        RealtimeCanvas(api_key=API_KEY, transport=Recorder().transport, shrink_inputs=True) as canvas,
        pytest.raises(ImageError, match="1600x1200"),
    ):
        canvas.inpaint(BIG, _mask((800, 600), (0, 0, 10, 10)), prompt="a fox")


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_shrink_inputs_is_true_or_false(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="shrink_inputs"):
        RealtimeCanvas(api_key=API_KEY, shrink_inputs=value)


@pytest.mark.anyio
async def test_the_async_client_shrinks_alike() -> None:
    recorder = Recorder()
    async with AsyncRealtimeCanvas(api_key=API_KEY, transport=recorder.transport, shrink_inputs=True) as canvas:
        await canvas.generate(BIG, prompt="a fox", width=640, height=640)
    assert _size(_sent(recorder)) == (854, 640)  # 1600 x 640/1200 = 853.3, rounded up: never short of the output
