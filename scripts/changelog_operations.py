"""Comparing operations: parameters, request bodies, responses, authentication, and what lies outside them.

Part of scripts/spec_changelog.py; ``diff`` is the entry point.
"""

from __future__ import annotations

import json
from typing import Any

from changelog_compare import _compare_schema
from changelog_fields import _MISSING, _inline, _leaf_diff, _show
from changelog_model import Change, Changelog, OperationChanges, OutsideChange, Status
from spec_tools import Spec, deref, operations, reachable_refs


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
            out += _compare_schema(f"{label} {key[1]}", o.get("schema", {}), n.get("schema", {}), "request", root="")
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
        other = [p for p, _, _ in _leaf_diff(o_inline, n_inline) if p != "operationId"]  # ids: see diff()
        if other:
            shown = ", ".join(other[:5]) + (f" and {len(other) - 5} more" if len(other) > 5 else "")
            out.append(Change("operation", "other", f"other change: {shown}", False, "no effect on the client's calls"))
    return out


def _effective(spec: Spec, path: str, op: dict[str, Any]) -> dict[str, Any]:
    """``op`` with the parameters it really takes: the path item's, overridden by its own (same name and location)."""
    shared = (spec["paths"].get(path) or {}).get("parameters") or []
    if not shared:
        return op
    found: dict[tuple[Any, Any], Any] = {}
    for raw in [*shared, *(op.get("parameters") or [])]:
        param = deref(spec, raw)
        found[(param.get("in"), param.get("name"))] = raw
    return {**op, "parameters": list(found.values())}


def _operations_by_id(spec: Spec) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        str(op.get("operationId") or f"{method.upper()} {path}"): (path, method, _effective(spec, path, op))
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
