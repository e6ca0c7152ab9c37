"""encode_data_url / decode_data_url: strict base64 via pybase64, labels that must tell the truth."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from leonardo_realtime_client import ImageError, ValidationError
from leonardo_realtime_client._images import MAX_IMAGE_BYTES, decode_data_url, encode_data_url

from .helpers import encode, jpeg, png


@settings(max_examples=60)
@given(tail=st.binary(max_size=2000))
def test_round_trip_is_byte_exact(tail: bytes) -> None:
    data = b"\xff\xd8\xff\xe0" + tail
    url = encode_data_url(data)
    assert url.startswith("data:image/jpeg;base64,")
    assert url == "data:image/jpeg;base64," + base64.b64encode(data).decode()  # same text as the stdlib
    assert decode_data_url(url) == ("image/jpeg", data)


@pytest.mark.parametrize(
    ("mime", "pil_format"), [("image/png", "PNG"), ("image/webp", "WEBP"), ("image/gif", "GIF"), ("image/bmp", "BMP")]
)
def test_each_honest_label_round_trips(mime: str, pil_format: str) -> None:
    data = encode(Image.new("RGB", (9, 9), "white"), pil_format)
    assert decode_data_url(encode_data_url(data, mime)) == (mime, data)


def test_aliases_and_case_decode_to_the_canonical_mime() -> None:
    data = jpeg()
    payload = base64.b64encode(data).decode()
    for head in ["data:image/jpg;base64,", "DATA:Image/JPEG;BASE64,", "data:image/jpeg;name=a.jpg;base64,"]:
        assert decode_data_url(head + payload) == ("image/jpeg", data)


def test_base64_wrapped_in_lines_is_tolerated() -> None:
    """`base64` on the command line wraps at 76 columns; the line breaks are not data."""
    data = png((40, 40))
    wrapped = base64.encodebytes(data).decode()
    assert "\n" in wrapped
    assert decode_data_url("data:image/png;base64," + wrapped) == ("image/png", data)


def _error(url: str, field: str = "imageDataUrl") -> ImageError:
    with pytest.raises(ImageError) as info:
        decode_data_url(url, field=field)
    error = info.value
    assert isinstance(error, ValidationError)
    assert error.fields == (field,)
    assert error.violations[0].value == url  # kept whole on the violation
    assert field in str(error)
    return error


def test_a_png_labelled_jpeg_is_refused() -> None:
    """Leonardo's own docs sample labels a PNG as image/jpeg: never pass that on."""
    url = "data:image/jpeg;base64," + base64.b64encode(png((300, 300))).decode()
    error = _error(url, field="image")
    message = str(error)
    assert "labelled 'image/jpeg' but holds PNG bytes" in message
    assert len(message) < 400  # the 1,000+ character URL is shortened in the message
    assert "characters)" in message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("data:image/jpeg;base64,@@@@", "invalid base64"),
        ("data:image/jpeg;base64,/9j/4A", "invalid base64"),  # bad padding
        ("data:image/jpeg;base64,/9j_4AAA", "invalid base64"),  # URL-safe alphabet
        ("data:image/jpeg;base64,/9j/4AAé", "invalid base64"),  # not ASCII
        ("data:image/jpeg;base64,aGVsbG8gd29ybGQ=", "not an image: the 11 bytes are plain text (not quoted here"),
        ("data:image/jpeg;base64,", "empty data"),
        ("data:image/jpeg,/9j/4AAA", "not base64-encoded"),
        ("data:;base64,/9j/4AAA", "declares no media type"),
        ("data:base64,/9j/4AAA", "declares no media type"),
        ("data:text/plain;base64,/9j/4AAA", "declares 'text/plain'"),
        ("data:image/svg+xml;base64,PHN2Zy8+", "declares 'image/svg+xml'"),
        ("data:image/jpeg;base64/9j/4AAA", "no ','"),
        ("https://example.com/a.jpg", "not a data URL"),
    ],
)
def test_bad_data_urls_are_refused_with_the_reason(url: str, problem: str) -> None:
    error = _error(url)
    assert problem in str(error)
    assert str(error).startswith("1 invalid argument:\n  - imageDataUrl=")


def test_absurdly_long_data_url_is_refused_before_decoding() -> None:
    url = "data:image/jpeg;base64," + "A" * (4 * MAX_IMAGE_BYTES)
    error = _error(url)
    assert "MAX_IMAGE_BYTES = 20,971,520 bytes" in str(error)


def test_data_just_over_the_byte_cap_is_refused() -> None:
    data = b"\xff\xd8\xff" + bytes(MAX_IMAGE_BYTES)
    error = _error("data:image/jpeg;base64," + base64.b64encode(data).decode())
    assert f"{len(data):,} bytes of image data is too large" in str(error)


def test_encode_refuses_a_label_that_lies_or_is_unknown() -> None:
    with pytest.raises(ImageError, match=r"the bytes are PNG, not image/jpeg; use 'image/png'") as info:
        encode_data_url(png())
    assert info.value.fields == ("image",)
    with pytest.raises(ImageError, match=r"unknown image MIME type; allowed: image/jpeg, image/png"):
        encode_data_url(jpeg(), "application/octet-stream", field="imageDataUrl")
    with pytest.raises(ImageError, match="not an image"):
        encode_data_url(b"plain text", "image/jpeg")
    with pytest.raises(ImageError, match="too large"):
        encode_data_url(b"\xff\xd8\xff" + bytes(MAX_IMAGE_BYTES))
