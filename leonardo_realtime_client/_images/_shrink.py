"""Shrinking an input to the output it is for: the clients' ``shrink_inputs`` opt-in.

One reason to change: how much of an input's resolution is sent. A realtime canvas is often drawn at several
times the size of the picture asked for (a 2048 px canvas for a 512 px generation); every pixel beyond the
output's size is uploaded, base64-encoded and decoded by the server only to be scaled away. With the opt-in, an
input that is larger than the requested output in both directions is scaled down, keeping its aspect ratio,
to the smallest size that still *covers* the output (each side at least the output's), before it is encoded;
the server then fits it as it would have fitted the larger one. An input no larger than that is untouched (a
JPEG still goes out byte-identical), and nothing is ever scaled up.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = ["covering_size", "shrunk"]


def covering_size(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int] | None:
    """The smallest ``(width, height)`` with ``size``'s aspect ratio whose sides are at least ``target``'s, or
    ``None`` when ``size`` is no larger than that (nothing to shrink)."""
    width, height = size
    scale = max(target[0] / width, target[1] / height)
    if scale >= 1:
        return None
    # ceil, so that rounding never leaves a side a pixel short of the target
    smaller = (max(target[0], math.ceil(width * scale - 1e-9)), max(target[1], math.ceil(height * scale - 1e-9)))
    return None if smaller == (width, height) else smaller


def shrunk(im: PILImage.Image, target: tuple[int, int] | None) -> PILImage.Image:
    """``im`` scaled down to :func:`covering_size` of ``target`` (Lanczos), or ``im`` itself when no smaller."""
    size = None if target is None else covering_size(im.size, target)
    if size is None:
        return im
    from PIL import Image

    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def draft_size(stored: tuple[int, int], turn_transposed: bool, target: tuple[int, int]) -> tuple[int, int] | None:
    """What to ask a JPEG decoder's draft mode for (its stored orientation): at least the covering size, so the
    decoder can skip the detail the output does not need (1/2, 1/4, 1/8 scale) before the exact resize."""
    shown = (stored[1], stored[0]) if turn_transposed else stored
    size = covering_size(shown, target)
    if size is None:
        return None
    return (size[1], size[0]) if turn_transposed else size
