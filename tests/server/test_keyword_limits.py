"""The JSON Schema limits the table can carry beyond ranges and choices are honoured by client and server alike.

The vendored spec states none of them yet (exclusive bounds, multipleOf, minLength/maxLength, pattern), so each
case puts one into a field's rule for the test (the table is a plain dict read at call time) and checks that
``validate_body``, the local server (400 naming the field) and the client (``ValidationError`` before any I/O)
all reject the values outside it and accept the values inside.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from leonardo_realtime_client import RealtimeCanvas, ValidationError
from leonardo_realtime_client._generated.constraints import OPERATIONS
from leonardo_realtime_client._validation import allowed_text, validate_body
from leonardo_realtime_client.server import LocalTransport

from .stand_in import client_fixture, http_fixture, transport_fixture  # noqa: F401  (fixtures)

OP = "createLCMGeneration"

# (field, extra rule keys, what allowed_text says, values rejected, values accepted)
CASES: list[tuple[str, dict[str, Any], str, list[object], list[object]]] = [
    (
        "prompt",
        {"min_length": 3, "max_length": 12},
        "a string of 3 to 12 characters",
        ["ab", "a" * 13],
        ["abc", "a" * 12, "ééé"],  # length in code points, not bytes
    ),
    ("prompt", {"pattern": "^[a-z ]+$"}, "a string matching the pattern ^[a-z ]+$", ["A cat", "cat!"], ["a cat"]),
    ("prompt", {"pattern": "cat"}, "matching the pattern cat", ["a dog"], ["a cat on a mat"]),  # search, unanchored
    (
        "guidance",
        {"minimum": None, "maximum": None, "exclusive_minimum": 0.5, "exclusive_maximum": 20},
        "a number > 0.5 and < 20",
        [0.5, 20, 20.0],
        [0.51, 19.99],
    ),
    ("steps", {"multiple_of": 4}, "an integer from 4 to 16, a multiple of 4", [6, 10], [4, 8, 16]),
    ("strength", {"multiple_of": 0.1}, "a number from 0.1 to 1, a multiple of 0.1", [0.35], [0.3, 0.7, 1]),
    ("seed", {"multiple_of": 2**30}, "a multiple of 1073741824", [2**30 + 1], [2**31, 9 * 2**30]),
]


def params(accepted: bool) -> list[Any]:
    out = []
    for i, (field, extra, text, bad, good) in enumerate(CASES):
        for value in good if accepted else bad:
            out.append(pytest.param(field, extra, text, value, id=f"{field}-{i}-{value!r}"[:60]))
    return out


def with_rule(monkeypatch: pytest.MonkeyPatch, field: str, extra: dict[str, Any]) -> None:
    fields: dict[str, Any] = OPERATIONS[OP]["fields"]  # patched in place: client and server read this dict
    monkeypatch.setitem(fields, field, {**fields[field], **extra})


@pytest.mark.parametrize(("field", "extra", "text", "value"), params(accepted=False))
def test_a_value_outside_a_keyword_limit_is_rejected_by_client_and_server(
    monkeypatch: pytest.MonkeyPatch,
    http: httpx.Client,
    client: RealtimeCanvas,
    transport: LocalTransport,
    scene_url: str,
    field: str,
    extra: dict[str, Any],
    text: str,
    value: object,
) -> None:
    with_rule(monkeypatch, field, extra)
    assert text in allowed_text(OPERATIONS[OP]["fields"][field])
    body = {"imageDataUrl": scene_url, "prompt": "a cat", field: value}
    (violation,) = validate_body(OP, body)
    assert violation.field == field
    assert text in violation.allowed

    response = http.post(OPERATIONS[OP]["path"], json=body)
    assert response.status_code == 400, response.text
    assert response.json()["path"] == f"$.{field}"

    seen = len(transport.requests)
    with pytest.raises(ValidationError) as info:
        client.generate(scene_url, **{k: v for k, v in body.items() if k != "imageDataUrl"})  # type: ignore[arg-type]
    assert info.value.fields == (field,)
    assert len(transport.requests) == seen, "the client must not send what it rejects"


@pytest.mark.parametrize(("field", "extra", "text", "value"), params(accepted=True))
def test_a_value_inside_a_keyword_limit_is_accepted_by_client_and_server(
    monkeypatch: pytest.MonkeyPatch,
    http: httpx.Client,
    client: RealtimeCanvas,
    scene_url: str,
    field: str,
    extra: dict[str, Any],
    text: str,
    value: object,
) -> None:
    with_rule(monkeypatch, field, extra)
    body = {"imageDataUrl": scene_url, "prompt": "a cat", field: value}
    assert validate_body(OP, body) == []
    assert http.post(OPERATIONS[OP]["path"], json=body).status_code == 200
    result = client.generate(scene_url, **{k: v for k, v in body.items() if k != "imageDataUrl"})  # type: ignore[arg-type]
    assert result.images[0].startswith(b"\xff\xd8")
