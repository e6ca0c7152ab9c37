"""A table of spec mutations, each with its expected changelog classification and its effect on the constraints table.

Over 500 lines because the table is the test: one entry per kind of spec change, read top to bottom.

Every case mutates the fixture spec the way real OpenAPI files differ (the issue's examples and more of each
kind) and states, per operation, whether the changelog calls it unchanged, non-breaking or BREAKING, which
kinds of change it reports, and exactly what changes in the constraints table (or that deriving it fails,
and why). The changelog and the deriver run in-process; the few cases marked ``generate`` also run the
generator and check the generated tree (files and public names).

The invariant behind the table: no case may be reported as "no effect" (unchanged, or only an "other"
change) for an operation whose constraints table entry or generated code changed.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import check_drift
import derive_constraints
import pytest
from changelog_generated import names_changes
from generate import GenerationError, generate
from ruamel.yaml import YAML
from spec_changelog import Changelog, diff
from spec_tools import parse_document

from .helpers import Spec, request_props, response_job, set_range, write_spec

GEN, REFINE, INPAINT, UPSCALE = "/generations-lcm", "/lcm-instant-refine", "/lcm-inpainting", "/lcm-upscale"
OPS = {
    GEN: "createLCMGeneration",
    REFINE: "performInstantRefine",
    INPAINT: "performInpaintingLCM",
    UPSCALE: "performAlchemyUpscaleLCM",
}
ALL = tuple(OPS.values())
BREAKING, FINE = "BREAKING", "non-breaking"


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # which kind of the issue (1-8) or "shape" for the older simple kinds
    mutate: Callable[[Spec], object]
    ops: dict[str, str]  # operation id -> BREAKING / non-breaking (operations not named: unchanged)
    kinds: frozenset[str]  # the change kinds reported, over all operations
    table: dict[str, tuple[Any, Any]] | str = field(default_factory=dict)  # path -> (old, new), or "fails: ..."
    generate: bool = False
    renamed_names: bool = False  # with generate: the generated public names lose a name (BREAKING)
    generation_fails: str = ""  # with generate: generation refuses the spec, saying this


def body(spec: Spec, path: str = GEN) -> dict[str, Any]:
    schema: dict[str, Any] = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return schema


def set_body(spec: Spec, schema: dict[str, Any], path: str = GEN) -> None:
    spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"] = schema


def through_yaml(spec: Spec, *, int_codes: bool = False, sort_keys: bool = False) -> None:
    """Replace ``spec`` in place by what reading it back from YAML gives (unquoted 200 keys with ``int_codes``;
    ``sort_keys``: written with every mapping's keys sorted, as some YAML tools do)."""
    data = copy.deepcopy(spec)
    if int_codes:
        for item in data["paths"].values():
            item["post"]["responses"] = {int(k): v for k, v in item["post"]["responses"].items()}
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.sort_base_mapping_type_on_output = sort_keys  # type: ignore[assignment]  # annotated as None only
    yaml.dump(data, out)
    loaded, fmt = parse_document(out.getvalue().encode(), "spec.yml")
    assert fmt == "yaml"
    spec.clear()
    spec.update(loaded)


def split_body(spec: Spec) -> None:
    schema = body(spec)
    names = list(schema["properties"])
    first, rest = names[:4], names[4:]
    spec["components"]["schemas"]["GenerationBase"] = {
        "type": "object",
        "properties": {n: schema["properties"][n] for n in first},
        "required": [r for r in schema["required"] if r in first],
    }
    part = {"type": "object", "properties": {n: schema["properties"][n] for n in rest}}
    set_body(spec, {"allOf": [{"$ref": "#/components/schemas/GenerationBase"}, {"allOf": [part]}]})


def via_ref(spec: Spec) -> None:
    spec["components"]["schemas"]["GenerationRequest"] = body(spec)
    set_body(spec, {"$ref": "#/components/schemas/GenerationRequest"})


def rename_component(spec: Spec, old: str, new: str) -> None:
    schemas = spec["components"]["schemas"]
    schemas[new] = schemas.pop(old)
    text = repr(spec).replace(f"#/components/schemas/{old}'", f"#/components/schemas/{new}'")
    spec.clear()
    spec.update(eval(text))


def path_param(
    spec: Spec, path: str, name: str, required: bool, where: str = "path-item", also_on_path_item: bool | None = None
) -> None:
    """A query parameter on the path item or the operation (``also_on_path_item``: the path item has it too)."""
    param = {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}
    target = spec["paths"][path] if where == "path-item" else spec["paths"][path]["post"]
    target.setdefault("parameters", []).append(param)
    if also_on_path_item is not None:
        spec["paths"][path].setdefault("parameters", []).append({**param, "required": also_on_path_item})


def style_everywhere(key: str, old: Any, new: Any) -> dict[str, tuple[Any, Any]]:
    return {f"{op}.fields.style.{key}": (old, new) for op in ALL}


STYLES = [
    "ANIME",
    "CINEMATIC",
    "DIGITAL_ART",
    "DYNAMIC",
    "ENVIRONMENT",
    "FANTASY_ART",
    "ILLUSTRATION",
    "PHOTOGRAPHY",
    "RENDER_3D",
    "RAYTRACED",
    "SKETCH_BW",
    "SKETCH_COLOR",
    "VIBRANT",
    "NONE",
]
STEPS_TEXT = "The number of steps to use for the generation. Must be between 4 and 16."
GUIDANCE_TEXT = "How strongly the generation should reflect the prompt. Must be a float between 0.5 and 20."
PARAM_TEAM = ({"name": "team", "location": "query", "required": True},)

CASES = [
    # ---- 1 the format upstream publishes
    Case("yaml-copy", "1", through_yaml, {}, frozenset(), generate=True),
    Case("yaml-unquoted-status-codes", "1", lambda s: through_yaml(s, int_codes=True), {}, frozenset()),
    Case(
        "yaml-with-keys-sorted",
        "1",
        lambda s: through_yaml(s, sort_keys=True),
        dict.fromkeys(ALL, FINE),  # the same API, but every generated model lists its attributes in a new order
        frozenset({"field-order"}),
        generate=True,
    ),
    # ---- 2 every way a request body can be written
    # the same fields and limits, written another way: the table is the same, the schema text differs ("other")
    Case(
        "body-wrapped-in-allOf",
        "2",
        lambda s: set_body(s, {"allOf": [body(s)]}),
        {"createLCMGeneration": FINE},
        frozenset({"other"}),
        generate=True,
    ),
    Case(
        "body-split-into-allOf-of-ref-and-nested-allOf",
        "2",
        split_body,
        {"createLCMGeneration": FINE},
        frozenset({"other"}),
        generate=True,
        # openapi-python-client 0.29.1 silently keeps only the $ref part's 4 fields; the table has all 10:
        # generation fails instead of adopting a client that refuses 6 fields as unknown
        generation_fails="createLCMGeneration: the table's fields and the generated CreateLcmGenerationBody model's "
        "differ (only in the table: ['height', 'requestTimestamp', 'seed', 'steps', 'style', 'width']",
    ),
    Case(
        "property-through-allOf-ref",
        "2",
        lambda s: request_props(s, GEN).update(seed={"allOf": [{"$ref": "#/components/schemas/seed"}]}),
        {"createLCMGeneration": FINE},
        frozenset({"other"}),
    ),
    Case(
        "body-moved-to-a-component",
        "2",
        via_ref,
        {"createLCMGeneration": BREAKING},  # the generated body class is named after the component now
        frozenset({"title"}),
        generate=True,
        renamed_names=True,
    ),
    Case(
        "allOf-part-adds-a-required-field",
        "2",
        lambda s: set_body(
            s,
            {
                "allOf": [
                    body(s),
                    {"properties": {"negativePrompt": {"type": "string"}}, "required": ["negativePrompt"]},
                ]
            },
        ),
        {"createLCMGeneration": BREAKING},
        frozenset({"field-added"}),
        {
            "createLCMGeneration.fields.negativePrompt": (
                None,
                {
                    "json_name": "negativePrompt",
                    "type": "string",
                    "required": True,
                    "nullable": False,
                    "default": None,
                    "minimum": None,
                    "maximum": None,
                    "choices": None,
                    "enum": None,
                    "description": "",
                    "exclusive_minimum": None,
                    "exclusive_maximum": None,
                    "multiple_of": None,
                    "min_length": None,
                    "max_length": None,
                    "pattern": None,
                    "format": None,
                    "deprecated": False,
                },
            )
        },
    ),
    # ---- 3 limits written any way
    Case(
        "range-rewritten-as-Range-colon",
        "3",
        lambda s: request_props(s, GEN)["steps"].update(description="The number of steps. Range: 4-16."),
        {"createLCMGeneration": FINE},
        frozenset({"description"}),
        {"createLCMGeneration.fields.steps.description": (STEPS_TEXT, "The number of steps. Range: 4-16.")},
    ),
    Case(
        "Range-colon-narrowed",
        "3",
        lambda s: request_props(s, GEN)["steps"].update(description="Range: 4-12."),
        {"createLCMGeneration": BREAKING},
        frozenset({"range"}),
        {
            "createLCMGeneration.fields.steps.maximum": (16, 12),
            "createLCMGeneration.fields.steps.description": (STEPS_TEXT, "Range: 4-12."),
        },
    ),
    Case(
        "keyword-maximum-disagrees-with-prose",
        "3",
        lambda s: request_props(s, GEN)["steps"].update(maximum=12),
        {"createLCMGeneration": BREAKING},
        frozenset({"unreadable-limit"}),
        "fails: createLCMGeneration.steps: the schema says maximum: 12 but the description says "
        "'Must be between 4 and 16.'",
    ),
    Case(
        "keyword-maximum-agrees-with-prose",
        "3",
        lambda s: request_props(s, GEN)["steps"].update(minimum=4, maximum=16),
        {"createLCMGeneration": FINE},
        frozenset({"other"}),  # same table, same generated code: "other, no effect" is the truth here
    ),
    Case(
        "unreadable-limit-sentence",
        "3",
        lambda s: request_props(s, GEN)["steps"].update(description="Steps: 4 to 16 recommended."),
        {"createLCMGeneration": BREAKING},
        frozenset({"unreadable-limit"}),
        "fails: createLCMGeneration.steps: a limit this pipeline cannot read: 'Steps: 4 to 16 recommended.'",
    ),
    Case(
        "limit-beside-a-ref",
        "3",
        lambda s: request_props(s, GEN)["seed"].update(maximum=100),
        {"createLCMGeneration": BREAKING},
        frozenset({"unreadable-limit"}),
        "fails: createLCMGeneration.seed: maximum beside a $ref: the generator ignores what sits beside a $ref",
    ),
    Case(
        "range-widened",
        "3",
        lambda s: set_range(s, GEN, "steps", "between 4 and 16", "between 2 and 32"),
        {"createLCMGeneration": FINE},
        frozenset({"range"}),
        {
            "createLCMGeneration.fields.steps.minimum": (4, 2),
            "createLCMGeneration.fields.steps.maximum": (16, 32),
            "createLCMGeneration.fields.steps.description": (STEPS_TEXT, STEPS_TEXT.replace("4 and 16", "2 and 32")),
        },
    ),
    Case(
        "multipleOf-added",
        "3",
        lambda s: request_props(s, GEN)["steps"].update(multipleOf=4),
        {"createLCMGeneration": BREAKING},
        frozenset({"multiple-of"}),
        {"createLCMGeneration.fields.steps.multiple_of": (None, 4)},
    ),
    Case(
        "maxLength-added",
        "3",
        lambda s: request_props(s, GEN)["prompt"].update(maxLength=1000),
        {"createLCMGeneration": BREAKING},
        frozenset({"length-range"}),
        {"createLCMGeneration.fields.prompt.max_length": (None, 1000)},
    ),
    Case(
        "length-in-prose",
        "3",
        lambda s: request_props(s, GEN)["prompt"].update(description="The prompt. At most 1000 characters."),
        {"createLCMGeneration": BREAKING},
        frozenset({"length-range"}),
        {
            "createLCMGeneration.fields.prompt.max_length": (None, 1000),
            "createLCMGeneration.fields.prompt.description": (
                "The prompt used to generate images",
                "The prompt. At most 1000 characters.",
            ),
        },
    ),
    Case(
        "pattern-added",
        "3",
        lambda s: request_props(s, GEN)["prompt"].update(pattern="^[^<>]*$"),
        {"createLCMGeneration": BREAKING},
        frozenset({"pattern"}),
        {"createLCMGeneration.fields.prompt.pattern": (None, "^[^<>]*$")},
    ),
    Case(
        "exclusive-bound-3.1",
        "3",
        lambda s: request_props(s, UPSCALE)["refineStrength"].update(
            description="Refine strength.", exclusiveMinimum=0.5, maximum=0.9
        ),
        {"performAlchemyUpscaleLCM": BREAKING},
        frozenset({"range"}),
        {
            "performAlchemyUpscaleLCM.fields.refineStrength.minimum": (0.5, None),
            "performAlchemyUpscaleLCM.fields.refineStrength.exclusive_minimum": (None, 0.5),
            "performAlchemyUpscaleLCM.fields.refineStrength.description": (
                "Must be a float between 0.5 and 0.9.",
                "Refine strength.",
            ),
        },
    ),
    Case(
        "choices-changed",
        "3",
        lambda s: request_props(s, GEN)["width"].update(description="The output width. Must be 512, 768 or 1024."),
        {"createLCMGeneration": BREAKING},
        frozenset({"choices-added", "choices-value-removed"}),
        {
            "createLCMGeneration.fields.width.choices": ((512, 640, 1024), (512, 768, 1024)),
            "createLCMGeneration.fields.width.description": (
                "The output width of the image. Must be 512, 640 or 1024.",
                "The output width. Must be 512, 768 or 1024.",
            ),
        },
    ),
    # ---- 4 parameters
    Case(
        "required-parameter-at-path-level",
        "4",
        lambda s: path_param(s, UPSCALE, "team", True),
        {"performAlchemyUpscaleLCM": BREAKING},
        frozenset({"parameter-added"}),
        {"performAlchemyUpscaleLCM.parameters": ((), PARAM_TEAM)},
        generate=True,
    ),
    Case(
        "optional-parameter-on-the-operation",
        "4",
        lambda s: path_param(s, REFINE, "trace", False, where="operation"),
        {"performInstantRefine": FINE},
        frozenset({"parameter-added"}),
        {"performInstantRefine.parameters": ((), ({"name": "trace", "location": "query", "required": False},))},
    ),
    Case(
        "path-level-optional-made-required-by-the-operation",
        "4",
        lambda s: path_param(s, INPAINT, "team", True, where="operation", also_on_path_item=False),
        {"performInpaintingLCM": BREAKING},
        frozenset({"parameter-added"}),
        {"performInpaintingLCM.parameters": ((), PARAM_TEAM)},
    ),
    # ---- 5 generated names
    Case(
        "body-title-added",
        "5",
        lambda s: body(s).update(title="GenerationRequest"),
        {"createLCMGeneration": BREAKING},
        frozenset({"title"}),
        generate=True,
        renamed_names=True,
    ),
    Case(
        "enum-component-renamed",
        "5",
        lambda s: rename_component(s, "lcm_generation_style", "LcmStyle"),
        dict.fromkeys(ALL, FINE),
        frozenset({"other"}),  # its title still names the class: the generated names stay (checked by generating)
        generate=True,
    ),
    Case(
        "enum-title-changed",
        "5",
        lambda s: s["components"]["schemas"]["lcm_generation_style"].update(title="ImageStyle"),
        dict.fromkeys(ALL, BREAKING),
        frozenset({"title"}),
        generate=True,
        renamed_names=True,
    ),
    Case(
        "operation-id-renamed",
        "5",
        lambda s: s["paths"][REFINE]["post"].update(operationId="refineInstantly"),
        {"refineInstantly": BREAKING},
        frozenset({"renamed"}),
        {
            "performInstantRefine": ("(an operation)", None),
            "refineInstantly": (None, "(an operation)"),
        },
    ),
    # ---- own cases per kind: combinators, nullability, formats, deprecation, responses, security, the rest
    Case(
        "oneOf-on-a-request-field",
        "shape",
        lambda s: request_props(s, GEN).update(
            prompt={"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        ),
        {"createLCMGeneration": BREAKING},
        frozenset({"type", "description", "field-added"}),
        "fails: createLCMGeneration.prompt: unsupported oneOf of 2 types",
    ),
    Case(
        "anyOf-null-instead-of-nullable",
        "shape",
        lambda s: request_props(s, GEN).update(
            guidance={
                "anyOf": [{"type": "number"}, {"type": "null"}],
                "description": request_props(s, GEN)["guidance"]["description"],
            }
        ),
        {"createLCMGeneration": FINE},
        frozenset({"other"}),  # the table and the generated model say the same: nothing the client sees
    ),
    Case(
        "request-field-no-longer-nullable",
        "shape",
        lambda s: request_props(s, GEN)["guidance"].update(nullable=False),
        {"createLCMGeneration": BREAKING},
        frozenset({"nullable"}),
        {"createLCMGeneration.fields.guidance.nullable": (True, False)},
    ),
    Case(
        "response-field-becomes-nullable",
        "shape",
        lambda s: response_job(s, GEN)["properties"]["imageDataUrl"].update(nullable=True),
        {"createLCMGeneration": BREAKING},
        frozenset({"nullable"}),
    ),
    Case(
        "format-added",
        "shape",
        lambda s: s["components"]["schemas"]["timestamp"].update(format="date-time"),
        dict.fromkeys(ALL, BREAKING),  # sent and received: both directions break on a new format
        frozenset({"type"}),
        {f"{op}.fields.requestTimestamp.format": (None, "date-time") for op in ALL},
    ),
    Case(
        "request-field-deprecated",
        "shape",
        lambda s: request_props(s, GEN)["guidance"].update(deprecated=True),
        {"createLCMGeneration": FINE},
        frozenset({"deprecated"}),
        {"createLCMGeneration.fields.guidance.deprecated": (False, True)},
    ),
    Case(
        "operation-deprecated",
        "shape",
        lambda s: s["paths"][UPSCALE]["post"].update(deprecated=True),
        {"performAlchemyUpscaleLCM": FINE},
        frozenset({"deprecated"}),
    ),
    Case(
        "success-status-code-added",
        "shape",
        lambda s: s["paths"][GEN]["post"]["responses"].update({"202": {"description": "Accepted"}}),
        {"createLCMGeneration": BREAKING},
        frozenset({"response-added"}),
    ),
    Case(
        "error-status-code-added",
        "shape",
        lambda s: s["paths"][GEN]["post"]["responses"].update({"429": {"description": "Too many requests"}}),
        {"createLCMGeneration": FINE},
        frozenset({"response-added"}),
    ),
    Case(
        "security-scheme-changed",
        "shape",
        lambda s: s["components"]["securitySchemes"]["bearerAuth"].update(
            type="apiKey", scheme=None, **{"in": "header", "name": "X-Api-Key"}
        ),
        dict.fromkeys(ALL, BREAKING),
        frozenset({"security"}),
    ),
    Case(
        "security-alternative-added",
        "shape",
        lambda s: (
            s["components"]["securitySchemes"].update(apiKey={"type": "apiKey", "in": "header", "name": "X-Api-Key"}),
            s["security"].append({"apiKey": []}),
        ),
        dict.fromkeys(ALL, FINE),
        frozenset({"security"}),
    ),
    Case(
        "response-enum-value-added",
        "shape",
        lambda s: s["components"]["schemas"]["cost"]["properties"]["unit"]["enum"].append("EUROS"),
        dict.fromkeys(ALL, BREAKING),
        frozenset({"enum-added"}),
    ),
    Case(
        "request-enum-value-added",
        "shape",
        lambda s: s["components"]["schemas"]["lcm_generation_style"]["enum"].append("WATERCOLOR"),
        dict.fromkeys(ALL, FINE),
        frozenset({"enum-added"}),
        style_everywhere("enum", tuple(STYLES), (*STYLES, "WATERCOLOR")),
    ),
    Case(
        "request-field-removed",
        "shape",
        lambda s: request_props(s, REFINE).pop("strength"),
        {"performInstantRefine": BREAKING},
        frozenset({"field-removed"}),
        {"performInstantRefine.fields.strength": ("(a field)", None)},
    ),
    Case(
        "optional-field-made-required",
        "shape",
        lambda s: body(s).setdefault("required", []).append("steps"),
        {"createLCMGeneration": BREAKING},
        frozenset({"required"}),
        {"createLCMGeneration.fields.steps.required": (False, True)},
    ),
    Case(
        "default-changed",
        "shape",
        lambda s: request_props(s, GEN)["width"].update(default=1024),
        {"createLCMGeneration": BREAKING},
        frozenset({"default"}),
        {"createLCMGeneration.fields.width.default": (512, 1024)},
    ),
    Case(
        "integer-becomes-number",
        "shape",
        lambda s: request_props(s, GEN)["steps"].update(type="number"),
        {"createLCMGeneration": FINE},
        frozenset({"type"}),
        {"createLCMGeneration.fields.steps.type": ("integer", "number")},
    ),
    # YAML 1.1 habits read by YAML 1.2 (and the same values written in JSON): found in the later trial of issue 12.
    # nullable: no became the text "no", truthy to the table (nullable) and False to the generator (not nullable),
    # while the changelog said "other change, no effect"; each must now fail, naming the field and the value.
    Case(
        "yaml11-nullable-no-read-as-text",
        "1",
        lambda s: request_props(s, GEN)["steps"].update(nullable="no"),
        {"createLCMGeneration": BREAKING},
        frozenset({"unreadable-limit"}),
        "fails: createLCMGeneration.steps: nullable must be true or false, got 'no'",
        generate=True,
        generation_fails="/steps/nullable must be true or false, got 'no'",
    ),
    Case(
        "yaml11-deprecated-on-read-as-text",
        "1",
        lambda s: request_props(s, REFINE)["prompt"].update(deprecated="on"),
        {"performInstantRefine": BREAKING},
        frozenset({"unreadable-limit", "deprecated"}),
        "fails: performInstantRefine.prompt: deprecated must be true or false, got 'on'",
    ),
    Case(
        "string-default-read-as-a-number",  # default: 3.10 unquoted on a string field
        "1",
        lambda s: request_props(s, GEN)["prompt"].update(default=3.1),
        {"createLCMGeneration": BREAKING},
        frozenset({"unreadable-limit", "default"}),
        "fails: createLCMGeneration.prompt: default 3.1 is not of type string",
        generate=True,
        generation_fails="default 3.1 is not of type string",
    ),
    Case(
        "integer-default-read-as-text",
        "1",
        lambda s: request_props(s, UPSCALE)["steps"].update(default="yes"),
        {"performAlchemyUpscaleLCM": BREAKING},
        frozenset({"unreadable-limit", "default"}),
        "fails: performAlchemyUpscaleLCM.steps: default 'yes' is not of type integer",
    ),
    # Limits written any way: an "exclusive" after a range was dropped (read as inclusive, "documentation only"),
    # and "must not be empty" was no limit at all. Found in the later trial of issue 12.
    Case(
        "between-comma-exclusive",
        "3",
        lambda s: set_range(s, GEN, "guidance", "between 0.5 and 20.", "between 0.5 and 20, exclusive."),
        {"createLCMGeneration": BREAKING},
        frozenset({"range"}),
        {
            "createLCMGeneration.fields.guidance.minimum": (0.5, None),
            "createLCMGeneration.fields.guidance.maximum": (20.0, None),
            "createLCMGeneration.fields.guidance.exclusive_minimum": (None, 0.5),
            "createLCMGeneration.fields.guidance.exclusive_maximum": (None, 20.0),
            "createLCMGeneration.fields.guidance.description": (
                GUIDANCE_TEXT,
                GUIDANCE_TEXT.replace("and 20.", "and 20, exclusive."),
            ),
        },
    ),
    Case(
        "exclusive-left-unread",
        "3",
        lambda s: request_props(s, GEN)["guidance"].update(description="At least 0.5, at most 20, the top exclusive."),
        {"createLCMGeneration": BREAKING},
        frozenset({"unreadable-limit"}),
        "fails: createLCMGeneration.guidance: a limit this pipeline cannot read: "
        "'At least 0.5, at most 20, the top exclusive.'",
    ),
    Case(
        "must-not-be-empty",
        "3",
        lambda s: request_props(s, GEN)["prompt"].update(description="The prompt. Must not be empty."),
        {"createLCMGeneration": BREAKING},
        frozenset({"length-range"}),
        {
            "createLCMGeneration.fields.prompt.min_length": (None, 1),
            "createLCMGeneration.fields.prompt.description": (
                "The prompt used to generate images",
                "The prompt. Must not be empty.",
            ),
        },
    ),
    Case(
        "non-empty",
        "3",
        lambda s: request_props(s, INPAINT)["prompt"].update(description="A non-empty prompt."),
        {"performInpaintingLCM": BREAKING},
        frozenset({"length-range"}),
        {
            "performInpaintingLCM.fields.prompt.min_length": (None, 1),
            "performInpaintingLCM.fields.prompt.description": (
                "The prompt used to generate images",
                "A non-empty prompt.",
            ),
        },
    ),
    # Limits whose number hides: spelled out, or with a unit on it, were no limit at all ("documentation only");
    # a sentence read as a bound that contradicts another left no allowed value and still generated.
    Case(
        "number-spelled-out",
        "3",
        lambda s: request_props(s, GEN)["prompt"].update(description="The prompt. At least one character."),
        {"createLCMGeneration": BREAKING},
        frozenset({"unreadable-limit"}),
        "fails: createLCMGeneration.prompt: a limit this pipeline cannot read: 'At least one character.'",
    ),
    Case(
        "range-with-units-on-the-numbers",
        "3",
        lambda s: request_props(s, REFINE)["width"].update(description="The output width, 512px to 1024px."),
        {"performInstantRefine": BREAKING},
        frozenset({"unreadable-limit"}),
        "fails: performInstantRefine.width: a limit this pipeline cannot read: 'The output width, 512px to 1024px.'",
    ),
    Case(
        "limits-that-leave-no-value",
        "3",
        lambda s: request_props(s, GEN)["steps"].update(description=STEPS_TEXT + " Values above 16 are clamped."),
        {"createLCMGeneration": BREAKING},
        frozenset({"unreadable-limit"}),
        "fails: createLCMGeneration.steps: the limits read leave no allowed value (minimum 4, exclusive_minimum 16, "
        "maximum 16)",
        generate=True,
        generation_fails="the limits read leave no allowed value",
    ),
    Case(
        "keyword-and-prose-leave-no-value",
        "3",
        lambda s: request_props(s, UPSCALE)["prompt"].update(minLength=50, description="At most 40 characters."),
        {"performAlchemyUpscaleLCM": BREAKING},
        frozenset({"unreadable-limit"}),
        "fails: performAlchemyUpscaleLCM.prompt: the limits read leave no allowed value (min_length 50, max_length 40)",
    ),
    Case("info-version-only", "shape", lambda s: s["info"].update(version="v1.1.0"), {}, frozenset()),
    Case(
        "unused-component-changed",
        "shape",
        lambda s: s["components"]["schemas"]["Blueprint"].update(description="Changed."),
        {},
        frozenset(),
    ),
]


def table_effect(old: Spec, new: Spec) -> dict[str, tuple[Any, Any]] | str:
    """What changes in the constraints table, leaf by leaf, or ``"fails: <why>"``."""
    try:
        after = derive_constraints.derive(new)
    except ValueError as exc:
        return f"fails: {exc}"
    before = derive_constraints.derive(old)
    out: dict[str, tuple[Any, Any]] = {}
    for op_id in [*before, *(o for o in after if o not in before)]:
        if op_id not in after or op_id not in before:
            present = ("(an operation)", None) if op_id not in after else (None, "(an operation)")
            out[op_id] = present
            continue
        a, b = before[op_id], after[op_id]
        if a["parameters"] != b["parameters"]:
            out[f"{op_id}.parameters"] = (a["parameters"], b["parameters"])
        for name in [*a["fields"], *(n for n in b["fields"] if n not in a["fields"])]:
            fa, fb = a["fields"].get(name), b["fields"].get(name)
            if fa is None or fb is None:
                out[f"{op_id}.fields.{name}"] = (None, fb) if fa is None else ("(a field)", None)
                continue
            for key in fa:
                if fa[key] != fb[key]:
                    out[f"{op_id}.fields.{name}.{key}"] = (fa[key], fb[key])
    return out


def classification(log: Changelog) -> dict[str, str]:
    return {op.operation_id: (BREAKING if op.breaking else FINE) for op in log.operations if op.status != "unchanged"}


def no_effect(log: Changelog, op_id: str) -> bool:
    """The changelog tells a user nothing happened to this operation (found by its id, or its id before a rename)."""
    for op in log.operations:
        if op_id in (op.operation_id, op.previous_id):
            return op.status == "unchanged" or all(c.kind == "other" for c in op.changes)
    return True


def test_the_table_has_at_least_thirty_cases_and_every_kind() -> None:
    assert len(CASES) >= 30
    assert {c.kind for c in CASES} >= {"1", "2", "3", "4", "5", "shape"}
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_mutation_is_classified_and_changes_the_table_as_expected(fixture_spec: Spec, case: Case) -> None:
    new = copy.deepcopy(fixture_spec)
    case.mutate(new)
    log = diff(fixture_spec, new)
    assert classification(log) == case.ops, [(c.where, c.kind, c.detail) for c in log.changes]
    assert {c.kind for c in log.changes} == case.kinds, [(c.where, c.kind, c.detail) for c in log.changes]

    effect = table_effect(fixture_spec, new)
    if isinstance(case.table, str):
        assert isinstance(effect, str)
        assert effect.startswith(case.table), effect
    else:
        assert effect == case.table

    # The invariant: an operation whose table entry changed (or cannot be derived) is never "no effect".
    if isinstance(effect, str):
        failing_op = effect.removeprefix("fails: ").split(".")[0]
        assert not no_effect(log, failing_op)
        assert any(c.breaking for op in log.operations if op.operation_id == failing_op for c in op.changes)
    for path in effect if isinstance(effect, dict) else ():
        assert not no_effect(log, path.split(".")[0]), path


GENERATOR_CASES = [c for c in CASES if c.generate]


@pytest.mark.slow  # the generator, ~1.5 s a case on a quiet machine
@pytest.mark.parametrize("case", GENERATOR_CASES, ids=[c.id for c in GENERATOR_CASES])
def test_mutation_through_the_generator_is_never_no_effect_when_the_code_changed(
    fixture_spec: Spec, fixture_tree: Path, tmp_path: Path, case: Case
) -> None:
    new = copy.deepcopy(fixture_spec)
    case.mutate(new)
    out = tmp_path / "_generated"
    if case.generation_fails:
        with pytest.raises(GenerationError) as info:
            generate(write_spec(tmp_path / "spec.json", new), out)
        assert case.generation_fails in str(info.value)
        assert not out.exists()
        return
    generate(write_spec(tmp_path / "spec.json", new), out)
    files = [f for f in check_drift.compare_trees(fixture_tree, out) if f != "changed: constraints.py"]
    names = names_changes(fixture_tree, out)
    log = diff(fixture_spec, new)
    assert any(n.breaking for n in names) is case.renamed_names, names
    silent = all(no_effect(log, op) for op in ALL) and not names
    # the invariant: generated code that changed is never reported as "no effect"
    assert not (files and silent), f"the changelog reports no effect, but the generated code changed: {files}"
    if all(kind == "other" for kind in case.kinds):
        assert files == []  # and "other, no effect" is only ever said when it is true
