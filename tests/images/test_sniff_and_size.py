"""sniff_format and image_size: magic bytes and header-only sizes, checked against Pillow."""

from __future__ import annotations

import io
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from leonardo_realtime_client import ImageError
from leonardo_realtime_client._images import image_size, sniff_format

from .helpers import encode, jpeg

FORMATS: dict[str, tuple[str, dict[str, Any]]] = {
    "jpeg": ("JPEG", {}),
    "png": ("PNG", {}),
    "webp": ("WEBP", {}),
    "gif": ("GIF", {}),
    "bmp": ("BMP", {}),
    "tiff": ("TIFF", {}),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_sniffs_each_format_pillow_writes(name: str) -> None:
    pil_format, params = FORMATS[name]
    data = encode(Image.new("RGB", (20, 10), "red"), pil_format, **params)
    assert sniff_format(data) == name
    assert sniff_format(bytearray(data)) == name
    assert sniff_format(memoryview(data)) == name


def test_sniffs_big_endian_tiff_ico_avif_and_heif_signatures() -> None:
    assert sniff_format(b"MM\x00*\x00\x00\x00\x08") == "tiff"
    assert sniff_format(encode(Image.new("RGB", (16, 16)), "ICO")) == "ico"
    assert sniff_format(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00") == "avif"
    assert sniff_format(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") == "heif"
    assert sniff_format(b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00") is None  # an MP4 is no image


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",
        b"hello world",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"BMW is a car brand, not a bitmap",
    ],
)
def test_non_images_sniff_as_none(data: bytes) -> None:
    assert sniff_format(data) is None


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(["jpeg", "png", "gif", "bmp", "tiff"]),
    width=st.integers(1, 300),
    height=st.integers(1, 300),
)
def test_image_size_matches_pillow(name: str, width: int, height: int) -> None:
    pil_format, params = FORMATS[name]
    data = encode(Image.new("L" if name == "gif" else "RGB", (width, height), 128), pil_format, **params)
    assert image_size(data) == (width, height) == Image.open(io.BytesIO(data)).size


@settings(max_examples=30, deadline=None)
@given(
    width=st.integers(1, 200),
    height=st.integers(1, 200),
    kind=st.sampled_from(["lossy", "lossless", "alpha", "animated"]),
)
def test_image_size_of_every_webp_flavour(width: int, height: int, kind: str) -> None:
    """VP8 (lossy), VP8L (lossless) and VP8X (alpha, animation) headers each store the size differently."""
    im = Image.new("RGBA" if kind == "alpha" else "RGB", (width, height), (1, 2, 3, 100))
    if kind == "animated":
        data = encode(im, "WEBP", save_all=True, append_images=[Image.new("RGB", (width, height), "blue")])
    else:
        data = encode(im, "WEBP", lossless=kind == "lossless")
    chunk = {"lossy": b"VP8 ", "lossless": b"VP8L", "alpha": b"VP8X", "animated": b"VP8X"}[kind]
    if kind != "alpha":
        assert data[12:16] == chunk
    assert image_size(data) == (width, height) == Image.open(io.BytesIO(data)).size


def test_jpeg_size_skips_exif_icc_and_restart_markers_and_reads_progressive() -> None:
    im = Image.new("RGB", (123, 45), "green")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010E] = "x" * 5000  # a long APP1 segment before the frame header
    icc = b"\x00" * 3000
    data = encode(im, "JPEG", exif=exif, icc_profile=icc, progressive=True, restart_marker_blocks=1)
    assert data[:4] == b"\xff\xd8\xff\xe0"
    assert image_size(data) == (45, 123)  # as displayed: orientation 6 turns it, long EXIF skipped


def test_bmp_top_down_and_os2_headers() -> None:
    data = bytearray(encode(Image.new("RGB", (7, 5)), "BMP"))
    struct.pack_into("<i", data, 22, -5)  # negative height: rows stored top-down
    assert image_size(bytes(data)) == (7, 5)
    core = b"BM" + b"\x00" * 12 + struct.pack("<IHHHH", 12, 9, 4, 1, 24)  # BITMAPCOREHEADER
    assert image_size(core) == (9, 4)


def test_tiff_size_comes_from_pillow_lazily() -> None:
    data = encode(Image.new("RGB", (31, 17)), "TIFF")
    assert image_size(data) == (31, 17)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "no frame header"),
        (b"\xff\xd8\xff\xda\x00\x08", "no frame header"),  # scan data before any frame header
        (b"\xff\xd8\xff\xe0\x00\x01", "segment length 1"),
        (b"\xff\xd8\xff\xe0\x00\x04\x00\x00\x00\x00", "expected a marker at byte 8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00", "header is cut short"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIDAT\x00\x00\x00\x01\x00\x00\x00\x01", "IHDR"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x00\x00\x00\x00\x01", "size of 0x1"),
        (b"GIF89a\x01", "header is cut short"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8Z\x00\x00\x00\x00", "unknown first chunk"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "start code"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x00\x00\x00\x00\x00", "VP8L signature"),
        (b"II*\x00garbage", "cannot read this TIFF"),
        (b"not an image at all", "not an image"),
    ],
)
def test_corrupt_or_truncated_headers_raise_image_error(data: bytes, problem: str) -> None:
    with pytest.raises(ImageError, match=problem) as info:
        image_size(data, field="imageDataUrl")
    violation = info.value.violations[0]
    assert violation.field == "imageDataUrl"
    assert violation.value == data


def test_jpeg_frame_header_with_zero_height_is_refused() -> None:
    data = bytearray(jpeg((8, 8)))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">H", data, sof + 5, 0)  # height 0: defined later by a DNL marker
    with pytest.raises(ImageError, match="size of 8x0"):
        image_size(bytes(data))
