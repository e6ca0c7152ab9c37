"""Deterministic test JPEGs (512, 640, 1024 px) that look and compress like a canvas sketch.

A flat or pure-noise image would give an unrealistically small or large payload; a gradient with soft
shapes and a little grain lands near what a real canvas snapshot weighs at quality 90.
"""

from __future__ import annotations

import io
import random
from functools import cache

SIZES: tuple[int, ...] = (512, 640, 1024)


@cache
def sample_jpeg(size: int, *, quality: int = 90) -> bytes:
    """A `size`x`size` baseline JPEG, identical on every run (Pillow is imported here only)."""
    from PIL import Image, ImageDraw, ImageFilter

    red = Image.linear_gradient("L").resize((size, size))
    green = Image.radial_gradient("L").resize((size, size))
    blue = red.transpose(Image.Transpose.ROTATE_90)
    picture = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(picture)
    step = size // 8
    for i in range(8):
        box = (i * step // 2, i * step, i * step // 2 + 3 * step, i * step + 2 * step)
        draw.ellipse(box, fill=((37 * i) % 256, (91 * i) % 256, (53 * i) % 256), outline=(0, 0, 0), width=3)
        draw.line((0, i * step, size, size - i * step), fill=(255, 255, 255), width=2 + i)
    picture = picture.filter(ImageFilter.GaussianBlur(1.5))
    # Grain from a seeded generator (Image.effect_noise depends on C rand() state, so it is not repeatable).
    grain = Image.frombytes("RGB", (size, size), random.Random(size).randbytes(size * size * 3))
    picture = Image.blend(picture, grain, 0.06)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=quality, optimize=False, progressive=False)
    return out.getvalue()
