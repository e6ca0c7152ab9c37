"""Masks: an inpainting mask as a white-on-black grayscale JPEG data URL, checked against the image's size."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import pybase64

from .._errors import ImageError, ValidationError, Violation
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
    alpha: bool | None = None,
    scale_to: tuple[int, int] | None = None,
) -> str:
    """``data:image/jpeg;base64,…`` of an inpainting mask: white on black, white = the area to generate.

    Grayscale, RGB, CMYK, 1-bit, palette and 16-bit masks become 8-bit grayscale. A mask with an alpha channel
    (RGBA, LA, palette with transparency) holds two candidate masks, its colours (white = generate) and its
    alpha (opaque = generate); with ``alpha=None`` (the default) the one that carries the shape is used:

    * the **alpha** when the colours are uniform (e.g. black or white strokes on a transparent background);
    * the **colours** when the alpha is uniform or nearly so: a channel whose minority side (threshold 128) is
      under 1 % of the pixels carries no shape, so a stray transparent row, a border or alpha 254 everywhere
      cannot flip a white-on-black mask into "generate everything";
    * when both carry a shape, they must agree (on all but 1 % of the pixels; the colours are used), else
      :class:`~leonardo_realtime_client.ImageError`: nothing is guessed. So must two that mark the same few
      pixels (a small black stroke painted opaque on a transparent white background: the colours would
      regenerate all but the stroke, the alpha only the stroke).

    ``alpha=True`` makes the alpha the mask, ``alpha=False`` the colours, whatever they hold. A JPEG mask goes
    out unchanged (turned upright first if its EXIF orientation says so). ``size`` is the image's displayed
    ``(width, height)``; a mask of another size raises :class:`~leonardo_realtime_client.ImageError`.
    ``scale_to``: the size the image is sent at when ``shrink_inputs`` shrank it; the mask, checked against
    ``size`` first, is scaled to it (bilinear) so that the two still match.

    Returns:
        The mask's data URL (JPEG, 8-bit grayscale unless it was a JPEG already), as a ``str``.

    Raises:
        ImageError: The mask cannot be read, is no image, has another size than ``size``, its colours and
            alpha carry shapes that disagree, or it needs Pillow (not a JPEG) and Pillow is not installed.
        ValidationError: ``alpha`` is not ``True``, ``False`` or ``None``.
    """
    if alpha is not None and not isinstance(alpha, bool):  # "yes", 1 …: a truthy value would pick the alpha
        allowed = "True (the alpha is the mask), False (the colours are) or None"
        raise ValidationError([Violation("alpha", alpha, allowed)])
    data, pil_image, url = _read_input(mask, field)
    if data is not None:
        fmt = sniff_format(data)
        if fmt is None:
            raise ImageError(field, mask, _not_an_image(data))
        width, height = _size(data, fmt, field, mask)
        _check_pixels(width, height, field, mask)
        if fmt == "jpeg" and orientation(data, fmt) == 1:
            _check_mask_size((width, height), size, field, mask)
            if scale_to is None or scale_to == (width, height):
                return url or _JPEG_PREFIX + pybase64.b64encode_as_string(data)
            _pillow(field, mask, "scale the mask with the image shrunk to the output (shrink_inputs=True)")
        with _decode(data, fmt, field, mask) as decoded:
            return _mask_from_pil(decoded, size, field, mask, quality, alpha, scale_to)
    assert pil_image is not None
    _pillow(field, mask, "encode PIL images")
    return _mask_from_pil(pil_image, size, field, mask, quality, alpha, scale_to)


def _mask_from_pil(
    im: PILImage.Image,
    size: tuple[int, int] | None,
    field: str,
    value: object,
    quality: int,
    alpha: bool | None,
    scale_to: tuple[int, int] | None = None,
) -> str:
    im = _oriented(im)
    _check_pil(im, field, value)
    _check_mask_size(im.size, size, field, value)
    gray = _mask_gray(im, alpha, field, value)
    if scale_to is not None and gray.size != scale_to:
        from PIL import Image

        gray = gray.resize(scale_to, Image.Resampling.BILINEAR, reducing_gap=3.0)
    return _JPEG_PREFIX + pybase64.b64encode_as_string(_encode_jpeg(gray, quality, None, field, value))


_NO_SHAPE: Final = 0.01
"""A channel whose minority side (threshold 128) is under this fraction of the pixels carries no shape."""


def _mask_gray(im: PILImage.Image, use_alpha: bool | None, field: str, value: object) -> PILImage.Image:
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA" if _palette_has_alpha(im) else "RGB")
    elif mode in ("PA", "RGBa"):
        im = im.convert("RGBA")
    elif mode == "La":
        im = im.convert("LA")
    if im.mode in ("RGBA", "LA"):
        alpha = im.getchannel("A")
        colours = im.getchannel("L") if im.mode == "LA" else im.convert("RGB").convert("L")
        if use_alpha is None:
            use_alpha = _alpha_carries_the_shape(colours, alpha, field, value)
        return alpha if use_alpha else colours
    if use_alpha:
        raise ImageError(field, value, f"alpha=True, but this {im.mode} mask has no alpha channel; leave alpha unset")
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


def _white_share(channel: PILImage.Image) -> float:
    """The fraction of pixels at 128 or above."""
    histogram = channel.histogram()
    return sum(histogram[128:]) / max(1, sum(histogram))


def _alpha_carries_the_shape(colours: PILImage.Image, alpha: PILImage.Image, field: str, value: object) -> bool:
    """The rule of :func:`mask_data_url` for ``alpha=None``: which channel is the mask, or an error if they disagree."""
    from PIL import ImageChops

    white, opaque = _white_share(colours), _white_share(alpha)
    colour_shape = min(white, 1 - white) >= _NO_SHAPE
    alpha_shape = min(opaque, 1 - opaque) >= _NO_SHAPE
    binary = [channel.point(lambda v: 255 if v >= 128 else 0) for channel in (colours, alpha)]
    if not alpha_shape:
        # uniform alpha (255, or 254 everywhere, or a stray transparent row): the colours, unless they are uniform
        # too and only the alpha has anything at all (a tiny shape on one colour) ...
        if not colour_shape and _same_marks_opposite_meaning(binary, white, opaque):
            # ... or both mark the same few pixels with opposite meanings (a small black stroke painted opaque
            # on a transparent *white* background): the colours would regenerate all but the stroke
            raise _disagreement(binary, white, opaque, field, value)
        return not colour_shape and alpha.getextrema()[0] != alpha.getextrema()[1] and _uniform(colours)
    if not colour_shape:
        return True
    if _white_share(ImageChops.difference(*binary)) <= _NO_SHAPE:
        return False  # the same shape: the colours, with their soft edges
    raise _disagreement(binary, white, opaque, field, value)


def _same_marks_opposite_meaning(binary: list[PILImage.Image], white: float, opaque: float) -> bool:
    """Whether the colours' few minority pixels and the alpha's are mostly the same pixels, one channel saying
    "generate" there and the other "keep" (white the majority and opaque the minority, or the reverse)."""
    from PIL import ImageChops, ImageOps

    if (white < 0.5) == (opaque < 0.5):
        return False  # the same meaning: white where opaque
    minorities = [im if share < 0.5 else ImageOps.invert(im) for im, share in zip(binary, (white, opaque), strict=True)]
    both = _white_share(ImageChops.multiply(*minorities))
    larger = max(min(white, 1 - white), min(opaque, 1 - opaque))
    return larger > 0 and both >= larger / 2


def _disagreement(binary: list[PILImage.Image], white: float, opaque: float, field: str, value: object) -> ImageError:
    from PIL import ImageChops

    differ = _white_share(ImageChops.difference(*binary))
    how = " (for inpaint: mask=mask_data_url(mask, alpha=True))" if field == "mask" else ""
    return ImageError(
        field,
        value,
        f"say which channel is the mask: alpha=True (opaque = generate) or alpha=False (white = generate){how}; "
        f"its alpha and colours disagree on {differ:.1%} of the pixels (opaque {opaque:.1%}, white {white:.1%})",
    )


def _uniform(channel: PILImage.Image) -> bool:
    low, high = channel.getextrema()
    return bool(low == high)
