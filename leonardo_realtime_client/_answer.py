"""Bounded, checked answers: the images a server returns are checked when the answer is read.

One reason to change: what the client accepts back. A returned image is checked from its header only (nothing is
decoded, no Pillow): its size against :data:`MAX_IMAGE_PIXELS` (a JPEG claiming 60000x60000 is a decompression
bomb that ``to_pil()`` would refuse) and that its stream is complete (a JPEG ends with its EOI marker, a PNG with
its ``IEND`` chunk, a WebP fills the length its RIFF header gives, a GIF ends with its trailer). A failure is an
:class:`ImageError` here, which the response parser reports as :class:`APIResponseError` naming the field.
"""

from __future__ import annotations

import struct
from typing import Final

from ._errors import ImageError
from ._images import MAX_IMAGE_PIXELS, image_size

__all__ = ["check_returned_image"]

_PNG_END: Final = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_TRAILING_PADDING: Final = b"\x00\r\n\t "


def _complete(data: bytes, fmt: str) -> str | None:
    """Why the stream of an image in format ``fmt`` is cut short, or ``None`` when it is complete."""
    if fmt == "jpeg":
        if not data.rstrip(_TRAILING_PADDING).endswith(b"\xff\xd9"):
            return "truncated JPEG: the data does not end with the end-of-image marker (FF D9)"
    elif fmt == "png":
        if not data.endswith(_PNG_END):
            return "truncated PNG: the data does not end with the IEND chunk"
    elif fmt == "webp":
        (riff,) = struct.unpack_from("<I", data, 4)
        if riff + 8 > len(data):
            return f"truncated WebP: its header gives {riff + 8:,} bytes, the data has {len(data):,}"
    elif fmt == "gif" and not data.rstrip(_TRAILING_PADDING).endswith(b";"):
        return "truncated GIF: the data does not end with the trailer (3B)"
    return None


def check_returned_image(data: bytes, fmt: str, *, field: str) -> tuple[int, int] | None:
    """Check one returned image; its ``(width, height)`` when the header gives it without Pillow.

    Raises :class:`ImageError` (naming ``field``) for a header that cannot be read, a size above
    :data:`MAX_IMAGE_PIXELS`, or a stream cut short.
    """
    size: tuple[int, int] | None = None
    if fmt in ("jpeg", "png", "webp", "gif", "bmp"):
        size = image_size(data, field=field)
        width, height = size
        if width * height > MAX_IMAGE_PIXELS:
            raise ImageError(
                field,
                data,
                f"the header claims {width}x{height} = {width * height:,} pixels, more than MAX_IMAGE_PIXELS = "
                f"{MAX_IMAGE_PIXELS:,}: refused unopened (a decompression bomb, or a corrupt header)",
            )
    problem = _complete(data, fmt)
    if problem is not None:
        raise ImageError(field, data, problem)
    return size
