"""Images in: turn what a caller has into the ``data:image/jpeg;base64,…`` strings the API takes.

Accepted inputs (:data:`ImageInput`): ``bytes``/``bytearray``/``memoryview`` holding an encoded image, a
``str`` or :class:`os.PathLike` naming a file, a binary file object (read from its current position), a
``PIL.Image.Image`` (when Pillow is installed) and an existing data URL (a ``str`` starting with ``data:``).

Rules, in the order they are applied:

* **Caps first.** More than :data:`MAX_IMAGE_BYTES` of encoded data, more than :data:`MAX_IMAGE_PIXELS`
  pixels or a side beyond :data:`MAX_IMAGE_SIDE` is refused before anything is decoded or encoded. Pixel
  counts of JPEG, PNG, GIF, BMP and WebP come from the file header, read here without Pillow.
* **The bytes decide, not the label.** The format is sniffed from the magic bytes (:func:`sniff_format`). A
  data URL whose declared type disagrees with its bytes, bad base64 or bytes that are no image raise
  :class:`~leonardo_realtime_client.ImageError`; a payload whose label lies is never sent.
* **A JPEG goes out as it is**: byte-identical, never decoded or re-encoded, Pillow is not even imported
  (its header is checked here). A data URL that is already ``data:image/jpeg;base64,<valid JPEG>`` is
  returned as the very same string.
* **Everything else is transcoded to JPEG with Pillow** (imported lazily, only opened with the sniffed
  format's plugin). Transparency is composited on **white** (what a viewer shows for a transparent
  picture); palette, 1-bit, 16-bit, CMYK (through its ICC profile when it has one) and other modes are
  converted to RGB or grayscale; an EXIF orientation is applied, because the new JPEG carries no EXIF; an
  ICC profile is kept; animated images give their first frame. Quality :data:`JPEG_QUALITY`.
* **Masks** (:func:`mask_data_url`) are white on black, white = the area to generate. Grayscale, RGB, 1-bit
  and palette masks are converted to grayscale; for RGBA/LA masks the **alpha channel is the mask**
  (opaque = generate) unless it is fully opaque, in which case the colours are used. The result is a
  grayscale JPEG (the API's documented prefix is ``data:image/jpeg``); a JPEG mask goes out unchanged. A
  ``size`` argument (the image's width and height) is checked against the mask's.

Every failure raises :class:`~leonardo_realtime_client.ImageError` naming the field, the value given (whole
on ``.violations[0].value``, shortened in the message) and what is allowed.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import sys
from math import ceil
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, TypeAlias, Union, cast

import pybase64

from ._errors import ImageError

if TYPE_CHECKING:
    from types import ModuleType

    from PIL import Image as PILImage

__all__ = [
    "JPEG_QUALITY",
    "MASK_JPEG_QUALITY",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_IMAGE_SIDE",
    "ImageInput",
    "decode_data_url",
    "encode_data_url",
    "image_data_url",
    "image_size",
    "mask_data_url",
    "sniff_format",
    "to_jpeg_bytes",
]

ImageInput: TypeAlias = Union[  # strings: PIL is imported only for type checking
    bytes, bytearray, memoryview, str, "os.PathLike[str]", BinaryIO, "PILImage.Image"
]
"""Anything the image helpers accept; a ``str`` starting with ``data:`` is a data URL, any other ``str`` a path."""

MAX_IMAGE_BYTES: Final = 20 * 1024 * 1024
"""Largest encoded image accepted (20 MiB), whether given as bytes, file, file object or data URL."""
MAX_IMAGE_PIXELS: Final = 4096 * 4096
"""Most pixels accepted (16,777,216 = 4096x4096), checked from the header before decoding."""
MAX_IMAGE_SIDE: Final = 65500
"""Longest side accepted: the most a JPEG can hold (libjpeg's limit)."""
JPEG_QUALITY: Final = 90
"""Quality of the JPEGs this module writes from other formats."""
MASK_JPEG_QUALITY: Final = 95
"""Quality of transcoded masks: higher, so that edges ring less."""

_JPEG_PREFIX: Final = "data:image/jpeg;base64,"
_MAX_B64_CHARS: Final = 4 * ceil(MAX_IMAGE_BYTES / 3)
_INSTALL_PILLOW: Final = "pip install 'leonardo-realtime-client[pillow]'"
_FORMATS_TEXT: Final = "JPEG, PNG, WebP, GIF, BMP, TIFF, AVIF, HEIF or ICO"
_INPUTS_TEXT: Final = (
    f"an encoded {_FORMATS_TEXT} image as bytes, a path to such a file, a binary file object, "
    "a PIL.Image.Image or a 'data:image/…;base64,' URL"
)

# format → (canonical MIME type, Pillow plugin name)
_FORMATS: Final[dict[str, tuple[str, str]]] = {
    "jpeg": ("image/jpeg", "JPEG"),
    "png": ("image/png", "PNG"),
    "webp": ("image/webp", "WEBP"),
    "gif": ("image/gif", "GIF"),
    "bmp": ("image/bmp", "BMP"),
    "tiff": ("image/tiff", "TIFF"),
    "avif": ("image/avif", "AVIF"),
    "heif": ("image/heif", "HEIF"),
    "ico": ("image/x-icon", "ICO"),
}
_MIME_TO_FORMAT: Final[dict[str, str]] = {
    **{mime: fmt for fmt, (mime, _) in _FORMATS.items()},
    "image/jpg": "jpeg",
    "image/pjpeg": "jpeg",
    "image/apng": "png",
    "image/x-png": "png",
    "image/x-bmp": "bmp",
    "image/x-ms-bmp": "bmp",
    "image/tif": "tiff",
    "image/heic": "heif",
    "image/heic-sequence": "heif",
    "image/heif-sequence": "heif",
    "image/avif-sequence": "avif",
    "image/vnd.microsoft.icon": "ico",
}
_ALLOWED_MIMES_TEXT: Final = ", ".join(mime for mime, _ in _FORMATS.values()) + " (or an alias such as image/jpg)"
_BMP_HEADER_SIZES: Final = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
_HEIF_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_WHITESPACE: Final = re.compile(r"[ \t\r\n\f\v]+")
_BASE64ISH: Final = re.compile(r"[A-Za-z0-9+/=\s]{64,}")

Buffer: TypeAlias = bytes | bytearray | memoryview


# ---------------------------------------------------------------------------------------------------------------------
# Sniffing and headers (no Pillow)


def sniff_format(data: Buffer) -> str | None:
    """The image format of encoded ``data`` from its magic bytes, or ``None`` when it is no image known here.

    Returns one of ``"jpeg"``, ``"png"``, ``"webp"``, ``"gif"``, ``"bmp"``, ``"tiff"``, ``"avif"``,
    ``"heif"``, ``"ico"``. Only the first 32 bytes are looked at.
    """
    head = bytes(data[:32])
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:2] == b"BM" and len(head) >= 18 and struct.unpack_from("<I", head, 14)[0] in _BMP_HEADER_SIZES:
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AVIF_BRANDS:
            return "avif"
        if brand in _HEIF_BRANDS:
            return "heif"
    if head[:4] == b"\x00\x00\x01\x00" and len(head) >= 6 and head[4:6] != b"\x00\x00":
        return "ico"
    return None


