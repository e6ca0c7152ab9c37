"""The guided tour (``make demo``, ``leonardo-realtime demo``): the four operations on a sample picture.

By default against the local server, in-process (no key, no network); ``over_http=True`` runs it on
127.0.0.1 instead, ``real_api=True`` sends the same four calls to Leonardo with ``LEONARDO_API_KEY`` (they cost
money). Writes each output as a JPEG, the input and mask as PNGs, a labelled contact sheet, and prints a table
of operation, latency, output size and cost. Uses the public client, :class:`RealtimeCanvas`, like any app.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from ._config import ENV_API_KEY
from ._errors import ConfigurationError, LeonardoError

if TYPE_CHECKING:
    from PIL import Image, ImageFont

    from ._client import RealtimeCanvas
    from ._result import RealtimeResult

__all__ = ["DEMO_PROMPT", "DemoReport", "DemoRow", "main", "next_steps", "run_demo", "sample_image", "sample_mask"]

DEMO_PROMPT = "a lighthouse on a rocky coast at sunset, warm light"
INPAINT_PROMPT = "a red sailing boat on the sea at sunset"
SAMPLE_SIZE = (512, 512)
_TILE = 256
_LABEL_HEIGHT = 40
_HEADER_HEIGHT = 56


@attrs.frozen
class DemoRow:
    """One operation's outcome."""

    operation: str
    latency_ms: float
    size: tuple[int, int]
    bytes: int
    cost: Decimal | None
    cost_unit: str | None
    path: Path


@attrs.frozen
class DemoReport:
    """What the demo did: the target, one row per operation, and the files written."""

    target: str
    rows: tuple[DemoRow, ...]
    input_path: Path
    mask_path: Path
    contact_sheet: Path

    def table(self) -> str:
        """The rows as an aligned text table."""
        head = ("operation", "latency", "output", "bytes", "cost")
        lines = [
            (
                r.operation,
                f"{r.latency_ms:,.0f} ms",
                f"{r.size[0]}x{r.size[1]}",
                f"{r.bytes:,}",
                "-" if r.cost is None else f"{r.cost} {(r.cost_unit or '').lower()}".strip(),
            )
            for r in self.rows
        ]
        widths = [max(len(str(row[i])) for row in (head, *lines)) for i in range(len(head))]
        fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
        rule = "  ".join("-" * w for w in widths)
        return "\n".join([fmt.format(*head), rule, *(fmt.format(*row) for row in lines)])


# -- the sample picture, drawn in code -------------------------------------------------------------------------------


