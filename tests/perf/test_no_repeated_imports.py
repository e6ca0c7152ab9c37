"""No import is attempted again on every request.

httpcore runs ``import sniffio`` in every async request (4 times per request, more under concurrency); with
sniffio absent each try searches the whole import path and fails. sniffio is a runtime dependency now, so
after the first requests no import should reach the import system at all. A recording finder at the front of
``sys.meta_path`` sees every import of a module that is not in ``sys.modules``: a first import or a failed one.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, RealtimeCanvas
from leonardo_realtime_client.server import running_server
from tests.server.conftest import jpeg_bytes, scene

REQUESTS = 6


class _Recorder:
    """A meta-path finder that finds nothing and writes down what it was asked for; `hide` makes a name fail."""

    def __init__(self, hide: frozenset[str] = frozenset()) -> None:
        self.names: list[str] = []
        self.hide = hide

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        self.names.append(name)
        if name in self.hide:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def image() -> bytes:
    return jpeg_bytes(scene((64, 64)))


def _async_calls(base_url: str, image: bytes, recorder: _Recorder) -> None:
    """Warm-up requests, then `REQUESTS` more (one at a time, then several at once) with only those recorded."""

    async def go() -> None:
        async with AsyncRealtimeCanvas(api_key="k", base_url=base_url) as canvas:
            await asyncio.gather(*(canvas.generate(image, prompt="warm-up") for _ in range(2)))
            recorder.names.clear()
            for _ in range(REQUESTS // 2):
                await canvas.generate(image, prompt="p")
            await asyncio.gather(*(canvas.generate(image, prompt="p") for _ in range(REQUESTS // 2)))

    sys.meta_path.insert(0, recorder)
    try:
        asyncio.run(go())
    finally:
        sys.meta_path.remove(recorder)


def test_async_requests_attempt_no_import(base_url: str, image: bytes) -> None:
    recorder = _Recorder()
    _async_calls(base_url, image, recorder)
    assert recorder.names == []


def test_sync_requests_attempt_no_import(base_url: str, image: bytes) -> None:
    recorder = _Recorder()
    with RealtimeCanvas(api_key="k", base_url=base_url) as canvas:
        canvas.generate(image, prompt="warm-up")
        sys.meta_path.insert(0, recorder)
        try:
            for _ in range(REQUESTS):
                canvas.generate(image, prompt="p")
        finally:
            sys.meta_path.remove(recorder)
    assert recorder.names == []


def test_the_recorder_sees_the_failed_import_without_sniffio(
    base_url: str, image: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check can fail: with sniffio made unimportable, every async request tries it again."""
    monkeypatch.delitem(sys.modules, "sniffio")
    recorder = _Recorder(hide=frozenset({"sniffio"}))
    _async_calls(base_url, image, recorder)
    assert recorder.names.count("sniffio") >= REQUESTS
    assert set(recorder.names) == {"sniffio"}
