"""A semantic changelog between two versions of the spec, as a user of this client sees the API.

``diff(old_spec, new_spec)`` is a pure function returning a :class:`Changelog`; ``render()`` turns it
into text and ``as_dict()`` into JSON-ready data. Operations are matched by ``operationId`` (an id that
disappeared while another appeared on the same method and path is a *rename*). For each operation it
compares the request (parameters and body), every response and the authentication, field by field
(nested fields as ``a.b``, array items as ``a[]``), with ``$ref`` resolved, and the ranges and choices
that exist only in description text read by ``limits_prose.documented_limits`` -- the same reader
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

Parameters count at both levels (the path item's and the operation's own, which win), each reported by
location and name with its required-ness. A changed ``title`` of an object or enum schema is BREAKING: the
generated model class is named after it. Properties listed in another order reorder the generated
model's attributes: BREAKING when the required ones (its positional arguments) change order, else
non-breaking. ``update-spec`` also compares the generated trees' public names (``changelog_generated``):
every module, class or function renamed or removed is BREAKING.

Modules, one concern each: ``changelog_model`` (the result types), ``changelog_fields`` (reading one schema
into fields), ``changelog_compare`` (comparing fields and the classification rules), ``changelog_operations``
(parameters, bodies, responses, authentication, ``diff``), ``changelog_generated`` (generated names); this one
renders the result and is the command line.

Either spec may be JSON or YAML.

Usage: python scripts/spec_changelog.py OLD_SPEC NEW_SPEC [--json] [--fail-on-breaking]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from changelog_model import Change, Changelog, OperationChanges, OutsideChange
from changelog_operations import diff
from spec_tools import load_spec

__all__ = ["Change", "Changelog", "OperationChanges", "OutsideChange", "as_dict", "diff", "main", "render"]


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
    if changelog.generated:
        n = sum(c.breaking for c in changelog.generated)
        lines.append("")
        lines.append(f"Generated core (names code imports): {len(changelog.generated)} change(s), {n} BREAKING")
        for c in changelog.generated:
            mark = "BREAKING    " if c.breaking else "non-breaking"
            lines.append(f"  {mark}  {c.detail} — {c.reason}")
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
        "generated": [
            {"where": c.where, "kind": c.kind, "detail": c.detail, "breaking": c.breaking, "reason": c.reason}
            for c in changelog.generated
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path, help="the spec before")
    parser.add_argument("new", type=Path, help="the spec after")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--fail-on-breaking", action="store_true", help="exit 1 when any change is BREAKING")
    args = parser.parse_args(argv)
    try:
        changelog = diff(load_spec(args.old), load_spec(args.new))
    except (OSError, ValueError) as exc:
        print(f"spec_changelog: cannot read the spec: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_dict(changelog), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render(changelog, old_label=str(args.old), new_label=str(args.new)))
    return 1 if args.fail_on_breaking and changelog.breaking else 0


if __name__ == "__main__":
    raise SystemExit(main())
