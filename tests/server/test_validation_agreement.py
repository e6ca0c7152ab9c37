"""Client and server validate from the same generated table, so they agree on every value it describes.

Cases are generated from ``_generated/constraints.py`` (nothing here types a limit): for every operation and
field, values just outside each documented limit, of the wrong type, or null where null is not allowed; and
values on each limit. A value ``validate_body`` rejects must be rejected by the client before any I/O
(``ValidationError`` naming the argument) and by the server with 400 naming the field; a value it accepts must
get 200 from both.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from leonardo_realtime_client import RealtimeCanvas, ValidationError
from leonardo_realtime_client._generated.constraints import OPERATIONS, FieldRule
from leonardo_realtime_client._operations import IMAGE_ARGUMENTS, OPERATION_IDS, snake_case
from leonardo_realtime_client._validation import validate_body
from leonardo_realtime_client.server import LocalTransport

from .stand_in import client_fixture, http_fixture, transport_fixture  # noqa: F401  (fixtures)

MISSING = object()
METHODS = {operation_id: name for name, operation_id in OPERATION_IDS.items()}


def snake(name: str) -> str:
    return IMAGE_ARGUMENTS.get(name) or snake_case(name)


def bad_values(rule: FieldRule) -> Iterator[tuple[str, object]]:
    """(label, value) pairs the table says are invalid for this field."""
    kind = rule["type"]
    if rule["required"]:
        yield "missing", MISSING
    if not rule["nullable"]:
        yield "null", None
    yield "wrong-type", {"number": "5", "integer": "5", "string": 123, "boolean": "yes"}[kind]
    if kind in ("number", "integer"):
        yield "bool", True
    if kind == "integer":
        yield "fraction", 4.5
    if rule["minimum"] is not None:
        yield "below-min", rule["minimum"] - (1 if kind == "integer" else 0.01)
    if rule["maximum"] is not None:
        yield "above-max", rule["maximum"] + (1 if kind == "integer" else 0.01)
    if rule["choices"] is not None:
        yield "not-a-choice", max(rule["choices"]) + 1
    if rule["enum"] is not None:
        yield "not-in-enum", "NOT_" + rule["enum"][0]
    # The keywords beyond ranges (none in today's spec; covered here as soon as the spec states one).
    if rule["exclusive_minimum"] is not None:
        yield "at-exclusive-min", rule["exclusive_minimum"]
    if rule["exclusive_maximum"] is not None:
        yield "at-exclusive-max", rule["exclusive_maximum"]
    if kind == "integer" and rule["multiple_of"] is not None and rule["multiple_of"] > 1:
        yield "off-step", rule["multiple_of"] + 1
    if rule["min_length"]:
        yield "too-short", "x" * (rule["min_length"] - 1)
    if rule["max_length"] is not None:
        yield "too-long", "x" * (rule["max_length"] + 1)


def good_values(rule: FieldRule) -> Iterator[tuple[str, object]]:
    """(label, value) pairs on the table's limits, for fields that have limits."""
    if rule["minimum"] is not None:
        yield "min", rule["minimum"]
    if rule["maximum"] is not None:
        yield "max", rule["maximum"]
    if rule["choices"] is not None:
        yield "smallest-choice", min(rule["choices"])
    if rule["enum"] is not None:
        yield "last-enum", rule["enum"][-1]
    if rule["min_length"] is not None:
        yield "shortest", "x" * rule["min_length"]
    if rule["max_length"] is not None:
        yield "longest", "x" * rule["max_length"]
    if rule["nullable"] and not rule["required"]:
        yield "null", None


def cases(values: Any) -> list[Any]:
    out = []
    for op_id, op in OPERATIONS.items():
        for name, rule in op["fields"].items():
            for label, value in values(rule):
                out.append(pytest.param(op_id, name, value, id=f"{op_id}-{name}-{label}"))
    return out


def base_body(op_id: str, scene_url: str) -> dict[str, Any]:
    body: dict[str, Any] = {"imageDataUrl": scene_url, "prompt": "agreement"}
    if "maskDataUrl" in OPERATIONS[op_id]["fields"]:
        body["maskDataUrl"] = scene_url
    return body


def with_value(body: dict[str, Any], name: str, value: object) -> dict[str, Any]:
    body = dict(body)
    if value is MISSING:
        del body[name]
    else:
        body[name] = value
    return body


def call_client(client: RealtimeCanvas, op_id: str, body: dict[str, Any]) -> Any:
    kwargs = {snake(k): v for k, v in body.items()}
    method = getattr(client, METHODS[op_id])
    if op_id == "performInpaintingLCM":
        return method(kwargs.pop("image"), kwargs.pop("mask"), **kwargs)
    return method(kwargs.pop("image"), **kwargs)


def test_the_table_yields_cases_for_every_field() -> None:
    bad = cases(bad_values)
    assert len(bad) > 60
    assert {p.values[1] for p in bad} == {n for op in OPERATIONS.values() for n in op["fields"]}


@pytest.mark.parametrize(("op_id", "name", "value"), cases(bad_values))
def test_a_value_the_table_rejects_is_rejected_by_client_and_server(
    http: httpx.Client,
    client: RealtimeCanvas,
    transport: LocalTransport,
    scene_url: str,
    op_id: str,
    name: str,
    value: object,
) -> None:
    body = with_value(base_body(op_id, scene_url), name, value)
    assert [v.field for v in validate_body(op_id, body)] == [name]

    response = http.post(OPERATIONS[op_id]["path"], json=body)
    assert response.status_code == 400, response.text
    assert response.json()["path"] == f"$.{name}"
    assert f"  - {name}=" in response.json()["error"]

    if value is MISSING:
        return  # a Python call cannot leave out a required argument: that is a TypeError, not this table's business
    if value is None and not OPERATIONS[op_id]["fields"][name]["required"]:
        return  # in Python, None for an optional argument means "not set": the client never sends a null
    seen = len(transport.requests)
    with pytest.raises(ValidationError) as info:
        call_client(client, op_id, body)
    assert info.value.fields == (snake(name),)
    assert len(transport.requests) == seen, "the client must not send what it rejects"


@pytest.mark.parametrize(("op_id", "name", "value"), cases(good_values))
def test_a_value_on_the_tables_limits_is_accepted_by_client_and_server(
    http: httpx.Client, client: RealtimeCanvas, scene_url: str, op_id: str, name: str, value: object
) -> None:
    body = with_value(base_body(op_id, scene_url), name, value)
    assert validate_body(op_id, body) == []

    response = http.post(OPERATIONS[op_id]["path"], json=body)
    assert response.status_code == 200, response.text
    result = call_client(client, op_id, body)
    assert result.images[0].startswith(b"\xff\xd8")
