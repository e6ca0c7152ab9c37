"""How the changelog reads one schema: ``$ref`` inlined, every field flattened to a dotted path with its limits.

Part of scripts/spec_changelog.py. A scalar field is read exactly as scripts/derive_constraints.py reads
it for the constraints table (keywords, limits stated in prose, and whether they agree), and ``allOf`` is
merged as there, so what the changelog compares is what the table holds.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import derive_constraints
from spec_tools import Spec, deref

_MISSING: Any = object()
MODEL_NAME = "x-lrc-model-name"  # put on an inlined component schema: its name, which names its generated class


def _inline(spec: Spec, node: Any, stack: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by its target (a cycle is left as a ``$ref``)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in stack:
                return {"$ref": ref}
            target = _inline(spec, deref(spec, {"$ref": ref}), (*stack, ref))
            siblings = {k: _inline(spec, v, stack) for k, v in node.items() if k != "$ref"}
            if not isinstance(target, dict):
                return target
            if ref.startswith("#/components/schemas/"):  # the generator names the model class after it
                target = {**target, MODEL_NAME: ref.rsplit("/", 1)[-1]}
            return {**target, **siblings}
        return {k: _inline(spec, v, stack) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(spec, item, stack) for item in node]
    return node


def _leaf_diff(old: Any, new: Any, where: str = "") -> Iterator[tuple[str, Any, Any]]:
    """``(path, old, new)`` for each differing leaf; ``_MISSING`` marks an absent side."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from _leaf_diff(old.get(key, _MISSING), new.get(key, _MISSING), f"{where}.{key}" if where else key)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _leaf_diff(a, b, f"{where}[{i}]")
    elif old != new or type(old) is not type(new):
        yield where, old, new


def _show(value: Any, limit: int = 60) -> str:
    if value is _MISSING:
        return "(absent)"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------- field model

Bound = tuple[float, bool]  # (value, exclusive)


@dataclass(frozen=True)
class _Field:
    type: str | None
    format: str | None
    required: bool
    nullable: bool
    enum: tuple[Any, ...] | None
    default: Any
    lower: Bound | None
    upper: Bound | None
    choices: tuple[Any, ...] | None
    length: tuple[Bound | None, Bound | None]
    items: tuple[Bound | None, Bound | None]
    pattern: str | None
    deprecated: bool
    description: str
    unreadable: str | None
    multiple_of: int | float | None = None
    title: str | None = None
    model: bool = False  # an object or an enum: the generator makes a class of it, named after its title
    order: tuple[str, ...] = ()  # an object's properties in document order: its generated model's attribute order
    required_order: tuple[str, ...] = ()  # the required ones: the generated model's positional arguments


def _bounds(schema: dict[str, Any], low: str, high: str) -> tuple[Bound | None, Bound | None]:
    lower: Bound | None = None
    upper: Bound | None = None
    if isinstance(schema.get(low), int | float) and not isinstance(schema.get(low), bool):
        lower = (float(schema[low]), schema.get("exclusiveMinimum") is True and low == "minimum")
    if isinstance(schema.get(high), int | float) and not isinstance(schema.get(high), bool):
        upper = (float(schema[high]), schema.get("exclusiveMaximum") is True and high == "maximum")
    if low == "minimum":  # OpenAPI 3.1: numeric exclusive bounds
        ex_lo, ex_hi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if isinstance(ex_lo, int | float) and not isinstance(ex_lo, bool):
            lower = (float(ex_lo), True)
        if isinstance(ex_hi, int | float) and not isinstance(ex_hi, bool):
            upper = (float(ex_hi), True)
    return lower, upper


