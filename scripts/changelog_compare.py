"""Comparing one schema before and after, field by field, with the request/response classification rules.

Part of scripts/spec_changelog.py (the rules are listed in its docstring).
"""

from __future__ import annotations

import math
from typing import Any

from changelog_fields import _MISSING, Bound, _Field, _flatten, _show
from changelog_model import Change, Direction


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


def _divides(step: float, of: float | None) -> bool:
    """Whether every multiple of ``of`` is a multiple of ``step`` (``of`` ``None``: any number -> no)."""
    if of is None:
        return False
    from fractions import Fraction

    return (Fraction(repr(of)) / Fraction(repr(step))).denominator == 1


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
    unknown = req and (old.unreadable is not None or new.unreadable is not None)  # limits cannot be compared
    if not unknown:
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
    if old.multiple_of != new.multiple_of and not unknown:
        detail = f"multipleOf {_show(old.multiple_of)} → {_show(new.multiple_of)}"
        if req:
            # still accepts every old value only when the new step divides the old one (or is gone)
            breaking = new.multiple_of is not None and not _divides(new.multiple_of, old.multiple_of)
            reason = "values accepted before may be rejected" if breaking else "every value accepted before still is"
        else:
            breaking = old.multiple_of is not None and not _divides(old.multiple_of, new.multiple_of)
            reason = "the client may receive values off the old step" if breaking else "received values stay on step"
        out.append(Change(where, "multiple-of", detail, breaking, reason))
    if old.title != new.title and (old.model or new.model):
        detail = f"title {_show(old.title or _MISSING)} → {_show(new.title or _MISSING)}"
        reason = "the generated model class is named after the title: code importing the old name breaks"
        out.append(Change(where, "title", detail, True, reason))
    if req and old.unreadable != new.unreadable and new.unreadable is not None:
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
        "multiple-of",
        "length-range",
    }
    if old.description != new.description and not any(c.kind in limit_kinds for c in out):
        out.append(Change(where, "description", "description changed", False, "documentation only"))
    return out


def _order_change(where: str, old: _Field, new: _Field) -> list[Change]:
    """Properties listed in another order: the generated model's attributes (and positional arguments) follow it."""
    kept = [p for p in old.order if p in new.order]
    now = [p for p in new.order if p in old.order]
    if kept == now:
        return []
    shown = f"properties reordered: {', '.join(kept[:4])}… → {', '.join(now[:4])}…"
    old_req = [p for p in old.required_order if p in new.required_order]
    new_req = [p for p in new.required_order if p in old.required_order]
    if old_req != new_req:
        reason = "the generated model's required positional arguments change order"
        return [Change(where, "field-order", shown, True, reason)]
    reason = "JSON is unaffected; the generated model's optional arguments (passed by keyword) change order"
    return [Change(where, "field-order", shown, False, reason)]


def _compare_schema(
    label: str, old: Any, new: Any, direction: Direction, required: bool = True, root: str = "(body)"
) -> list[Change]:
    old_fields: dict[str, _Field] = {}
    new_fields: dict[str, _Field] = {}
    _flatten(old, "", required, old_fields)
    _flatten(new, "", required, new_fields)
    req = direction == "request"
    out: list[Change] = []

    def where(path: str) -> str:
        return f"{label} {path}" if path else f"{label} {root}".rstrip()

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
            out += _order_change(where(path), o, n)
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
