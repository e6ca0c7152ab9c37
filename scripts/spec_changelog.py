"""A semantic changelog between two versions of the spec, as a user of this client sees the API.

``diff(old_spec, new_spec)`` is a pure function returning a :class:`Changelog`; ``render()`` turns it
into text and ``as_dict()`` into JSON-ready data. Operations are matched by ``operationId`` (an id that
disappeared while another appeared on the same method and path is a *rename*). For each operation it
compares the request (parameters and body), every response and the authentication, field by field
(nested fields as ``a.b``, array items as ``a[]``), with ``$ref`` resolved, and the ranges and choices
that exist only in description text read by ``derive_constraints.documented_limits`` -- the same reader
that builds the constraints table the client validates with.

Classification: a change is BREAKING when code, or a previously generated client, that worked against
the old spec can fail against the new one. The rules depend on the direction in which data flows.

Request (the client sends, the server validates):

- field added: non-breaking when optional; BREAKING when required (existing calls lack it).
- field removed: BREAKING (calls that send it are rejected or silently lose it; the keyword goes away).
- optional -> required: BREAKING; required -> optional: non-breaking.
- nullable -> not nullable: BREAKING; the reverse: non-breaking.
- type changed: BREAKING, except integer -> number (every integer is still accepted).
- enum value removed: BREAKING; added: non-breaking. An enum put on a free field: BREAKING;
  an enum taken away: non-breaking. Discrete documented choices (width "512, 640 or 1024") alike.
- range (value, length or item count) narrowed, or a new bound: BREAKING; widened or bound removed:
  non-breaking; moved (narrowed at one end, widened at the other): BREAKING.
- pattern added or changed: BREAKING; removed: non-breaking.
- default changed: BREAKING (callers that omit the field silently get different results);
  a default documented or dropped: non-breaking.

Response (the server sends, the client parses):

- field added: non-breaking (clients ignore what they do not read).
- field removed: BREAKING.
- required -> optional: BREAKING (the client may now get nothing); optional -> required: non-breaking.
- not nullable -> nullable: BREAKING; the reverse: non-breaking.
- type changed: BREAKING, except number -> integer (an integer still is a number).
- enum value added: BREAKING -- code that switches on the value does not know it, and a previously
  generated enum class raises on it; removed: non-breaking. Enum taken away: BREAKING; put on: non-breaking.
- range widened or a bound removed: BREAKING (values the client never expected); narrowed: non-breaking.
- pattern removed or changed: BREAKING (received strings may no longer match); added: non-breaking.
- default changed: non-breaking (informational).

Operations and their frame: an operation added is non-breaking; removed, renamed (the generated function
changes name) or moved to another method or path (released clients call the old URL) is BREAKING.
A request body that becomes required, or a media type the client sends that is dropped, is BREAKING.
A success (2xx) response added or removed is BREAKING (the client cannot parse the new one, or loses
the old one); an error response added or removed is non-breaking. Authentication: an accepted scheme
removed or changed is BREAKING, an alternative added is non-breaking. Summary, description and tag
edits and deprecation are non-breaking. Anything else that differs within an operation (examples,
titles, ...) is reported as a non-breaking "other" change, so an operation is only called unchanged
when nothing it reaches changed.

Outside the operations' reach -- ``info``, ``servers``, ``tags``, ``externalDocs``, extensions and
components no operation uses -- changes are listed separately without a classification: they do not
change the generated client.

Usage: python scripts/spec_changelog.py OLD_SPEC NEW_SPEC [--json] [--fail-on-breaking]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from derive_constraints import documented_limits
from spec_tools import Spec, deref, load_spec, operations, reachable_refs

Direction = Literal["request", "response"]
Status = Literal["added", "removed", "renamed", "changed", "unchanged"]

_MISSING: Any = object()
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Change:
    """One change a client user may notice.

    ``where`` is e.g. ``"request guidance"`` or ``"response 200 lcmGenerationJob.cost.unit"``; ``kind`` a
    short machine tag (``"range"``, ``"enum-added"``, ``"field-removed"``, ...); ``detail`` the old and new
    state; ``reason`` why it is (non-)breaking for a client.
    """

    where: str
    kind: str
    detail: str
    breaking: bool
    reason: str


@dataclass(frozen=True)
class OperationChanges:
    operation_id: str
    method: str
    path: str
    status: Status
    changes: tuple[Change, ...] = ()
    previous_id: str | None = None

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.changes)


@dataclass(frozen=True)
class OutsideChange:
    """A change no operation reaches (``where`` like ``info.version`` or ``components/schemas/Blueprint``)."""

    where: str
    detail: str


@dataclass(frozen=True)
class Changelog:
    operations: tuple[OperationChanges, ...]
    outside: tuple[OutsideChange, ...]

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for op in self.operations for c in op.changes)

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.changes)

    @property
    def unchanged(self) -> tuple[str, ...]:
        return tuple(op.operation_id for op in self.operations if op.status == "unchanged")

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.outside


# ----------------------------------------------------------------------------------------- resolving


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


# ------------------------------------------------------------------------------------ comparisons


def _range_text(lower: Bound | None, upper: Bound | None) -> str:
    def num(b: Bound) -> str:
        return _show(b[0])

    if lower is None and upper is None:
        return "unbounded"
    if lower is not None and upper is not None and not lower[1] and not upper[1]:
        return f"{num(lower)} to {num(upper)}"
    parts = []
    if lower is not None:
        parts.append(f"{'>' if lower[1] else '≥'} {num(lower)}")
    if upper is not None:
        parts.append(f"{'<' if upper[1] else '≤'} {num(upper)}")
    return " and ".join(parts)


def _lower_key(b: Bound | None) -> tuple[float, int]:
    return (-math.inf, 0) if b is None else (b[0], 1 if b[1] else 0)


def _upper_key(b: Bound | None) -> tuple[float, int]:
    return (math.inf, 1) if b is None else (b[0], 0 if b[1] else 1)


def _range_change(
    where: str, what: str, old: tuple[Bound | None, Bound | None], new: tuple[Bound | None, Bound | None], req: bool
) -> list[Change]:
    if old == new:
        return []
    notes: list[str] = []
    narrowed = widened = False
    lo_old, lo_new = _lower_key(old[0]), _lower_key(new[0])
    hi_old, hi_new = _upper_key(old[1]), _upper_key(new[1])
    if lo_new > lo_old:
        narrowed = True
        notes.append("minimum raised" if old[0] is not None else "minimum added")
    elif lo_new < lo_old:
        widened = True
        notes.append("minimum lowered" if new[0] is not None else "minimum removed")
    if hi_new < hi_old:
        narrowed = True
        notes.append("maximum lowered" if old[1] is not None else "maximum added")
    elif hi_new > hi_old:
        widened = True
        notes.append("maximum raised" if new[1] is not None else "maximum removed")
    label = "narrowed" if narrowed and not widened else "widened" if widened and not narrowed else "moved"
    detail = f"{what} {_range_text(*old)} → {_range_text(*new)} ({label}: {', '.join(notes)})"
    if req:
        breaking = narrowed
        reason = "values accepted before may now be rejected" if breaking else "every value accepted before still is"
    else:
        breaking = widened
        reason = "the client may receive values it never expected" if breaking else "received values stay in range"
    return [Change(where, "range" if what == "range" else f"{what}-range", detail, breaking, reason)]


def _values_change(
    where: str, what: str, old: tuple[Any, ...] | None, new: tuple[Any, ...] | None, req: bool
) -> list[Change]:
    """Enum values or documented choices: ``what`` is ``"enum"`` or ``"choices"``."""
    if old == new:
        return []
    if old is None and new is not None:
        detail = f"{what} introduced: {', '.join(_show(v) for v in new)}"
        if req:
            return [Change(where, f"{what}-introduced", detail, True, "only the listed values are accepted now")]
        return [Change(where, f"{what}-introduced", detail, False, "received values are now limited to the list")]
    if new is None or old is None:
        detail = f"{what} removed (was {', '.join(_show(v) for v in old or ())})"
        if req:
            return [Change(where, f"{what}-removed", detail, False, "any value of the type is accepted now")]
        return [Change(where, f"{what}-removed", detail, True, "the client may receive values outside the old list")]
    out: list[Change] = []
    added = [v for v in new if v not in old]
    gone = [v for v in old if v not in new]
    if added:
        detail = f"{what} value{'s' if len(added) > 1 else ''} added: {', '.join(_show(v) for v in added)}"
        if req:
            out.append(Change(where, f"{what}-added", detail, False, "a new value callers may send"))
        else:
            out.append(
                Change(
                    where,
                    f"{what}-added",
                    detail,
                    True,
                    "code that switches on the value, and a previously generated enum, do not know it",
                )
            )
    if gone:
        detail = f"{what} value{'s' if len(gone) > 1 else ''} removed: {', '.join(_show(v) for v in gone)}"
        if req:
            out.append(Change(where, f"{what}-value-removed", detail, True, "calls sending it will be rejected"))
        else:
            out.append(Change(where, f"{what}-value-removed", detail, False, "the client just no longer receives it"))
    return out


def _type_text(f: _Field) -> str:
    return f"{f.type}({f.format})" if f.format else str(f.type)


def _compare_field(where: str, old: _Field, new: _Field, req: bool) -> list[Change]:
    out: list[Change] = []
    if (old.type, old.format) != (new.type, new.format):
        if old.type == new.type:  # only the format changed
            breaking = True
        elif req:
            breaking = not (old.type == "integer" and new.type == "number")
        else:
            breaking = not (old.type == "number" and new.type == "integer")
        reason = "values of the old type may no longer fit" if breaking else "every value of the old type still fits"
        out.append(Change(where, "type", f"type {_type_text(old)} → {_type_text(new)}", breaking, reason))
    if old.required != new.required:
        detail = "optional → required" if new.required else "required → optional"
        if req:
            breaking = new.required
            reason = "calls that omit it will be rejected" if breaking else "it may now be omitted"
        else:
            breaking = not new.required
            reason = "the client may now get nothing" if breaking else "it is now always present"
        out.append(Change(where, "required", detail, breaking, reason))
    if old.nullable != new.nullable:
        detail = "nullable → not nullable" if not new.nullable else "not nullable → nullable"
        if req:
            breaking = not new.nullable
            reason = "sending null will be rejected" if breaking else "null is now accepted"
        else:
            breaking = new.nullable
            reason = "the client may now receive null" if breaking else "null is no longer sent"
        out.append(Change(where, "nullable", detail, breaking, reason))
    out += _values_change(where, "enum", old.enum, new.enum, req)
    out += _values_change(where, "choices", old.choices, new.choices, req)
    out += _range_change(where, "range", (old.lower, old.upper), (new.lower, new.upper), req)
    out += _range_change(where, "length", old.length, new.length, req)
    out += _range_change(where, "items", old.items, new.items, req)
    if old.pattern != new.pattern:
        detail = f"pattern {_show(old.pattern)} → {_show(new.pattern)}"
        if req:
            breaking = new.pattern is not None
            reason = "values accepted before may not match" if breaking else "any string is accepted now"
        else:
            breaking = old.pattern is not None
            reason = "received strings may no longer match" if breaking else "received strings are now constrained"
        out.append(Change(where, "pattern", detail, breaking, reason))
    if old.default != new.default:
        detail = f"default {_show(old.default)} → {_show(new.default)}"
        if req and old.default is not _MISSING and new.default is not _MISSING:
            out.append(Change(where, "default", detail, True, "callers that omit it silently get another value"))
        else:
            reason = "documentation only" if req else "informational for responses"
            out.append(Change(where, "default", detail, False, reason))
    if old.deprecated != new.deprecated:
        detail = "deprecated" if new.deprecated else "no longer deprecated"
        out.append(Change(where, "deprecated", detail, False, "still works; plan accordingly"))
    if old.unreadable != new.unreadable and new.unreadable is not None:
        out.append(
            Change(
                where,
                "unreadable-limit",
                f"a limit the pipeline cannot read: {_show(new.unreadable, 100)}",
                True,
                "generation fails until scripts/derive_constraints.py understands it",
            )
        )
    limit_kinds = {
        "range",
        "unreadable-limit",
        "choices-added",
        "choices-value-removed",
        "choices-introduced",
        "choices-removed",
    }
    if old.description != new.description and not any(c.kind in limit_kinds for c in out):
        out.append(Change(where, "description", "description changed", False, "documentation only"))
    return out


def _compare_schema(label: str, old: Any, new: Any, direction: Direction, required: bool = True) -> list[Change]:
    old_fields: dict[str, _Field] = {}
    new_fields: dict[str, _Field] = {}
    _flatten(old, "", required, old_fields)
    _flatten(new, "", required, new_fields)
    req = direction == "request"
    out: list[Change] = []

    def where(path: str) -> str:
        return f"{label} {path}" if path else f"{label} (body)"

    def parent(path: str) -> str:
        cut = max(path.rfind("."), path.rfind("["), path.rfind("{"), path.rfind("<"))
        return path[:cut] if cut > 0 else ""

    seen: set[str] = set()
    for path in [*new_fields, *(p for p in old_fields if p not in new_fields)]:
        if path in seen:
            continue
        seen.add(path)
        o, n = old_fields.get(path), new_fields.get(path)
        if o is not None and n is not None:
            out += _compare_field(where(path), o, n, req)
        elif n is not None and parent(path) in old_fields:
            text = f"field added ({_type_text(n)}, {'required' if n.required else 'optional'})"
            if req:
                breaking = n.required
                reason = "existing calls lack it" if breaking else "callers may send it"
            else:
                breaking, reason = False, "clients ignore what they do not read"
            out.append(Change(where(path), "field-added", text, breaking, reason))
        elif o is not None and parent(path) in new_fields:
            reason = "calls that send it break or lose it" if req else "code that reads it breaks"
            out.append(Change(where(path), "field-removed", f"field removed (was {_type_text(o)})", True, reason))
    return out


# ------------------------------------------------------------------------------------ operations


def _media(content: Any) -> dict[str, Any]:
    return {mt: body.get("schema") for mt, body in (content or {}).items() if isinstance(body, dict)}


def _label(prefix: str, media_type: str) -> str:
    return prefix if media_type == "application/json" else f"{prefix} [{media_type}]"


def _compare_request(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out: list[Change] = []
    old_params = {(p.get("in"), p.get("name")): p for p in old.get("parameters", []) if isinstance(p, dict)}
    new_params = {(p.get("in"), p.get("name")): p for p in new.get("parameters", []) if isinstance(p, dict)}
    for key in [*new_params, *(k for k in old_params if k not in new_params)]:
        label = f"request {key[0]} parameter"
        o, n = old_params.get(key), new_params.get(key)
        if o is not None and n is not None:
            for change in _compare_schema(label, o.get("schema", {}), n.get("schema", {}), "request"):
                out.append(change)
            o_req, n_req = bool(o.get("required")), bool(n.get("required"))
            if o_req != n_req:
                detail = "optional → required" if n_req else "required → optional"
                reason = "calls that omit it will be rejected" if n_req else "it may now be omitted"
                out.append(Change(f"{label} {key[1]}", "required", detail, n_req, reason))
        elif n is not None:
            n_req = bool(n.get("required"))
            reason = "existing calls lack it" if n_req else "callers may send it"
            text = f"parameter added ({'required' if n_req else 'optional'})"
            out.append(Change(f"{label} {key[1]}", "parameter-added", text, n_req, reason))
        else:
            out.append(
                Change(f"{label} {key[1]}", "parameter-removed", "parameter removed", True, "calls that send it break")
            )
    old_body, new_body = old.get("requestBody") or {}, new.get("requestBody") or {}
    if bool(old_body.get("required")) != bool(new_body.get("required")):
        becomes = bool(new_body.get("required"))
        detail = "request body optional → required" if becomes else "request body required → optional"
        reason = "calls without a body will be rejected" if becomes else "the body may now be omitted"
        out.append(Change("request (body)", "body-required", detail, becomes, reason))
    old_media, new_media = _media(old_body.get("content")), _media(new_body.get("content"))
    for mt in [*new_media, *(m for m in old_media if m not in new_media)]:
        if mt in old_media and mt in new_media:
            out += _compare_schema(_label("request", mt), old_media[mt], new_media[mt], "request")
        elif mt in new_media:
            out.append(Change(f"request [{mt}]", "media-type-added", "media type added", False, "a new body format"))
        else:
            reason = "calls that send this format will be rejected"
            out.append(Change(f"request [{mt}]", "media-type-removed", "media type removed", True, reason))
    return out


def _compare_responses(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out: list[Change] = []
    for code in [*new, *(c for c in old if c not in new)]:
        success = str(code).startswith("2")
        label = f"response {code}"
        if code in old and code in new:
            o_media, n_media = _media(old[code].get("content")), _media(new[code].get("content"))
            for mt in [*n_media, *(m for m in o_media if m not in n_media)]:
                if mt in o_media and mt in n_media:
                    out += _compare_schema(_label(label, mt), o_media[mt], n_media[mt], "response")
                elif mt in n_media:
                    reason = "the client may receive a body it cannot parse"
                    out.append(Change(f"{label} [{mt}]", "media-type-added", "media type added", success, reason))
                else:
                    reason = "the client no longer receives this format"
                    out.append(Change(f"{label} [{mt}]", "media-type-removed", "media type removed", success, reason))
        elif code in new:
            reason = (
                "a success the client does not know how to parse"
                if success
                else "surfaces as an error response, as before"
            )
            out.append(Change(label, "response-added", "response added", success, reason))
        else:
            reason = "code that reads this response breaks" if success else "documentation only"
            out.append(Change(label, "response-removed", "response removed", success, reason))
    return out


def _security(spec: Spec, op: dict[str, Any]) -> set[str]:
    """The accepted authentication alternatives, each as a canonical string."""
    requirements = op.get("security", spec.get("security", []))
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    out: set[str] = set()
    for alternative in requirements or []:
        parts = []
        for name, scopes in sorted(alternative.items()):
            scheme = deref(spec, schemes.get(name, {}))
            shape = {k: scheme.get(k) for k in ("type", "scheme", "in", "name") if k in scheme}
            parts.append(f"{name}{json.dumps(shape, sort_keys=True)}{sorted(scopes or [])}")
        out.add(" + ".join(parts) if parts else "anonymous")
    return out


def _compare_operation(
    old_spec: Spec, new_spec: Spec, old: tuple[str, str, dict[str, Any]], new: tuple[str, str, dict[str, Any]]
) -> list[Change]:
    (o_path, o_method, o_op), (n_path, n_method, n_op) = old, new
    out: list[Change] = []
    if (o_path, o_method) != (n_path, n_method):
        detail = f"{o_method.upper()} {o_path} → {n_method.upper()} {n_path}"
        out.append(Change("operation", "moved", detail, True, "released clients call the old URL"))
    o_inline, n_inline = _inline(old_spec, o_op), _inline(new_spec, n_op)
    out += _compare_request(o_inline, n_inline)
    out += _compare_responses(o_inline.get("responses") or {}, n_inline.get("responses") or {})
    o_sec, n_sec = _security(old_spec, o_op), _security(new_spec, n_op)
    if o_sec - n_sec:
        detail = f"authentication {sorted(o_sec)} → {sorted(n_sec)}"
        out.append(Change("operation", "security", detail, True, "the credentials clients send may be refused"))
    elif n_sec - o_sec:
        detail = f"authentication alternative added: {sorted(n_sec - o_sec)}"
        out.append(Change("operation", "security", detail, False, "existing credentials still work"))
    for key in ("summary", "description", "tags", "deprecated"):
        if o_op.get(key) != n_op.get(key):
            detail = f"{key} {_show(o_op.get(key, _MISSING))} → {_show(n_op.get(key, _MISSING))}"
            out.append(Change("operation", key, detail, False, "documentation only"))
    if not out:
        other = [p for p, _, _ in _leaf_diff(o_inline, n_inline)]
        if other:
            shown = ", ".join(other[:5]) + (f" and {len(other) - 5} more" if len(other) > 5 else "")
            out.append(Change("operation", "other", f"other change: {shown}", False, "no effect on the client's calls"))
    return out


def _operations_by_id(spec: Spec) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        str(op.get("operationId") or f"{method.upper()} {path}"): (path, method, op)
        for path, method, op in operations(spec)
    }


def _outside(old: Spec, new: Spec) -> list[OutsideChange]:
    out: list[OutsideChange] = []
    skip = {"paths", "components", "security"}
    for key in [*old, *(k for k in new if k not in old)]:
        if key in skip:
            continue
        for where, a, b in _leaf_diff(old.get(key, _MISSING), new.get(key, _MISSING), key):
            note = (
                " (the client's DEFAULT_BASE_URL mirrors servers[0].url: update it)"
                if where == "servers" or (where.startswith("servers[0].url"))
                else ""
            )
            out.append(OutsideChange(where, f"{_show(a)} → {_show(b)}{note}"))
    used_old, used_new = reachable_refs(old), reachable_refs(new)
    used_schemes = {
        name
        for spec in (old, new)
        for _, _, op in operations(spec)
        for alternative in op.get("security", spec.get("security", [])) or []
        for name in alternative
    }
    o_comp, n_comp = old.get("components") or {}, new.get("components") or {}
    for section in [*o_comp, *(s for s in n_comp if s not in o_comp)]:
        o_sec, n_sec = o_comp.get(section) or {}, n_comp.get(section) or {}
        for name in [*o_sec, *(n for n in n_sec if n not in o_sec)]:
            ref = f"#/components/{section}/{name}"
            used = name in used_schemes if section == "securitySchemes" else ref in used_old or ref in used_new
            if used or o_sec.get(name) == n_sec.get(name):
                continue
            where = f"components/{section}/{name}"
            if name not in o_sec:
                out.append(OutsideChange(where, "added, not used by any operation"))
            elif name not in n_sec:
                out.append(OutsideChange(where, "removed, was not used by any operation"))
            else:
                leaves = [p for p, _, _ in _leaf_diff(o_sec[name], n_sec[name])]
                shown = ", ".join(p or "(whole)" for p in leaves[:4]) + (
                    f" and {len(leaves) - 4} more" if len(leaves) > 4 else ""
                )
                out.append(OutsideChange(where, f"changed ({shown}), not used by any operation"))
    return out


def diff(old_spec: Spec, new_spec: Spec) -> Changelog:
    """The client-visible changes from ``old_spec`` to ``new_spec`` (pure: neither is modified)."""
    old_ops, new_ops = _operations_by_id(old_spec), _operations_by_id(new_spec)
    renamed: dict[str, str] = {}  # new id -> old id
    gone = [i for i in old_ops if i not in new_ops]
    for new_id in (i for i in new_ops if i not in old_ops):
        path, method, _ = new_ops[new_id]
        match = next((i for i in gone if old_ops[i][:2] == (path, method) and i not in renamed.values()), None)
        if match is not None:
            renamed[new_id] = match
    results: list[OperationChanges] = []
    for op_id, (path, method, _) in new_ops.items():
        previous = renamed.get(op_id, op_id if op_id in old_ops else None)
        if previous is None:
            change = Change("operation", "operation-added", f"{method.upper()} {path}", False, "a new call")
            results.append(OperationChanges(op_id, method.upper(), path, "added", (change,)))
            continue
        changes = _compare_operation(old_spec, new_spec, old_ops[previous], new_ops[op_id])
        if previous != op_id:
            rename = Change("operation", "renamed", f"{previous} → {op_id}", True, "the generated function is renamed")
            results.append(OperationChanges(op_id, method.upper(), path, "renamed", (rename, *changes), previous))
        else:
            status: Status = "changed" if changes else "unchanged"
            results.append(OperationChanges(op_id, method.upper(), path, status, tuple(changes)))
    for op_id in gone:
        if op_id in renamed.values():
            continue
        path, method, _ = old_ops[op_id]
        change = Change("operation", "operation-removed", f"{method.upper()} {path}", True, "calls to it break")
        results.append(OperationChanges(op_id, method.upper(), path, "removed", (change,)))
    return Changelog(tuple(results), tuple(_outside(old_spec, new_spec)))


# --------------------------------------------------------------------------------------- output


def render(changelog: Changelog, *, old_label: str = "old spec", new_label: str = "new spec") -> str:
    """A plain-text report: a summary line, then each operation, then what lies outside them."""
    ops = changelog.operations
    n_breaking = sum(c.breaking for c in changelog.changes)
    counts = {s: sum(op.status == s for op in ops) for s in ("changed", "renamed", "added", "removed", "unchanged")}
    lines = [
        f"API changelog: {old_label} → {new_label}",
        f"  {len(changelog.changes)} change(s) to operations, {n_breaking} BREAKING; "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        + f"; {len(changelog.outside)} change(s) outside the operations",
        "",
    ]
    width = max((len(c.where) for c in changelog.changes), default=0)
    for op in ops:
        title = f"{op.operation_id} ({op.method} {op.path})"
        if op.status == "unchanged":
            lines.append(f"{title}: unchanged")
            continue
        breaking = sum(c.breaking for c in op.changes)
        lines.append(f"{title}: {op.status}, {len(op.changes)} change(s), {breaking} BREAKING")
        for c in op.changes:
            mark = "BREAKING    " if c.breaking else "non-breaking"
            lines.append(f"  {mark}  {c.where.ljust(width)}  {c.detail} — {c.reason}")
    lines.append("")
    if changelog.outside:
        lines.append("Outside the operations (no request, response or authentication of an operation changes):")
        lines += [f"  {o.where}: {o.detail}" for o in changelog.outside]
    else:
        lines.append("Outside the operations: no changes")
    return "\n".join(lines) + "\n"


def as_dict(changelog: Changelog) -> dict[str, Any]:
    return {
        "breaking": changelog.breaking,
        "operations": [
            {
                "operation_id": op.operation_id,
                "previous_id": op.previous_id,
                "method": op.method,
                "path": op.path,
                "status": op.status,
                "changes": [
                    {"where": c.where, "kind": c.kind, "detail": c.detail, "breaking": c.breaking, "reason": c.reason}
                    for c in op.changes
                ],
            }
            for op in changelog.operations
        ],
        "outside": [{"where": o.where, "detail": o.detail} for o in changelog.outside],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path, help="the spec before")
    parser.add_argument("new", type=Path, help="the spec after")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--fail-on-breaking", action="store_true", help="exit 1 when any change is BREAKING")
    args = parser.parse_args(argv)
    changelog = diff(load_spec(args.old), load_spec(args.new))
    if args.json:
        print(json.dumps(as_dict(changelog), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render(changelog, old_label=str(args.old), new_label=str(args.new)))
    return 1 if args.fail_on_breaking and changelog.breaking else 0


if __name__ == "__main__":
    raise SystemExit(main())
