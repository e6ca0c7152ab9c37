"""The typed usage example runs, against a MockTransport (it is type-checked by mypy --strict in make typecheck)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from leonardo_realtime_client import RealtimeCanvas
from tests.typing import usage_example

from .conftest import Recorder, job, make_jpeg, make_png, ok


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEONARDO_API_KEY", "example-key")


def test_sync_usage(tmp_path: Path) -> None:
    recorder = Recorder(ok({"lcmGenerationJob": job(cost={"amount": "0.25", "unit": "DOLLARS"})}))
    sketch = make_jpeg((32, 32))
    total = usage_example.sync_usage(sketch, make_png((32, 32), "L"), tmp_path, transport=recorder.transport)
    assert total == Decimal("1.00")
    assert [r.url.path.rsplit("/", 1)[1] for r in recorder.requests] == [
        "generations-lcm",
        "lcm-instant-refine",
        "lcm-inpainting",
        "lcm-upscale",
    ]
    assert (tmp_path / "generated.jpg").exists()


def test_error_handling_example() -> None:
    with RealtimeCanvas(transport=Recorder().transport) as canvas:
        message = usage_example.handle_errors(canvas, make_jpeg())
    assert message.startswith("guidance=99 (a number from 0.5 to 20), steps=2")


@pytest.mark.anyio
async def test_async_usage() -> None:
    recorder = Recorder(httpx.Response(503, headers={"Retry-After": "0"}), ok())  # not processed: retried
    images = await usage_example.async_usage(make_jpeg(), transport=recorder.transport)
    assert len(images) == 2
    assert len(recorder.requests) == 3  # one retry, without sleeping
