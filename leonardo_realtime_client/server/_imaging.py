"""Deterministic stand-in image processing with Pillow. No model runs here.

Every output is a pure function of the request: the prompt and seed pick a "dream" picture (a palette from
colour words in the prompt, a rotated gradient and soft shapes), each operation mixes it with the input, and the
style then changes palette and contrast:

- generate: ``blend(input, dream, 0.9 x strength^1.5)``, then the style, weighted ``0.25 + 0.75 x strength``.
  strength 0.1 stays within a few grey levels of the input (3 % dream); strength 1 keeps only a tenth of it.
- refine: half as much dream, then an unsharp mask (the "detail" pass), then the style.
- inpaint: like generate, but composited through the mask (white = change, threshold 128), so every pixel
  under black is the input's pixel before JPEG encoding.
- upscale: Lanczos to ``factor x`` the base size, an unsharp mask scaled by ``refineStrength``, some dream
  when ``refineCreative`` is true, and a light style.

``guidance`` sets the dream's saturation and contrast; ``steps`` how much grain is left in it (few steps =
grainy, like an under-sampled diffusion). Pillow is imported when this module is, i.e. at the first request.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import random
from collections.abc import Callable

import attrs
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from .._errors import ImageError
from .._images import MAX_IMAGE_PIXELS

__all__ = ["DEFAULT_GUIDANCE", "DEFAULT_STEPS", "DEFAULT_STRENGTH", "Job", "render"]

DEFAULT_STRENGTH = 0.65
DEFAULT_GUIDANCE = 7.0
DEFAULT_STEPS = 8
DEFAULT_REFINE_STRENGTH = 0.7
MAX_UPSCALE_BASE = 1024


@attrs.frozen(kw_only=True)
class Job:
    """One request's image parameters, defaults filled in. ``width``/``height`` ``None`` = the input's size."""

    operation: str
    prompt: str
    seed: int | None = None
    style: str | None = None
    strength: float = DEFAULT_STRENGTH
    guidance: float = DEFAULT_GUIDANCE
    steps: int = DEFAULT_STEPS
    width: int | None = 512
    height: int | None = 512
    refine_creative: bool = False
    refine_strength: float = DEFAULT_REFINE_STRENGTH
    upscale_factor: int = 2
    jpeg_quality: int = 90

    @property
    def key(self) -> int:
        """The dream's seed: prompt and seed. Not the style, which restyles the same scene (as a fixed seed keeps
        a diffusion model's composition), and not the operation, so one scene runs through all four."""
        text = f"{self.prompt}\x00{self.seed}".encode()
        return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


# Colour words and the hue (degrees) they pull the palette towards.
_HUES = {
    "red": 0, "fire": 10, "sunset": 20, "orange": 30, "autumn": 30, "desert": 40, "gold": 45, "golden": 45,
    "yellow": 55, "sun": 50, "lemon": 58, "lime": 90, "green": 120, "forest": 110, "jungle": 115, "grass": 100,
    "teal": 175, "cyan": 185, "turquoise": 175, "ice": 195, "sky": 205, "ocean": 210, "sea": 210, "water": 200,
    "blue": 225, "night": 235, "indigo": 255, "purple": 275, "violet": 280, "lavender": 270, "magenta": 305,
    "pink": 330, "rose": 340, "cherry": 350,
}  # fmt: skip


def _palette(prompt: str, rng: random.Random) -> list[tuple[int, int, int]]:
    words = [w.strip(".,;:!?\"'()").lower() for w in prompt.split()]
    hues = [_HUES[w] for w in words if w in _HUES]
    base = (hues[0] if hues else rng.uniform(0, 360)) / 360
    colours = []
    for i in range(4):
        hue = (hues[i] / 360 if i < len(hues) else base + rng.uniform(-0.12, 0.12)) % 1.0
        value = 0.25 + 0.7 * (i / 3) * rng.uniform(0.8, 1.0)
        r, g, b = colorsys.hsv_to_rgb(hue, rng.uniform(0.45, 0.9), value)
        colours.append((int(r * 255), int(g * 255), int(b * 255)))
    return colours


