"""AsyncRealtimeCanvas.session(): a thin, lazily imported factory for the latest-wins RealtimeSession."""

from __future__ import annotations

import httpx
import orjson
import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, ValidationError

from .conftest import API_KEY, OUT_JPEG, Recorder, job, make_jpeg


def echo(request: httpx.Request) -> httpx.Response:
    """Answer with the requestTimestamp that was sent, as the API does (the session checks it)."""
    sent = orjson.loads(request.content)
    return httpx.Response(
        200, content=orjson.dumps({"lcmGenerationJob": job(requestTimestamp=sent["requestTimestamp"])})
    )


@pytest.mark.anyio
async def test_session_runs_on_this_client() -> None:
    from leonardo_realtime_client._session import RealtimeSession

    recorder = Recorder(echo)
    async with (
        AsyncRealtimeCanvas(api_key=API_KEY, transport=recorder.transport) as canvas,
        canvas.session("generate", prompt="a castle", strength=0.7) as session,
    ):
        assert isinstance(session, RealtimeSession)
        timestamp = session.submit(make_jpeg())
        await session.flush()
        latest = session.latest
    assert latest is not None
    assert latest.result.image == OUT_JPEG
    assert latest.request_timestamp == timestamp
    body = recorder.body()
    assert (body["prompt"], body["strength"], body["requestTimestamp"]) == ("a castle", 0.7, timestamp)


@pytest.mark.anyio
async def test_session_parameters_are_checked_at_once() -> None:
    async with AsyncRealtimeCanvas(api_key=API_KEY, transport=Recorder().transport) as canvas:
        with pytest.raises(ValidationError, match="strength"):
            canvas.session("generate", prompt="x", strength=5)