def sample_image() -> Image.Image:
    """A sunset coast with a lighthouse: sky gradient, sun, sea, rocks (512x512, deterministic)."""
    from PIL import Image, ImageDraw, ImageFilter

    w, h = SAMPLE_SIZE
    sky = Image.linear_gradient("L").resize((w, h))
    channels = [sky.point(lambda v: 255 - v // 6), sky.point(lambda v: 150 - v // 3), sky.point(lambda v: 190 - v // 2)]
    img = Image.merge("RGB", channels)
    img = Image.composite(Image.new("RGB", (w, h), (255, 170, 90)), img, sky.point(lambda v: max(0, v - 140)))
    draw = ImageDraw.Draw(img)
    draw.ellipse((300, 210, 400, 310), fill=(255, 214, 120))
    draw.rectangle((0, 300, w, h), fill=(38, 78, 120))
    for y in range(310, h, 14):  # light on the water
        draw.line((330 - (y - 300) // 3, y, 370 + (y - 300) // 3, y), fill=(240, 170, 100), width=3)
    draw.polygon([(0, 340), (90, 300), (170, 330), (230, 390), (260, h), (0, h)], fill=(58, 46, 44))
    draw.polygon([(112, 150), (146, 150), (156, 318), (102, 318)], fill=(236, 232, 222))
    for y in (180, 230, 280):
        draw.rectangle((104, y, 154, y + 18), fill=(200, 40, 40))
    draw.rectangle((106, 120, 152, 150), fill=(60, 60, 70))
    draw.polygon([(100, 120), (129, 92), (158, 120)], fill=(190, 40, 40))
    draw.polygon([(152, 128), (300, 96), (300, 160)], fill=(255, 236, 170))
    return img.filter(ImageFilter.SMOOTH)


def sample_mask() -> Image.Image:
    """White where the inpainting should paint (an area of open sea), black elsewhere."""
    from PIL import Image, ImageDraw

    mask = Image.new("L", SAMPLE_SIZE, 0)
    ImageDraw.Draw(mask).ellipse((290, 330, 470, 470), fill=255)
    return mask


# -- the contact sheet -----------------------------------------------------------------------------------------------


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def contact_sheet(tiles: Sequence[tuple[str, str, Image.Image]], title: str, subtitle: str) -> Image.Image:
    """Tiles side by side, each scaled to 256 px and labelled (name, detail); a title bar above."""
    from PIL import Image, ImageDraw, ImageOps

    width = _TILE * len(tiles)
    sheet = Image.new("RGB", (width, _HEADER_HEIGHT + _TILE + _LABEL_HEIGHT), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    draw.text((12, 8), title, fill=(245, 245, 245), font=_font(18))
    draw.text((12, 32), subtitle, fill=(170, 170, 180), font=_font(13))
    for i, (name, detail, img) in enumerate(tiles):
        thumb = ImageOps.contain(img.convert("RGB"), (_TILE - 8, _TILE - 8))
        x = i * _TILE + (_TILE - thumb.width) // 2
        y = _HEADER_HEIGHT + (_TILE - thumb.height) // 2
        sheet.paste(thumb, (x, y))
        draw.text((i * _TILE + 10, _HEADER_HEIGHT + _TILE + 3), name, fill=(245, 245, 245), font=_font(16))
        draw.text((i * _TILE + 10, _HEADER_HEIGHT + _TILE + 22), detail, fill=(170, 170, 180), font=_font(12))
    return sheet


# -- running ---------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _client(*, real_api: bool, over_http: bool) -> Iterator[tuple[RealtimeCanvas, str]]:
    from ._client import RealtimeCanvas

    if real_api:
        if not os.environ.get(ENV_API_KEY, "").strip():
            raise ConfigurationError(f"the real-API demo needs {ENV_API_KEY} set (it makes four paid calls)")
        with RealtimeCanvas() as canvas:
            yield canvas, "the Leonardo.AI API"
        return
    from .server import IN_PROCESS_BASE_URL, LocalTransport, running_server

    if over_http:
        with running_server() as base_url, RealtimeCanvas(api_key="local-demo-key", base_url=base_url) as canvas:
            yield canvas, f"the local server at {base_url}"
        return
    with RealtimeCanvas(api_key="local-demo-key", base_url=IN_PROCESS_BASE_URL, transport=LocalTransport()) as canvas:
        yield canvas, "the local server, in-process"


def _timed(call: Callable[[], RealtimeResult]) -> tuple[RealtimeResult, float]:
    start = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - start) * 1000


def run_demo(
    output_dir: str | os.PathLike[str] = "demo-output",
    *,
    real_api: bool = False,
    over_http: bool = False,
    echo: Callable[[str], None] = print,
) -> DemoReport:
    """Run generate, refine, inpaint and upscale on the sample picture; write the files; print the table."""
    from PIL import Image

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    picture, mask = sample_image(), sample_mask()
    input_path, mask_path = out / "input.png", out / "mask.png"
    picture.save(input_path)
    mask.save(mask_path)
    buf = io.BytesIO()
    picture.save(buf, "JPEG", quality=92)
    jpeg = buf.getvalue()

    with _client(real_api=real_api, over_http=over_http) as (canvas, target):
        echo(f"Running the four Realtime Canvas operations against {target} …")
        calls: list[tuple[str, Callable[[], RealtimeResult]]] = [
            ("generate", lambda: canvas.generate(jpeg, prompt=DEMO_PROMPT, style="CINEMATIC", strength=0.6, seed=42)),
            ("refine", lambda: canvas.refine(jpeg, prompt=DEMO_PROMPT, strength=0.4, seed=42)),
            ("inpaint", lambda: canvas.inpaint(jpeg, mask, prompt=INPAINT_PROMPT, strength=0.9, seed=42)),
            ("upscale", lambda: canvas.upscale(jpeg, prompt=DEMO_PROMPT, refine_creative=True, refine_strength=0.6)),
        ]
        rows: list[DemoRow] = []
        outputs: list[Image.Image] = []
        for name, call in calls:
            result, ms = _timed(call)
            path = result.save(out / f"{name}.jpg")
            image = Image.open(io.BytesIO(result.image))
            image.load()
            outputs.append(image)
            unit = None if result.cost_unit is None else str(getattr(result.cost_unit, "value", result.cost_unit))
            rows.append(DemoRow(name, ms, image.size, len(result.image), result.cost, unit, path))

    stand_in = "" if real_api else " (a stand-in: no model runs, images are drawn deterministically)"
    tiles = [("input", f"{picture.width}x{picture.height} sample", picture), ("mask", "white = inpaint", mask)]
    tiles += [
        (r.operation, f"{r.size[0]}x{r.size[1]}, {r.latency_ms:,.0f} ms", img)
        for r, img in zip(rows, outputs, strict=True)
    ]
    sheet = contact_sheet(tiles, f"leonardo-realtime-client demo: {target}{stand_in}", f'prompt: "{DEMO_PROMPT}"')
    sheet_path = out / "contact-sheet.png"
    sheet.save(sheet_path)

    report = DemoReport(target, tuple(rows), input_path, mask_path, sheet_path)
    echo("")
    echo(report.table())
    if rows and all(r.cost is not None for r in rows):
        total = sum((r.cost for r in rows if r.cost is not None), Decimal(0))
        echo(f"total cost: {total} {(rows[0].cost_unit or '').lower()}{'' if real_api else ' (simulated)'}")
    echo("")
    echo(f"Wrote {', '.join(r.path.name for r in rows)}, {input_path.name}, {mask_path.name} and {sheet_path.name}")
    echo(f"  in {out.resolve()}")
    return report


def _cli_path() -> str:
    """How to call the ``leonardo-realtime`` console script of this environment from the current folder."""
    script = Path(sys.executable).parent / "leonardo-realtime"
    if not script.exists():
        return "leonardo-realtime"
    relative = os.path.relpath(script)
    return shlex.quote(relative if not relative.startswith("..") else str(script))


def next_steps(output_dir: str | os.PathLike[str], *, cli: str = "leonardo-realtime", real_api: bool = False) -> str:
    """What to try after the demo: the CLI (``cli`` is how to call it), the local server and the outputs' folder."""
    out = Path(output_dir)
    sample = shlex.quote(str(out / "input.png"))
    lines = [
        "Next steps (no key needed):",
        f"  {cli} --help",
        f'  {cli} refine --local {sample} -p "ink drawing" -o refined.jpg',
        f"  {cli} serve --port 8000   # the local server on 127.0.0.1; then, in another shell:",
        "  export LEONARDO_BASE_URL=http://127.0.0.1:8000/api/rest/v1 LEONARDO_API_KEY=anything",
        f'  {cli} generate {sample} -p "a castle at dusk" -o castle.jpg',
        f"The outputs are in {out.resolve()} (contact-sheet.png shows them side by side).",
    ]
    if not cli.startswith("leonardo-realtime"):
        folder = shlex.quote(str(Path(cli).parent))
        lines.insert(1, f"  The CLI is in {folder}/ (or run: . {folder}/activate, then leonardo-realtime)")
    if not real_api:
        lines.append("With a real key: export LEONARDO_API_KEY=... (paid calls); see the README's Usage section.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leonardo_realtime_client._demo", description=run_demo.__doc__)
    parser.add_argument("-o", "--output", default="demo-output", help="folder for the images (default: %(default)s)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--over-http", action="store_true", help="run the local server on 127.0.0.1, not in-process")
    where.add_argument("--real-api", action="store_true", help="call Leonardo.AI with $LEONARDO_API_KEY (costs money)")
    args = parser.parse_args(argv)
    try:
        run_demo(args.output, real_api=args.real_api, over_http=args.over_http)
    except LeonardoError as exc:
        print(f"demo failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print()
    print(next_steps(args.output, cli=_cli_path(), real_api=args.real_api))
    return 0


if __name__ == "__main__":
    sys.exit(main())