def image_size(data: Buffer, *, field: str = "image") -> tuple[int, int]:
    """``(width, height)`` of an encoded image, read from its header only (nothing is decoded).

    JPEG, PNG, GIF, BMP and WebP headers are parsed here; other formats are opened lazily with Pillow. The
    size is the stored one: an EXIF orientation is not applied. Raises
    :class:`~leonardo_realtime_client.ImageError` for bytes that are no image or a header cut short.
    """
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageError(field, data, _not_an_image(data))
    return _size(data, fmt, field, data)


def _size(data: Buffer, fmt: str, field: str, value: object) -> tuple[int, int]:
    """The size from the header; errors name ``value``, the input as the caller gave it."""
    size = _header_size(data, fmt, field, value)
    if size is None:
        size = _pillow_size(data, fmt, field, value)
    return size


def _header_size(data: Buffer, fmt: str, field: str, value: object) -> tuple[int, int] | None:
    """The size from the header for the formats parsed here, ``None`` for the others."""
    try:
        if fmt == "jpeg":
            return _jpeg_size(data, field, value)
        if fmt == "png":
            if bytes(data[12:16]) != b"IHDR":
                raise ImageError(field, value, "corrupt PNG: the IHDR header does not follow the signature")
            width, height = struct.unpack_from(">II", data, 16)
        elif fmt == "gif":
            width, height = struct.unpack_from("<HH", data, 6)
        elif fmt == "bmp":
            if struct.unpack_from("<I", data, 14)[0] == 12:
                width, height = struct.unpack_from("<HH", data, 18)
            else:
                width, height = struct.unpack_from("<ii", data, 18)
                height = abs(height)  # negative: rows stored top-down
        elif fmt == "webp":
            width, height = _webp_size(data, field, value)
        else:
            return None
    except struct.error:
        raise ImageError(field, value, f"truncated {fmt.upper()}: the header is cut short") from None
    if width <= 0 or height <= 0:
        raise ImageError(field, value, f"corrupt {fmt.upper()}: the header gives a size of {width}x{height} pixels")
    return width, height


