"""Retries: a pure policy, and loops that obey it without ever sleeping for real."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from leonardo_realtime_client import (
    APIConnectionError,
    APITimeoutError,
    AsyncRealtimeCanvas,
    BadRequestError,
    InternalServerError,
    Outcome,
    RateLimitError,
    RealtimeCanvas,
    RetryPolicy,
)
from leonardo_realtime_client._retry import parse_retry_after

from .conftest import API_KEY, BASE_URL, OUT_JPEG, Recorder, SleepRecorder, make_jpeg, ok, policy

IMAGE = make_jpeg()

# -- the policy as pure functions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429])
def test_transient_statuses_that_were_not_processed_are_retried(status: int) -> None:
    assert RetryPolicy().should_retry(status_code=status)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 520, 599])
def test_5xx_may_have_been_processed_so_only_the_opt_in_retries_it(status: int) -> None:
    # Without its Retry-After (status_code alone), a 503 is of unknown outcome too.
    assert not RetryPolicy().should_retry(status_code=status)
    assert RetryPolicy(retry_unknown_outcome=True).should_retry(status_code=status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 415, 422, 451])
def test_other_client_errors_are_never_retried(status: int) -> None:
    assert not RetryPolicy().should_retry(status_code=status)


@pytest.mark.parametrize(
    ("error", "retried", "retried_with_opt_in"),
    [
        (httpx.ConnectTimeout("t"), True, True),
        (httpx.ConnectError("refused"), True, True),
        (httpx.PoolTimeout("t"), True, True),
        (httpx.WriteTimeout("t"), True, True),
        (httpx.ReadTimeout("t"), False, True),  # sent: may have been processed
        (httpx.ReadError("reset"), False, True),
        (httpx.RemoteProtocolError("closed"), False, True),
        (APIConnectionError("x"), False, True),  # outcome UNKNOWN unless said otherwise
        (APIConnectionError("x", outcome=Outcome.NOT_PROCESSED), True, True),
        (httpx.UnsupportedProtocol("ftp"), False, False),
        (httpx.DecodingError("gzip"), False, False),
        (ValueError("x"), False, False),
    ],
)
def test_connection_failures_and_timeouts_are_retried_by_outcome(
    error: BaseException, retried: bool, retried_with_opt_in: bool
) -> None:
    assert RetryPolicy().should_retry(error=error) is retried
    assert RetryPolicy(retry_unknown_outcome=True).should_retry(error=error) is retried_with_opt_in


def test_backoff_doubles_from_half_a_second_up_to_the_cap() -> None:
    no_jitter = RetryPolicy(rng=lambda: 0.0)
    assert [no_jitter.delay(n) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_shortens_by_at_most_a_quarter() -> None:
    full_jitter = RetryPolicy(rng=lambda: 0.999999)
    assert full_jitter.delay(1) == pytest.approx(0.375, abs=1e-5)
    assert full_jitter.delay(10) == pytest.approx(6.0, abs=1e-4)
    real = RetryPolicy()
    delays = [real.delay(2) for _ in range(200)]
    assert all(d is not None and 0.75 <= d <= 1.0 for d in delays)
    assert len(set(delays)) > 100  # really random


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    p = RetryPolicy(rng=lambda: 0.0)
    assert p.delay(1, retry_after=1.0) == 1.0
    assert p.delay(3, retry_after=0.0) == 0.0
    assert p.delay(1, retry_after=60.0) == 60.0
    assert p.delay(1, retry_after=61.0) is None  # too long: raise and let the caller decide


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=2.0)
    with pytest.raises(ValueError, match="initial_delay"):
        RetryPolicy(initial_delay=-1)


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "1"}, 1.0),
        ({"retry-after": " 2.5 "}, 2.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "nope", "retry-after": "3"}, 3.0),
        ({"retry-after": email.utils.formatdate(NOW + 30, usegmt=True)}, 30.0),
        ({"retry-after": email.utils.formatdate(NOW + 30).replace("+0000", "-0000")}, 30.0),
        ({"retry-after": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
        ({"retry-after": "-5"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "Mon, 01 Jan 99999999999 00:00:00 GMT"}, None),  # OverflowError in the date parser
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=lambda: NOW) == expected


# -- the sync loop ------------------------------------------------------------------------------------------------


def canvas(recorder: Recorder, sleeper: SleepRecorder, **kwargs: object) -> RealtimeCanvas:
    kwargs.setdefault("retry_policy", policy(sleeper))
    return RealtimeCanvas(
        api_key=API_KEY,
        base_url=BASE_URL,
        transport=recorder.transport,
        **kwargs,  # type: ignore[arg-type]
    )


def test_429_with_retry_after_1_is_retried_after_one_second(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "1"}), ok())
    with canvas(recorder, sleeper) as c:
        result = c.generate(IMAGE, prompt="x")
    assert result.image == OUT_JPEG
    assert len(recorder.requests) == 2
    assert sleeper.delays == [1.0]


def test_400_is_not_retried(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.Response(400, json={"error": "bad", "code": "x"}), ok())
    with canvas(recorder, sleeper) as c, pytest.raises(BadRequestError):
        c.generate(IMAGE, prompt="x")
    assert len(recorder.requests) == 1
    assert sleeper.delays == []


def test_5xx_is_retried_max_retries_times_with_backoff_then_raised(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.Response(503))
    with (
        canvas(recorder, sleeper, max_retries=3, retry_policy=policy(sleeper, retry_unknown_outcome=True)) as c,
        pytest.raises(InternalServerError) as caught,
    ):
        c.generate(IMAGE, prompt="x")
    assert len(recorder.requests) == 4
    assert sleeper.delays == [0.5, 1.0, 2.0]
    assert (caught.value.attempts, caught.value.possibly_billed_attempts) == (4, 4)


def test_default_is_two_retries(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.Response(503, headers={"Retry-After": "0"}))  # not processed: retried
    with canvas(recorder, sleeper) as c, pytest.raises(InternalServerError) as caught:
        c.generate(IMAGE, prompt="x")
    assert len(recorder.requests) == 3
    assert (caught.value.attempts, caught.value.possibly_billed_attempts) == (3, 0)


def test_a_500_is_not_retried_by_default_and_says_it_may_have_been_billed(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.Response(500), ok())
    with canvas(recorder, sleeper) as c, pytest.raises(InternalServerError) as caught:
        c.generate(IMAGE, prompt="x")
    assert len(recorder.requests) == 1
    error = caught.value
    assert (error.outcome, error.may_have_been_billed, error.possibly_billed_attempts) == (Outcome.UNKNOWN, True, 1)


def test_per_call_max_retries_overrides_the_client(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.Response(500))
    with canvas(recorder, sleeper, max_retries=5) as c, pytest.raises(InternalServerError):
        c.generate(IMAGE, prompt="x", max_retries=0)
    assert len(recorder.requests) == 1
    assert sleeper.delays == []


def test_too_long_retry_after_is_raised_at_once(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "3600"}), ok())
    with canvas(recorder, sleeper) as c, pytest.raises(RateLimitError) as caught:
        c.generate(IMAGE, prompt="x")
    assert caught.value.retry_after == 3600.0
    assert len(recorder.requests) == 1


def test_connection_errors_are_retried_then_raised_typed(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.ConnectError("connection refused"))
    with canvas(recorder, sleeper) as c, pytest.raises(APIConnectionError) as caught:
        c.generate(IMAGE, prompt="x")
    assert type(caught.value) is APIConnectionError
    assert "connection refused" in str(caught.value)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(recorder.requests) == 3
    assert sleeper.delays == [0.5, 1.0]


def test_timeout_then_success_with_the_opt_in_counts_the_possibly_billed_attempt(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.ReadTimeout("slow"), ok())
    with canvas(recorder, sleeper, retry_policy=policy(sleeper, retry_unknown_outcome=True)) as c:
        result = c.generate(IMAGE, prompt="x")
    assert result.image == OUT_JPEG
    assert sleeper.delays == [0.5]
    assert (result.attempts, result.possibly_billed_attempts) == (2, 1)


def test_connect_timeout_then_success_was_never_billed_twice(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.ConnectTimeout("slow"), ok())
    with canvas(recorder, sleeper) as c:
        result = c.generate(IMAGE, prompt="x")
    assert (result.attempts, result.possibly_billed_attempts) == (2, 0)


def test_timeouts_raise_api_timeout_error(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.ReadTimeout("slow"))
    with canvas(recorder, sleeper, timeout=3) as c, pytest.raises(APITimeoutError) as caught:
        c.generate(IMAGE, prompt="x")
    assert "read timeout" in str(caught.value)
    assert "3.0 s" in str(caught.value)
    assert "it may have been processed and billed" in str(caught.value)
    assert caught.value.outcome is Outcome.UNKNOWN
    assert len(recorder.requests) == 1  # not retried by default: a retry may be billed again


def test_protocol_errors_that_are_not_transient_are_not_retried(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.UnsupportedProtocol("nope"))
    with canvas(recorder, sleeper) as c, pytest.raises(APIConnectionError):
        c.generate(IMAGE, prompt="x")
    assert len(recorder.requests) == 1


def test_the_real_sleep_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # looked up per call: a harness can patch it
    RetryPolicy().sleep(1.5)
    assert slept == [1.5]


def test_retries_are_logged(sleeper: SleepRecorder, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "1"}), ok())
    with caplog.at_level("INFO", logger="leonardo_realtime_client"), canvas(recorder, sleeper) as c:
        c.generate(IMAGE, prompt="x")
    assert "retrying POST /generations-lcm in 1.00 s (retry 1 of 2) after HTTP 429 (not processed)" in caplog.text


def test_the_retry_log_says_what_may_have_been_billed(sleeper: SleepRecorder, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(httpx.ReadTimeout("slow"), httpx.Response(502))
    with caplog.at_level("INFO", logger="leonardo_realtime_client"), canvas(recorder, sleeper) as c:
        with pytest.raises(APITimeoutError):
            c.generate(IMAGE, prompt="x")
        with pytest.raises(InternalServerError):
            c.generate(IMAGE, prompt="x", max_retries=1)
    assert (
        "not retrying POST /generations-lcm after ReadTimeout (outcome unknown: may have been billed); "
        "RetryPolicy(retry_unknown_outcome=True) would"
    ) in caplog.text
    assert "after HTTP 502 (outcome unknown: may have been billed)" in caplog.text
    recorder = Recorder(httpx.Response(502), ok())
    opt_in = policy(sleeper, retry_unknown_outcome=True)
    with (
        caplog.at_level("INFO", logger="leonardo_realtime_client"),
        canvas(recorder, sleeper, retry_policy=opt_in) as c,
    ):
        c.generate(IMAGE, prompt="x")
    assert (
        "retrying POST /generations-lcm in 0.50 s (retry 1 of 2) after HTTP 502 (outcome unknown: may have been billed)"
        in caplog.text
    )


# -- the async loop -----------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_429_with_retry_after_1_is_retried_after_one_second(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "1"}), ok())
    async with AsyncRealtimeCanvas(
        api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, retry_policy=policy(sleeper)
    ) as c:
        result = await c.generate(IMAGE, prompt="x")
    assert result.image == OUT_JPEG
    assert sleeper.delays == [1.0]


@pytest.mark.anyio
async def test_async_400_is_not_retried(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.Response(400, json={"message": "no"}))
    async with AsyncRealtimeCanvas(
        api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, retry_policy=policy(sleeper)
    ) as c:
        with pytest.raises(BadRequestError):
            await c.generate(IMAGE, prompt="x")
    assert len(recorder.requests) == 1
    assert sleeper.delays == []


@pytest.mark.anyio
async def test_async_connection_errors_and_timeouts(sleeper: SleepRecorder) -> None:
    recorder = Recorder(httpx.ConnectError("down"), httpx.ConnectTimeout("slow"), httpx.ConnectTimeout("slow"))
    async with AsyncRealtimeCanvas(
        api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport, retry_policy=policy(sleeper)
    ) as c:
        with pytest.raises(APITimeoutError):
            await c.generate(IMAGE, prompt="x")
    assert len(recorder.requests) == 3
    assert sleeper.delays == [0.5, 1.0]


@pytest.mark.anyio
async def test_async_default_sleep_is_anyio(monkeypatch: pytest.MonkeyPatch) -> None:
    import anyio

    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(anyio, "sleep", fake_sleep)
    await RetryPolicy().async_sleep(0.25)
    assert slept == [0.25]
