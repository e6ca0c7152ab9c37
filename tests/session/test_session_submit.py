"""What ``submit()`` does per input.

- The session's fixed parameters are checked once, at construction; an input without overrides is not
  validated again (re-validation was ~70 % of ``submit()``'s cost). Overrides are still checked, merged.
- An input identical to the last one sent (same bytes or data URL, same mask and parameters) is not sent
  again; ``skip_identical=False`` turns that off. Mutable inputs (paths, buffers) are always sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leonardo_realtime_client import ThreadedRealtimeSession, ValidationError
from leonardo_realtime_client import _session_params as params_module
from leonardo_realtime_client._session import RealtimeSession, SessionResult, SessionStats

from .fakes import FakeClient, FakeClock, FakeResult, settle
from .test_session import check_invariants

pytestmark = pytest.mark.anyio


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every body the session's parameter check validates."""
    seen: list[dict[str, Any]] = []
    real = params_module.validate_body  # type: ignore[attr-defined]

    def counting(operation_id: str, body: dict[str, Any], **kwargs: Any) -> Any:
        seen.append(dict(body))
        return real(operation_id, body, **kwargs)

    monkeypatch.setattr(params_module, "validate_body", counting)
    return seen


def _session(client: FakeClient, clock: FakeClock, **options: Any) -> RealtimeSession[FakeResult]:
    options.setdefault("prompt", "a castle")
    return RealtimeSession(client, "generate", clock=clock, sleep=clock.sleep, **options)


async def test_fixed_parameters_are_checked_once_not_at_every_submit(validations: list[dict[str, Any]]) -> None:
    client, clock = FakeClient(), FakeClock()
    async with _session(client, clock, strength=0.5, steps=8) as session:
        checked_at_start = len(validations)
        assert checked_at_start >= 1
        for n in range(50):
            session.submit(bytes([n]))
        assert len(validations) == checked_at_start
        await settle()
        assert client.calls[0].kwargs["strength"] == 0.5


async def test_overrides_are_still_checked_merged_with_the_fixed_parameters(
    validations: list[dict[str, Any]],
) -> None:
    client, clock = FakeClient(), FakeClock()
    async with _session(client, clock, strength=0.5) as session:
        before = len(validations)
        session.submit(b"A", steps=6)
        assert len(validations) == before + 1
        assert validations[-1]["strength"] == 0.5
        assert validations[-1]["steps"] == 6
        with pytest.raises(ValidationError, match="strength"):
            session.submit(b"B", strength=7.0)


async def test_a_prompt_given_per_submit_is_checked_per_submit(validations: list[dict[str, Any]]) -> None:
    client, clock = FakeClient(), FakeClock()
    async with RealtimeSession(client, "generate", clock=clock, sleep=clock.sleep) as session:
        with pytest.raises(ValidationError, match="prompt"):
            session.submit(b"A")
        before = len(validations)
        session.submit(b"A", prompt="a ship")
        assert len(validations) == before + 1


async def test_bad_fixed_parameters_still_fail_at_construction() -> None:
    with pytest.raises(ValidationError, match="steps"):
        _session(FakeClient(), FakeClock(), steps=99)


def test_the_threaded_session_does_not_recheck_either(validations: list[dict[str, Any]]) -> None:
    client = FakeClient()
    with ThreadedRealtimeSession(client, "generate", prompt="a castle") as session:
        before = len(validations)
        for n in range(20):
            session.submit(bytes([n]))
        assert len(validations) == before
        client.wait_for_calls(1)


async def test_an_input_identical_to_the_last_one_sent_is_not_sent_again() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Any] = []
    async with _session(client, clock, on_event=events.append) as session:
        session.submit(b"A")
        await settle()
        clock.advance(0.1)
        again = session.submit(b"A")  # while A is in flight
        await settle()
        assert len(client.calls) == 1
        clock.advance(0.2)
        client.calls[0].answer()
        await settle()
        session.submit(bytes(bytearray(b"A")))  # equal bytes, another object, after A's result is shown
        await settle()
        stats = session.stats()
    assert len(client.calls) == 1
    assert (stats.submitted, stats.sent, stats.identical, stats.delivered) == (3, 1, 2, 1)
    assert stats.uncovered == 0  # A's result shows the identical inputs too
    assert stats.staleness_max == pytest.approx(0.3)
    assert [e.seq for e in events if isinstance(e, SessionResult)] == [1]
    assert int(again) > int(client.calls[0].timestamp)  # every input still gets its own stamp
    check_invariants(stats)


async def test_an_identical_input_supersedes_an_older_pending_one() -> None:
    client, clock = FakeClient(), FakeClock()
    async with _session(client, clock) as session:
        session.submit(b"A")
        await settle()
        session.submit(b"B")  # pending while A is in flight
        session.submit(b"A")  # the canvas is back at A: B no longer needs sending
        client.calls[0].answer()
        await settle()
        stats = session.stats()
    assert [c.image for c in client.calls] == [b"A"]
    assert (stats.coalesced, stats.identical, stats.pending) == (1, 1, 0)
    check_invariants(stats)


async def test_skip_identical_false_sends_every_input() -> None:
    client, clock = FakeClient(), FakeClock()
    async with _session(client, clock, skip_identical=False) as session:
        session.submit(b"A")
        await settle()
        client.calls[0].answer()
        await settle()
        session.submit(b"A")
        await settle()
        assert [c.image for c in client.calls] == [b"A", b"A"]
        assert session.stats().identical == 0


async def test_other_parameters_or_a_failed_request_mean_sending_again() -> None:
    client, clock = FakeClient(), FakeClock()
    async with _session(client, clock) as session:
        session.submit(b"A")
        await settle()
        client.calls[0].answer()
        await settle()
        session.submit(b"A", seed=7)  # same image, another seed
        await settle()
        client.calls[1].fail(RuntimeError("boom"))
        await settle()
        session.submit(b"A", seed=7)  # its request failed: nothing shows it yet
        await settle()
        stats: SessionStats = session.stats()
    assert [c.kwargs.get("seed") for c in client.calls] == [None, 7, 7]
    assert stats.identical == 0


async def test_identical_data_urls_are_not_sent_again() -> None:
    client, clock = FakeClient(), FakeClock()
    async with _session(client, clock) as session:
        for url in ("data:image/jpeg;base64,/9j/", "data:image/jpeg;base64,/9j/", "data:image/jpeg;base64,/9k/"):
            session.submit(url)
            await settle()
            if client.open_calls:
                client.open_calls[0].answer()
            await settle()
        assert [c.image[-4:] for c in client.calls] == ["/9j/", "/9k/"]
        assert session.stats().identical == 1


async def test_mutable_inputs_are_always_sent(tmp_path: Path) -> None:
    """A path's file (given as Path or str) or a bytearray may change between two submits: never compared."""
    path = tmp_path / "canvas.jpg"
    path.write_bytes(b"A")
    buffer = bytearray(b"A")
    client, clock = FakeClient(), FakeClock()
    async with _session(client, clock) as session:
        for image in (path, path, buffer, buffer, str(path), str(path)):
            session.submit(image)
            await settle()
            client.calls[-1].answer()
            await settle()
        stats = session.stats()
    assert len(client.calls) == 6
    assert stats.identical == 0
