"""Each tool's published input schema and the checks a call goes through agree, value for value.

The schema is what a model reads; ``ToolCalls`` runs the constraints table's own checks. Hypothesis draws
arguments (in range, out of range, wrong types, unknown enum values, missing required ones) and a call must be
refused exactly when JSON Schema validation of the same arguments fails, once the two documented leniencies are
applied (as the CLI does): a number written as text is read as a number, an enum value matches in any case.
"""

from __future__ import annotations

import copy
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


# A copy of the table whose generate row states every JSON Schema keyword the table can carry (the spec states none
# of them today): the published schema must state each one, and a call must be refused exactly when it breaks one.
_CHANGED: dict[str, dict[str, Any]] = {
    "guidance": {"minimum": None, "maximum": None, "exclusive_minimum": 1, "exclusive_maximum": 7, "multiple_of": 0.5},
    "steps": {"multiple_of": 2},
    "prompt": {"min_length": 3, "max_length": 12, "pattern": "^[a-z ]+$"},
    "seed": {"format": "int64", "deprecated": True},
}
_KEYWORDS = {
    "exclusive_minimum": "exclusiveMinimum",
    "exclusive_maximum": "exclusiveMaximum",
    "multiple_of": "multipleOf",
    "min_length": "minLength",
    "max_length": "maxLength",
    "pattern": "pattern",
    "format": "format",
    "deprecated": "deprecated",
}
_PROBES: dict[str, list[Any]] = {
    "guidance": [1, 1.5, 6.5, 7, 0.5, 2.25, 3, 8],
    "steps": [4, 5, 8, 16, 15],
    "prompt": ["ab", "abc", "a red kite", "a red kite at d", "Red kite", "a kite 2"],
    "seed": [1, 42],
}


@pytest.fixture
def changed_table(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from leonardo_realtime_client import _validation

    table = copy.deepcopy(_validation.OPERATIONS)
    fields = table[TOOL_OPERATIONS["generate"]]["fields"]
    for name, change in _CHANGED.items():
        fields[name].update(change)  # type: ignore[typeddict-item]
    monkeypatch.setattr(_validation, "OPERATIONS", table)
    return table


def test_every_keyword_of_the_table_is_in_the_schema(changed_table: dict[str, Any]) -> None:
    properties = input_schema("generate")["properties"]
    for name, change in _CHANGED.items():
        for key, value in change.items():
            keyword = _KEYWORDS.get(key, key)
            if value is None:
                assert keyword not in properties[name], (name, keyword)
            else:
                assert properties[name][keyword] == value, (name, keyword)
    Draft202012Validator.check_schema(input_schema("generate"))


def test_the_checks_and_the_schema_agree_on_every_keyword(
    changed_table: dict[str, Any], jpeg_url: str, tmp_path: Path
) -> None:
    calls = ToolCalls(object(), ResultStore(tmp_path), Budget(), secret=None, local=True)  # type: ignore[arg-type]
    validator = Draft202012Validator(input_schema("generate"))
    verdicts: dict[bool, int] = {True: 0, False: 0}
    for name, values in _PROBES.items():
        for value in values:
            arguments = {"image": jpeg_url, "prompt": "a red kite", name: value}
            _, _, violations = calls._prepare("generate", TOOL_OPERATIONS["generate"], dict(arguments))
            schema_ok = validator.is_valid(arguments)
            assert schema_ok == (not violations), (name, value, [str(v) for v in violations])
            verdicts[schema_ok] += 1
    # Both sides of every keyword were probed.
    assert verdicts[True] >= 5
    assert verdicts[False] >= 5
