"""Diagnostics for base64 and other bad inputs. Every ImageError message stays short (values
shortened, as the README promises; the whole value stays on ``.violations[0].value``) and puts the hint first."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leonardo_realtime_client import ImageError, image_data_url, mask_data_url, to_jpeg_bytes

from .helpers import encode, png

SHORT = 400  # characters: a message one reads, whatever was passed


def big_jpeg() -> bytes:
    noise = Image.effect_noise((1024, 1024), 90).convert("RGB")
    return encode(noise, "JPEG", quality=95)


def _raised(value: Any, make: Any = image_data_url) -> ImageError:
    with pytest.raises(ImageError) as caught:
        make(value)
    return caught.value


def test_the_issue_example_bare_base64_of_a_1024_jpeg() -> None:
    data = big_jpeg()
    text = base64.b64encode(data).decode()
    assert len(text) > 100_000
    error = _raised(text)
    message = str(error)
    assert len(message) < SHORT, len(message)
    violation = error.violations[0]
    assert violation.value is text  # kept whole for the program, shortened for the reader
    assert violation.allowed.startswith(
        "this is base64 text of a JPEG image, not a file name: pass it as a data URL: 'data:image/jpeg;base64,' + text"
    )
    assert f"({len(text)} characters)" in message
    assert image_data_url("data:image/jpeg;base64," + text) == "data:image/jpeg;base64," + text  # the fix works


@pytest.mark.parametrize(
    ("make_text", "hint"),
    [
        (lambda d: base64.urlsafe_b64encode(d).decode(), "URL-safe base64: turn '-' and '_' into '+' and '/' first"),
        (lambda d: base64.encodebytes(d).decode(), "this is base64 text of a JPEG image"),  # 76-column lines
        (lambda d: base64.b64encode(d).decode()[:3000], "this is base64 text of a JPEG image"),  # under PATH_MAX
    ],
    ids=["url-safe", "line-wrapped", "short"],
)
def test_other_bare_base64_strings(make_text: Any, hint: str) -> None:
    text = make_text(big_jpeg())
    error = _raised(text)
    assert len(str(error)) < SHORT
    assert error.violations[0].allowed.startswith("this is base64 text of a JPEG image")
    assert hint in error.violations[0].allowed


def test_base64_bytes_instead_of_the_image() -> None:
    encoded = base64.b64encode(png((40, 40)))
    for value in (encoded, bytearray(encoded), io.BytesIO(encoded)):
        error = _raised(value, to_jpeg_bytes)
        assert error.violations[0].allowed.startswith("these bytes are base64 text of a PNG image, not the image")
        assert "pybase64.b64decode(data)" in str(error)
        assert len(str(error)) < SHORT


def test_a_data_url_with_url_safe_base64_says_so() -> None:
    data = big_jpeg()
    url = "data:image/jpeg;base64," + base64.urlsafe_b64encode(data).decode()
    assert "-" in url or "_" in url
    error = _raised(url)
    assert error.violations[0].allowed.startswith("invalid base64 in the data URL (URL-safe base64")
    assert len(str(error)) < SHORT


@pytest.mark.parametrize(
    "value",
    [
        "x" * 5000,  # no file can have this name: the OS error would quote all of it
        "/tmp/" + "d/" * 3000 + "a.png",
        "data:" + "image/" + "x" * 200 + ";base64,AAAA",  # a long made-up media type
        "data:image/png;base64," + "!" * 100_000,
        "data:image/png;base64," + base64.b64encode(b"\x00" * 300_000).decode(),  # base64 of no image
        b"\x00" * 1_000_000,
        "https://example.com/" + "a" * 10_000 + ".jpg",
    ],
    ids=["long-name", "deep-path", "long-mime", "bad-base64", "no-image", "zero-bytes", "long-url"],
)
def test_every_image_error_message_is_short(value: Any) -> None:
    for make in (image_data_url, mask_data_url):
        error = _raised(value, make)
        assert len(str(error)) < SHORT, (make.__name__, str(error)[:500])
        assert error.violations[0].value is value


def test_a_path_too_long_for_the_os_names_the_reason_not_the_name(tmp_path: Path) -> None:
    name = str(tmp_path / ("n" * 300 + ".png"))  # one component beyond NAME_MAX
    error = _raised(name)
    assert "cannot read the file: OSError: File name too long" in str(error)
    assert name not in str(error)


# Later trial of issue 10: text that is almost an image, whose message used to be "cannot read the file:
# OSError: File name too long" or "not an image: the bytes start with b'data:image/jpeg;'", the hint nowhere.
def _cases() -> list[tuple[Any, str]]:
    data = big_jpeg()
    url = "data:image/jpeg;base64," + base64.b64encode(data).decode()
    return [
        ("  " + url, "this text starts with 2 whitespace characters before a data URL: pass text.strip()"),
        ("\n" + url + "\n", "this text starts with 1 whitespace characters before a data URL: pass text.strip()"),
        (
            '{"imageDataUrl": "' + url + '"}',
            'this text holds a data URL after 18 other characters (\'{"imageDataUrl": "\'…): pass the data URL alone',
        ),
        (url.encode(), "these bytes are a data URL as text, not the image: pass data.decode()"),
        (b"\r\n" + url.encode(), "these bytes start with 2 whitespace characters before a data URL: pass data."),
        (data.hex(), "this text is hex text of a JPEG image, not the image: pass bytes.fromhex(text)"),
        (png((8, 8)).hex().encode(), "these bytes are hex text of a PNG image, not the image: pass bytes.fromhex("),
        (data.decode("latin-1"), "this str holds the bytes of a JPEG image decoded as text: pass the bytes"),
    ]


@pytest.mark.parametrize("case", range(8))
@pytest.mark.parametrize("make", [image_data_url, mask_data_url])
def test_text_that_is_almost_an_image_gets_its_hint_first(case: int, make: Any) -> None:
    value, hint = _cases()[case]
    error = _raised(value, make)
    message = str(error)
    assert len(message) < SHORT, len(message)
    assert message.split(": ", 1)[1].startswith(hint) or f"): {hint}" in message, message
    assert error.violations[0].value is value
