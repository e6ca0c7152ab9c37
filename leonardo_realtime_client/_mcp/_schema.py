"""The MCP tools' input schemas and descriptions, generated from the constraints table.

Nothing is typed here: each request field of an operation becomes a JSON Schema property with the table's type,
``minimum``/``maximum``, ``enum`` (choices and the style enum), default and the spec's description; required
fields are required. The image fields are the exception: the spec's ``imageDataUrl``/``maskDataUrl`` want base64,
which a model should never have to write, so the tools take ``image``/``mask`` as a file path, a data URL or the
id of an earlier result instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from .._generated.constraints import FieldRule, OperationRule
from .._operations import IMAGE_ARGUMENTS, OPERATION_IDS, snake_case
from .._validation import operation_rule

__all__ = [
    "IMAGE_ARGUMENTS",
    "SKIPPED_FIELDS",
    "TOOL_OPERATIONS",
    "argument_name",
    "input_schema",
    "tool_description",
]

#: MCP tool name → spec operation id (the same names as the CLI's commands and the client's methods).
TOOL_OPERATIONS: Final[Mapping[str, str]] = OPERATION_IDS

#: Fields a tool does not offer: ``requestTimestamp`` orders a canvas's answers; one tool call has one answer.
SKIPPED_FIELDS: Final = frozenset({"requestTimestamp"})

_IMAGE_REF = (
    "a file path on the machine running this server (absolute, or relative to its working directory), a data "
    "URL (data:image/...;base64,...), or the id of an earlier result of this server (such as 'generate-1'), "
    "which chains calls without passing any bytes. JPEG is sent as it is; PNG, WebP and other formats are "
    "converted to JPEG."
)

_SUMMARIES: Final[Mapping[str, str]] = {
    "generate": "Generate an image from a sketch or picture and a prompt (Leonardo.AI Realtime Canvas, "
    "sub-second LCM).",
    "refine": "Instant refine: a higher-quality take on an image, guided by the prompt.",
    "inpaint": "Repaint the white area of a mask in an image, guided by the prompt; the rest is kept.",
    "upscale": "Alchemy upscale of an image, optionally with a creative refine.",
}


#: Constraints-table keys → the JSON Schema keyword each one came from (``minimum``, ``maximum``, ``enum``,
#: ``default`` and ``description`` are handled by name). ``_validation`` checks every one of them, so the schema a
#: model reads must state them too.
_KEYWORDS: Final[Mapping[str, str]] = {
    "exclusive_minimum": "exclusiveMinimum",
    "exclusive_maximum": "exclusiveMaximum",
    "multiple_of": "multipleOf",
    "min_length": "minLength",
    "max_length": "maxLength",
    "pattern": "pattern",
    "format": "format",
}


def argument_name(json_name: str) -> str:
    """The tool argument for a spec field: ``imageDataUrl`` → ``image``, ``refineStrength`` → ``refine_strength``."""
    return IMAGE_ARGUMENTS.get(json_name) or snake_case(json_name)


def _image_property(json_name: str, rule: FieldRule) -> dict[str, Any]:
    if json_name == "maskDataUrl":
        # Keep what the spec says about the mask's meaning, not its "base64 with this prefix".
        meaning = [s for s in re.split(r"(?<=\.)\s+", rule["description"]) if "white" in s.lower()]
        text = "The mask: " + _IMAGE_REF + " " + " ".join(meaning) + " It must have the image's size."
    else:
        text = "The input image: " + _IMAGE_REF
    return {"type": "string", "minLength": 1, "description": text.strip()}


def _field_property(rule: FieldRule) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": rule["type"]}
    if rule["choices"] is not None:
        prop["enum"] = list(rule["choices"])
    if rule["enum"] is not None:
        prop["enum"] = list(rule["enum"])
    if rule["minimum"] is not None:
        prop["minimum"] = rule["minimum"]
    if rule["maximum"] is not None:
        prop["maximum"] = rule["maximum"]
    for table_key, keyword in _KEYWORDS.items():  # the table's later keys, where it states them
        value = rule.get(table_key)
        if value is not None:
            prop[keyword] = value
    if rule.get("deprecated"):
        prop["deprecated"] = True
    if rule["default"] is not None:
        prop["default"] = rule["default"]
    if rule["description"]:
        prop["description"] = rule["description"]
    return prop


def tool_fields(op: OperationRule) -> dict[str, FieldRule]:
    """The operation's fields a tool offers, by spec JSON name (required first, then the table's order)."""
    fields = {name: rule for name, rule in op["fields"].items() if name not in SKIPPED_FIELDS}
    return dict(sorted(fields.items(), key=lambda item: not item[1]["required"]))


def input_schema(tool: str, op: OperationRule | None = None) -> dict[str, Any]:
    """The JSON Schema of a tool's arguments (``op`` defaults to the operation's row of the constraints table)."""
    op = op if op is not None else operation_rule(TOOL_OPERATIONS[tool])
    properties: dict[str, Any] = {}
    required: list[str] = []
    for json_name, rule in tool_fields(op).items():
        name = argument_name(json_name)
        properties[name] = _image_property(json_name, rule) if json_name in IMAGE_ARGUMENTS else _field_property(rule)
        if rule["required"]:
            required.append(name)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def tool_description(tool: str, *, local: bool, budget_text: str | None = None) -> str:
    """What the tool does and what a call costs, for the model."""
    op = operation_rule(TOOL_OPERATIONS[tool])
    where = (
        "Runs on the local stand-in of the API (no key, no network, no cost; pictures are drawn locally, no model)."
        if local
        else "Sends one paid request to the Leonardo.AI API."
    )
    lines = [
        _SUMMARIES[tool],
        f"Spec operation {op['operation_id']} ({op['method']} {op['path']}). {where}",
        "Every limit in the input schema is checked before anything is sent; all problems come back at once.",
        "The result is returned as an image and saved to a file; its id (such as 'generate-1') can be given as "
        "the image of a later call.",
    ]
    if budget_text:
        lines.append(budget_text)
    return "\n".join(lines)
