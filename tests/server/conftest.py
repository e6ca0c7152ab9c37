"""Shared pieces of the local server's tests: sample images and an httpx client on the in-process transport."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pybase64
import pytest
from PIL import Image, ImageDraw

from leonardo_realtime_client.server import IN_PROCESS_BASE_URL, LocalTransport, ServerConfig

AUTH = {"Authorization": "Bearer test-key"}


def scene(size: tuple[int, int] = (512, 512)) -> Image.Image:
    """A sky, a sun and a hill: smooth areas, so JPEG noise stays small."""
    w, h = size
    img = Image.new("RGB", size, (150, 190, 235))
    draw = ImageDraw.Draw(img)
    draw.ellipse((w * 0.55, h * 0.1, w * 0.85, h * 0.4), fill=(250, 200, 60))
    draw.rectangle((0, int(h * 0.7), w, h), fill=(60, 140, 70))
    return img


def jpeg_bytes(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def data_url(data: bytes, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64," + pybase64.b64encode(data).decode("ascii")


def decode_output(payload: dict[str, Any], index: int = 0) -> Image.Image:
    url = payload["lcmGenerationJob"]["imageDataUrl"][index]
    assert url.startswith("data:image/jpeg;base64,")
    img = Image.open(io.BytesIO(pybase64.b64decode(url.split(",", 1)[1], validate=True)))
    assert img.format == "JPEG"
    return img.convert("RGB")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def scene_url() -> str:
    return data_url(jpeg_bytes(scene()))


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client_for(config: ServerConfig) -> httpx.Client:
    return httpx.Client(transport=LocalTransport(config), base_url=IN_PROCESS_BASE_URL, headers=AUTH)


@pytest.fixture
def http(sleeps: list[float]) -> Iterator[httpx.Client]:
    with client_for(ServerConfig(sleep=sleeps.append)) as client:
        yield client
