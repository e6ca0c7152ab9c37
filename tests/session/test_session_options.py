"""Bad session options and canvas parameters fail at once, naming the field, the value and what is allowed."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from leonardo_realtime_client import ValidationError
from leonardo_realtime_client._session import RealtimeSession

from .fakes import FakeClient, FakeResult

pytestmark = pytest.mark.anyio


def open_session(operation: str = "generate", **options: Any) -> RealtimeSession[FakeResult]:
    return RealtimeSession(FakeClient(), operation, **options)


@pytest.mark.parametrize(
    ("options", "field", "allowed"),
    [
        ({"max_in_flight": 0}, "max_in_flight", "an integer ≥ 1"),
        ({"max_in_flight": True}, "max_in_flight", "an integer ≥ 1"),
        ({"min_interval": -1}, "min_interval", "≥ 0"),
        ({"min_interval": float("nan")}, "min_interval", "finite"),
        ({"budget": "lots"}, "budget", "numeric string"),
        ({"budget": -1}, "budget", "≥ 0"),
        ({"budget": float("inf")}, "budget", "finite"),
        ({"max_buffered_events": -1}, "max_buffered_events", "≥ 0"),
    ],
)
def test_bad_session_options(options: dict[str, Any], field: str, allowed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        open_session(prompt="p", **options)
    (violation,) = caught.value.violations
    assert violation.field == field
    assert allowed in violation.allowed
    assert field in str(caught.value)


def test_unknown_operation_lists_the_four() -> None:
    with pytest.raises(ValidationError, match="generate, refine, inpaint, upscale") as caught:
        open_session("paint", prompt="p")
    assert caught.value.fields == ("operation",)


def test_the_specs_operation_id_is_accepted_too() -> None:
    assert open_session("performAlchemyUpscaleLCM", prompt="p").operation == "upscale"


def test_fixed_parameters_are_checked_against_the_spec_all_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        open_session(prompt="p", strength=5, style="WATERCOLOUR", steps=2, colour="red")
    by_field = {v.field: v for v in caught.value.violations}
    assert set(by_field) == {"strength", "style", "steps", "colour"}
    assert by_field["strength"].allowed == "a number from 0.1 to 1"
    assert "ANIME" in by_field["style"].allowed
    assert "unknown parameter for generate" in by_field["colour"].allowed
    assert "refine_strength" not in by_field["colour"].allowed  # that one is upscale's


def test_upscale_knows_its_own_parameters_by_their_python_names() -> None:
    session = open_session("upscale", prompt="p", refine_creative=True, refine_strength=0.6)
    assert session.params == {"prompt": "p", "refine_creative": True, "refine_strength": 0.6}
    with pytest.raises(ValidationError) as caught:
        open_session("upscale", refine_strength=0.95)
    assert caught.value.violations[0].field == "refine_strength"


def test_the_request_timestamp_belongs_to_the_session() -> None:
    with pytest.raises(ValidationError, match="set by the session"):
        open_session(prompt="p", request_timestamp="1")


def test_a_mask_is_only_for_inpaint() -> None:
    with pytest.raises(ValidationError, match="only the inpaint operation takes a mask"):
        open_session(prompt="p", mask=b"m")


async def test_prompt_may_come_per_input_but_is_required_at_submit() -> None:
    async with open_session() as session:
        with pytest.raises(ValidationError) as caught:
            session.submit(b"x")
        assert caught.value.fields == ("prompt",)
        assert session.submit(b"x", prompt="a castle").isdigit()


async def test_bad_overrides_raise_at_submit_and_nothing_is_counted() -> None:
    async with open_session(prompt="p") as session:
        with pytest.raises(ValidationError, match="guidance"):
            session.submit(b"x", guidance=50)
        with pytest.raises(ValidationError, match="image"):
            session.submit(None)
        assert session.stats().submitted == 0


async def test_inpaint_needs_a_mask_fixed_or_per_input() -> None:
    async with open_session("inpaint", prompt="p") as session:
        with pytest.raises(ValidationError, match="required for inpaint"):
            session.submit(b"x")
        session.submit(b"x", mask=b"m")
        assert session.stats().submitted == 1


def test_repr_shows_the_state_not_the_images() -> None:
    session = open_session(prompt="p")
    assert repr(session).startswith("<RealtimeSession generate open: max_in_flight=1")


# Later trial of issue 10: the session's own options refused numpy integers with a message that contradicted
# itself ("max_in_flight=np.int64(2): an integer ≥ 1"), refused Decimal/numpy seconds, and rate_limit_backoff
# was not checked at all (nan, -1 and '1' were taken).
@pytest.mark.parametrize(
    ("options", "attribute", "expected"),
    [
        ({"max_in_flight": np.int64(2)}, "_max_in_flight", 2),
        ({"max_in_flight": np.uint8(3)}, "_max_in_flight", 3),
        ({"min_interval": Decimal("0.25")}, "_min_interval", 0.25),
        ({"min_interval": np.float32(0.5)}, "_min_interval", 0.5),
        ({"min_interval": Fraction(1, 4)}, "_min_interval", 0.25),
        ({"max_buffered_events": np.int32(10)}, "_buffer_limit", 10),
        ({"rate_limit_backoff": Decimal("0.5")}, "_rate_limit_backoff", 0.5),
        ({"budget": Fraction(1, 2)}, "_budget", Decimal("0.5")),
        ({"budget": np.float32(0.25)}, "_budget", Decimal("0.25")),
        ({"budget": np.int64(3)}, "_budget", Decimal(3)),
    ],
)
def test_session_options_of_any_number_type_become_plain_numbers(
    options: dict[str, Any], attribute: str, expected: object
) -> None:
    session = open_session(prompt="p", **options)
    value = getattr(session, attribute)
    assert value == expected
    assert type(value) is type(expected)  # a plain int/float/Decimal, not the caller's numpy scalar


@pytest.mark.parametrize(
    ("options", "field", "allowed"),
    [
        ({"max_in_flight": np.float64(2.5)}, "max_in_flight", "an integer ≥ 1"),
        ({"max_in_flight": "2"}, "max_in_flight", "an integer ≥ 1; the type str is not a number"),
        ({"max_in_flight": np.bool_(True)}, "max_in_flight", "the type bool is refused (True/False are not numbers)"),
        ({"min_interval": "0.1"}, "min_interval", "a finite number of seconds ≥ 0; the type str is not a number"),
        ({"rate_limit_backoff": float("nan")}, "rate_limit_backoff", "a finite number of seconds > 0"),
        ({"rate_limit_backoff": -1}, "rate_limit_backoff", "a finite number of seconds > 0"),
        ({"rate_limit_backoff": "1"}, "rate_limit_backoff", "> 0; the type str is not a number"),
        ({"budget": [1]}, "budget", "a Decimal, number or numeric string ≥ 0; the type list is not a number"),
    ],
)
def test_refused_session_options_say_whether_the_type_is_the_problem(
    options: dict[str, Any], field: str, allowed: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        open_session(prompt="p", **options)
    (violation,) = caught.value.violations
    assert violation.field == field
    assert allowed in violation.allowed
