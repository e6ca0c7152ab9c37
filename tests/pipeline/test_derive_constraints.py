"""scripts/derive_constraints.py and scripts/limits_prose.py: the table from any way a body and a limit can be written.

In-process on the fixture spec (no generator run): the table is derived from the resolved body schema, honours
the JSON Schema keywords, reads limits written in prose in several forms, and fails -- naming the field and the
statements -- when it cannot be sure.
"""

from __future__ import annotations

import copy
import re
from typing import Any, get_type_hints

import derive_constraints
import pytest
from limits_prose import documented_limits
from spec_tools import GENERATED_DIR

from leonardo_realtime_client._generated.constraints import FieldRule, OperationRule

from .helpers import Spec, request_props

GEN = "/generations-lcm"
OP = "createLCMGeneration"


def body(spec: Spec, path: str = GEN) -> dict[str, Any]:
    schema: dict[str, Any] = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return schema


def set_body(spec: Spec, schema: dict[str, Any], path: str = GEN) -> None:
    spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"] = schema


def fields(spec: Spec, op: str = OP) -> dict[str, Any]:
    out: dict[str, Any] = derive_constraints.derive(spec)[op]["fields"]
    return out


def test_every_rule_has_every_key_the_table_declares(fixture_spec: Spec) -> None:
    table = derive_constraints.derive(fixture_spec)
    for op in table.values():
        assert set(op) == set(get_type_hints(OperationRule))
        for rule in op["fields"].values():
            assert set(rule) == set(get_type_hints(FieldRule))


def test_the_existing_keys_keep_their_meaning(fixture_spec: Spec) -> None:
    steps, width, guidance, seed = (fields(fixture_spec)[n] for n in ("steps", "width", "guidance", "seed"))
    assert (steps["minimum"], steps["maximum"], steps["type"], steps["nullable"]) == (4, 16, "integer", True)
    assert (width["choices"], width["default"]) == ((512, 640, 1024), 512)
    assert (guidance["minimum"], guidance["maximum"]) == (0.5, 20.0)
    assert seed["maximum"] == 9999999998
    assert fields(fixture_spec)["style"]["enum"][:2] == ("ANIME", "CINEMATIC")


def _wrap_in_all_of(spec: Spec) -> None:
    set_body(spec, {"allOf": [body(spec)]})


def _via_ref(spec: Spec) -> None:
    spec["components"]["schemas"]["GenerationBody"] = body(spec)
    set_body(spec, {"$ref": "#/components/schemas/GenerationBody"})


def _split_in_two_parts(spec: Spec) -> None:
    schema = body(spec)
    names = list(schema["properties"])
    first = {n: schema["properties"][n] for n in names[:3]}
    rest = {n: schema["properties"][n] for n in names[3:]}
    required = schema.get("required", [])
    spec["components"]["schemas"]["Base"] = {
        "type": "object",
        "properties": first,
        "required": [r for r in required if r in first],
    }
    set_body(
        spec,
        {
            "allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"allOf": [{"type": "object", "properties": rest, "required": [r for r in required if r in rest]}]},
            ]
        },
    )


def _property_through_all_of(spec: Spec) -> None:
    props = request_props(spec, GEN)
    props["seed"] = {"allOf": [{"$ref": "#/components/schemas/seed"}]}


@pytest.mark.parametrize(
    "rewrite",
    [_wrap_in_all_of, _via_ref, _split_in_two_parts, _property_through_all_of],
    ids=["allOf-wrapper", "ref", "allOf-of-ref-and-nested-allOf", "property-allOf-ref"],
)
def test_a_body_written_another_way_gives_the_same_table(fixture_spec: Spec, rewrite: Any) -> None:
    spec = copy.deepcopy(fixture_spec)
    rewrite(spec)
    assert fields(spec) == fields(fixture_spec)
    assert len(fields(spec)) == 10


