"""How the changelog reads one schema: ``$ref`` inlined, every field flattened to a dotted path with its limits.

Part of scripts/spec_changelog.py. The limits stated only in description text are read by
``limits_prose.documented_limits``, the reader that builds the constraints table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from limits_prose import documented_limits
from spec_tools import Spec, deref

_MISSING: Any = object()


def _inline(spec: Spec, node: Any, stack: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by its target (a cycle is left as a ``$ref``)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in stack:
                return {"$ref": ref}
            target = _inline(spec, deref(spec, {"$ref": ref}), (*stack, ref))
            siblings = {k: _inline(spec, v, stack) for k, v in node.items() if k != "$ref"}
            return {**target, **siblings} if isinstance(target, dict) else target
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


def _field(schema: dict[str, Any], required: bool, where: str) -> _Field:
    raw_type = schema.get("type")
    nullable = bool(schema.get("nullable", False))
    if isinstance(raw_type, list):
        nullable = nullable or "null" in raw_type
        kinds = [str(t) for t in raw_type if t != "null"]
        kind: str | None = "|".join(kinds) if kinds else None
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
    choices: tuple[Any, ...] | None = None
    unreadable: str | None = None
    try:
        limits = documented_limits(description, "integer" if kind == "integer" else "number", where)
    except ValueError:
        unreadable = description
    else:
        if limits.minimum is not None:
            lower = (float(limits.minimum), False)
        if limits.maximum is not None:
            upper = (float(limits.maximum), False)
        choices = limits.choices
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
        length=_bounds(schema, "minLength", "maxLength"),
        items=_bounds(schema, "minItems", "maxItems"),
        pattern=schema.get("pattern"),
        deprecated=bool(schema.get("deprecated", False)),
        description=description,
        unreadable=unreadable,
    )


def _flatten(schema: Any, name: str, required: bool, out: dict[str, _Field], depth: int = 0) -> None:
    """Every field below ``schema`` (itself included) by dotted path into ``out``."""
    if not isinstance(schema, dict) or depth > 32:
        return
    merged = dict(schema)
    if isinstance(schema.get("allOf"), list):  # an allOf of objects reads as one object
        merged.setdefault("properties", {})
        merged["properties"] = dict(merged["properties"])
        merged["required"] = list(merged.get("required", []))
        for part in schema["allOf"]:
            if isinstance(part, dict):
                merged["properties"].update(part.get("properties", {}))
                merged["required"] += part.get("required", [])
                merged.setdefault("type", part.get("type"))
    out[name] = _field(merged, required, name)
    required_names = set(merged.get("required", []))
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
