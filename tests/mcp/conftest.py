"""An MCP server on the in-process local stand-in, reached through the SDK's own in-memory client session."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

pytest.importorskip("mcp", reason="the 'mcp' extra is part of the dev install")

from mcp import Client
from PIL import Image

from leonardo_realtime_client import AsyncRealtimeCanvas
from leonardo_realtime_client._mcp._budget import Budget
from leonardo_realtime_client._mcp._calls import ToolCalls
from leonardo_realtime_client._mcp._results import ResultStore
from leonardo_realtime_client._mcp._server import build_server
from leonardo_realtime_client.server import IN_PROCESS_BASE_URL, LocalTransport, ServerConfig

MARKER_KEY = "sk-MCP-MARKER-KEY-5f3a9c0e1d7b-NEVER-SHOW"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def png_file(path: Path, size: tuple[int, int] = (512, 512), colour: str = "navy") -> Path:
    image = Image.new("RGB", size, colour)
    image.paste(Image.new("RGB", (size[0] // 2, size[1] // 2), "orange"), (size[0] // 4, size[1] // 4))
    image.save(path, format="PNG")
    return path


def mask_file(path: Path, size: tuple[int, int] = (512, 512)) -> Path:
    mask = Image.new("L", size, 0)
    mask.paste(255, (0, 0, size[0] // 2, size[1]))
    mask.save(path, format="PNG")
    return path


def decode_jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@attrs.define
class Harness:
    """What a test needs: the MCP server, the stand-in's transport (what it saw) and the output folder."""

    calls: ToolCalls
    transport: httpx.AsyncBaseTransport
    output: Path
    sketch: Path

    @property
    def seen(self) -> list[Any]:
        assert isinstance(self.transport, LocalTransport)
        return self.transport.requests

    @asynccontextmanager
    async def client(self) -> AsyncIterator[Client]:
        async with Client(build_server(self.calls)) as client:
            yield client


MakeHarness = Callable[..., Harness]


@pytest.fixture
async def make_harness(tmp_path: Path) -> AsyncIterator[MakeHarness]:
    clients: list[AsyncRealtimeCanvas] = []

    def make(
        config: ServerConfig | None = None,
        *,
        budget: Decimal | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        api_key: str = MARKER_KEY,
        local: bool = True,
        max_retries: int = 0,
    ) -> Harness:
        transport = transport if transport is not None else LocalTransport(config or ServerConfig())
        client = AsyncRealtimeCanvas(
            api_key=api_key, base_url=IN_PROCESS_BASE_URL, transport=transport, max_retries=max_retries
        )
        clients.append(client)
        output = tmp_path / "results"
        calls = ToolCalls(client, ResultStore(output), Budget(limit=budget), secret=api_key, local=local)
        return Harness(calls, transport, output, png_file(tmp_path / "sketch.png"))

    yield make
    for client in clients:
        await client.aclose()
