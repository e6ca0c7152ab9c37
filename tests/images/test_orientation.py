"""Phone photos. Every input is treated as it is displayed: a JPEG whose EXIF orientation turns it
is sent upright (a JPEG with nothing to apply still goes out byte-identical), masks are checked against the
displayed size, and the local server treats image and mask, and the upscale size, the same way."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pybase64
import pytest
from PIL import Image

from leonardo_realtime_client import (
    ImageError,
    RealtimeCanvas,
    image_data_url,
    image_size,
    mask_data_url,
    to_jpeg_bytes,
)
from leonardo_realtime_client.server import LocalTransport

from .helpers import close, decode, encode

PREFIX = "data:image/jpeg;base64,"
QUADRANTS = ((230, 20, 20), (20, 200, 20), (20, 20, 230), (240, 240, 20))  # top-left, top-right, bottom-left, -right


def displayed(size: tuple[int, int]) -> Image.Image:
    """The picture as a viewer shows it: four coloured quadrants, so any turn or mirror is visible."""
    w, h = size
    im = Image.new("RGB", size)
    for i, colour in enumerate(QUADRANTS):
        x, y = (i % 2) * (w // 2), (i // 2) * (h // 2)
        im.paste(Image.new("RGB", (w - w // 2 if i % 2 else w // 2, h - h // 2 if i // 2 else h // 2), colour), (x, y))
    return im


# The stored pixels for each orientation: the inverse of what a viewer applies (EXIF 2.32, tag 0x0112).
_STORE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # the viewer turns it 90° clockwise back
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def phone_photo(orientation: int, shown: tuple[int, int] = (48, 64), fmt: str = "JPEG", **params: Any) -> bytes:
    """``displayed(shown)`` stored as a camera does: pixels turned, plus the Orientation tag to turn them back."""
    im = displayed(shown)
    op = _STORE[orientation]
    stored = im if op is None else im.transpose(op)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, fmt, exif=exif, **params)


def assert_upright(data: bytes, shown: tuple[int, int]) -> None:
    im = decode(data).convert("RGB")
    assert im.size == shown
    assert im.getexif().get(0x0112, 1) == 1  # nothing left for a viewer to turn again
    w, h = shown
    for i, colour in enumerate(QUADRANTS):
        x, y = (i % 2) * w // 2 + w // 4, (i // 2) * h // 2 + h // 4
        assert close(im.getpixel((x, y)), colour, 12), (i, im.getpixel((x, y)))


def payload(url: str) -> bytes:
    assert url.startswith(PREFIX)
    return pybase64.b64decode(url[len(PREFIX) :], validate=True)


def test_the_issue_example_a_640x512_jpeg_with_orientation_6_goes_out_512x640_upright() -> None:
    data = phone_photo(6, shown=(512, 640), quality=95)
    assert decode(data).size == (640, 512)  # stored landscape, as the phone wrote it
    assert image_size(data) == (512, 640)  # but displayed portrait
    sent = payload(image_data_url(data))
    assert_upright(sent, (512, 640))
    # the same picture as PNG (no EXIF) goes out the same way round
    as_png = payload(image_data_url(encode(displayed((512, 640)), "PNG")))
    assert decode(as_png).size == decode(sent).size


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_is_sent_as_displayed(orientation: int) -> None:
    data = phone_photo(orientation, shown=(48, 64), quality=95)
    assert image_size(data) == (48, 64)
    sent = to_jpeg_bytes(data)
    assert_upright(sent, (48, 64))
    if orientation == 1:
        assert sent is data  # nothing to apply: byte-identical, as every JPEG without a turn


def test_a_jpeg_without_an_orientation_to_apply_is_byte_identical() -> None:
    plain = encode(displayed((40, 30)), "JPEG")
    broken = bytearray(phone_photo(6, shown=(30, 40)))
    at = bytes(broken).index(b"Exif\x00\x00") + 6
    broken[at : at + 2] = b"XX"  # not a TIFF byte order: the EXIF block is unreadable, as viewers see it
    for data in (plain, phone_photo(1, shown=(40, 30)), bytes(broken)):
        assert to_jpeg_bytes(data) is data
        assert image_data_url(data) == PREFIX + pybase64.b64encode(data).decode()


@pytest.mark.parametrize(("fmt", "params"), [("PNG", {}), ("WEBP", {"lossless": True}), ("TIFF", {})])
def test_other_formats_with_an_orientation_are_sized_and_sent_as_displayed(fmt: str, params: dict[str, Any]) -> None:
    data = phone_photo(8, shown=(48, 64), fmt=fmt, **params)
    assert image_size(data) == (48, 64)
    assert_upright(to_jpeg_bytes(data), (48, 64))


def test_a_pil_image_opened_from_a_phone_jpeg_is_sent_upright() -> None:
    with Image.open(io.BytesIO(phone_photo(6, shown=(48, 64)))) as im:
        assert_upright(to_jpeg_bytes(im), (48, 64))


def test_masks_are_checked_against_the_displayed_size() -> None:
    photo = phone_photo(6, shown=(512, 640))
    shown = image_size(photo)
    drawn_on_screen = encode(Image.new("L", (512, 640), 0), "PNG")
    assert decode(payload(mask_data_url(drawn_on_screen, size=shown))).size == (512, 640)
    stored_coordinates = encode(Image.new("L", (640, 512), 0), "PNG")
    with pytest.raises(ImageError, match="mask is 640x512 pixels but the image is 512x640"):
        mask_data_url(stored_coordinates, size=shown)
    # a JPEG mask with its own orientation is turned like an image
    turned_mask = phone_photo(6, shown=(512, 640))
    assert decode(payload(mask_data_url(turned_mask, size=shown))).size == (512, 640)


def _canvas(transport: LocalTransport) -> RealtimeCanvas:
    return RealtimeCanvas(api_key="k", base_url=transport.base_url, transport=transport, max_retries=0)


def test_inpaint_of_a_phone_photo_with_a_mask_drawn_as_displayed() -> None:
    transport = LocalTransport()
    photo = phone_photo(6, shown=(512, 640))
    mask = Image.new("L", (512, 640), 0)
    mask.paste(255, (0, 0, 256, 320))  # the top-left quadrant as shown: the red one
    with _canvas(transport) as canvas:
        result = canvas.inpaint(photo, mask=encode(mask, "PNG"), prompt="a blue sky", width=512, height=640)
    out = result.to_pil()
    assert out.size == (512, 640)
    # outside the mask the picture is the input's, the right way up
    assert close(out.getpixel((384, 480)), QUADRANTS[3], 16)
    assert close(out.getpixel((384, 160)), QUADRANTS[1], 16)
    with _canvas(transport) as canvas, pytest.raises(ImageError, match="512x640"):
        canvas.inpaint(photo, mask=encode(Image.new("L", (640, 512)), "PNG"), prompt="x")


def test_the_local_server_refuses_a_mask_in_stored_coordinates_of_a_turned_photo() -> None:
    # Another client may send the phone JPEG as it is: the server turns it, so a mask in stored coordinates
    # would change the wrong area. It is refused; a mask as displayed is taken.
    transport = LocalTransport()
    photo = PREFIX + pybase64.b64encode(phone_photo(6, shown=(512, 640))).decode()

    def post(mask_size: tuple[int, int]) -> httpx.Response:
        mask = PREFIX + pybase64.b64encode(encode(Image.new("L", mask_size), "JPEG")).decode()
        body = {"imageDataUrl": photo, "maskDataUrl": mask, "prompt": "p"}
        with httpx.Client(transport=transport) as http:
            return http.post(transport.base_url + "/lcm-inpainting", json=body, headers={"Authorization": "Bearer k"})

    refused = post((640, 512))
    assert refused.status_code == 400
    assert "displayed 512x640" in refused.json()["error"]
    assert post((512, 640)).status_code == 200


def test_upscale_of_a_turned_jpeg_is_not_stretched() -> None:
    transport = LocalTransport()
    photo = phone_photo(6, shown=(256, 320))
    with _canvas(transport) as canvas:
        assert canvas.upscale(photo, prompt="p").to_pil().size == (512, 640)
    # and sent raw, as another client would: the server sizes it as displayed too
    body = {"imageDataUrl": PREFIX + pybase64.b64encode(photo).decode(), "prompt": "p"}
    with httpx.Client(transport=transport) as http:
        answer = http.post(transport.base_url + "/lcm-upscale", json=body, headers={"Authorization": "Bearer k"})
    out = answer.json()["lcmGenerationJob"]["imageDataUrl"][0]
    assert decode(payload(out)).size == (512, 640)


def test_without_pillow_a_turned_jpeg_says_why_and_a_plain_one_still_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    turned, plain = phone_photo(6, shown=(48, 64)), encode(displayed((48, 64)), "JPEG")
    for name in [m for m in sys.modules if m == "PIL" or m.startswith("PIL.")] + ["PIL"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImageError) as caught:
        to_jpeg_bytes(turned)
    assert caught.value.violations[0].allowed == (
        "Pillow is needed to turn a JPEG with an EXIF orientation upright (inputs are sent as displayed): "
        "pip install 'leonardo-realtime-client[pillow]'"
    )
    assert to_jpeg_bytes(plain) is plain
    assert image_size(turned) == (48, 64)  # read from the header and the EXIF block, no Pillow
