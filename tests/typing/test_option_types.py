"""``mypy --strict`` still checks each keyword option of the four operations by its exact type, though the methods
take them as ``**options: Unpack[...]``: a snippet of right and wrong calls is type-checked, and mypy must report
an error on exactly the lines marked ``# wrong``, naming what is wrong, and on no other line."""

from __future__ import annotations

import re
from pathlib import Path

from .strict import mypy_strict

SNIPPET = """\
from __future__ import annotations

from decimal import Decimal

import httpx

from leonardo_realtime_client import AsyncRealtimeCanvas, LcmGenerationStyle, RealtimeCanvas, RealtimeResult


def sync(canvas: RealtimeCanvas, image: bytes) -> RealtimeResult:
    canvas.generate(image, prompt="x", guidance=7, strength=Decimal("0.5"), steps=8, style=LcmGenerationStyle.ANIME)
    canvas.refine(image, prompt="x", style="anime", request_timestamp="t", timeout=httpx.Timeout(3), max_retries=0)
    canvas.upscale(image, prompt="x", refine_creative=True, refine_strength=0.6, total_timeout=None, seed=None)
    canvas.generate(image, prompt="x", guidanse=7)  # wrong: Unexpected keyword argument "guidanse"
    canvas.generate(image, prompt="x", guidance="high")  # wrong: "guidance" .* incompatible type "str"
    canvas.refine(image, prompt="x", refine_strength=0.6)  # wrong: Unexpected keyword argument "refine_strength"
    canvas.upscale(image, prompt="x", refine_creative="yes")  # wrong: "refine_creative" .* incompatible type "str"
    canvas.inpaint(image, image, prompt="x", style=3)  # wrong: "style" .* incompatible type "int"
    canvas.generate(image, prompt="x", timeout="5")  # wrong: "timeout" .* incompatible type "str"
    canvas.generate(image, guidance=7)  # wrong: Missing named argument "prompt"
    return canvas.inpaint(image, image, prompt="x", steps=8)


async def asynchronous(canvas: AsyncRealtimeCanvas, image: bytes) -> RealtimeResult:
    await canvas.inpaint(image, image, prompt="x", steps="8")  # wrong: "steps" .* incompatible type "str"
    await canvas.upscale(image, prompt="x", max_retries=1.5)  # wrong: "max_retries" .* incompatible type "float"
    return await canvas.generate(image, prompt="x", width=640, height=640)
"""


def test_mypy_checks_every_keyword_option_by_its_type(tmp_path: Path) -> None:
    path = tmp_path / "option_calls.py"
    path.write_text(SNIPPET, encoding="utf-8")
    report, _ = mypy_strict(path)
    errors: dict[int, str] = {}
    for match in re.finditer(r"option_calls\.py:(\d+): error: (.*)", report):
        errors[int(match[1])] = errors.get(int(match[1]), "") + match[2]
    wanted = {
        number: line.split("# wrong: ", 1)[1]
        for number, line in enumerate(SNIPPET.splitlines(), start=1)
        if "# wrong: " in line
    }
    assert len(wanted) == 9
    assert errors.keys() == wanted.keys(), report
    for number, pattern in wanted.items():
        assert re.search(pattern, errors[number]), f"line {number}: {errors[number]}"
