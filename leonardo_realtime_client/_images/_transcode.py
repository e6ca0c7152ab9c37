"""Transcoding and orientation: any input as JPEG bytes; a JPEG byte-identical, anything else through Pillow."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, cast

import pybase64

from .._errors import ImageError
from ._common import _JPEG_PREFIX, JPEG_QUALITY, Buffer, ImageInput, _check_pixels
from ._exif import TRANSPOSED, orientation
from ._headers import _jpeg_size, _not_an_image, _size, sniff_format
from ._pil import _open, _pillow
from ._reading import _read_input
from ._shrink import covering_size, draft_size, shrunk

if TYPE_CHECKING:
    from PIL import Image as PILImage


def _decode(data: Buffer, fmt: str, field: str, value: object, fit: tuple[int, int] | None = None) -> PILImage.Image:
    """Decode fully, after checking the pixel caps from the header. With ``fit`` (the ``shrink_inputs`` target), a
    JPEG is decoded in draft mode at the smallest scale that still covers it."""
    width, height = _size(data, fmt, field, value)
    _check_pixels(width, height, field, value)
    im = _open(data, fmt, field, value)
    if fit is not None and fmt == "jpeg":
        draft = draft_size((width, height), orientation(data, fmt) in TRANSPOSED, fit)
        if draft is not None:
            im.draft(im.mode, draft)
    try:
        im.load()
    except Exception as exc:
        raise ImageError(field, value, f"cannot decode this {fmt.upper()} image: {exc}") from None
    return im


def _oriented(im: PILImage.Image) -> PILImage.Image:
    """Apply an EXIF orientation (the JPEG written here carries no EXIF, so it would be lost)."""
    try:
        orientation = im.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block is no reason to refuse the picture
        return im
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        from PIL import ImageOps

        return ImageOps.exif_transpose(im)
    return im


def _to_rgb_or_l(im: PILImage.Image) -> tuple[PILImage.Image, bytes | None]:
    """A mode JPEG can hold (``RGB`` or ``L``), transparency composited on white; with the ICC profile to keep."""
    from PIL import Image

    icc: bytes | None = im.info.get("icc_profile") or None
    mode = im.mode
    if mode in ("RGB", "L"):
        return im, icc
    if mode == "1":
        return im.convert("L"), icc
    if mode == "P":
        mode = "RGBA" if _palette_has_alpha(im) else "RGB"
        im = im.convert(mode)
        if mode == "RGB":
            return im, icc
    if mode in ("PA", "RGBa", "RGBX"):
        im = im.convert("RGBA" if mode != "RGBX" else "RGB")
        mode = im.mode
        if mode == "RGB":
            return im, icc
    if mode in ("LA", "La"):
        im = im.convert("LA")
        out = Image.new("L", im.size, 255)
        out.paste(im.getchannel("L"), mask=im.getchannel("A"))
        return out, icc
    if mode == "RGBA":
        out = Image.new("RGB", im.size, (255, 255, 255))
        out.paste(im, mask=im.getchannel("A"))
        return out, icc
    if mode.startswith("I") or mode == "F":
        return _gray8(im), icc
    if mode == "CMYK" and icc:
        converted = _cmyk_to_srgb(im, icc)
        if converted is not None:
            return converted, None
    return im.convert("RGB"), None  # CMYK, YCbCr, LAB, HSV …: the profile (if any) no longer applies


def _cmyk_to_srgb(im: PILImage.Image, icc: bytes) -> PILImage.Image | None:
    """Colour-managed CMYK → sRGB through the image's own profile; ``None`` when that is not possible."""
    try:
        from PIL import ImageCms

        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except Exception:  # no littlecms, or an unusable profile: the caller falls back to the plain conversion
        return None


def _palette_has_alpha(im: PILImage.Image) -> bool:
    return im.info.get("transparency") is not None or (im.palette is not None and im.palette.mode == "RGBA")


def _gray8(im: PILImage.Image) -> PILImage.Image:
    """8-bit grayscale from 16/32-bit integer or float modes, scaling rather than clipping."""
    if im.mode == "F":
        low, high = cast("tuple[float, float]", im.getextrema())
        scale = 255.0 if low >= 0.0 and high <= 1.0 else 1.0  # floats in 0..1 are fractions of white
        return im.point(lambda v: v * scale + 0.5).convert("L")
    im = im.convert("I")
    _, high = cast("tuple[int, int]", im.getextrema())
    if high > 255:  # 16-bit data (Pillow keeps 16-bit grayscale PNG/TIFF as I;16 or I)
        return im.point(lambda v: v / 257 + 0.5).convert("L")
    return im.convert("L")


def _encode_jpeg(im: PILImage.Image, quality: int, icc: bytes | None, field: str, value: object) -> bytes:
    buf = io.BytesIO()
    try:
        if icc is not None:
            im.save(buf, format="JPEG", quality=quality, icc_profile=icc)
        else:
            im.save(buf, format="JPEG", quality=quality)
    except (OSError, ValueError) as exc:
        raise ImageError(field, value, f"cannot encode as JPEG: {exc}") from None
    return buf.getvalue()


def _check_pil(im: PILImage.Image, field: str, value: object) -> None:
    width, height = im.size
    if width <= 0 or height <= 0:
        raise ImageError(field, value, f"image of {width}x{height} pixels has no pixels")
    _check_pixels(width, height, field, value)


