"""mask_data_url: white on black (white = generate), every mode normalised to a grayscale JPEG, size checked."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leonardo_realtime_client import ImageError
from leonardo_realtime_client._images import image_data_url, mask_data_url

from .helpers import close, decode, encode, halves, jpeg, pixel

SIZE = (32, 16)
LEFT, RIGHT = (4, 8), (28, 8)  # a point inside each half


def _mask(url: str) -> Image.Image:
    prefix = "data:image/jpeg;base64,"
    assert url.startswith(prefix)
    out = decode(base64.b64decode(url[len(prefix) :], validate=True))
    assert out.format == "JPEG"
    assert out.size == SIZE
    return out


def _palette(transparent: int | None) -> Image.Image:
    im = halves("P", SIZE, 0, 1)
    im.putpalette([0, 0, 0, 255, 255, 255] + [0] * (254 * 3))
    if transparent is not None:
        im.info["transparency"] = transparent
    return im


# (mode, image with white-to-generate on the right half)
CASES: dict[str, Image.Image] = {
    "L": halves("L", SIZE, 0, 255),
    "RGB": halves("RGB", SIZE, (0, 0, 0), (255, 255, 255)),
    "1": halves("1", SIZE, 0, 1),
    "P": _palette(None),
    "I;16": halves("I;16", SIZE, 0, 65535),
    "F": halves("F", SIZE, 0.0, 1.0),
    "CMYK": halves("CMYK", SIZE, (0, 0, 0, 255), (0, 0, 0, 0)),
    "RGBA (alpha is the mask)": halves("RGBA", SIZE, (255, 0, 0, 0), (255, 0, 0, 255)),
    # uniform grey under a shaped alpha (white under transparency and black where opaque is ambiguous: see
    # test_mask_alpha.py, it asks the caller to choose)
    "LA (alpha is the mask)": halves("LA", SIZE, (90, 0), (90, 255)),
    "RGBA fully opaque (colours are the mask)": halves("RGBA", SIZE, (0, 0, 0, 255), (255, 255, 255, 255)),
    "P with a transparent index (alpha is the mask)": _palette(0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_mode_becomes_a_white_on_black_grayscale_jpeg(name: str) -> None:
    source = CASES[name]
    out = _mask(mask_data_url(source, size=SIZE))
    assert out.mode == "L"
    assert close(pixel(out, LEFT), 0), name
    assert close(pixel(out, RIGHT), 255), name


@pytest.mark.parametrize("name", ["L", "1", "P", "RGBA (alpha is the mask)", "I;16", "LA (alpha is the mask)"])
def test_encoded_masks_are_normalised_too(name: str) -> None:
    data = encode(CASES[name], "PNG")
    out = _mask(mask_data_url(data, size=SIZE))
    assert out.mode == "L"
    assert close(pixel(out, LEFT), 0)
    assert close(pixel(out, RIGHT), 255)


def test_soft_edges_are_kept_not_thresholded() -> None:
    out = _mask(mask_data_url(Image.new("L", SIZE, 128)))
    assert close(pixel(out, LEFT), 128, tolerance=2)


def test_a_jpeg_mask_goes_out_unchanged(tmp_path: Path) -> None:
    data = jpeg(SIZE, (255, 255, 255))
    url = "data:image/jpeg;base64," + base64.b64encode(data).decode()
    assert mask_data_url(data, size=SIZE) == url
    assert mask_data_url(url, size=SIZE) is url
    file = tmp_path / "mask.jpg"
    file.write_bytes(data)
    assert mask_data_url(file) == url
    with file.open("rb") as fh:
        assert mask_data_url(fh, size=SIZE) == url


def test_png_mask_data_url_and_file_object_inputs() -> None:
    data = encode(CASES["L"], "PNG")
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    assert close(pixel(_mask(mask_data_url(url, size=SIZE)), RIGHT), 255)
    assert close(pixel(_mask(mask_data_url(io.BytesIO(data), size=SIZE)), RIGHT), 255)


def _size_error(mask: Any) -> str:
    with pytest.raises(ImageError) as info:
        mask_data_url(mask, size=(64, 48))
    violation = info.value.violations[0]
    assert violation.field == "mask"
    assert violation.value is mask
    return violation.allowed


@pytest.mark.parametrize(
    "make",
    [
        lambda: halves("L", SIZE, 0, 255),
        lambda: encode(halves("L", SIZE, 0, 255), "PNG"),
        lambda: jpeg(SIZE),
        lambda: image_data_url(jpeg(SIZE)),
    ],
    ids=["pil", "png", "jpeg", "jpeg-data-url"],
)
def test_a_mask_of_another_size_names_both_sizes(make: Any) -> None:
    problem = _size_error(make())
    assert problem == "mask is 32x16 pixels but the image is 64x48; the mask must have the image's size"


def test_mask_errors_name_the_field_given() -> None:
    with pytest.raises(ImageError) as info:
        mask_data_url(b"GIF87a", field="mask_image")
    assert info.value.fields == ("mask_image",)
    assert "header is cut short" in str(info.value)
    url = "data:image/jpeg;base64," + base64.b64encode(encode(CASES["L"], "PNG")).decode()
    with pytest.raises(ImageError, match="labelled 'image/jpeg' but holds PNG bytes"):
        mask_data_url(url)
    with pytest.raises(ImageError, match="too large"):
        mask_data_url(Image.new("1", (5000, 5000)))
