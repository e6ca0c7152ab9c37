"""The pytest plugin's own guarantees: cheap to load, registered by entry point, strict about its marker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import entry_points

import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, AuthenticationError, RealtimeCanvas
from leonardo_realtime_client.server import Faults, LocalServer, LocalTransport, ServerConfig
from leonardo_realtime_client.testing import TEST_API_KEY
from leonardo_realtime_client.testing.pytest_plugin import _close_aside

from .conftest import jpeg_bytes, scene

HEAVY = ("PIL", "starlette", "uvicorn", "schemathesis", "hypothesis", "leonardo_realtime_client.server")


def modules_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_plugin_imports_nothing_heavy() -> None:
    loaded = modules_after_import("leonardo_realtime_client.testing.pytest_plugin")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY}


def test_the_server_package_loads_pillow_starlette_and_uvicorn_only_when_used() -> None:
    loaded = modules_after_import("leonardo_realtime_client.server")
    assert not {m for m in loaded if m.split(".")[0] in ("PIL", "starlette", "uvicorn")}


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    (plugin,) = [ep for ep in entry_points(group="pytest11") if ep.name == "leonardo_realtime"]
    assert plugin.value == "leonardo_realtime_client.testing.pytest_plugin"


@pytest.mark.leonardo_config(faults=Faults(script=["drop"]), seed=4)
@pytest.mark.leonardo_config(seed=99, history=5)  # closest to the test (as pytest's get_closest_marker)
def test_the_closest_marker_wins_field_by_field(leonardo_effective_config: ServerConfig) -> None:
    assert leonardo_effective_config.seed == 99
    assert leonardo_effective_config.history == 5
    assert leonardo_effective_config.faults.script[0].value == "drop"


def test_without_a_marker_the_config_is_the_default_but_never_sleeps(
    leonardo_effective_config: ServerConfig, leonardo_sleeps: list[float]
) -> None:
    leonardo_effective_config.sleep(1.5)
    assert leonardo_sleeps == [1.5]
    assert leonardo_effective_config.faults == Faults()


@pytest.mark.leonardo_config(require_token=TEST_API_KEY)
def test_require_token_accepts_the_fixture_clients_key_and_no_other(
    leonardo_client: RealtimeCanvas, leonardo_transport: LocalTransport
) -> None:
    assert leonardo_client.generate(jpeg_bytes(scene()), prompt="a lighthouse").image
    with (
        RealtimeCanvas(
            api_key="someone-elses-key", base_url=leonardo_transport.base_url, transport=leonardo_transport
        ) as other,
        pytest.raises(AuthenticationError),
    ):
        other.generate(jpeg_bytes(scene()), prompt="a lighthouse")
    assert [r.status for r in leonardo_transport.requests] == [200, 500]  # Leonardo's authorization-hook answer


@pytest.mark.leonardo_config(require_token=TEST_API_KEY)
def test_leonardo_env_exports_the_same_documented_key(leonardo_env: LocalServer) -> None:
    assert os.environ["LEONARDO_API_KEY"] == TEST_API_KEY == "local-test-key"
    with RealtimeCanvas() as canvas:  # app code building its own client from the environment
        assert canvas.refine(jpeg_bytes(scene()), prompt="sharper").image
    assert [r.status for r in leonardo_env.requests] == [200]


@pytest.mark.leonardo_config(require_token="a-key-the-fixtures-do-not-send", wrong_key="401")
def test_another_required_token_refuses_the_fixture_client(leonardo_client: RealtimeCanvas) -> None:
    with pytest.raises(AuthenticationError) as info:
        leonardo_client.generate(jpeg_bytes(scene()), prompt="x")
    assert info.value.status_code == 401
    assert "a-key-the-fixtures-do-not-send" not in str(info.value)


def _closed_async_client() -> tuple[AsyncRealtimeCanvas, Callable[[], bool]]:
    transport = LocalTransport()
    client = AsyncRealtimeCanvas(api_key="k", base_url=transport.base_url, transport=transport)
    return client, lambda: client._http.is_closed


def test_the_async_fixture_closes_its_client_without_touching_the_threads_loop() -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # as pytest-asyncio's module-scoped loop is, between its tests
    try:
        client, is_closed = _closed_async_client()
        _close_aside(client)
        assert is_closed()
        assert asyncio.get_event_loop_policy().get_event_loop() is loop  # asyncio.run() would have unset it
    finally:
        asyncio.set_event_loop(None)
        loop.close()


@pytest.mark.anyio
async def test_the_async_fixture_closes_its_client_even_when_a_loop_is_running() -> None:
    client, is_closed = _closed_async_client()
    _close_aside(client)  # teardown inside a running loop: closed on a worker thread's loop, not this one
    assert is_closed()
