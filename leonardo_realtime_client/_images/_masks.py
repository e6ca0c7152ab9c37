"""Masks: an inpainting mask as a white-on-black grayscale JPEG data URL, checked against the image's size."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pybase64

from .._errors import ImageError
from ._common import _JPEG_PREFIX, MASK_JPEG_QUALITY, ImageInput, _check_pixels
from ._exif import orientation
from ._headers import _not_an_image, _size, sniff_format
from ._pil import _pillow
from ._reading import _read_input
from ._transcode import _check_pil, _decode, _encode_jpeg, _gray8, _oriented, _palette_has_alpha

if TYPE_CHECKING:
    from PIL import Image as PILImage


def mask_data_url(
    mask: ImageInput,
    *,
    size: tuple[int, int] | None = None,
    field: str = "mask",
    quality: int = MASK_JPEG_QUALITY,
) -> str:
    """``data:image/jpeg;base64,…`` of an inpainting mask: white on black, white = the area to generate.

    Grayscale, RGB, CMYK, 1-bit, palette and 16-bit masks become 8-bit grayscale; for masks with an alpha
    channel (RGBA, LA, palette with transparency) the alpha is the mask (opaque = generate) unless it is
    fully opaque, when the colours are used. A JPEG mask goes out unchanged. ``size`` is the image's
    ``(width, height)``; a mask of another size raises :class:`~leonardo_realtime_client.ImageError`.
    """
    data, pil_image, url = _read_input(mask, field)
    if data is not None:
        fmt = sniff_format(data)
        if fmt is None:
            raise ImageError(field, mask, _not_an_image(data))
        width, height = _size(data, fmt, field, mask)
        _check_pixels(width, height, field, mask)
        if fmt == "jpeg" and orientation(data, fmt) == 1:
            _check_mask_size((width, height), size, field, mask)
            return url or _JPEG_PREFIX + pybase64.b64encode_as_string(data)
        with _decode(data, fmt, field, mask) as decoded:
            return _mask_from_pil(decoded, size, field, mask, quality)
    assert pil_image is not None
    _pillow(field, mask, "encode PIL images")
    return _mask_from_pil(pil_image, size, field, mask, quality)


def _mask_from_pil(im: PILImage.Image, size: tuple[int, int] | None, field: str, value: object, quality: int) -> str:
    im = _oriented(im)
    _check_pil(im, field, value)
    _check_mask_size(im.size, size, field, value)
    gray = _mask_gray(im)
    return _JPEG_PREFIX + pybase64.b64encode_as_string(_encode_jpeg(gray, quality, None, field, value))


def _mask_gray(im: PILImage.Image) -> PILImage.Image:
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA" if _palette_has_alpha(im) else "RGB")
    elif mode in ("PA", "RGBa"):
        im = im.convert("RGBA")
    elif mode == "La":
        im = im.convert("LA")
    if im.mode in ("RGBA", "LA"):
        alpha = im.getchannel("A")
        if alpha.getextrema() != (255, 255):
            return alpha
        return im.convert("L")
    if im.mode == "L":
        return im
    if im.mode.startswith("I") or im.mode == "F":
        return _gray8(im)
    if im.mode not in ("1", "RGB"):
        im = im.convert("RGB")
    return im.convert("L")


def _check_mask_size(actual: tuple[int, int], expected: tuple[int, int] | None, field: str, value: object) -> None:
    if expected is None:
        return
    if tuple(actual) != tuple(expected):
        raise ImageError(
            field,
            value,
            f"mask is {actual[0]}x{actual[1]} pixels but the image is {expected[0]}x{expected[1]}; "
            "the mask must have the image's size",
        )
