"""Command-line options derived from the generated constraints table.

Every request field of an operation becomes an option; its help shows what the spec allows, read from
``_validation.allowed_text`` — no range is typed here. Values are taken as text and converted here, so a
bad number and an out-of-range one end up in the same single list of violations (exit status 3) instead
of click stopping at the first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import click

from .._errors import Violation
from .._generated.constraints import FieldRule
from .._operations import snake_case
from .._validation import allowed_text, canonical_choice, operation_rule, validate_body

__all__ = [
    "IMAGE_FIELDS",
    "field_options",
    "kwarg_name",
    "missing_options",
    "operation_fields",
    "option_name",
    "request_arguments",
]

#: Fields given as files (positional INPUTS, ``--mask``), not as option values.
IMAGE_FIELDS: Mapping[str, str] = {"imageDataUrl": "INPUT", "maskDataUrl": "--mask"}

_SHORT = {"prompt": "-p"}

# What a field means, in the CLI's words. The spec's own description is the fallback for new fields;
# it is not used for these because it restates the range in prose (and says "width" for height).
_MEANING = {
    "prompt": "What to draw.",
    "guidance": "How strongly the result follows the prompt.",
    "strength": "How far the result may stray from the input image.",
    "steps": "Number of inference steps.",
    "width": "Output width in pixels.",
    "height": "Output height in pixels.",
    "seed": "Fixed seed, for repeatable results.",
    "style": "Style preset (case-insensitive).",
    "requestTimestamp": "Opaque string echoed back in the result (the canvas uses it to order responses).",
    "refineCreative": "Creative refine during the upscale.",
    "refineStrength": "Strength of that refine.",
}

_METAVAR = {"number": "NUMBER", "integer": "INTEGER", "string": "TEXT", "boolean": ""}


def operation_fields(operation_id: str) -> Mapping[str, FieldRule]:
    return operation_rule(operation_id)["fields"]


def option_name(json_name: str) -> str:
    """``refineStrength`` → ``--refine-strength``."""
    return "--" + snake_case(json_name).replace("_", "-")


def kwarg_name(json_name: str) -> str:
    """``refineStrength`` → ``refine_strength`` (the client method's keyword)."""
    return snake_case(json_name)


def _param_name(json_name: str) -> str:
    return f"spec_{json_name}"


def _meaning(rule: FieldRule) -> str:
    if rule["json_name"] in _MEANING:
        return _MEANING[rule["json_name"]]
    sentences = re.split(r"(?<=\.)\s+", rule["description"].strip())
    kept = [s for s in sentences if s and not s.lower().startswith("must be")]
    return " ".join(kept) or f"The request's {rule['json_name']} field."


def _help(rule: FieldRule) -> str:
    parts = [_meaning(rule)]
    if rule["type"] != "boolean" and allowed_text(rule) != "a string":
        parts.append(f"Allowed: {allowed_text(rule)}.")
    if rule["required"]:
        parts.append("Required.")
    elif rule["default"] is not None:
        parts.append(f"API default: {rule['default']}.")
    return " ".join(parts)


def _metavar(rule: FieldRule) -> str:
    if rule["choices"] is not None:
        return "[" + "|".join(str(c) for c in rule["choices"]) + "]"
    if rule["enum"] is not None:
        return "STYLE" if rule["json_name"] == "style" else "CHOICE"
    return _METAVAR[rule["type"]]


def field_options(operation_id: str) -> list[click.Option]:
    """One click option per request field of the operation (image fields excluded)."""
    options: list[click.Option] = []
    fields = operation_rule(operation_id)["fields"]
    # Required first, then the table's order; the canvas-only requestTimestamp last.
    order = sorted(fields, key=lambda n: (not fields[n]["required"], n == "requestTimestamp"))
    for json_name in order:
        rule = fields[json_name]
        if json_name in IMAGE_FIELDS:
            continue
        decls = [option_name(json_name), _param_name(json_name)]
        if json_name in _SHORT:
            decls.insert(0, _SHORT[json_name])
        if rule["type"] == "boolean":
            long = option_name(json_name)
            decls = [f"{long}/--no-{long[2:]}", _param_name(json_name)]
            options.append(click.Option(decls, default=None, help=_help(rule)))
        else:
            options.append(click.Option(decls, type=click.STRING, metavar=_metavar(rule), help=_help(rule)))
    return options


def missing_options(operation_id: str, params: Mapping[str, Any]) -> list[str]:
    """The required options left out (``-p/--prompt``, ``-m/--mask``), as ``--help`` names them."""
    missing: list[str] = []
    for json_name, rule in operation_fields(operation_id).items():
        if not rule["required"] or json_name == "imageDataUrl":
            continue
        if json_name == "maskDataUrl":
            if params.get("mask") is None:
                missing.append("-m/--mask (the mask image, white = repaint)")
        elif params.get(_param_name(json_name)) is None:
            short = f"{_SHORT[json_name]}/" if json_name in _SHORT else ""
            missing.append(f"{short}{option_name(json_name)} ({_meaning(rule).rstrip('.').lower()})")
    return missing


def _convert(rule: FieldRule, raw: Any) -> Any:
    """Text → the field's JSON type when it parses; otherwise the text itself, for the validator to reject."""
    if not isinstance(raw, str):
        return raw
    kind = rule["type"]
    text = raw.strip()
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return raw
            return int(number) if number.is_integer() else number
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return raw
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if rule["enum"] is not None:
        return canonical_choice(rule, text)  # any letter case, as the library accepts
    return raw


def request_arguments(operation_id: str, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[Violation]]:
    """Client keyword arguments from the command's parameters, and every violation of the spec's limits.

    Checked with the same ``validate_body`` the client and the local server use, before anything is sent.
    Image fields are filled with a placeholder here: each image is checked when it is read.
    """
    from .._images import JPEG_DATA_URL_PREFIX  # not at import: --help need not load the image helpers

    fields = operation_rule(operation_id)["fields"]
    body: dict[str, Any] = {name: JPEG_DATA_URL_PREFIX for name in IMAGE_FIELDS if name in fields}
    names: dict[str, str] = {}
    for json_name, rule in fields.items():
        if json_name in IMAGE_FIELDS:
            continue
        names[json_name] = option_name(json_name)
        raw = params.get(_param_name(json_name))
        if raw is not None:
            body[json_name] = _convert(rule, raw)
    violations = validate_body(operation_id, body, names=names)
    kwargs = {kwarg_name(name): value for name, value in body.items() if name not in IMAGE_FIELDS}
    return kwargs, violations
