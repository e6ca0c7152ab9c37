"""A typed tour of the public API, checked by ``mypy --strict`` (``make typecheck``) and run by a test.

It is also what the README's usage section shows; if a signature changes, this file stops type-checking.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx

from leonardo_realtime_client import (
    APIStatusError,
    AsyncRealtimeCanvas,
    CostUnit,
    ImageError,
    LcmGenerationStyle,
    RateLimitError,
    RealtimeCanvas,
    RealtimeResult,
    RetryPolicy,
    ValidationError,
)


def sync_usage(sketch: bytes, mask: bytes, out_dir: Path, transport: httpx.BaseTransport | None = None) -> Decimal:
    """Every operation once; returns the total cost in dollars."""
    total = Decimal(0)
    with RealtimeCanvas(transport=transport, max_retries=3, timeout=20.0) as canvas:
        result: RealtimeResult = canvas.generate(
            sketch,
            prompt="a lighthouse at dusk, oil painting",
            guidance=7.0,
            strength=0.65,
            steps=8,
            width=640,
            height=640,
            seed=1234,
            style=LcmGenerationStyle.CINEMATIC,
            request_timestamp="frame-1",
        )
        saved: Path = result.save(out_dir / "generated.jpg")
        assert saved.exists()
        refined = canvas.refine(result.image, prompt="sharper details", strength=0.3, timeout=5.0)
        inpainted = canvas.inpaint(refined.image, mask, prompt="a red boat", style="ANIME")
        upscaled = canvas.upscale(inpainted.image, prompt="more detail", refine_creative=True, refine_strength=0.6)
        ids: tuple[str, ...] = upscaled.generation_ids + upscaled.variation_ids
        assert all(isinstance(i, str) for i in ids)
        for each in (result, refined, inpainted, upscaled):
            if each.cost is not None and each.cost_unit is CostUnit.DOLLARS:
                total += each.cost
    return total


def handle_errors(canvas: RealtimeCanvas, image: bytes) -> str:
    try:
        canvas.generate(image, prompt="x", guidance=99, steps=2)
    except ImageError as error:  # a subclass of ValidationError: catch it first
        return f"bad image: {error.violations[0].allowed}"
    except ValidationError as error:
        return ", ".join(f"{v.field}={v.value!r} ({v.allowed})" for v in error.violations)
    except RateLimitError as error:
        return f"slow down for {error.retry_after} s"
    except APIStatusError as error:
        return f"HTTP {error.status_code} {error.code} request {error.request_id}"
    return "sent"


async def async_usage(sketch: bytes, transport: httpx.AsyncBaseTransport | None = None) -> list[bytes]:
    no_sleep = RetryPolicy(sleep=lambda seconds: None, async_sleep=_no_async_sleep)
    async with AsyncRealtimeCanvas(transport=transport, retry_policy=no_sleep) as canvas:
        first = await canvas.generate(sketch, prompt="a castle", style=LcmGenerationStyle.FANTASY_ART)
        second = await canvas.refine(first.image, prompt="a castle at night", max_retries=0)
        return [first.image, second.image]


async def _no_async_sleep(seconds: float) -> None:
    return None