_SOF_MARKERS: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # frame headers (not DHT, JPG, DAC)
_STANDALONE_MARKERS: Final = frozenset({0x01, *range(0xD0, 0xD9)})  # TEM, RSTn, SOI: no length follows


def _jpeg_size(data: Buffer, field: str, value: object) -> tuple[int, int]:
    """Walk the JPEG marker segments up to the first frame header (SOFn) and read its size."""
    end = len(data)
    pos = 2
    while pos < end:
        if data[pos] != 0xFF:
            raise ImageError(field, value, f"corrupt JPEG: expected a marker at byte {pos}")
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            break
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE_MARKERS:
            continue
        if marker in (0xD9, 0xDA):  # EOI or start of scan before any frame header
            break
        if pos + 2 > end:
            break
        (length,) = struct.unpack_from(">H", data, pos)
        if marker in _SOF_MARKERS:
            if pos + 7 > end:
                break
            height, width = struct.unpack_from(">HH", data, pos + 3)
            if height == 0 or width == 0:
                raise ImageError(field, value, f"unsupported JPEG: its frame header gives a size of {width}x{height}")
            return width, height
        if length < 2:
            raise ImageError(field, value, f"corrupt JPEG: segment length {length} at byte {pos}")
        pos += length
    raise ImageError(field, value, "truncated or corrupt JPEG: no frame header (SOF) before the image data")


def _webp_size(data: Buffer, field: str, value: object) -> tuple[int, int]:
    chunk = bytes(data[12:16])
    if chunk == b"VP8 ":
        if bytes(data[23:26]) != b"\x9d\x01\x2a":
            raise ImageError(field, value, "corrupt WebP: bad VP8 start code")
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        if data[20] != 0x2F:
            raise ImageError(field, value, "corrupt WebP: bad VP8L signature")
        (bits,) = struct.unpack_from("<I", data, 21)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        raw = bytes(data[24:30])
        if len(raw) < 6:
            raise struct.error
        return int.from_bytes(raw[:3], "little") + 1, int.from_bytes(raw[3:], "little") + 1
    raise ImageError(field, value, f"corrupt WebP: unknown first chunk {chunk!r}")


def _check_pixels(width: int, height: int, field: str, value: object) -> None:
    if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
        raise ImageError(
            field,
            value,
            f"image of {width}x{height} = {width * height:,} pixels is too large: at most "
            f"MAX_IMAGE_PIXELS = {MAX_IMAGE_PIXELS:,} pixels (e.g. 4096x4096) and {MAX_IMAGE_SIDE} pixels a side",
        )


def _check_bytes(length: int, field: str, value: object) -> None:
    if length > MAX_IMAGE_BYTES:
        raise ImageError(
            field,
            value,
            f"{length:,} bytes of image data is too large: "
            f"at most MAX_IMAGE_BYTES = {MAX_IMAGE_BYTES:,} bytes (20 MiB)",
        )


def _not_an_image(data: Buffer) -> str:
    head = bytes(data[:16])
    if not head:
        return f"empty data; expected {_INPUTS_TEXT}"
    return f"not an image: the bytes start with {head!r}, which matches no {_FORMATS_TEXT} signature"