@pytest.mark.parametrize(
    "nullable_number",
    [
        {"type": ["number", "null"]},
        {"anyOf": [{"type": "number"}, {"type": "null"}]},
        {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Num"}]},
        {"type": "number", "nullable": True},
    ],
    ids=["3.1-type-list", "anyOf-null", "oneOf-ref-null", "3.0-nullable"],
)
def test_nullable_written_any_way_is_nullable(fixture_spec: Spec, nullable_number: dict[str, Any]) -> None:
    spec = copy.deepcopy(fixture_spec)
    spec["components"]["schemas"]["Num"] = {"type": "number"}
    request_props(spec, GEN)["guidance"] = {**nullable_number, "description": "Must be between 0.5 and 20."}
    rule = fields(spec)["guidance"]
    assert (rule["type"], rule["nullable"], rule["minimum"], rule["maximum"]) == ("number", True, 0.5, 20.0)


@pytest.mark.parametrize(
    ("field", "keywords", "expected"),
    [
        ("steps", {"minimum": 4, "maximum": 16}, {"minimum": 4, "maximum": 16}),
        ("guidance", {"exclusiveMinimum": 0, "maximum": 20}, {"exclusive_minimum": 0, "maximum": 20}),
        (
            "guidance",
            {"minimum": 0, "exclusiveMinimum": True, "maximum": 20, "exclusiveMaximum": True},
            {"exclusive_minimum": 0, "exclusive_maximum": 20, "minimum": None, "maximum": None},
        ),
        ("steps", {"multipleOf": 2}, {"multiple_of": 2}),
        ("prompt", {"minLength": 1, "maxLength": 1000}, {"min_length": 1, "max_length": 1000}),
        ("prompt", {"pattern": "^[^<>]*$"}, {"pattern": "^[^<>]*$"}),
        ("prompt", {"format": "text"}, {"format": "text"}),
        ("prompt", {"deprecated": True}, {"deprecated": True}),
        ("steps", {"enum": [4, 8, 16]}, {"choices": (4, 8, 16)}),
        ("prompt", {"enum": ["a", "b", None]}, {"enum": ("a", "b"), "nullable": True}),
    ],
    ids=lambda v: str(v) if not isinstance(v, dict) else "-".join(v),
)
def test_json_schema_keywords_are_in_the_table(
    fixture_spec: Spec, field: str, keywords: dict[str, Any], expected: dict[str, Any]
) -> None:
    spec = copy.deepcopy(fixture_spec)
    prop = request_props(spec, GEN)[field]
    prop.update(keywords)
    prop["description"] = "A field."
    rule = fields(spec)[field]
    assert {k: rule[k] for k in expected} == expected


def test_a_keyword_beside_prose_that_disagrees_fails_naming_the_field_and_both_statements(fixture_spec: Spec) -> None:
    """The issue's example: ``maximum: 12`` beside "Must be between 4 and 16." used to let the prose win."""
    spec = copy.deepcopy(fixture_spec)
    request_props(spec, GEN)["steps"]["maximum"] = 12
    with pytest.raises(ValueError, match=r"createLCMGeneration\.steps") as info:
        derive_constraints.derive(spec)
    assert "the schema says maximum: 12" in str(info.value)
    assert "the description says 'Must be between 4 and 16.'" in str(info.value)


@pytest.mark.parametrize(
    ("field", "keywords", "said"),
    [
        ("steps", {"minimum": 2}, "minimum: 2"),
        ("guidance", {"exclusiveMinimum": 0.5}, "exclusiveMinimum: 0.5"),  # exclusive vs the prose's inclusive
        ("width", {"enum": [512, 768]}, "enum: (512, 768)"),
        ("width", {"default": 640, "description": "Must be 512, 640 or 1024. Defaults to 512."}, "default: 640"),
    ],
)
def test_other_disagreements_fail_too(fixture_spec: Spec, field: str, keywords: dict[str, Any], said: str) -> None:
    spec = copy.deepcopy(fixture_spec)
    request_props(spec, GEN)[field].update(keywords)
    with pytest.raises(ValueError, match=rf"createLCMGeneration\.{field}: the schema says {re.escape(said)}"):
        derive_constraints.derive(spec)


def test_a_keyword_that_agrees_with_the_prose_is_fine(fixture_spec: Spec) -> None:
    spec = copy.deepcopy(fixture_spec)
    request_props(spec, GEN)["steps"].update(minimum=4, maximum=16)
    request_props(spec, GEN)["guidance"].update(minimum=0.5, maximum=20)
    assert fields(spec) == fields(fixture_spec)


READABLE = [
    ("Must be between 4 and 16.", "integer", {"minimum": 4, "maximum": 16}),
    ("Range: 4-16.", "integer", {"minimum": 4, "maximum": 16}),
    ("Range: 4\u201316.", "integer", {"minimum": 4, "maximum": 16}),
    ("From 1 to 8.", "integer", {"minimum": 1, "maximum": 8}),
    ("Between 0 and 1 (exclusive).", "number", {"exclusive_minimum": 0.0, "exclusive_maximum": 1.0}),
    ("At least 2 and at most 10.", "integer", {"minimum": 2, "maximum": 10}),
    ("No more than 5.", "integer", {"maximum": 5}),
    ("Greater than 0.", "number", {"exclusive_minimum": 0.0}),
    ("Less than 1.", "number", {"exclusive_maximum": 1.0}),
    ("Maximum: 30.", "integer", {"maximum": 30}),
    ("The minimum value is 1.", "integer", {"minimum": 1}),
    ("Must be 512, 640 or 1024.", "integer", {"choices": (512, 640, 1024)}),
    ("One of 1, 2, 4.", "integer", {"choices": (1, 2, 4)}),
    ("In steps of 64.", "integer", {"multiple_of": 64}),
    ("At most 1000 characters.", "string", {"max_length": 1000}),
    ("Between 1 and 200 characters long.", "string", {"min_length": 1, "max_length": 200}),
    ("Defaults to 512.", "integer", {"default": 512}),
    (
        "The maximum seed value is 2147483637 for Flux and 9999999998 for other models",
        "integer",
        {"maximum": 9999999998},
    ),
    ("Image data. In base64 format. Prefix: `data:image/jpeg;base64,`", "string", {}),
    ("How strongly the generation should reflect the prompt.", "number", {}),
]


@pytest.mark.parametrize(("text", "kind", "expected"), READABLE, ids=[r[0][:40] for r in READABLE])
def test_limits_written_in_prose_are_read(text: str, kind: str, expected: dict[str, Any]) -> None:
    limits = documented_limits(text, kind, "op.field")
    found = {k: v for k, v in limits._asdict().items() if v is not None and k != "statements"}
    assert found == expected


UNREADABLE = [
    ("Steps: 4 to 16 recommended.", "integer"),
    ("Values over 16 are clipped.", "integer"),
    ("Should not be above about 20.", "number"),
    ("Must be sensible.", "integer"),
    ("Must be at most 1000.", "string"),  # a string: characters? bytes? tokens?
    ("Between 4 and 16. Between 4 and 12.", "integer"),  # stated twice, differently
    ("Must be between 16 and 4.", "integer"),  # empty
    ("Must be 0.5, 1 or 2.", "number"),  # choices the table holds only for integers
]


@pytest.mark.parametrize(("text", "kind"), UNREADABLE, ids=[u[0][:40] for u in UNREADABLE])
def test_a_limit_like_sentence_that_cannot_be_read_fails_naming_the_field_and_sentence(text: str, kind: str) -> None:
    with pytest.raises(ValueError, match=r"^op\.field: ") as info:
        documented_limits(text, kind, "op.field")
    assert any(part in str(info.value) for part in (text, text.split(". ")[-1]))


def test_an_unreadable_sentence_fails_derivation(fixture_spec: Spec) -> None:
    spec = copy.deepcopy(fixture_spec)
    request_props(spec, GEN)["steps"]["description"] = "The number of steps. About 4 to 16 work best."
    with pytest.raises(ValueError, match=r"createLCMGeneration\.steps: a limit this pipeline cannot read"):
        derive_constraints.derive(spec)


def test_parameters_come_from_the_path_item_and_the_operation(fixture_spec: Spec) -> None:
    spec = copy.deepcopy(fixture_spec)
    spec["components"]["parameters"] = {"Trace": {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}}
    item = spec["paths"][GEN]
    item["parameters"] = [
        {"name": "team", "in": "query", "required": True, "schema": {"type": "string"}},
        {"$ref": "#/components/parameters/Trace"},
    ]
    item["post"]["parameters"] = [{"name": "team", "in": "query", "required": False, "schema": {"type": "string"}}]
    table = derive_constraints.derive(spec)
    assert table[OP]["parameters"] == (
        {"name": "team", "location": "query", "required": False},  # the operation's own wins
        {"name": "X-Trace", "location": "header", "required": False},
    )
    assert table["performInstantRefine"]["parameters"] == ()


@pytest.mark.parametrize(
    ("rewrite", "message"),
    [
        (lambda s: request_props(s, GEN).update(extra={"type": "object"}), "extra: unsupported type 'object'"),
        (lambda s: request_props(s, GEN).update(extra={"type": ["string", "number"]}), "unsupported type"),
        (
            lambda s: set_body(s, {"allOf": [body(s), {"type": "object", "maxProperties": 3}, {"maxProperties": 4}]}),
            "allOf parts disagree on 'maxProperties'",
        ),
        (lambda s: request_props(s, GEN)["prompt"].update(pattern="(unclosed"), "is not a regular expression"),
    ],
    ids=["object-field", "two-types", "allOf-conflict", "bad-pattern"],
)
def test_what_the_table_cannot_hold_fails_derivation(fixture_spec: Spec, rewrite: Any, message: str) -> None:
    spec = copy.deepcopy(fixture_spec)
    rewrite(spec)
    with pytest.raises(ValueError, match="createLCMGeneration") as info:
        derive_constraints.derive(spec)
    assert message in str(info.value)


def test_the_committed_table_matches_the_committed_generated_models() -> None:
    from leonardo_realtime_client._generated.constraints import OPERATIONS

    derive_constraints.check_against_tree(dict(OPERATIONS), GENERATED_DIR)  # type: ignore[arg-type]


def test_a_table_whose_fields_differ_from_the_generated_models_is_refused(fixture_spec: Spec) -> None:
    """What happened with an allOf body before: a table of zero fields beside a model of ten."""
    table = derive_constraints.derive(fixture_spec)
    table[OP]["fields"] = {}
    table["performAlchemyUpscaleLCM"]["parameters"] = ({"name": "team", "location": "query", "required": True},)
    with pytest.raises(ValueError, match="does not match the generated code") as info:
        derive_constraints.check_against_tree(table, GENERATED_DIR)
    message = str(info.value)
    assert "createLCMGeneration: the table's fields and the generated CreateLcmGenerationBody model's differ" in message
    assert "only in the model: ['guidance', 'height', 'imageDataUrl'," in message
    assert "performAlchemyUpscaleLCM: 1 parameter(s) in the table (team), but the generated function takes 0" in message


@pytest.mark.parametrize(
    ("sibling", "named"),
    [
        ({"maximum": 100}, "maximum beside a $ref"),
        ({"nullable": False, "minimum": 0}, "minimum, nullable beside a $ref"),
        ({"description": "Must be at most 100."}, "a limit in its description ('Must be at most 100.') beside a $ref"),
    ],
)
def test_a_limit_beside_a_ref_fails_instead_of_being_dropped(
    fixture_spec: Spec, sibling: dict[str, Any], named: str
) -> None:
    """openapi-python-client ignores what sits beside a $ref, so the table would silently lose the limit."""
    spec = copy.deepcopy(fixture_spec)
    request_props(spec, GEN)["seed"].update(sibling)
    with pytest.raises(ValueError, match=r"createLCMGeneration\.seed: ") as info:
        derive_constraints.derive(spec)
    assert named in str(info.value)
    assert "wrap the $ref in allOf" in str(info.value)


def test_a_plain_description_beside_a_ref_is_fine(fixture_spec: Spec) -> None:
    spec = copy.deepcopy(fixture_spec)
    request_props(spec, GEN)["seed"]["description"] = "A seed for repeatable results."
    assert fields(spec)["seed"] == fields(fixture_spec)["seed"]
