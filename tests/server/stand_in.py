"""One in-process stand-in shared by a raw HTTP client and a RealtimeCanvas, for tests that hold both to the
same rules (import the three fixtures into the test module)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from leonardo_realtime_client import RealtimeCanvas
from leonardo_realtime_client.server import IN_PROCESS_BASE_URL, LocalTransport

from .conftest import AUTH

__all__ = ["client_fixture", "http_fixture", "transport_fixture"]


@pytest.fixture(name="transport")
def transport_fixture() -> LocalTransport:
    return LocalTransport()


@pytest.fixture(name="http")
def http_fixture(transport: LocalTransport) -> Iterator[httpx.Client]:
    with httpx.Client(transport=transport, base_url=IN_PROCESS_BASE_URL, headers=AUTH) as http:
        yield http


@pytest.fixture(name="client")
def client_fixture(transport: LocalTransport) -> Iterator[RealtimeCanvas]:
    with RealtimeCanvas(api_key="k", base_url=IN_PROCESS_BASE_URL, transport=transport, max_retries=0) as canvas:
        yield canvas