# ---------------------------------------------------------------------------------------------------------------------
# Data URLs


def encode_data_url(data: Buffer, mime: str = "image/jpeg", *, field: str = "image") -> str:
    """``data:<mime>;base64,<data>`` for already-encoded image bytes (base64 by pybase64; nothing re-encoded).

    The label must tell the truth: ``mime`` must be an image type known here and agree with the format
    sniffed from ``data``, else :class:`~leonardo_realtime_client.ImageError`.
    """
    mime = mime.strip().lower()
    declared = _MIME_TO_FORMAT.get(mime)
    if declared is None:
        raise ImageError(field, mime, f"unknown image MIME type; allowed: {_ALLOWED_MIMES_TEXT}")
    actual = sniff_format(data)
    if actual is None:
        raise ImageError(field, data, _not_an_image(data))
    if actual != declared:
        raise ImageError(field, data, f"the bytes are {actual.upper()}, not {mime}; use {_FORMATS[actual][0]!r}")
    _check_bytes(len(data), field, data)
    return f"data:{mime};base64,{pybase64.b64encode_as_string(data)}"


def decode_data_url(url: str, *, field: str = "imageDataUrl") -> tuple[str, bytes]:
    """``(mime, data)`` from a ``data:image/…;base64,…`` URL, after checking it tells the truth.

    The base64 is decoded strictly (pybase64, ``validate=True``; line breaks are tolerated). Raises
    :class:`~leonardo_realtime_client.ImageError` for a URL that is not base64, bad base64, bytes that are
    no image, a declared type that disagrees with the bytes, or more than :data:`MAX_IMAGE_BYTES`. The
    returned ``mime`` is the canonical one of the sniffed format (``image/jpeg`` for ``image/jpg``).
    """
    mime, data, _ = _decode_data_url(url, field)
    return mime, data


