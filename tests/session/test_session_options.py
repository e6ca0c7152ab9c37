"""Bad session options and canvas parameters fail at once, naming the field, the value and what is allowed."""

from __future__ import annotations

from typing import Any

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
