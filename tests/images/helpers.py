"""Images made in code for the image tests (no binary fixtures)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image


def encode(im: Image.Image, fmt: str, **params: Any) -> bytes:
    """``im`` encoded in Pillow format ``fmt``."""
    buf = io.BytesIO()
    im.save(buf, format=fmt, **params)
    return buf.getvalue()


def jpeg(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 40, 90), **params: Any) -> bytes:
    return encode(Image.new("RGB", size, color), "JPEG", **params)


def png(size: tuple[int, int] = (64, 48), mode: str = "RGB", color: Any = (10, 120, 250)) -> bytes:
    return encode(Image.new(mode, size, color), "PNG")


def halves(mode: str, size: tuple[int, int], left: Any, right: Any) -> Image.Image:
    """An image whose left half is ``left`` and right half ``right``."""
    im = Image.new(mode, size, left)
    im.paste(Image.new(mode, (size[0] - size[0] // 2, size[1]), right), (size[0] // 2, 0))
    return im


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def pixel(im: Image.Image, xy: tuple[int, int]) -> Any:
    return im.getpixel(xy)


def close(a: Any, b: Any, tolerance: int = 6) -> bool:
    """Pixel values equal within a JPEG's error."""
    if isinstance(a, int | float):
        return bool(abs(a - b) <= tolerance)
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))
