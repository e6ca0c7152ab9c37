"""pytest fixtures for a local Realtime Canvas server (see ``leonardo_realtime_client.testing`` for the list).

Loaded by every pytest run of a project that installs this package, so it imports nothing heavy here: the
server, the clients, Pillow, starlette and uvicorn load inside the fixtures, and only when a test uses one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from . import TEST_API_KEY

if TYPE_CHECKING:
    from .. import AsyncRealtimeCanvas, RealtimeCanvas
    from .._retry import RetryPolicy
    from ..server import LocalServer, LocalTransport, ServerConfig

__all__ = [
    "leonardo_async_client",
    "leonardo_client",
    "leonardo_effective_config",
    "leonardo_env",
    "leonardo_retry_sleeps",
    "leonardo_server",
    "leonardo_server_config",
    "leonardo_sleeps",
    "leonardo_transport",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "leonardo_config(**fields): ServerConfig fields for this test's local Realtime Canvas server "
        "(e.g. faults=Faults(script=['rate_limit']), latency=Latency(fixed=0.2), require_token='t')",
    )


@pytest.fixture
def leonardo_sleeps() -> list[float]:
    """Every delay the local server was asked to wait (latency, slow responses), in seconds, in order."""
    return []


@pytest.fixture
def leonardo_retry_sleeps() -> list[float]:
    """Every wait of the client fixtures before a retry, in seconds, in order (nothing sleeps for real)."""
    return []


def _retry_policy(sleeps: list[float]) -> RetryPolicy:
    from .._retry import RetryPolicy

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    # No jitter (rng 0): the waits are exactly the documented backoff, so tests can assert them.
    return RetryPolicy(sleep=sleeps.append, async_sleep=record, rng=lambda: 0.0)


@pytest.fixture
def leonardo_server_config() -> ServerConfig:
    """The suite's base ``ServerConfig``: the default one. Override this fixture in a ``conftest.py`` to configure a
    whole suite; the ``leonardo_config`` marker and the recorded sleeps still apply on top of what it returns
    (``leonardo_effective_config`` is what the other fixtures use).

    Returns:
        ``ServerConfig()``: no latency, no faults, any non-empty key accepted.
    """
    from ..server import ServerConfig

    return ServerConfig()


@pytest.fixture
def leonardo_effective_config(
    request: pytest.FixtureRequest, leonardo_server_config: ServerConfig, leonardo_sleeps: list[float]
) -> ServerConfig:
    """The config this test's local server runs with: ``leonardo_server_config`` (yours, if overridden), then the
    fields of every ``@pytest.mark.leonardo_config(...)`` on the test, the one closest to the test winning field by
    field.

    Delays are recorded in ``leonardo_sleeps`` instead of slept, unless the base config or a marker sets its own
    ``sleep``/``async_sleep`` (then those are used as given).

    Raises:
        pytest.UsageError: a ``leonardo_config`` marker was given positional arguments.
    """
    from ..server._config import _default_async_sleep, _default_sleep

    async def record(seconds: float) -> None:
        leonardo_sleeps.append(seconds)

    fields: dict[str, Any] = {}
    if leonardo_server_config.sleep is _default_sleep:
        fields["sleep"] = leonardo_sleeps.append
    if leonardo_server_config.async_sleep is _default_async_sleep:
        fields["async_sleep"] = record
    for marker in reversed(list(request.node.iter_markers("leonardo_config"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.leonardo_config takes keyword arguments only (ServerConfig fields)")
        fields.update(marker.kwargs)
    return attrs.evolve(leonardo_server_config, **fields)


@pytest.fixture
def leonardo_transport(leonardo_effective_config: ServerConfig) -> LocalTransport:
    """An in-process local server as an httpx transport (sync and async); ``.requests`` lists what it saw."""
    from ..server import LocalTransport

    return LocalTransport(leonardo_effective_config)


@pytest.fixture
def leonardo_client(leonardo_transport: LocalTransport, leonardo_retry_sleeps: list[float]) -> Iterator[RealtimeCanvas]:
    """A ``RealtimeCanvas`` talking to ``leonardo_transport``; retry waits go to ``leonardo_retry_sleeps``."""
    from .. import RealtimeCanvas

    client = RealtimeCanvas(
        api_key=TEST_API_KEY,
        base_url=leonardo_transport.base_url,
        transport=leonardo_transport,
        retry_policy=_retry_policy(leonardo_retry_sleeps),
    )
    with client:
        yield client


@pytest.fixture
def leonardo_async_client(
    leonardo_transport: LocalTransport, leonardo_retry_sleeps: list[float]
) -> Iterator[AsyncRealtimeCanvas]:
    """An ``AsyncRealtimeCanvas`` on ``leonardo_transport`` (retry waits recorded); for any async test plugin.

    A plain (sync) fixture on purpose: it needs no event loop to set up, and the in-process transport holds
    nothing bound to one. At teardown it is closed on a private event loop that never becomes the thread's
    current loop, so an async plugin's loop (pytest-asyncio's module- or session-scoped one) is left as it was.
    """
    from .. import AsyncRealtimeCanvas

    client = AsyncRealtimeCanvas(
        api_key=TEST_API_KEY,
        base_url=leonardo_transport.base_url,
        transport=leonardo_transport,
        retry_policy=_retry_policy(leonardo_retry_sleeps),
    )
    try:
        yield client
    finally:
        _close_aside(client)


def _close_aside(client: AsyncRealtimeCanvas) -> None:
    """``await client.aclose()`` without touching this thread's event loop (``asyncio.run`` would unset it)."""

    def close() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(client.aclose())
        finally:
            loop.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: teardown outside any loop
        close()
        return
    worker = threading.Thread(target=close, name="leonardo-async-client-close")  # a loop runs here: not on it
    worker.start()
    worker.join()


@pytest.fixture
def leonardo_server(leonardo_effective_config: ServerConfig) -> Iterator[LocalServer]:
    """A real HTTP local server on 127.0.0.1 (a free port) for this test: ``.base_url``, ``.requests``."""
    from ..server import running_local_server

    with running_local_server(leonardo_effective_config) as server:
        yield server


@pytest.fixture
def leonardo_env(leonardo_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    """``leonardo_server``, with ``LEONARDO_BASE_URL`` and ``LEONARDO_API_KEY`` pointing app code at it."""
    from .._config import ENV_API_KEY, ENV_BASE_URL

    monkeypatch.setenv(ENV_BASE_URL, leonardo_server.base_url)
    monkeypatch.setenv(ENV_API_KEY, TEST_API_KEY)
    return leonardo_server
