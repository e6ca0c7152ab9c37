"""Fakes and helpers for the CLI tests: a fake async canvas, a runner, and a recognisable fake key."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result
from PIL import Image

from leonardo_realtime_client._cli import cli
from leonardo_realtime_client._cli._env import CliEnv, Connection

FAKE_KEY = "sk-FAKEKEY-0123456789abcdef-NEVER-PRINT"


def _tiny_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 90)).save(out, "JPEG", quality=50)
    return out.getvalue()


# A real 8x8 JPEG (a dry run checks images as the client would); inputs append a label after its end marker.
JPEG = _tiny_jpeg()


@attrs.define
class FakeResult:
    images: tuple[bytes, ...]
    cost: Decimal | None = Decimal("0.0147")
    cost_unit: str | None = "DOLLARS"
    api_credit_cost: int | None = 1
    request_timestamp: str | None = None
    generation_ids: tuple[str, ...] = ()


@attrs.define
class Call:
    operation: str
    image: bytes
    mask: bytes | None
    kwargs: dict[str, Any]


Respond = Callable[[Call], "FakeResult | BaseException"]


def echo_image(call: Call) -> FakeResult:
    """Answer with a 'JPEG' that embeds the input, so a test can tell which output came from which input."""
    return FakeResult(images=(JPEG + call.image,), request_timestamp=call.kwargs.get("request_timestamp"))


class FakeCanvas:
    """Stands in for AsyncRealtimeCanvas: records calls, yields to the loop, tracks concurrency."""

    def __init__(self, respond: Respond = echo_image) -> None:
        self.respond = respond
        self.calls: list[Call] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.closed = False
        self.connection: Connection | None = None

    async def _run(self, call: Call) -> FakeResult:
        self.calls.append(call)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            for _ in range(3):  # let other tasks run, as a real request would
                await asyncio.sleep(0)
            out = self.respond(call)
            if isinstance(out, BaseException):
                raise out
            return out
        finally:
            self.in_flight -= 1

    async def generate(self, image: bytes, **kwargs: Any) -> FakeResult:
        return await self._run(Call("generate", image, None, kwargs))

    async def refine(self, image: bytes, **kwargs: Any) -> FakeResult:
        return await self._run(Call("refine", image, None, kwargs))

    async def upscale(self, image: bytes, **kwargs: Any) -> FakeResult:
        return await self._run(Call("upscale", image, None, kwargs))

    async def inpaint(self, image: bytes, mask: bytes, **kwargs: Any) -> FakeResult:
        return await self._run(Call("inpaint", image, mask, kwargs))

    async def aclose(self) -> None:
        self.closed = True


@attrs.define
class Cli:
    """Runs ``leonardo-realtime`` through click's CliRunner with a fake (or real) client."""

    fake: FakeCanvas
    env: dict[str, str | None]
    client_factory: Callable[[Connection], Any] | None = None

    def __call__(self, *args: str | os.PathLike[str], input: bytes | str | None = None, **kw: Any) -> Result:
        def factory(conn: Connection) -> Any:
            self.fake.connection = conn
            return self.fake

        obj = CliEnv(client_factory=self.client_factory or factory, **kw)
        runner = CliRunner()
        return runner.invoke(cli, [str(a) for a in args], obj=obj, env=self.env, input=input, catch_exceptions=False)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fake() -> FakeCanvas:
    return FakeCanvas()


@pytest.fixture
def run(fake: FakeCanvas, workdir: Path) -> Cli:
    return Cli(fake=fake, env={"LEONARDO_API_KEY": FAKE_KEY, "LEONARDO_BASE_URL": None})


def make_inputs(folder: Path, count: int, prefix: str = "img") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{prefix}{i:02d}.jpg"
        path.write_bytes(JPEG + f"input {prefix}{i:02d}".encode())
        paths.append(path)
    return paths
