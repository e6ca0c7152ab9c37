"""The async client mirrors the sync one: same arguments, same requests, same results and errors."""

from __future__ import annotations

import inspect

import httpx
import pytest

from leonardo_realtime_client import (
    AsyncRealtimeCanvas,
    ConfigurationError,
    ImageError,
    RealtimeCanvas,
    ValidationError,
)

from .conftest import API_KEY, BASE_URL, OUT_JPEG, Recorder, job, make_jpeg, make_png, ok

IMAGE = make_jpeg((64, 48))
METHODS = ["generate", "refine", "inpaint", "upscale"]


@pytest.mark.parametrize("name", METHODS)
def test_sync_and_async_methods_have_the_same_signature(name: str) -> None:
    sync = inspect.signature(getattr(RealtimeCanvas, name))
    asynchronous = inspect.signature(getattr(AsyncRealtimeCanvas, name))
    assert sync == asynchronous
    assert inspect.iscoroutinefunction(getattr(AsyncRealtimeCanvas, name))
    assert getattr(RealtimeCanvas, name).__doc__ == getattr(AsyncRealtimeCanvas, name).__doc__


def test_constructors_match() -> None:
    sync = inspect.signature(RealtimeCanvas.__init__).parameters
    asynchronous = inspect.signature(AsyncRealtimeCanvas.__init__).parameters
    assert list(sync) == list(asynchronous)


@pytest.mark.anyio
@pytest.mark.parametrize("name", METHODS)
async def test_async_requests_equal_sync_requests(name: str) -> None:
    sync_recorder, async_recorder = Recorder(), Recorder()
    args: tuple[object, ...] = (IMAGE, make_png((64, 48), "L")) if name == "inpaint" else (IMAGE,)
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=sync_recorder.transport) as sync:
        sync_result = getattr(sync, name)(*args, prompt="p", steps=5, seed=7)
    async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=async_recorder.transport) as canvas:
        async_result = await getattr(canvas, name)(*args, prompt="p", steps=5, seed=7)
    assert sync_recorder.requests[0].url == async_recorder.requests[0].url
    assert sync_recorder.requests[0].content == async_recorder.requests[0].content
    assert sync_result == async_result
    assert async_result.image == OUT_JPEG


@pytest.mark.anyio
async def test_async_validation_happens_before_io() -> None:
    recorder = Recorder()
    async with AsyncRealtimeCanvas(api_key=API_KEY, transport=recorder.transport) as canvas:
        with pytest.raises(ValidationError) as caught:
            await canvas.upscale(IMAGE, prompt="x", refine_strength=2, guidance=0)
        assert caught.value.fields == ("guidance", "refine_strength")
        with pytest.raises(ImageError):
            await canvas.inpaint(IMAGE, make_png((3, 3), "L"), prompt="x")
    assert recorder.requests == []


@pytest.mark.anyio
async def test_async_upscale_ids() -> None:
    payload = {"lcmGenerationJob": job(generationId=["g"], variationId=["v"], generatedImageId="i")}
    recorder = Recorder(ok(payload))
    async with AsyncRealtimeCanvas(api_key=API_KEY, transport=recorder.transport) as canvas:
        result = await canvas.upscale(IMAGE, prompt="x", refine_creative=False)
    assert (result.generation_ids, result.variation_ids, result.generated_image_id) == (("g",), ("v",), "i")
    assert recorder.body()["refineCreative"] is False


@pytest.mark.anyio
async def test_async_closed_client_refuses() -> None:
    canvas = AsyncRealtimeCanvas(api_key=API_KEY, transport=httpx.MockTransport(Recorder()))
    await canvas.aclose()
    with pytest.raises(ConfigurationError, match="closed"):
        await canvas.generate(IMAGE, prompt="x")