@functools.lru_cache(maxsize=32)
def _dream(key: int, size: tuple[int, int], prompt: str, guidance: float, steps: int) -> Image.Image:
    """The seeded picture an operation mixes in (cached: treat the result as read-only)."""
    rng = random.Random(key)  # noqa: S311 (pictures, not secrets)
    colours = _palette(prompt, rng)
    small = (max(16, size[0] // 8), max(16, size[1] // 8))
    gradient = Image.linear_gradient("L").rotate(rng.uniform(0, 360), resample=Image.Resampling.BILINEAR)
    gradient = gradient.crop((38, 38, 218, 218)).resize(small, Image.Resampling.BILINEAR)
    canvas = ImageOps.colorize(gradient, colours[0], colours[3], mid=colours[1]).convert("RGB")
    draw = ImageDraw.Draw(canvas, "RGBA")
    for _ in range(3 + steps // 2):
        cx, cy = rng.uniform(0, small[0]), rng.uniform(0, small[1])
        rx, ry = rng.uniform(0.08, 0.35) * small[0], rng.uniform(0.08, 0.35) * small[1]
        fill = (*rng.choice(colours[1:]), rng.randint(90, 200))
        if rng.random() < 0.5:
            draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=fill)
        else:
            points = [(cx + rng.uniform(-rx, rx) * 1.5, cy + rng.uniform(-ry, ry) * 1.5) for _ in range(3)]
            draw.polygon(points, fill=fill)
    canvas = canvas.filter(ImageFilter.GaussianBlur(max(small) / 64))
    canvas = canvas.resize(size, Image.Resampling.BICUBIC)
    grain_size = (max(16, size[0] // 2), max(16, size[1] // 2))
    grain = Image.frombytes("L", grain_size, rng.randbytes(grain_size[0] * grain_size[1]))
    grain = grain.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    canvas = Image.blend(canvas, grain, 0.16 * (16 - steps) / 12)
    canvas = ImageEnhance.Color(canvas).enhance(0.5 + guidance / 10)
    return ImageEnhance.Contrast(canvas).enhance(0.8 + guidance / 25)


def _tint(img: Image.Image, dark: tuple[int, int, int], light: tuple[int, int, int], amount: float) -> Image.Image:
    return Image.blend(img, ImageOps.colorize(img.convert("L"), dark, light).convert("RGB"), amount)


def _enhance(img: Image.Image, *, color: float = 1.0, contrast: float = 1.0, brightness: float = 1.0) -> Image.Image:
    if color != 1.0:
        img = ImageEnhance.Color(img).enhance(color)
    if contrast != 1.0:
        img = ImageEnhance.Contrast(img).enhance(contrast)
    if brightness != 1.0:
        img = ImageEnhance.Brightness(img).enhance(brightness)
    return img


def _sketch(img: Image.Image) -> Image.Image:
    edges = img.convert("L").filter(ImageFilter.FIND_EDGES)
    return ImageOps.autocontrast(ImageOps.invert(edges), cutoff=2).convert("RGB")


def _vignette(img: Image.Image) -> Image.Image:
    """Darken towards the corners, as a lens does."""
    falloff = Image.radial_gradient("L").resize(img.size, Image.Resampling.BILINEAR)
    light = falloff.point(lambda v: 255 - max(0, v - 90) * 110 // 165).convert("RGB")
    return ImageChops.multiply(img, light)


def _glow(img: Image.Image) -> Image.Image:
    return ImageChops.screen(img, _enhance(img.filter(ImageFilter.GaussianBlur(6)), brightness=0.6))


_STYLES: dict[str, Callable[[Image.Image], Image.Image]] = {
    "ANIME": lambda im: ImageOps.posterize(_enhance(im, color=1.6, contrast=1.1), 3).filter(ImageFilter.SMOOTH),
    "CINEMATIC": lambda im: _enhance(_tint(im, (0, 44, 64), (255, 190, 116), 0.6), contrast=1.45),
    "DIGITAL_ART": lambda im: _enhance(im, color=1.5, contrast=1.2).filter(ImageFilter.SHARPEN),
    "DYNAMIC": lambda im: _enhance(im, color=1.3, contrast=1.55),
    "ENVIRONMENT": lambda im: _enhance(_tint(im, (14, 48, 22), (214, 240, 180), 0.5), color=1.2, contrast=1.1),
    "FANTASY_ART": lambda im: _enhance(_tint(im, (36, 0, 64), (255, 206, 250), 0.4), color=1.25),
    "ILLUSTRATION": lambda im: ImageOps.posterize(_enhance(im, color=1.25), 4).filter(ImageFilter.EDGE_ENHANCE),
    "PHOTOGRAPHY": lambda im: _vignette(_enhance(_tint(im, (20, 14, 8), (255, 240, 220), 0.2), contrast=1.2)),
    "RENDER_3D": lambda im: _enhance(im.filter(ImageFilter.SMOOTH_MORE), contrast=1.3, brightness=1.06),
    "RAYTRACED": lambda im: _enhance(_glow(im), contrast=1.4),
    "SKETCH_BW": _sketch,
    "SKETCH_COLOR": lambda im: ImageChops.multiply(_enhance(im, color=1.3, brightness=1.25), _sketch(im)),
    "VIBRANT": lambda im: _enhance(im, color=1.95, contrast=1.15),
}


def _styled(img: Image.Image, style: str | None, weight: float) -> Image.Image:
    fn = _STYLES.get(style or "NONE")
    if fn is None or weight <= 0:
        return img
    return Image.blend(img, fn(img), min(1.0, weight))


def _load(data: bytes, size: tuple[int, int], field: str = "imageDataUrl") -> Image.Image:
    img = _open_lazy(data, field)
    if img.format == "JPEG":
        img.draft("RGB", size)  # let libjpeg decode at 1/2, 1/4 or 1/8 scale when the input is large
    try:
        img.load()
    except Exception as exc:
        raise ImageError(field, f"<{len(data)} bytes>", f"not a decodable image ({exc})") from None
    img = ImageOps.exif_transpose(img).convert("RGB")
    return img if img.size == size else img.resize(size, Image.Resampling.BILINEAR)


def _open_lazy(data: bytes, field: str) -> Image.Image:
    try:
        img = Image.open(io.BytesIO(data))
    except Exception as exc:
        raise ImageError(field, f"<{len(data)} bytes>", f"not a decodable image ({exc})") from None
    if img.width * img.height > MAX_IMAGE_PIXELS:  # the handler checked the header already; Pillow's view counts
        raise ImageError(field, f"{img.width}x{img.height}", f"at most {MAX_IMAGE_PIXELS:,} pixels")
    return img


def _upscale_base(img: Image.Image, job: Job) -> tuple[int, int]:
    if job.width is not None and job.height is not None:
        return job.width, job.height
    w, h = img.size
    if img.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # the size as displayed, like the pixels _load turns
        w, h = h, w
    scale = min(1.0, MAX_UPSCALE_BASE / max(w, h))
    return job.width or max(1, round(w * scale)), job.height or max(1, round(h * scale))


def _mask(data: bytes, size: tuple[int, int]) -> Image.Image:
    mask = _load(data, size, field="maskDataUrl").convert("L")
    return mask.point(lambda v: 255 if v >= 128 else 0)


def render(job: Job, image: bytes, mask: bytes | None = None) -> tuple[bytes, tuple[int, int]]:
    """The output JPEG and its size. Raises ImageError for an image Pillow cannot decode."""
    s = job.strength
    if job.operation == "performAlchemyUpscaleLCM":
        probe = _open_lazy(image, "imageDataUrl")
        base_size = _upscale_base(probe, job)
        size = (base_size[0] * job.upscale_factor, base_size[1] * job.upscale_factor)
        big = _load(image, base_size).resize(size, Image.Resampling.LANCZOS)
        rs = job.refine_strength
        out = big.filter(ImageFilter.UnsharpMask(radius=2, percent=int(60 + 120 * rs), threshold=2))
        if job.refine_creative:
            dream = _dream(job.key, size, job.prompt, job.guidance, job.steps)
            out = Image.blend(out, dream, 0.1 + 0.5 * (rs - 0.5))
        out = _styled(out, job.style, 0.15 + 0.35 * s)
    else:
        size = (job.width or 512, job.height or 512)
        base = _load(image, size)
        dream = _dream(job.key, size, job.prompt, job.guidance, job.steps)
        if job.operation == "performInstantRefine":
            mixed = Image.blend(base, dream, 0.45 * s)
            mixed = mixed.filter(ImageFilter.UnsharpMask(radius=2, percent=int(60 + 120 * s), threshold=2))
            out = _styled(mixed, job.style, 0.2 + 0.6 * s)
        elif job.operation == "performInpaintingLCM":
            assert mask is not None
            generated = _styled(Image.blend(base, dream, 0.35 + 0.65 * s), job.style, 0.25 + 0.75 * s)
            out = Image.composite(generated, base, _mask(mask, size))
        else:
            out = _styled(Image.blend(base, dream, 0.9 * s**1.5), job.style, 0.25 + 0.75 * s)
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=job.jpeg_quality)
    return buf.getvalue(), size
