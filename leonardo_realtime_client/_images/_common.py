"""The limits, the format table and the size checks every part of image handling shares."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, BinaryIO, Final, TypeAlias, Union

from .._errors import ImageError

if TYPE_CHECKING:
    from PIL import Image as PILImage

    _PILImage: TypeAlias = PILImage.Image
else:  # Pillow (an extra) is imported when a signature is resolved (typing.get_type_hints), not before
    from .._lazy import on_resolve

    _PILImage = on_resolve("PIL.Image", "Image")

ImageInput: TypeAlias = Union[bytes, bytearray, memoryview, str, os.PathLike[str], BinaryIO, _PILImage]  # noqa: UP007
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

Buffer: TypeAlias = bytes | bytearray | memoryview


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
