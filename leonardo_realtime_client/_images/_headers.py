"""Sniffing and headers: the format from the magic bytes, the size from the header (no Pillow for common formats)."""

from __future__ import annotations

import re
import struct
from typing import Final

import pybase64

from .._errors import ImageError
from ._common import _FORMATS, _FORMATS_TEXT, _INPUTS_TEXT, Buffer
from ._exif import displayed_size, orientation
from ._pil import _pillow_size

_BMP_HEADER_SIZES: Final = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
_HEIF_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})


def sniff_format(data: Buffer) -> str | None:
    """The image format of encoded ``data`` from its magic bytes, or ``None`` when it is no image known here.

    Returns one of ``"jpeg"``, ``"png"``, ``"webp"``, ``"gif"``, ``"bmp"``, ``"tiff"``, ``"avif"``,
    ``"heif"``, ``"ico"``. Only the first 32 bytes are looked at.

    Returns:
        The format's name, or ``None``; never raises.
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
    size is the one **displayed**: an EXIF orientation that turns the picture by 90° (a portrait phone photo
    stored landscape) swaps width and height, as every viewer does and as the image is sent. Raises
    :class:`~leonardo_realtime_client.ImageError` for bytes that are no image or a header cut short.

    Returns:
        ``(width, height)`` in pixels, as displayed.

    Raises:
        ImageError: The bytes are no image, or the header is cut short.
    """
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageError(field, data, _not_an_image(data))
    return displayed_size(_size(data, fmt, field, data), orientation(data, fmt))


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


def _not_an_image(data: Buffer) -> str:
    head = bytes(data[:16])
    if not head:
        return f"empty data; expected {_INPUTS_TEXT}"
    encoded = base64_image(bytes(data[:128]))
    if encoded is not None:
        mime = _FORMATS[encoded][0]
        return (
            f"these bytes are base64 text of a {encoded.upper()} image, not the image: pass "
            f"pybase64.b64decode(data), or the data URL 'data:{mime};base64,' + data.decode(){_urlsafe_note(data)}"
        )
    hint = _text_hint(bytes(data[:256]).decode("latin-1"), "these bytes")
    if hint:
        return hint
    return f"not an image: {_describe(data)}, which matches no {_FORMATS_TEXT} signature"


# What well-known non-image content starts with: named, never quoted, since the bytes may be read from a file
# the caller did not mean to send (a key file, a private key, /proc/self/environ).
_KNOWN_CONTENT: Final = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx/.odt)"),
    (b"\x1f\x8b", "gzip data"),
    (b"-----BEGIN", "a PEM block (a key or certificate)"),
    (b"\x7fELF", "a program (ELF)"),
    (b"<svg", "SVG, which the API does not take: convert it to PNG or JPEG"),
    (b"<?xml", "XML text"),
    (b"<!doctype html", "an HTML page"),
    (b"<html", "an HTML page"),
)


def _describe(data: Buffer) -> str:
    """What ``data`` holds, in words, without quoting any of it: a known kind of file, text or binary, and its
    length in bytes."""
    head = bytes(data[:512])
    lowered = head.lstrip().lower()
    size = f"{len(data):,} bytes"
    for magic, kind in _KNOWN_CONTENT:
        if lowered.startswith(magic.lower()):
            return f"the {size} are {kind}"
    if lowered[:1] in (b"{", b"["):
        return f"the {size} look like JSON text"
    printable = sum(32 <= byte < 127 or byte in (9, 10, 13) for byte in head)
    if head and printable == len(head):
        return f"the {size} are plain text (not quoted here: it may be a secret)"
    return f"the {size} are neither text nor a known kind of file"


_HEX: Final = re.compile(r"[0-9a-fA-F]{32,}")


def _text_hint(head: str, what: str) -> str:
    """What text that is no image and names no file probably holds, and what to pass instead ("" if unknown):
    a data URL after whitespace or inside other text (a JSON body pasted), hex, or an image's bytes decoded
    as text. ``head`` is the start of the text; ``what`` is "this text" or "these bytes"."""
    as_bytes = what == "these bytes"
    are, holds, starts = ("are", "hold", "start") if as_bytes else ("is", "holds", "starts")
    start = head.lower().find("data:image/")
    if start == 0 and as_bytes:
        return f"{what} are a data URL as text, not the image: pass data.decode()"
    if start > 0 and not head[:start].strip():
        text = "data.decode().strip()" if as_bytes else "text.strip()"
        return f"{what} {starts} with {start} whitespace characters before a data URL: pass {text}"
    if start > 0:
        # The caller's own text may be quoted; bytes may come from a file and are never quoted.
        shown = "" if as_bytes else f" ({head[: min(start, 24)]!r}…)"
        return f"{what} {holds} a data URL after {start} other characters{shown}: pass the data URL alone"
    if _HEX.fullmatch(head[:64]):
        fmt = sniff_format(bytes.fromhex(head[:64]))
        if fmt is not None:
            pass_as = "bytes.fromhex(data.decode())" if as_bytes else "bytes.fromhex(text)"
            return f"{what} {are} hex text of a {fmt.upper()} image, not the image: pass {pass_as}"
    if not as_bytes:
        fmt = sniff_format(head[:32].encode("latin-1", "replace"))
        if fmt is not None:
            return (
                f"this str holds the bytes of a {fmt.upper()} image decoded as text: pass the bytes (open the "
                "file with mode 'rb', or pass its path)"
            )
    return ""


_NOT_BASE64: Final = re.compile(rb"[^A-Za-z0-9+/\-_=]")
_URLSAFE: Final = bytes.maketrans(b"-_", b"+/")


def base64_image(head: bytes) -> str | None:
    """The format of the image whose base64 text ``head`` starts (standard or URL-safe alphabet, line breaks
    allowed), or ``None``. Only the first 128 bytes are looked at: enough to sniff, cheap on 20 MiB."""
    chunk = re.sub(rb"\s+", b"", head[:128])
    chunk = chunk[: len(chunk) // 4 * 4]
    if len(chunk) < 16 or _NOT_BASE64.search(chunk):
        return None
    try:
        decoded = pybase64.b64decode(chunk.translate(_URLSAFE), validate=True)
    except ValueError:
        return None
    return sniff_format(decoded)


def _urlsafe_note(text: Buffer | str) -> str:
    head = bytes(text[:128], "ascii", "replace") if isinstance(text, str) else bytes(text[:128])
    return " (URL-safe base64: turn '-' and '_' into '+' and '/' first)" if re.search(rb"[-_]", head) else ""
