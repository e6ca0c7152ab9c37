"""to_jpeg_bytes / image_data_url: every input kind, JPEG untouched, everything else transcoded honestly."""

from __future__ import annotations

import array
import base64
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms

from leonardo_realtime_client import ImageError
from leonardo_realtime_client import _images as images
from leonardo_realtime_client._images import (
    MAX_IMAGE_BYTES,
    decode_data_url,
    image_data_url,
    image_size,
    sniff_format,
    to_jpeg_bytes,
)

from .helpers import close, decode, encode, halves, jpeg, pixel, png

JPEG_PREFIX = "data:image/jpeg;base64,"


class _BytesPath:
    """An ``os.PathLike[bytes]``."""

    def __init__(self, path: bytes) -> None:
        self.path = path

    def __fspath__(self) -> bytes:
        return self.path


def _payload(url: str) -> bytes:
    assert url.startswith(JPEG_PREFIX)
    return base64.b64decode(url[len(JPEG_PREFIX) :], validate=True)


# --- JPEG goes out as it is --------------------------------------------------------------------------------------


def test_jpeg_bytes_come_back_as_the_same_object() -> None:
    data = jpeg()
    assert to_jpeg_bytes(data) is data
    assert _payload(image_data_url(data)) == data


def test_every_input_kind_of_a_jpeg_is_byte_identical(tmp_path: Path) -> None:
    data = jpeg((33, 21), quality=71)
    file = tmp_path / "photo.jpg"
    file.write_bytes(data)

    def skipped() -> io.BytesIO:
        fileobj = io.BytesIO(b"skip" + data)
        fileobj.seek(4)  # read from the current position, as file APIs do
        return fileobj

    makers: list[Callable[[], Any]] = [
        lambda: bytearray(data),
        lambda: memoryview(data),
        lambda: str(file),
        lambda: file,
        lambda: _BytesPath(bytes(file)),
        lambda: io.BytesIO(data),
        skipped,
    ]
    for make in makers:
        out = to_jpeg_bytes(make())
        assert type(out) is bytes
        assert out == data, type(make())
        assert _payload(image_data_url(make())) == data
    for convert in (to_jpeg_bytes, lambda fh: _payload(image_data_url(fh))):
        with file.open("rb") as fh:
            assert convert(fh) == data


def test_memoryview_of_another_format_or_not_contiguous() -> None:
    data = jpeg((10, 10))
    words = array.array("B", data)
    assert to_jpeg_bytes(memoryview(words)) == data
    padded = bytes(b for pair in zip(data, bytes(len(data)), strict=True) for b in pair)
    strided = memoryview(padded)[::2]
    assert not strided.c_contiguous
    assert to_jpeg_bytes(strided) == data


def test_jpeg_input_never_imports_pillow(tmp_path: Path) -> None:
    file = tmp_path / "a.jpg"
    file.write_bytes(jpeg((40, 30)))
    script = (
        "import sys, pathlib\n"
        "from leonardo_realtime_client import _images as m\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "data = p.read_bytes()\n"
        "url = m.image_data_url(data)\n"
        "assert m.image_data_url(p) == url == m.image_data_url(url) == m.mask_data_url(p, size=(40, 30))\n"
        "assert m.to_jpeg_bytes(url) == data and m.image_size(data) == (40, 30)\n"
        "assert m.decode_data_url(url) == ('image/jpeg', data)\n"
        "print(sorted(k for k in sys.modules if k == 'PIL' or k.startswith('PIL.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(file)], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_a_correct_jpeg_data_url_is_returned_unchanged() -> None:
    url = image_data_url(jpeg())
    assert image_data_url(url) is url
    assert to_jpeg_bytes(url) == _payload(url)


def test_a_jpeg_data_url_with_another_spelling_is_relabelled_not_reencoded() -> None:
    data = jpeg()
    b64 = base64.encodebytes(data).decode()  # wrapped in lines
    for url in ["data:image/jpg;base64," + b64, "DATA:IMAGE/JPEG;BASE64," + b64.replace("\n", "")]:
        assert image_data_url(url) == JPEG_PREFIX + base64.b64encode(data).decode()


# --- other formats are transcoded ----------------------------------------------------------------------------------


def test_png_goes_out_as_a_jpeg_data_url_whose_bytes_decode_as_jpeg() -> None:
    source = halves("RGB", (64, 32), (255, 0, 0), (0, 0, 255))
    url = image_data_url(encode(source, "PNG"))
    data = _payload(url)
    assert sniff_format(data) == "jpeg"
    out = decode(data)
    assert out.format == "JPEG"
    assert out.size == (64, 32)
    assert close(pixel(out, (8, 16)), (255, 0, 0))
    assert close(pixel(out, (56, 16)), (0, 0, 255))


def test_a_correctly_labelled_png_data_url_is_transcoded() -> None:
    source = encode(Image.new("RGB", (20, 10), (0, 200, 0)), "PNG")
    url = "data:image/png;base64," + base64.b64encode(source).decode()
    out = decode(_payload(image_data_url(url)))
    assert out.format == "JPEG"
    assert close(pixel(out, (10, 5)), (0, 200, 0))


@settings(max_examples=25, deadline=None)
@given(
    fmt=st.sampled_from(["PNG", "WEBP", "GIF", "BMP", "TIFF"]),
    mode=st.sampled_from(["RGB", "RGBA", "L", "LA", "P", "1"]),
    width=st.integers(1, 80),
    height=st.integers(1, 80),
)
def test_round_trip_any_format_and_mode_gives_a_jpeg_of_the_same_size(
    fmt: str, mode: str, width: int, height: int
) -> None:
    im = Image.new(mode, (width, height))
    if (fmt, mode) in {("BMP", "LA"), ("GIF", "LA"), ("WEBP", "P"), ("WEBP", "1")}:
        im = im.convert("RGBA")  # modes these writers do not take
    data = encode(im, fmt)
    mime, jpeg_bytes = decode_data_url(image_data_url(data))
    assert mime == "image/jpeg"
    assert image_size(jpeg_bytes) == (width, height)
    assert decode(jpeg_bytes).mode in ("RGB", "L")


def test_transparency_is_composited_on_white() -> None:
    rgba = halves("RGBA", (32, 16), (255, 0, 0, 255), (0, 0, 0, 0))
    out = decode(to_jpeg_bytes(encode(rgba, "PNG")))
    assert out.mode == "RGB"
    assert close(pixel(out, (4, 8)), (255, 0, 0))
    assert close(pixel(out, (28, 8)), (255, 255, 255))
    la = halves("LA", (32, 16), (40, 255), (0, 0))
    out = decode(to_jpeg_bytes(la))
    assert out.mode == "L"
    assert close(pixel(out, (4, 8)), 40)
    assert close(pixel(out, (28, 8)), 255)


def test_palette_with_transparency_and_one_bit_images() -> None:
    palette = halves("P", (32, 16), 1, 2)
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * (253 * 3))
    palette.info["transparency"] = 2
    out = decode(to_jpeg_bytes(encode(palette, "PNG", transparency=2)))
    assert close(pixel(out, (4, 8)), (255, 0, 0))
    assert close(pixel(out, (28, 8)), (255, 255, 255))  # the transparent index became white
    bilevel = halves("1", (32, 16), 0, 1)
    out = decode(to_jpeg_bytes(encode(bilevel, "PNG")))
    assert out.mode == "L"
    assert close(pixel(out, (4, 8)), 0)
    assert close(pixel(out, (28, 8)), 255)


