"""Numbers of other types. Every real number a Python user passes (numbers.Integral/Real, numpy
scalars, Decimal, Fraction) is accepted and sent as a plain JSON number; bool stays refused; a refused type says
that the type is the problem; and a body that validation accepts always serialises and the server accepts it."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leonardo_realtime_client import AsyncRealtimeCanvas, LeonardoError, RealtimeCanvas, RetryPolicy, ValidationError
from leonardo_realtime_client._session import RealtimeSession
from leonardo_realtime_client.server import LocalTransport

from .conftest import API_KEY, Recorder, make_jpeg, ok

IMAGE = make_jpeg((16, 16))


def _sent(**options: Any) -> dict[str, Any]:
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, transport=recorder.transport) as canvas:
        canvas.upscale(IMAGE, prompt="p", **options)
    body = recorder.body()
    return {key: body[key] for key in body if key not in ("imageDataUrl", "prompt")}


def _refused(**options: Any) -> str:
    with (
        RealtimeCanvas(api_key=API_KEY, transport=Recorder().transport) as canvas,
        pytest.raises(ValidationError) as caught,
    ):
        canvas.upscale(IMAGE, prompt="p", **options)
    return str(caught.value)


def test_numpy_guidance_and_seed_are_sent_as_plain_numbers() -> None:
    # The examples: float64 passed validation and then broke the JSON encoder; int64 was refused with a
    # message that contradicted itself.
    sent = _sent(guidance=np.float64(7.0), seed=np.int64(42))
    assert sent == {"guidance": 7.0, "seed": 42}
    assert type(sent["seed"]) is int


def test_numpy_numbers_in_the_async_client() -> None:
    recorder = Recorder()

    async def main() -> None:
        async with AsyncRealtimeCanvas(api_key=API_KEY, transport=recorder.transport) as canvas:
            await canvas.refine(IMAGE, prompt="p", guidance=np.float64(7.0), steps=np.int32(8))

    asyncio.run(main())
    body = recorder.body()
    assert (body["guidance"], body["steps"]) == (7.0, 8)


def test_numpy_numbers_inside_a_session_request() -> None:
    transport = LocalTransport()

    async def main() -> None:
        client = AsyncRealtimeCanvas(api_key=API_KEY, transport=transport, base_url=transport.base_url)
        async with client, RealtimeSession(client, "refine", prompt="p", guidance=np.float64(7.0)) as session:
            session.submit(IMAGE, seed=np.int64(42))
            await session.flush()

    asyncio.run(main())
    assert [r.status for r in transport.requests] == [200]
    assert (transport.requests[0].body["guidance"], transport.requests[0].body["seed"]) == (7.0, 42)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"strength": Decimal("0.5"), "steps": Decimal("8")}, {"strength": 0.5, "steps": 8}),
        ({"strength": Fraction(1, 2), "guidance": Fraction(15, 2)}, {"strength": 0.5, "guidance": 7.5}),
        ({"guidance": np.float32(1.5), "steps": np.uint8(6)}, {"guidance": 1.5, "steps": 6}),
        (
            {"steps": 8.0, "width": np.int16(640), "refine_strength": np.float16(0.5)},
            {"steps": 8, "width": 640, "refineStrength": 0.5},
        ),
        ({"seed": Decimal(9999999998)}, {"seed": 9999999998}),
    ],
)
def test_other_real_number_types(options: dict[str, Any], expected: dict[str, Any]) -> None:
    sent = _sent(**options)
    assert sent == expected
    assert all(type(value) in (int, float) for value in sent.values())
    assert all(type(sent[name]) is int for name in ("steps", "seed", "width") if name in sent)


@pytest.mark.parametrize(
    ("options", "shown"),
    [
        ({"seed": True}, "seed=True: an integer ≤ 9999999998; the type bool is refused (True/False are not numbers)"),
        ({"guidance": np.bool_(True)}, "guidance=np.True_: a number from 0.5 to 20; the type bool is refused"),
        ({"seed": "42"}, "seed='42': an integer ≤ 9999999998; the type str is not a number"),
        ({"guidance": 1 + 0j}, "guidance=(1+0j): a number from 0.5 to 20; the type complex is not a number"),
        ({"steps": np.array([8])}, "the type ndarray is not a number"),
        ({"refine_creative": 1}, "refine_creative=1: true or false; the type int is not accepted"),
    ],
)
def test_a_refused_type_says_the_type_is_the_problem(options: dict[str, Any], shown: str) -> None:
    assert shown in _refused(**options)


@pytest.mark.parametrize(
    ("options", "shown"),
    [
        ({"steps": Decimal("8.5")}, "steps=Decimal('8.5'): an integer from 4 to 16"),
        ({"guidance": Decimal("NaN")}, "guidance=Decimal('NaN'): a number from 0.5 to 20"),
        ({"guidance": np.float64("inf")}, "guidance=np.float64(inf): a number from 0.5 to 20"),
        ({"strength": Fraction(3, 2)}, "strength=Fraction(3, 2): a number from 0.1 to 1"),
        ({"seed": np.uint64(2**64 - 1)}, "an integer ≤ 9999999998"),
    ],
)
def test_a_number_of_an_accepted_type_is_judged_by_its_value(options: dict[str, Any], shown: str) -> None:
    problem = _refused(**options)
    assert shown in problem
    assert "the type" not in problem


# -- property: whatever validation accepts, with numbers of any accepted type, serialises and the server takes


def _as_types(value: float) -> st.SearchStrategy[Any]:
    """``value`` as each accepted number type (the integral ones only when it is integral)."""
    kinds: list[Any] = [value, np.float64(value), Decimal(repr(value)), Fraction(value)]
    if float(value).is_integer():
        whole = int(value)
        kinds += [whole, np.int64(whole), Decimal(whole)]
        if -(2**31) <= whole < 2**31:
            kinds.append(np.int32(whole))
    return st.sampled_from(kinds)


_reals = st.floats(-5, 25, allow_nan=False, width=32) | st.integers(-3, 22).map(float)
_options = st.fixed_dictionaries(
    {},
    optional={
        "guidance": _reals.flatmap(_as_types),
        "strength": _reals.flatmap(_as_types),
        "steps": _reals.flatmap(_as_types),
        "width": st.sampled_from([512.0, 640.0, 1024.0, 700.0]).flatmap(_as_types),
        "seed": st.integers(-(2**40), 10**10).map(float).flatmap(_as_types),
        "refine_strength": _reals.flatmap(_as_types),
    },
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operation=st.sampled_from(["generate", "refine", "upscale"]), options=_options)
def test_every_accepted_body_serialises_and_the_local_server_accepts_it(
    operation: str, options: dict[str, Any]
) -> None:
    if operation != "upscale":
        options.pop("refine_strength", None)
    transport = LocalTransport()
    with RealtimeCanvas(api_key=API_KEY, transport=transport, base_url=transport.base_url, max_retries=0) as canvas:
        try:
            getattr(canvas, operation)(IMAGE, prompt="p", **options)
        except ValidationError:
            assert transport.requests == []  # refused before any I/O: nothing sent
            return
    assert [r.status for r in transport.requests] == [200]
    body = transport.requests[0].body
    for name, value in options.items():
        json_name = {"refine_strength": "refineStrength"}.get(name, name)
        assert type(body[json_name]) in (int, float)
        assert body[json_name] == pytest.approx(float(value))


def test_the_property_can_fail_a_body_the_server_refuses() -> None:
    """The check above has teeth: a body the server refuses is seen as a non-200."""
    transport = LocalTransport()
    with httpx.Client(transport=transport) as http:
        answer = http.post(transport.base_url + "/lcm-upscale", json={"imageDataUrl": "x", "prompt": "p", "steps": 99})
    assert answer.status_code != 200
    assert transport.requests[0].status == answer.status_code


# Later trial of issue 10: the client's own options (not body fields) refused numpy integers with messages that
# contradicted themselves ("max_retries=np.int64(2): must be an integer ≥ 0"), refused numpy/Decimal seconds,
# and RetryPolicy(initial_delay=Decimal("0.5")) was accepted, then failed at the first retry with a bare
# TypeError (Decimal * float).
@pytest.mark.parametrize(
    ("options", "attribute", "expected"),
    [
        ({"max_retries": np.int64(2)}, "max_retries", 2),
        ({"max_retries": np.uint8(0)}, "max_retries", 0),
        ({"max_retries": Decimal("3")}, "max_retries", 3),
        ({"timeout": np.float32(5)}, "timeout", httpx.Timeout(5.0)),
        ({"timeout": Decimal("2.5")}, "timeout", httpx.Timeout(2.5)),
        ({"timeout": np.int64(7)}, "timeout", httpx.Timeout(7.0)),
    ],
)
def test_client_options_of_any_number_type(options: dict[str, Any], attribute: str, expected: object) -> None:
    with RealtimeCanvas(api_key=API_KEY, transport=Recorder().transport, **options) as canvas:
        value = getattr(canvas, attribute)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "options",
    [
        {"total_timeout": np.float32(3)},
        {"total_timeout": Decimal("3")},
        {"max_response_bytes": np.int64(1 << 20)},
        {"retry_policy": RetryPolicy(initial_delay=Decimal("0.5"), max_delay=np.float32(4), jitter=Fraction(1, 4))},
    ],
)
def test_more_client_options_of_any_number_type_work_through_a_retry(options: dict[str, Any]) -> None:
    sleeps: list[float] = []
    policy = attrs.evolve(options.pop("retry_policy", RetryPolicy()), sleep=sleeps.append)
    recorder = Recorder(httpx.Response(429, json={"error": "slow down"}), ok())
    with RealtimeCanvas(
        api_key=API_KEY, transport=recorder.transport, retry_policy=policy, max_retries=1, **options
    ) as canvas:
        assert canvas.refine(IMAGE, prompt="p").attempts == 2
    assert len(sleeps) == 1
    assert all(type(value) is float for value in (policy.initial_delay, policy.max_delay, policy.jitter))


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (
            lambda: RealtimeCanvas(api_key=API_KEY, max_retries=np.float64(2.5)),  # type: ignore[arg-type]
            "max_retries=np.float64(2.5): must be an integer ≥ 0",
        ),
        (
            lambda: RealtimeCanvas(api_key=API_KEY, max_retries="2"),  # type: ignore[arg-type]
            "must be an integer ≥ 0; the type str is not a number",
        ),
        (
            lambda: RealtimeCanvas(api_key=API_KEY, timeout="5"),  # type: ignore[arg-type]
            "or None for the default; the type str is not a number",
        ),
        (lambda: RealtimeCanvas(api_key=API_KEY, timeout=np.bool_(True)), "the type bool is refused"),
        (
            lambda: RealtimeCanvas(api_key=API_KEY, total_timeout=Decimal("NaN")),
            "total_timeout=Decimal('NaN'): must be a positive",
        ),
        (lambda: RetryPolicy(jitter="0.1"), "jitter='0.1': a fraction from 0 to 1; the type str is not a number"),
        (lambda: RetryPolicy(max_delay=float("nan")), "max_delay=nan: a finite number of seconds ≥ 0"),
        (lambda: RetryPolicy(initial_delay=True), "initial_delay=True: a finite number of seconds ≥ 0; the type bool"),
    ],
)
def test_refused_client_options_say_whether_the_type_is_the_problem(make: Any, shown: str) -> None:
    with pytest.raises(LeonardoError) as caught:
        make()
    assert shown in str(caught.value)
