"""Pillow, imported lazily: the one way in, opening only with the sniffed format's plugin."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from .._errors import ImageError
from ._common import _FORMATS, _INSTALL_PILLOW, Buffer

if TYPE_CHECKING:
    from types import ModuleType

    from PIL import Image as PILImage


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