def _jpeg_buffer(
    image: ImageInput, field: str, quality: int, fit: tuple[int, int] | None = None
) -> tuple[Buffer, str | None, tuple[int, int]]:
    """JPEG bytes for ``image`` (no copy of a JPEG input), a clean data URL when the input was one and is sent as
    it is, and the input's displayed size. With ``fit``, an input larger than that in both directions is
    shrunk to cover it (``_shrink``) before it is encoded."""
    data, pil_image, url = _read_input(image, field)
    if data is not None:
        fmt = "jpeg" if url is not None else sniff_format(data)  # a data URL's bytes were sniffed when decoded
        if fmt is None:
            raise ImageError(field, image, _not_an_image(data))
        if fmt == "jpeg":
            width, height = _jpeg_size(data, field, image)
            _check_pixels(width, height, field, image)
            turn = orientation(data, fmt)
            shown = (height, width) if turn in TRANSPOSED else (width, height)
            if fit is not None and covering_size(shown, fit) is not None:
                _pillow(field, image, "shrink an input larger than the output (shrink_inputs=True)")
            elif turn == 1:
                return data, url, shown  # the rule: a JPEG goes out byte-identical
            else:  # a phone photo stored turned (EXIF orientation 2-8): sent as displayed, like any other input
                _pillow(field, image, "turn a JPEG with an EXIF orientation upright (inputs are sent as displayed)")
        known = shown if fmt == "jpeg" else None  # a JPEG's draft decodes it smaller than it is shown
        with _decode(data, fmt, field, image, fit) as decoded:
            pil_image = decoded
            return _transcode(pil_image, field, image, quality, fit, known)
    assert pil_image is not None
    _pillow(field, image, "encode PIL images")
    _check_pil(pil_image, field, image)
    return _transcode(pil_image, field, image, quality, fit)


def _transcode(
    im: PILImage.Image,
    field: str,
    value: object,
    quality: int,
    fit: tuple[int, int] | None = None,
    shown: tuple[int, int] | None = None,
) -> tuple[bytes, None, tuple[int, int]]:
    """``(JPEG bytes, None, the displayed size before any shrinking)``; ``shown`` when the header told it."""
    im = _oriented(im)
    _check_pil(im, field, value)
    converted, icc = _to_rgb_or_l(shrunk(im, fit))
    return _encode_jpeg(converted, quality, icc, field, value), None, shown or (int(im.size[0]), int(im.size[1]))


def to_jpeg_bytes(image: ImageInput, *, field: str = "image", quality: int = JPEG_QUALITY) -> bytes:
    """The image as JPEG bytes, as displayed: a JPEG byte-identical (never decoded) unless its EXIF orientation
    turns it (then it is turned upright and re-encoded), any other format transcoded with Pillow.

    ``quality`` applies to transcoded images only (transparency on white, EXIF orientation applied, ICC profile
    kept, first frame of an animation); failures raise
    :class:`~leonardo_realtime_client.ImageError` naming ``field``.

    Returns:
        The JPEG bytes.

    Raises:
        ImageError: ``image`` cannot be read or is no usable image, or it needs Pillow (a format other than
            JPEG) and Pillow is not installed (the ``[pillow]`` extra); the message names ``field``.
    """
    data, _, _ = _jpeg_buffer(image, field, quality)
    return data if isinstance(data, bytes) else bytes(data)


def jpeg_for_request(
    image: ImageInput,
    *,
    field: str = "image",
    quality: int = JPEG_QUALITY,
    size: bool = False,
    fit: tuple[int, int] | None = None,
) -> tuple[bytes, str | None, tuple[int, int] | None]:
    """``(JPEG bytes, the caller's JPEG data URL or None, the input's displayed (width, height) if asked)``: the
    input read and sniffed once.

    For the request body, which base64-encodes the bytes itself; the data URL is set when the input was a JPEG
    data URL (clean ``data:image/jpeg;base64,`` and strict base64) sent as it is, so that it goes out as the
    caller wrote it. ``fit`` is the ``shrink_inputs`` target, the output's ``(width, height)``: an input larger
    in both directions is sent shrunk to cover it (``_shrink``); the size returned is still the input's own.
    """
    data, url, shown = _jpeg_buffer(image, field, quality, fit)
    jpeg = data if isinstance(data, bytes) else bytes(data)  # a caller's bytearray may change between attempts
    return jpeg, url, shown if size else None


def image_data_url(image: ImageInput, *, field: str = "image", quality: int = JPEG_QUALITY) -> str:
    """``data:image/jpeg;base64,…`` for ``image`` as displayed (a JPEG without an EXIF orientation to apply is not
    re-encoded, and a data URL of one comes back as is).

    Returns:
        The data URL of the image as JPEG, as a ``str``.

    Raises:
        ImageError: ``image`` cannot be read or is no usable image, or it needs Pillow (a format other than
            JPEG) and Pillow is not installed (the ``[pillow]`` extra); the message names ``field``.
    """
    data, url, _ = _jpeg_buffer(image, field, quality)
    if url is not None:
        return url
    return _JPEG_PREFIX + pybase64.b64encode_as_string(data)
