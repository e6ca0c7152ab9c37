"""EXIF orientation read from the bytes, without Pillow: how a viewer turns the stored picture to show it.

One reason to change: where formats keep their orientation. A phone stores a portrait photo as a landscape
sensor image plus ``Orientation`` (EXIF tag 0x0112, values 1-8); every viewer shows it turned. The client
treats every input *as displayed*, so it needs the orientation of JPEG (APP1 ``Exif``), PNG (``eXIf`` chunk)
and WebP (``EXIF`` chunk) before deciding whether a JPEG can go out as it is and which size it shows. (TIFF,
AVIF and HEIF are sized and decoded by Pillow, which applies their orientation itself.)
Anything unreadable counts as 1 (no turn), as Pillow and browsers treat a broken EXIF block.
"""

from __future__ import annotations

import struct
from typing import Final

from ._common import Buffer

__all__ = ["TRANSPOSED", "displayed_size", "orientation"]

ORIENTATION_TAG: Final = 0x0112
TRANSPOSED: Final = frozenset({5, 6, 7, 8})
"""Orientations that turn the picture by 90°: the displayed width is the stored height."""
_EXIF_HEADER: Final = b"Exif\x00\x00"


def orientation(data: Buffer, fmt: str) -> int:
    """The EXIF orientation (1-8) of encoded ``data`` of format ``fmt``; 1 when there is none or it is unreadable."""
    try:
        if fmt == "jpeg":
            return _tiff_orientation(_jpeg_exif(data))
        if fmt == "png":
            return _tiff_orientation(_png_exif(data))
        if fmt == "webp":
            return _tiff_orientation(_webp_exif(data))
    except (struct.error, IndexError, ValueError):
        pass
    return 1


def displayed_size(size: tuple[int, int], turn: int) -> tuple[int, int]:
    """``(width, height)`` as shown: swapped for the orientations that turn by 90°."""
    return (size[1], size[0]) if turn in TRANSPOSED else size


def _tiff_orientation(tiff: bytes | None) -> int:
    """Tag 0x0112 of the first IFD of a TIFF structure (the body of every EXIF block)."""
    if not tiff or len(tiff) < 8:
        return 1
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or struct.unpack_from(order + "H", tiff, 2)[0] != 42:
        return 1
    (ifd,) = struct.unpack_from(order + "I", tiff, 4)
    (count,) = struct.unpack_from(order + "H", tiff, ifd)
    for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
        tag, kind = struct.unpack_from(order + "HH", tiff, entry)
        if tag != ORIENTATION_TAG:
            continue
        if kind == 3:  # SHORT
            (value,) = struct.unpack_from(order + "H", tiff, entry + 8)
        elif kind == 4:  # LONG (seen in the wild)
            (value,) = struct.unpack_from(order + "I", tiff, entry + 8)
        else:
            return 1
        return int(value) if 1 <= value <= 8 else 1
    return 1


def _jpeg_exif(data: Buffer) -> bytes | None:
    """The TIFF body of the first APP1 ``Exif`` segment before the image data."""
    pos, end = 2, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no EXIF before the pixels
            return None
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length follows
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2:
            return None
        if marker == 0xE1 and bytes(data[pos + 4 : pos + 10]) == _EXIF_HEADER:
            return bytes(data[pos + 10 : pos + 2 + length])
        pos += 2 + length
    return None


def _png_exif(data: Buffer) -> bytes | None:
    """The ``eXIf`` chunk of a PNG (chunks are walked by their lengths; nothing is decompressed)."""
    pos, end = 8, len(data)
    while pos + 8 <= end:
        (length,) = struct.unpack_from(">I", data, pos)
        kind = bytes(data[pos + 4 : pos + 8])
        if kind == b"eXIf":
            body = bytes(data[pos + 8 : pos + 8 + length])
            return body[6:] if body.startswith(_EXIF_HEADER) else body
        if kind == b"IEND":
            return None
        pos += 12 + length
    return None


def _webp_exif(data: Buffer) -> bytes | None:
    """The ``EXIF`` chunk of an extended (VP8X) WebP."""
    pos, end = 12, len(data)
    while pos + 8 <= end:
        kind = bytes(data[pos : pos + 4])
        (length,) = struct.unpack_from("<I", data, pos + 4)
        if kind == b"EXIF":
            body = bytes(data[pos + 8 : pos + 8 + length])
            return body[6:] if body.startswith(_EXIF_HEADER) else body
        pos += 8 + length + (length & 1)
    return None