def _collapse(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``schema`` with a nullable wrapper taken off (``anyOf: [X, {type: null}]``, ``type: [X, "null"]``)."""
    nullable = bool(schema.get("nullable", False))
    for combinator in ("anyOf", "oneOf"):
        variants = schema.get(combinator)
        if schema.get("type") is None and isinstance(variants, list):
            real = [v for v in variants if not (isinstance(v, dict) and v.get("type") == "null")]
            if len(real) == 1 and len(real) < len(variants) and isinstance(real[0], dict):
                rest = {k: v for k, v in schema.items() if k != combinator}
                return {**real[0], **rest, "nullable": True}, True
    raw_type = schema.get("type")
    if isinstance(raw_type, list) and "null" in raw_type:
        kinds = [t for t in raw_type if t != "null"]
        return {**schema, "type": kinds[0] if len(kinds) == 1 else kinds, "nullable": True}, True
    return schema, nullable


def _field(schema: dict[str, Any], required: bool, where: str) -> _Field:
    schema, nullable = _collapse(schema)
    raw_type = schema.get("type")
    if isinstance(raw_type, list):
        kind: str | None = "|".join(str(t) for t in raw_type) or None
    else:
        kind = str(raw_type) if raw_type is not None else None
    for combinator in ("oneOf", "anyOf"):
        if kind is None and isinstance(schema.get(combinator), list):
            kind = combinator
    enum: tuple[Any, ...] | None = None
    if isinstance(schema.get("enum"), list):
        nullable = nullable or None in schema["enum"]
        enum = tuple(v for v in schema["enum"] if v is not None)
    elif "const" in schema:
        enum = (schema["const"],)
    description = str(schema.get("description", "")).strip()
    lower, upper = _bounds(schema, "minimum", "maximum")
    length = _bounds(schema, "minLength", "maxLength")
    multiple_of = schema.get("multipleOf")
    choices: tuple[Any, ...] | None = None
    unreadable: str | None = None
    if kind in {"string", "number", "integer", "boolean"}:
        # Read as the constraints table reads it (keywords, prose, and whether they agree).
        try:
            rule = derive_constraints.field_rule({}, where or "(body)", schema, required, "field")
        except (ValueError, KeyError) as exc:
            unreadable = str(exc).removeprefix(f"field.{where or '(body)'}: ")  # the change names the field
        else:
            lower = _bound_of(rule, "minimum", "exclusive_minimum")
            upper = _bound_of(rule, "maximum", "exclusive_maximum")
            length = (_bound_of(rule, "min_length", ""), _bound_of(rule, "max_length", ""))
            multiple_of, choices = rule["multiple_of"], rule["choices"]
            if kind in {"integer", "number"}:
                enum = None  # a number enum is the table's "choices": compared once, as choices
    return _Field(
        type=kind,
        format=schema.get("format"),
        required=required,
        nullable=nullable,
        enum=enum,
        default=schema.get("default", _MISSING),
        lower=lower,
        upper=upper,
        choices=choices,
        length=length,
        items=_bounds(schema, "minItems", "maxItems"),
        pattern=schema.get("pattern"),
        deprecated=bool(schema.get("deprecated", False)),
        description=description,
        unreadable=unreadable,
        multiple_of=multiple_of,
        title=schema.get("title") or schema.get(MODEL_NAME),  # the generator names a model by title, else by key
        model=kind == "object" or enum is not None,
    )


def _bound_of(rule: dict[str, Any], inclusive: str, exclusive: str) -> Bound | None:
    if exclusive and rule.get(exclusive) is not None:
        return (float(rule[exclusive]), True)
    if rule.get(inclusive) is not None:
        return (float(rule[inclusive]), False)
    return None


def _flatten(schema: Any, name: str, required: bool, out: dict[str, _Field], depth: int = 0) -> None:
    """Every field below ``schema`` (itself included) by dotted path into ``out``."""
    if not isinstance(schema, dict) or depth > 32:
        return
    if isinstance(schema.get("allOf"), list):  # the parts' names do not name the merged model
        parts = [{k: v for k, v in p.items() if k != MODEL_NAME} if isinstance(p, dict) else p for p in schema["allOf"]]
        schema = {**schema, "allOf": parts}
    merged = dict(schema)
    try:  # allOf merged as the generator (and the constraints table) merge it
        merged = derive_constraints.resolve({}, schema, name or "(body)")
    except (ValueError, KeyError, TypeError):
        merged = dict(schema)
    if isinstance(merged.get("allOf"), list):  # parts that could not be merged exactly: read as one object
        merged.setdefault("properties", {})
        merged["properties"] = dict(merged["properties"])
        merged["required"] = list(merged.get("required", []))
        for part in merged["allOf"]:
            if isinstance(part, dict):
                merged["properties"].update(part.get("properties", {}))
                merged["required"] += part.get("required", [])
                merged.setdefault("type", part.get("type"))
    field = _field(merged, required, name)
    merged = _collapse(merged)[0]  # a nullable wrapper (anyOf X or null) is X, not two variants
    required_names = set(merged.get("required", []))
    order = tuple(merged.get("properties") or {})
    out[name] = dataclasses.replace(field, order=order, required_order=tuple(p for p in order if p in required_names))
    for prop, sub in (merged.get("properties") or {}).items():
        child = f"{name}.{prop}" if name else prop
        _flatten(sub, child, prop in required_names, out, depth + 1)
    if isinstance(merged.get("items"), dict):
        _flatten(merged["items"], f"{name}[]", True, out, depth + 1)
    if isinstance(merged.get("additionalProperties"), dict):
        _flatten(merged["additionalProperties"], f"{name}{{*}}", False, out, depth + 1)
    for combinator in ("oneOf", "anyOf"):
        for i, variant in enumerate(merged.get(combinator) or []):
            _flatten(variant, f"{name}<{combinator} {i}>", True, out, depth + 1)
