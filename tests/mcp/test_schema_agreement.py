"""Issue 14: each tool's published input schema and the checks a call goes through agree, value for value.

The schema is what a model reads; ``ToolCalls`` runs the constraints table's own checks. Hypothesis draws
arguments (in range, out of range, wrong types, unknown enum values, missing required ones) and a call must be
refused exactly when JSON Schema validation of the same arguments fails, once the two documented leniencies are
applied (as the CLI does): a number written as text is read as a number, an enum value matches in any case.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from leonardo_realtime_client import encode_data_url
from leonardo_realtime_client._mcp._budget import Budget
from leonardo_realtime_client._mcp._calls import ToolCalls
from leonardo_realtime_client._mcp._results import ResultStore
from leonardo_realtime_client._mcp._schema import TOOL_OPERATIONS, input_schema

from .conftest import png_file

# Integers the wire can carry (the client refuses what does not fit in 64 bits; the schema states no such bound).
_INT = st.integers(min_value=-(2**62), max_value=2**62)
_NUMBER = st.one_of(_INT, st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False))
_ANY = st.one_of(_NUMBER, st.booleans(), st.text(max_size=8), st.none())


def _value(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = prop["type"]
    near: list[st.SearchStrategy[Any]] = []
    if "enum" in prop:
        near.append(st.sampled_from(prop["enum"]))
    for bound in ("minimum", "maximum"):
        if bound in prop:
            edge = prop[bound]
            near.append(st.sampled_from([edge, edge - 1, edge + 1, edge - 0.05, edge + 0.05]))
    typed = {"number": _NUMBER, "integer": _INT, "boolean": st.booleans(), "string": st.text(min_size=1, max_size=12)}
    return st.one_of(*near, typed[kind], _ANY)


@st.composite
def _arguments(draw: st.DrawFn, tool: str, image: str) -> dict[str, Any]:
    schema = input_schema(tool)
    arguments: dict[str, Any] = {}
    for name, prop in schema["properties"].items():
        if name in ("image", "mask"):
            arguments[name] = image
            continue
        # Required fields are usually given (3 in 4), optional ones half the time.
        given = draw(st.integers(0, 3)) > 0 if name in schema["required"] else draw(st.booleans())
        if given:
            arguments[name] = draw(_value(prop))
    return {k: v for k, v in arguments.items() if v is not None}


def _as_read(prop: dict[str, Any], value: Any) -> Any:
    """The two leniencies: numbers as text, enum values in any case."""
    if not isinstance(value, str):
        return value
    if prop["type"] in ("number", "integer"):
        try:
            number = float(value)
        except ValueError:
            return value
        if not math.isfinite(number):
            return value
        return int(number) if number.is_integer() and prop["type"] == "integer" else number
    for choice in prop.get("enum", ()):
        if isinstance(choice, str) and choice.lower() == value.strip().lower():
            return choice
    return value


@pytest.fixture(scope="module")
def jpeg_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from PIL import Image

    path: Path = tmp_path_factory.mktemp("img") / "a.jpg"
    Image.open(png_file(path.with_suffix(".png"))).convert("RGB").save(path, format="JPEG")
    return encode_data_url(path.read_bytes())


@pytest.mark.parametrize("tool", list(TOOL_OPERATIONS))
def test_schema_and_checks_agree(tool: str, jpeg_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    calls = ToolCalls(
        object(),  # type: ignore[arg-type]  # never reached: only the checks run
        ResultStore(tmp_path_factory.mktemp("out")),
        Budget(),
        secret=None,
        local=True,
    )
    validator = Draft202012Validator(input_schema(tool))

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_arguments(tool, jpeg_url))
    def check(arguments: dict[str, Any]) -> None:
        properties = input_schema(tool)["properties"]
        read = {k: _as_read(properties[k], v) if k in properties else v for k, v in arguments.items()}
        schema_ok = validator.is_valid(read)
        _, _, violations = calls._prepare(tool, TOOL_OPERATIONS[tool], dict(arguments))
        assert schema_ok == (not violations), (arguments, [str(v) for v in violations])

    check()


def test_the_schemas_are_valid_json_schema() -> None:
    for tool in TOOL_OPERATIONS:
        Draft202012Validator.check_schema(input_schema(tool))
