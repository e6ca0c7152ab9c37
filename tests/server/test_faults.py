"""Latency and faults on demand: scripted or seeded, repeatable, and never slept for real."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from leonardo_realtime_client import ConfigurationError
from leonardo_realtime_client.server import (
    IN_PROCESS_BASE_URL,
    Fault,
    Faults,
    Latency,
    LocalTransport,
    ServerConfig,
)
from leonardo_realtime_client.server._faults import FaultPlan

from .conftest import AUTH, client_for

# Faults are decided before the body is read, so a cheap invalid body (400) stands for "answered normally".
CHEAP: dict[str, Any] = {"prompt": "no image"}


def statuses(config: ServerConfig, count: int) -> list[int]:
    with client_for(config) as client:
        return [client.post("/generations-lcm", json=CHEAP).status_code for _ in range(count)]


def test_script_plays_first_in_order(scene_url: str) -> None:
    config = ServerConfig(
        faults=Faults(script=["rate_limit", Fault.SERVER_ERROR, "unavailable", "none"], retry_after=2),
        sleep=lambda _: None,
    )
    with client_for(config) as client:
        responses = [client.post("/generations-lcm", json={"imageDataUrl": scene_url, "prompt": "p"}) for _ in range(5)]
    assert [r.status_code for r in responses] == [429, 500, 503, 200, 200]
    assert responses[0].headers["retry-after"] == "2"
    assert responses[2].headers["retry-after"] == "2"
    assert [r.json()["code"] for r in responses[:3]] == ["rate-limited", "unexpected", "service-unavailable"]


def test_dropped_connection_raises_remote_protocol_error() -> None:
    with client_for(ServerConfig(faults=Faults(script=["drop"]))) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/generations-lcm", json=CHEAP)
        assert client.post("/generations-lcm", json=CHEAP).status_code == 400


def test_slow_response_beyond_the_read_timeout_times_out_after_the_timeout(sleeps: list[float]) -> None:
    config = ServerConfig(faults=Faults(script=["slow", "slow"], slow_delay=30), sleep=sleeps.append)
    with client_for(config) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.post("/generations-lcm", json=CHEAP, timeout=2.5)
        assert client.post("/generations-lcm", json=CHEAP, timeout=None).status_code == 400
    assert sleeps == [2.5, 30]


def test_rates_are_repeatable_for_a_seed_and_roughly_right() -> None:
    faults = Faults(rate_limit=0.3, server_error=0.1, unavailable=0.1)
    first = statuses(ServerConfig(faults=faults, seed=11), 200)
    again = statuses(ServerConfig(faults=faults, seed=11), 200)
    other = statuses(ServerConfig(faults=faults, seed=12), 200)
    assert first == again
    assert first != other
    assert 40 <= first.count(429) <= 80
    assert 8 <= first.count(500) <= 35
    assert 8 <= first.count(503) <= 35
    assert 70 <= first.count(400) <= 130


def test_the_nth_decision_does_not_depend_on_earlier_outcomes() -> None:
    plan_a = FaultPlan(ServerConfig(faults=Faults(rate_limit=0.5), seed=5))
    plan_b = FaultPlan(ServerConfig(faults=Faults(rate_limit=0.5, script=["drop", "drop"]), seed=5))
    a = [plan_a.next() for _ in range(20)]
    b = [plan_b.next() for _ in range(20)]
    assert [d.fault for d in b[:2]] == [Fault.DROP, Fault.DROP]
    assert a[2:] == b[2:]


def test_latency_is_fixed_plus_seeded_jitter(sleeps: list[float]) -> None:
    def run(seed: int) -> list[float]:
        sleeps.clear()
        statuses(ServerConfig(latency=Latency(fixed=0.2, jitter=0.1), seed=seed, sleep=sleeps.append), 30)
        return list(sleeps)

    first, again, other = run(1), run(1), run(2)
    assert first == again
    assert first != other
    assert all(0.2 <= s < 0.3 for s in first)
    assert max(first) - min(first) > 0.05


def test_no_latency_means_no_sleep_call(sleeps: list[float]) -> None:
    statuses(ServerConfig(sleep=sleeps.append), 3)
    assert sleeps == []


def test_routing_errors_take_no_fault_and_no_delay(sleeps: list[float]) -> None:
    config = ServerConfig(faults=Faults(script=["rate_limit"]), latency=Latency(fixed=1), sleep=sleeps.append)
    with client_for(config) as client:
        assert client.get("/generations-lcm").status_code == 405
        assert client.post("/nope").status_code == 404
        assert client.post("/generations-lcm", json=CHEAP).status_code == 429
    assert sleeps == [1]


@pytest.mark.anyio
async def test_async_client_gets_the_same_behaviour(scene_url: str) -> None:
    waited: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waited.append(seconds)

    config = ServerConfig(
        faults=Faults(script=["rate_limit", "drop"]), latency=Latency(fixed=0.5), async_sleep=fake_sleep
    )
    async with httpx.AsyncClient(
        transport=LocalTransport(config), base_url=IN_PROCESS_BASE_URL, headers=AUTH
    ) as client:
        limited = await client.post("/generations-lcm", json=CHEAP)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/generations-lcm", json=CHEAP)
        ok = await client.post("/lcm-upscale", json={"imageDataUrl": scene_url, "prompt": "p"})
    assert limited.status_code == 429
    assert ok.status_code == 200
    assert waited == [0.5, 0.5, 0.5]


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: Latency(fixed=-1), "Latency.fixed=-1: seconds as a finite number ≥ 0"),
        (lambda: Latency(jitter=float("inf")), "Latency.jitter=inf"),
        (lambda: Faults(rate_limit=1.5), "Faults.rate_limit=1.5: a probability from 0 to 1"),
        (lambda: Faults(rate_limit=0.6, drop=0.6), "must add up to at most 1"),
        (lambda: Faults(script=["boom"]), "Faults.script='boom': one of none, rate_limit"),
        (lambda: ServerConfig(upscale_factor=9), "upscale_factor=9: an integer from 1 to 4"),
        (lambda: ServerConfig(max_body_bytes=10), "max_body_bytes=10: an integer ≥ 1024"),
        (lambda: ServerConfig(seed=1.5), "seed=1.5: an integer"),  # type: ignore[arg-type]
        (lambda: ServerConfig(require_token=""), "require_token: a non-empty string"),
    ],
)
def test_bad_config_names_the_field_value_and_what_is_allowed(make: Callable[[], object], words: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        make()
    assert words in str(info.value)