def _decode_data_url(url: str, field: str) -> tuple[str, bytes, str]:
    """``(canonical mime, data, strict base64 payload)``; the payload is a slice of ``url`` when it was clean."""
    if not isinstance(url, str) or url[:5].lower() != "data:":
        raise ImageError(field, url, "not a data URL; expected 'data:image/jpeg;base64,…'")
    comma = url.find(",", 0, 256)
    if comma < 0:
        raise ImageError(
            field, url, "malformed data URL: no ',' after the media type; expected 'data:image/…;base64,…'"
        )
    params = [p.strip().lower() for p in url[5:comma].split(";")]
    if params[-1] != "base64":
        raise ImageError(field, url, "data URL is not base64-encoded; expected 'data:image/…;base64,…'")
    mime = params[0] if len(params) > 1 else ""
    declared = _MIME_TO_FORMAT.get(mime)
    if declared is None:
        raise ImageError(
            field,
            url,
            f"data URL declares {repr(mime) if mime else 'no media type'}; allowed image types: {_ALLOWED_MIMES_TEXT}",
        )
    payload = url[comma + 1 :]
    if len(payload) > 2 * _MAX_B64_CHARS:  # absurd even with line breaks: refuse before any work
        _check_bytes(len(payload) * 3 // 4, field, url)
    try:
        data = pybase64.b64decode(payload, validate=True)
    except ValueError:
        payload = _WHITESPACE.sub("", payload)
        if len(payload) > _MAX_B64_CHARS:
            _check_bytes(len(payload) * 3 // 4, field, url)
        try:
            data = pybase64.b64decode(payload, validate=True)
        except ValueError as exc:
            raise ImageError(field, url, f"invalid base64 in data URL ({exc}); expected standard base64") from None
    _check_bytes(len(data), field, url)
    actual = sniff_format(data)
    if actual is None:
        raise ImageError(field, url, f"data URL labelled {mime!r}: {_not_an_image(data)}")
    if actual != declared:
        raise ImageError(
            field, url, f"data URL is labelled {mime!r} but holds {actual.upper()} bytes; the label must match the data"
        )
    return _FORMATS[actual][0], data, payload


# ---------------------------------------------------------------------------------------------------------------------
# Reading inputs


def _read_input(image: ImageInput, field: str) -> tuple[Buffer | None, PILImage.Image | None, str | None]:
    """``(encoded bytes, PIL image, clean JPEG data URL)`` - exactly one of the first two is set.

    The data URL is set only when the input was a data URL holding a JPEG, so that it can go out unchanged.
    """
    if isinstance(image, bytes | bytearray):
        _check_bytes(len(image), field, image)
        return image, None, None
    if isinstance(image, memoryview):
        if not image.c_contiguous:
            image = memoryview(image.tobytes())
        flat = image.cast("B") if image.format != "B" or image.ndim != 1 else image
        _check_bytes(flat.nbytes, field, image)
        return flat, None, None
    if isinstance(image, str) and image[:5].lower() == "data:":
        mime, data, payload = _decode_data_url(image, field)
        if mime != "image/jpeg":
            return data, None, None
        url = image if len(payload) + len(_JPEG_PREFIX) == len(image) and image.startswith(_JPEG_PREFIX) else None
        return data, None, url or _JPEG_PREFIX + payload
    if isinstance(image, str | os.PathLike):
        return _read_path(image, field), None, None
    pil = sys.modules.get("PIL.Image")
    if pil is not None and isinstance(image, pil.Image):
        return None, image, None
    if callable(getattr(image, "read", None)):
        return _read_file_object(image, field), None, None
    raise ImageError(field, image, f"unsupported type {type(image).__name__}; expected {_INPUTS_TEXT}")


def _read_path(path: str | os.PathLike[str], field: str) -> bytes:
    text = os.fsdecode(path)  # a PathLike[bytes] works too
    hint = ""
    if text.lower().startswith(("http://", "https://")):
        hint = " (URLs are not fetched: download the image and pass its bytes or path)"
    elif len(text) >= 100 and _BASE64ISH.fullmatch(text[:4096]):
        hint = " (if this is base64, pass it as a data URL: 'data:image/jpeg;base64,' + text)"
    file = Path(text)
    try:
        if not file.is_file():
            problem = "not a regular file" if file.exists() else "no such file"
            raise ImageError(field, path, f"{problem}{hint}; expected {_INPUTS_TEXT}")
        size = file.stat().st_size
        _check_bytes(size, field, path)
        with file.open("rb") as fh:
            # Read what stat() promised (+1 to see growth), not the cap: read(n) reserves n bytes up front.
            data = fh.read(size + 1)
            if len(data) > size:  # the file grew after stat(): read on, still bounded by the cap
                data += fh.read(MAX_IMAGE_BYTES + 1 - len(data))
    except ImageError:
        raise
    except (OSError, ValueError) as exc:  # permissions, name too long, embedded NUL …
        raise ImageError(field, path, f"cannot read the file: {exc.__class__.__name__}: {exc}{hint}") from None
    _check_bytes(len(data), field, path)  # the file grew after stat()
    return data


_READ_CHUNK: Final = 1 << 20


def _remaining(fileobj: Any) -> int | None:
    """Bytes left in a seekable regular file or BytesIO, or ``None`` when that cannot be known cheaply."""
    try:
        if isinstance(fileobj, io.BytesIO):
            return fileobj.getbuffer().nbytes - fileobj.tell()
        info = os.fstat(fileobj.fileno())
        return info.st_size - fileobj.tell() if stat.S_ISREG(info.st_mode) else None
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def _read_bounded(fileobj: Any) -> Any:
    """Read to EOF, but never more than the cap + 1 bytes, and never reserve the cap up front
    (``read(n)`` allocates ``n`` bytes before reading)."""
    hint = _remaining(fileobj)
    first = fileobj.read(min(MAX_IMAGE_BYTES, hint) + 1 if hint is not None else _READ_CHUNK)
    if not isinstance(first, bytes | bytearray) or (hint is not None and len(first) <= hint) or not first:
        return first  # all of it (or something read() should not return: reported by the caller)
    chunks = [first]
    total = len(first)
    while total <= MAX_IMAGE_BYTES:
        chunk = fileobj.read(min(_READ_CHUNK, MAX_IMAGE_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _read_file_object(fileobj: Any, field: str) -> Buffer:
    try:
        data = _read_bounded(fileobj)
    except (OSError, ValueError) as exc:
        raise ImageError(field, fileobj, f"cannot read the file object: {exc.__class__.__name__}: {exc}") from None
    if isinstance(data, str):
        raise ImageError(field, fileobj, "file object is in text mode; open the image with mode 'rb'")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageError(field, fileobj, f"file object's read() returned {type(data).__name__}, expected bytes")
    _check_bytes(len(data), field, fileobj)
    return data


# ---------------------------------------------------------------------------------------------------------------------
# Pillow (lazy)


def _pillow(field: str, value: object, why: str) -> ModuleType:
    try:
        from PIL import Image
    except ImportError:
        raise ImageError(field, value, f"Pillow is needed to {why}: {_INSTALL_PILLOW}") from None
    return Image


def _pillow_size(data: Buffer, fmt: str, field: str, value: object) -> tuple[int, int]:
    with _open(data, fmt, field, value) as im:
        width, height = im.size
        return int(width), int(height)


def _open(data: Buffer, fmt: str, field: str, value: object) -> PILImage.Image:
    """Open lazily with the plugin of the sniffed format only (no surprise plugins such as EPS/Ghostscript)."""
    Image = _pillow(field, value, f"read {fmt.upper()} images")
    try:
        return Image.open(io.BytesIO(data), formats=[_FORMATS[fmt][1]])  # type: ignore[no-any-return]
    except Image.DecompressionBombError as exc:
        raise ImageError(field, value, f"refused as a decompression bomb: {exc}") from None
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error … for bad files
        hint = " (AVIF/HEIF need a Pillow built with that codec, or pillow-heif)" if fmt in ("avif", "heif") else ""
        raise ImageError(field, value, f"cannot read this {fmt.upper()} image: {exc}{hint}") from None


def _decode(data: Buffer, fmt: str, field: str, value: object) -> PILImage.Image:
    """Decode fully, after checking the pixel caps from the header."""
    width, height = _size(data, fmt, field, value)
    _check_pixels(width, height, field, value)
    im = _open(data, fmt, field, value)
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


# ---------------------------------------------------------------------------------------------------------------------
# Images


def _jpeg_buffer(image: ImageInput, field: str, quality: int) -> tuple[Buffer, str | None]:
    """JPEG bytes for ``image`` (no copy of a JPEG input), plus a clean data URL when the input was one."""
    data, pil_image, url = _read_input(image, field)
    if data is not None:
        fmt = sniff_format(data)
        if fmt is None:
            raise ImageError(field, image, _not_an_image(data))
        if fmt == "jpeg":
            width, height = _jpeg_size(data, field, image)
            _check_pixels(width, height, field, image)
            return data, url
        with _decode(data, fmt, field, image) as decoded:
            pil_image = decoded
            return _transcode(pil_image, field, image, quality), None
    assert pil_image is not None
    _pillow(field, image, "encode PIL images")
    _check_pil(pil_image, field, image)
    return _transcode(pil_image, field, image, quality), None


def _transcode(im: PILImage.Image, field: str, value: object, quality: int) -> bytes:
    im = _oriented(im)
    _check_pil(im, field, value)
    converted, icc = _to_rgb_or_l(im)
    return _encode_jpeg(converted, quality, icc, field, value)


def to_jpeg_bytes(image: ImageInput, *, field: str = "image", quality: int = JPEG_QUALITY) -> bytes:
    """The image as JPEG bytes: a JPEG byte-identical (never decoded), any other format transcoded with Pillow.

    ``quality`` applies to transcoded images only. See the module docstring for the rules; failures raise
    :class:`~leonardo_realtime_client.ImageError` naming ``field``.
    """
    data, _ = _jpeg_buffer(image, field, quality)
    return data if isinstance(data, bytes) else bytes(data)


def image_data_url(image: ImageInput, *, field: str = "image", quality: int = JPEG_QUALITY) -> str:
    """``data:image/jpeg;base64,…`` for ``image`` (a JPEG is not re-encoded; a JPEG data URL comes back as is)."""
    data, url = _jpeg_buffer(image, field, quality)
    if url is not None:
        return url
    return _JPEG_PREFIX + pybase64.b64encode_as_string(data)


# ---------------------------------------------------------------------------------------------------------------------
# Masks


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
        if fmt == "jpeg":
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
