"""A user's test suite: only the documented pytest fixtures and public names, as an app built on the client would.

Nothing here imports a private module or builds a server by hand: installing the package registers the
fixtures (``leonardo_client``, ``leonardo_async_client``, ``leonardo_transport``, ``leonardo_server``,
``leonardo_env``, ``leonardo_sleeps``, ``leonardo_retry_sleeps``) and the ``leonardo_config`` marker.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image, ImageDraw

from leonardo_realtime_client import (
    AsyncRealtimeCanvas,
    AuthenticationError,
    RateLimitError,
    RealtimeCanvas,
    ValidationError,
)
from leonardo_realtime_client.server import Faults, Latency, LocalServer, LocalTransport

# --- the "app" under test ----------------------------------------------------------------------------------------


def sketch() -> bytes:
    img = Image.new("RGB", (512, 512), "white")
    ImageDraw.Draw(img).polygon([(256, 60), (440, 420), (72, 420)], outline="black", width=6)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def render_preview(canvas: RealtimeCanvas, drawing: bytes, *, style: str = "ILLUSTRATION") -> tuple[bytes, Decimal]:
    result = canvas.generate(drawing, prompt="a mountain at dawn", style=style, strength=0.6, seed=1)
    assert result.cost is not None
    return result.image, result.cost


def preview_from_environment(drawing: bytes) -> bytes:
    """App code that builds its own client from LEONARDO_API_KEY / LEONARDO_BASE_URL."""
    with RealtimeCanvas() as canvas:
        return canvas.refine(drawing, prompt="a mountain at dawn").image


async def preview_variants(canvas: AsyncRealtimeCanvas, drawing: bytes) -> list[bytes]:
    first = await canvas.generate(drawing, prompt="a mountain", seed=1)
    second = await canvas.upscale(first.image, prompt="a mountain")
    return [first.image, second.image]


# --- the user's tests --------------------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_preview_is_a_jpeg_with_a_cost(leonardo_client: RealtimeCanvas, leonardo_transport: LocalTransport) -> None:
    image, cost = render_preview(leonardo_client, sketch())

    assert image[:2] == b"\xff\xd8"
    assert Image.open(io.BytesIO(image)).size == (512, 512)
    assert cost == Decimal("0.0147")
    sent = leonardo_transport.requests[-1]
    assert (sent.operation_id, sent.body["style"], sent.body["seed"]) == ("createLCMGeneration", "ILLUSTRATION", 1)


def test_preview_is_repeatable(leonardo_client: RealtimeCanvas) -> None:
    assert render_preview(leonardo_client, sketch()) == render_preview(leonardo_client, sketch())
    assert render_preview(leonardo_client, sketch())[0] != render_preview(leonardo_client, sketch(), style="ANIME")[0]


@pytest.mark.leonardo_config(faults=Faults(script=["rate_limit", "unavailable"], retry_after=3))
def test_preview_survives_a_rate_limit_and_an_outage(
    leonardo_client: RealtimeCanvas, leonardo_retry_sleeps: list[float]
) -> None:
    image, _ = render_preview(leonardo_client, sketch())

    assert image[:2] == b"\xff\xd8"
    assert leonardo_retry_sleeps == [3, 3]  # the client honoured Retry-After twice, without sleeping for real


@pytest.mark.leonardo_config(faults=Faults(rate_limit=1.0, retry_after=2))
def test_preview_gives_up_when_rate_limited_for_good(
    leonardo_client: RealtimeCanvas, leonardo_retry_sleeps: list[float]
) -> None:
    with pytest.raises(RateLimitError) as info:
        render_preview(leonardo_client, sketch())
    assert info.value.retry_after == 2
    assert len(leonardo_retry_sleeps) == 2  # the default two retries


@pytest.mark.leonardo_config(latency=Latency(fixed=0.4, jitter=0.2), seed=7)
def test_server_latency_is_recorded_not_slept(leonardo_client: RealtimeCanvas, leonardo_sleeps: list[float]) -> None:
    render_preview(leonardo_client, sketch())
    render_preview(leonardo_client, sketch())

    assert len(leonardo_sleeps) == 2
    assert all(0.4 <= s < 0.6 for s in leonardo_sleeps)


def test_bad_input_is_caught_before_anything_is_sent(
    leonardo_client: RealtimeCanvas, leonardo_transport: LocalTransport
) -> None:
    with pytest.raises(ValidationError) as info:
        leonardo_client.generate(sketch(), prompt="x", strength=1.5, width=300)
    assert set(info.value.fields) == {"strength", "width"}
    assert leonardo_transport.requests == []


@pytest.mark.anyio
async def test_async_previews(leonardo_async_client: AsyncRealtimeCanvas) -> None:
    small, big = await preview_variants(leonardo_async_client, sketch())

    assert Image.open(io.BytesIO(small)).size == (512, 512)
    assert Image.open(io.BytesIO(big)).size == (1024, 1024)


def test_app_code_configured_from_the_environment(leonardo_env: LocalServer) -> None:
    image = preview_from_environment(sketch())

    assert image[:2] == b"\xff\xd8"
    assert leonardo_env.base_url.startswith("http://127.0.0.1:")
    assert [r.operation_id for r in leonardo_env.requests] == ["performInstantRefine"]


@pytest.mark.leonardo_config(require_token="team-token")
def test_a_wrong_key_is_refused_over_http(leonardo_server: LocalServer) -> None:
    canvas = RealtimeCanvas(api_key="not-the-team-token", base_url=leonardo_server.base_url, max_retries=0)
    with canvas, pytest.raises(AuthenticationError) as info:
        canvas.generate(sketch(), prompt="x")
    assert (info.value.status_code, info.value.effective_status) == (500, 401)  # Leonardo's authorization hook
    assert "not-the-team-token" not in str(info.value)
