"""The fixtures as a user's suite meets them, each suite run by its own pytest (a subprocess, in a temp folder).

- A ``conftest.py`` that overrides ``leonardo_server_config`` for the whole suite keeps the per-test
  ``leonardo_config`` marker working on top of it, and its latency is recorded, never slept.
- ``leonardo_async_client`` under pytest-asyncio with a module-scoped loop leaves that loop alone: sync tests after
  it still find the thread's event loop, and async tests after it still run on the module's loop.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

INI = """\
[pytest]
addopts = -p no:cacheprovider -W error
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""

NO_REAL_WAITS = """
import time

import anyio
import pytest


@pytest.fixture(autouse=True)
def refuse_real_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(seconds: float) -> None:
        raise AssertionError(f"slept for real: {seconds} s")

    async def refuse_async(seconds: float) -> None:
        refuse(seconds)

    monkeypatch.setattr(time, "sleep", refuse)
    monkeypatch.setattr(anyio, "sleep", refuse_async)
"""

JPEG_HELPER = """
import io

from PIL import Image


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()
"""


def run_suite(tmp_path: Path, files: dict[str, str], passed: int) -> str:
    (tmp_path / "pytest.ini").write_text(INI, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert re.search(rf"^{passed} passed", run.stdout, re.M), output
    return output


def test_a_suite_wide_config_keeps_the_marker_and_never_sleeps(tmp_path: Path) -> None:
    conftest = (
        NO_REAL_WAITS
        + JPEG_HELPER
        + """
from leonardo_realtime_client.server import Latency, ServerConfig


@pytest.fixture
def leonardo_server_config() -> ServerConfig:
    return ServerConfig(latency=Latency(fixed=1.5), seed=7, history=10)
"""
    )
    tests = """
    import pytest

    from conftest import jpeg
    from leonardo_realtime_client import RealtimeCanvas
    from leonardo_realtime_client.server import Faults, LocalServer, LocalTransport, ServerConfig


    def test_the_suite_config_applies(leonardo_effective_config: ServerConfig) -> None:
        assert (leonardo_effective_config.seed, leonardo_effective_config.latency.fixed) == (7, 1.5)


    @pytest.mark.leonardo_config(faults=Faults(script=["rate_limit", "none"], retry_after=3), history=3)
    def test_the_marker_applies_on_top(
        leonardo_client: RealtimeCanvas,
        leonardo_transport: LocalTransport,
        leonardo_sleeps: list[float],
        leonardo_retry_sleeps: list[float],
    ) -> None:
        leonardo_client.generate(jpeg(), prompt="a lighthouse")
        assert leonardo_retry_sleeps == [3]  # the marker's fault script ran
        assert leonardo_transport.config.history == 3  # the marker wins where both set a field
        assert leonardo_transport.config.seed == 7  # the suite's config where the marker is silent
        assert leonardo_sleeps and set(leonardo_sleeps) == {1.5}  # the suite's latency, recorded


    def test_over_http_the_latency_is_recorded_too(leonardo_server: LocalServer, leonardo_sleeps: list[float]) -> None:
        with RealtimeCanvas(api_key="k", base_url=leonardo_server.base_url) as canvas:
            canvas.refine(jpeg(), prompt="sharper")
        assert leonardo_sleeps == [1.5]
    """
    run_suite(tmp_path, {"conftest.py": conftest, "test_app.py": tests}, passed=3)


def test_a_suite_config_with_its_own_sleep_keeps_it(tmp_path: Path) -> None:
    conftest = (
        JPEG_HELPER
        + """
import pytest

from leonardo_realtime_client.server import Latency, ServerConfig

WAITED: list[float] = []


@pytest.fixture
def leonardo_server_config() -> ServerConfig:
    return ServerConfig(latency=Latency(fixed=0.25), sleep=WAITED.append)
"""
    )
    tests = """
    from conftest import WAITED, jpeg
    from leonardo_realtime_client import RealtimeCanvas


    def test_the_suites_sleep_is_used(leonardo_client: RealtimeCanvas, leonardo_sleeps: list[float]) -> None:
        leonardo_client.generate(jpeg(), prompt="x")
        assert WAITED == [0.25]
        assert leonardo_sleeps == []
    """
    run_suite(tmp_path, {"conftest.py": conftest, "test_app.py": tests}, passed=1)


def test_the_async_client_leaves_pytest_asyncios_module_loop_alone(tmp_path: Path) -> None:
    tests = (
        JPEG_HELPER
        + """
import asyncio

import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas

module_loop = pytest.mark.asyncio(loop_scope="module")
LOOPS: list[asyncio.AbstractEventLoop] = []


@module_loop
async def test_first_uses_the_client(leonardo_async_client: AsyncRealtimeCanvas) -> None:
    LOOPS.append(asyncio.get_running_loop())
    assert (await leonardo_async_client.generate(jpeg(), prompt="x")).image


@module_loop
async def test_second_also_uses_the_client(leonardo_async_client: AsyncRealtimeCanvas) -> None:
    LOOPS.append(asyncio.get_running_loop())
    assert (await leonardo_async_client.refine(jpeg(), prompt="x")).image


def test_a_sync_test_after_them_still_has_an_event_loop() -> None:
    assert asyncio.get_event_loop_policy().get_event_loop() is not None  # "There is no current event loop" before


@module_loop
async def test_a_later_async_test_runs_on_the_same_module_loop() -> None:
    assert LOOPS == [asyncio.get_running_loop()] * 2
"""
    )
    run_suite(tmp_path, {"test_async_app.py": tests}, passed=4)
