"""The plain case is judged fast (``plain_body``) and never more leniently than the full validator.

Property: for any body, with any of the JSON Schema limits the table can carry put into a field's rule, a body
``plain_body`` accepts is one ``validate_body`` accepts, and it is sent exactly as ``json_numbers`` would make it
(same values, same JSON types). And the usual call takes the plain way: the full validator is not run for it, and
is run (with its conversions and its words) for anything else.
"""

from __future__ import annotations

import math
from decimal import Decimal
from enum import IntEnum
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leonardo_realtime_client import RealtimeCanvas, ValidationError
from leonardo_realtime_client import _validation as validation
from leonardo_realtime_client._generated.constraints import OPERATIONS
from leonardo_realtime_client._validation import json_numbers, plain_body, validate_body

from .conftest import API_KEY, Recorder, make_jpeg

IMAGE = make_jpeg((16, 16))
IMAGES = frozenset({"imageDataUrl", "maskDataUrl"})


class Level(IntEnum):
    EIGHT = 8


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**65), 2**65),
    st.integers(-3, 2000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1, 30),
    st.decimals(allow_nan=True, allow_infinity=True, places=2),
    st.just(Level.EIGHT),
    st.text(max_size=8),
    st.sampled_from(["ANIME", "anime", "NONE", "OIL", "a cat", "A cat", "é", "\ud800"]),
)
extra_limits = st.fixed_dictionaries(
    {},
    optional={
        "min_length": st.integers(0, 4),
        "max_length": st.integers(0, 6),
        "pattern": st.sampled_from(["^[a-z ]+$", "cat", "^A"]),
        "exclusive_minimum": st.sampled_from([0, 0.5, 8]),
        "exclusive_maximum": st.sampled_from([1, 20, 1024]),
        "multiple_of": st.sampled_from([2, 0.1]),
    },
)


def valid(rule: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values within the field's limits, of its own kind."""
    if rule["choices"] is not None:
        return st.sampled_from(rule["choices"])
    if rule["type"] == "boolean":
        return st.booleans()
    if rule["enum"] is not None:
        return st.sampled_from(rule["enum"])
    if rule["type"] == "string":
        return st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=10)
    low = rule["minimum"] if rule["minimum"] is not None else -(2**40)
    high = rule["maximum"] if rule["maximum"] is not None else 2**40
    if rule["type"] == "integer":
        return st.integers(int(low), int(high))
    whole = [st.integers(math.ceil(low), math.floor(high))] if math.ceil(low) <= math.floor(high) else []
    return st.one_of(st.floats(low, high), *whole)


def near_miss(rule: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values at or just beyond the field's limits, or of a nearby kind."""
    if rule["enum"] is not None:
        return st.sampled_from([choice.lower() for choice in rule["enum"]])
    if rule["type"] in ("string", "boolean"):
        return values
    low = rule["minimum"] if rule["minimum"] is not None else 0
    high = rule["maximum"] if rule["maximum"] is not None else 2**64
    return st.sampled_from([low - 0.01, high + 0.01, int(low) - 1, int(high) + 1, float(int(low)), Decimal(str(low))])


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, str | None, dict[str, Any], dict[str, Any]]:
    """A valid body (optional fields left out at random), then none to two fields set to another value."""
    operation_id = draw(st.sampled_from(sorted(OPERATIONS)))
    fields = OPERATIONS[operation_id]["fields"]
    names = sorted(set(fields) - IMAGES)
    body = {name: draw(valid(dict(fields[name]))) for name in names if fields[name]["required"] or draw(st.booleans())}
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from([*names, "unknownField"]))
        rule = dict(fields[name]) if name in fields else None
        body[name] = draw(values if rule is None or draw(st.booleans()) else near_miss(rule))
    patched = draw(st.one_of(st.none(), st.sampled_from(names)))
    return operation_id, patched, body, draw(extra_limits)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies())
def test_a_body_judged_plain_is_one_the_validator_accepts_and_is_sent_alike(
    monkeypatch: pytest.MonkeyPatch, case: tuple[str, str | None, dict[str, Any], dict[str, Any]]
) -> None:
    operation_id, patched, body, extra = case
    with monkeypatch.context() as patch:
        if patched is not None:
            fields: dict[str, Any] = OPERATIONS[operation_id]["fields"]
            patch.setitem(fields, patched, {**fields[patched], **extra})
        body = {name: value for name, value in body.items() if value is not None}
        plain = plain_body(operation_id, body, given=IMAGES)
        if plain is None:
            return
        placeholders = dict.fromkeys(IMAGES & OPERATIONS[operation_id]["fields"].keys(), "")
        problems = [v for v in validate_body(operation_id, {**body, **placeholders}) if v.field not in IMAGES]
        assert problems == []
        assert orjson.dumps(plain) == orjson.dumps(json_numbers(operation_id, dict(body)))
        assert [type(value) for value in plain.values()] == [type(value) for value in body.values()]


def test_the_examples_of_each_kind_go_the_full_way() -> None:
    op = "createLCMGeneration"
    base: dict[str, Any] = {"prompt": "a fox", "guidance": 7.0, "steps": 8, "width": 512}
    assert plain_body(op, base) is None  # the image is required: checked elsewhere, and said so by `given`
    assert plain_body(op, base, given=IMAGES) == base
    for name, value in [
        ("guidance", Decimal("7")),  # another number type: converted by json_numbers
        ("steps", 8.0),  # an integral float for an integer: sent as 8
        ("steps", Level.EIGHT),  # an int subclass: sent as a plain int
        ("steps", True),  # bool is no number: refused by the full way, with its words
        ("guidance", float("nan")),
        ("seed", 2**64),  # beyond 64 bits
        ("style", "anime"),  # another letter case: canonical_choice spells it as the spec does
        ("prompt", "\ud800"),  # a lone surrogate
        ("width", 9999),  # out of range
        ("nonsense", 1),  # unknown
    ]:
        assert plain_body(op, {**base, name: value}, given=IMAGES) is None, (name, value)
    assert plain_body(op, {"guidance": 7.0}, given=IMAGES) is None  # the prompt is required


@pytest.fixture
def full_validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = validation.validate_body

    def counting(operation_id: str, body: Any, **kwargs: Any) -> Any:
        calls.append(operation_id)
        return real(operation_id, body, **kwargs)

    monkeypatch.setattr(validation, "validate_body", counting)
    return calls


def test_the_usual_call_is_not_run_through_the_full_validator(full_validations: list[str]) -> None:
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, transport=recorder.transport) as canvas:
        canvas.generate(IMAGE, prompt="a fox", guidance=7, strength=0.65, steps=8, width=512, height=512, seed=42)
        assert full_validations == []
        canvas.generate(IMAGE, prompt="a fox", guidance=Decimal("7"), strength=0.65, steps=Decimal("8"), style="anime")
        assert full_validations == ["createLCMGeneration"]
        with pytest.raises(ValidationError, match="steps"):
            canvas.generate(IMAGE, prompt="a fox", steps=99)
    first, second = (orjson.loads(request.content) for request in recorder.requests)
    assert (second["guidance"], second["steps"], second["style"]) == (7, 8, "ANIME")
    assert type(second["steps"]) is int
    assert (first["guidance"], first["seed"]) == (7, 42)
    assert len(recorder.requests) == 2  # the refused call sent nothing
