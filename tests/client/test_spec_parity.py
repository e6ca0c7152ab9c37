"""The methods follow the spec: one keyword per request field, documented with the spec's limits."""

from __future__ import annotations

import inspect

import attrs
import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, RealtimeCanvas
from leonardo_realtime_client._generated.constraints import OPERATIONS
from leonardo_realtime_client._operations import operations, snake_case
from leonardo_realtime_client._validation import allowed_text

CALL_OPTIONS = {"timeout", "total_timeout", "max_retries"}


@pytest.mark.parametrize("client", [RealtimeCanvas, AsyncRealtimeCanvas])
@pytest.mark.parametrize("name", ["generate", "refine", "inpaint", "upscale"])
def test_keywords_are_the_spec_fields_in_python_style(client: type, name: str) -> None:
    operation = operations()[name]
    parameters = inspect.signature(getattr(client, name)).parameters
    expected = set(operation.names.values())
    assert set(parameters) - {"self"} == expected | CALL_OPTIONS
    positional = [p.name for p in parameters.values() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == ["self", "image", "mask"] if name == "inpaint" else ["self", "image"]
    for parameter in parameters.values():
        if parameter.name not in ("self", "image", "mask", "prompt"):
            assert parameter.default is None, parameter.name  # None = not sent


@pytest.mark.parametrize("client", [RealtimeCanvas, AsyncRealtimeCanvas])
@pytest.mark.parametrize("name", ["generate", "refine", "inpaint", "upscale"])
def test_docstrings_state_the_specs_limits(client: type, name: str) -> None:
    operation = operations()[name]
    doc = inspect.getdoc(getattr(client, name))
    assert doc is not None
    flat = " ".join(doc.split())
    assert operation.path in flat
    for json_name, rule in OPERATIONS[operation.operation_id]["fields"].items():
        python_name = operation.names[json_name]
        assert f"{python_name}:" in flat
        if rule["type"] != "string" or rule["enum"]:
            assert allowed_text(rule) in flat, (name, python_name)


def test_operation_table_matches_the_generated_code() -> None:
    table = operations()
    assert {op.operation_id for op in table.values()} == set(OPERATIONS)
    for op in table.values():
        assert op.path == OPERATIONS[op.operation_id]["path"]
        assert op.method == "POST"
        assert op.body_type.__name__.endswith("Body")
        assert op.output_type.__name__.endswith("LcmGenerationOutput")
    assert table["upscale"].names["refineStrength"] == "refine_strength"
    assert table["inpaint"].names["maskDataUrl"] == "mask"
    assert table["generate"].integer_fields == {"steps", "width", "height", "seed"}


def test_the_body_keys_are_the_generated_body_models_fields() -> None:
    """The request body is built from ``Operation.names`` (no model round trip): they must be the model's fields."""
    for op in operations().values():
        model_fields = {field.name for field in attrs.fields(op.body_type)} - {"additional_properties"}
        assert model_fields == {snake_case(json_name) for json_name in op.names}, op.name
        assert op.names.keys() == OPERATIONS[op.operation_id]["fields"].keys()