def test_sixteen_bit_grayscale_is_scaled_not_clipped() -> None:
    im = Image.new("I;16", (16, 8), 257 * 100)
    data = encode(im, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    out = decode(to_jpeg_bytes(data))
    assert close(pixel(out, (8, 4)), 100)  # clipping would give 255
    floats = Image.new("F", (16, 8), 0.5)
    assert close(pixel(decode(to_jpeg_bytes(floats)), (8, 4)), 128)


def test_cmyk_with_and_without_a_profile() -> None:
    cmyk = Image.new("CMYK", (16, 8), (0, 255, 255, 0))  # red
    assert close(pixel(decode(to_jpeg_bytes(encode(cmyk, "TIFF"))), (8, 4)), (255, 0, 0))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    rgb = Image.new("RGB", (16, 8), (0, 128, 0))
    rgb.info["icc_profile"] = srgb
    out = decode(to_jpeg_bytes(rgb))
    assert out.info.get("icc_profile") == srgb  # colours stay managed
    assert close(pixel(out, (8, 4)), (0, 128, 0))


def test_exif_orientation_is_applied_before_the_exif_is_dropped() -> None:
    im = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = decode(to_jpeg_bytes(encode(im, "PNG", exif=exif)))
    assert out.size == (20, 40)
    assert out.getexif().get(0x0112) is None


def test_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in [(255, 0, 0), (0, 0, 255)]]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert close(pixel(decode(to_jpeg_bytes(data)), (8, 8)), (255, 0, 0), tolerance=10)


def test_pil_image_input_and_quality() -> None:
    im = Image.effect_noise((96, 96), 64).convert("RGB")
    low = to_jpeg_bytes(im, quality=20)
    high = to_jpeg_bytes(im, quality=95)
    assert sniff_format(low) == sniff_format(high) == "jpeg"
    assert len(low) < len(high)
    assert decode(image_data_url(im).encode() and _payload(image_data_url(im))).size == (96, 96)


def test_a_pil_image_opened_from_a_jpeg_is_encoded_from_its_pixels() -> None:
    im = Image.open(io.BytesIO(jpeg((24, 12))))
    out = decode(to_jpeg_bytes(im))
    assert out.size == (24, 12)
    assert close(pixel(out, (12, 6)), (200, 40, 90), tolerance=8)


# --- errors -------------------------------------------------------------------------------------------------------


def _error(value: Any, field: str = "image", **kwargs: Any) -> str:
    with pytest.raises(ImageError) as info:
        image_data_url(value, field=field, **kwargs)
    violation = info.value.violations[0]
    assert violation.field == field
    assert violation.value is value  # kept whole, not a copy or a shortened text
    assert str(info.value).startswith(f"1 invalid argument:\n  - {field}=")
    return violation.allowed


def test_non_image_bytes_name_the_field_and_what_is_allowed() -> None:
    problem = _error(b"%PDF-1.7 not a picture", field="init_image")
    assert "not an image: the 22 bytes are a PDF document" in problem
    assert "%PDF" not in problem
    assert "JPEG, PNG, WebP, GIF, BMP, TIFF" in problem
    assert "empty data; expected an encoded JPEG" in _error(b"")


def test_corrupt_png_body_is_an_image_error() -> None:
    data = png((50, 50))
    assert "cannot decode this PNG" in _error(data[:60] + b"\x00" * 20)


def test_oversize_bytes_are_refused_before_anything_else() -> None:
    problem = _error(b"\xff\xd8\xff" + bytes(MAX_IMAGE_BYTES))
    assert problem == (
        f"{MAX_IMAGE_BYTES + 3:,} bytes of image data is too large: at most MAX_IMAGE_BYTES = 20,971,520 bytes (20 MiB)"
    )


def test_oversize_file_is_refused_from_its_size_without_reading(tmp_path: Path) -> None:
    file = tmp_path / "huge.jpg"
    with file.open("wb") as fh:
        fh.write(b"\xff\xd8\xff")
        fh.truncate(MAX_IMAGE_BYTES + 1)  # sparse: costs no disk
    assert "too large" in _error(file)
    assert "too large" in _error(str(file))
    with file.open("rb") as fh:
        assert "too large" in _error(fh)


def test_too_many_pixels_is_refused_from_the_header() -> None:
    data = encode(Image.new("1", (5000, 4000)), "PNG")
    assert len(data) < MAX_IMAGE_BYTES
    problem = _error(data)
    assert "image of 5000x4000 = 20,000,000 pixels is too large" in problem
    assert "MAX_IMAGE_PIXELS = 16,777,216" in problem
    assert "5000x4000" in _error(Image.new("1", (5000, 4000)))
    tiff = encode(Image.new("1", (4200, 4200)), "TIFF", compression="group4")
    assert "4200x4200" in _error(tiff)  # TIFF: size from Pillow's lazy open, before decoding


def test_too_many_pixels_in_a_jpeg_header_without_decoding_it() -> None:
    data = bytearray(jpeg((8, 8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (60000).to_bytes(2, "big") + (60000).to_bytes(2, "big")
    assert "60000x60000" in _error(bytes(data))


def test_a_side_longer_than_jpeg_allows_is_refused() -> None:
    assert "65500 pixels a side" in _error(Image.new("1", (70000, 1)))


def test_empty_pil_image_is_refused() -> None:
    assert "has no pixels" in _error(Image.new("RGB", (0, 0)))


def test_paths_that_do_not_work(tmp_path: Path) -> None:
    assert "no such file" in _error(str(tmp_path / "missing.png"))
    assert "no such file" in _error(tmp_path / "missing.png")
    assert "not a regular file" in _error(tmp_path)
    assert "URLs are not fetched" in _error("https://example.com/cat.jpg")
    looks_b64 = base64.b64encode(png((8, 8))).decode()
    assert "pass it as a data URL" in _error(looks_b64)
    assert "no such file" in _error("bad\x00path.png")


def test_file_objects_that_do_not_work(tmp_path: Path) -> None:
    file = tmp_path / "a.jpg"
    file.write_bytes(jpeg())
    with file.open("r", encoding="latin-1") as text:
        assert "text mode; open the image with mode 'rb'" in _error(text)
    closed = io.BytesIO(jpeg())
    closed.close()
    assert "cannot read the file object: ValueError" in _error(closed)


def test_unsupported_types() -> None:
    assert "unsupported type int" in _error(42)
    assert "unsupported type list" in _error([jpeg()])


def test_without_pillow_a_png_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    data = png()
    jpeg_bytes = jpeg()
    for name in [k for k in sys.modules if k == "PIL" or k.startswith("PIL.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "PIL", None)
    problem = _error(data)
    assert problem == "Pillow is needed to read PNG images: pip install 'leonardo-realtime-client[pillow]'"
    assert to_jpeg_bytes(jpeg_bytes) is jpeg_bytes  # JPEG still works without Pillow


def test_jpeg_path_does_not_call_into_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise AssertionError("Pillow used for a JPEG")

    for part in (images._pil, images._transcode, images._masks):  # every way into Pillow
        monkeypatch.setattr(part, "_pillow", boom)
    data = jpeg()
    assert to_jpeg_bytes(data) is data
    assert _payload(images.mask_data_url(data, size=(64, 48))) == data


def test_errors_keep_the_input_as_given_not_the_bytes_read_from_it(tmp_path: Path) -> None:
    broken = png((50, 50))[:60] + b"\x00" * 20
    file = tmp_path / "broken.png"
    file.write_bytes(broken)
    assert "cannot decode this PNG" in _error(file)  # _error checks `violation.value is file`
    url = "data:image/png;base64," + base64.b64encode(broken).decode()
    assert "cannot decode this PNG" in _error(url)
    truncated_jpeg = "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF").decode()
    assert "no frame header" in _error(truncated_jpeg)
