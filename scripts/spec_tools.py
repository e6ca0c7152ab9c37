"""Reading, hashing and pruning the vendored OpenAPI spec (a pipeline step before generation).

The vendored file is never edited. What the generator sees is a pruned copy: only the components
that the four operations reach, so no unused model class is generated and the generator has nothing
to warn about (two unused Blueprint schemas make 0.29.1 warn "Cannot take allOf a non-object").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "leonardo-ai-realtime-canvas-openapi.json"
PROVENANCE_PATH = ROOT / "openapi" / "PROVENANCE.json"
GENERATED_DIR = ROOT / "leonardo_realtime_client" / "_generated"
GENERATOR_CONFIG = ROOT / "generator-config.yaml"

Spec = dict[str, Any]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_spec(path: Path = SPEC_PATH) -> Spec:
    data = json.loads(path.read_bytes())
    if not isinstance(data, dict) or "paths" not in data:
        raise ValueError(f"{path}: not an OpenAPI document (no 'paths')")
    return data


def _refs(node: Any) -> Iterator[str]:
    """Every local ``$ref`` target below ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(spec: Spec, ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def reachable_refs(spec: Spec) -> set[str]:
    """The transitive closure of ``$ref`` targets reachable from ``paths``."""
    seen: set[str] = set()
    todo = list(_refs(spec["paths"]))
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        todo.extend(_refs(_resolve(spec, ref)))
    return seen


def prune(spec: Spec) -> Spec:
    """A copy of ``spec`` whose ``components`` hold only what the operations reach.

    Security schemes are kept (they are referenced by name, not by ``$ref``).
    """
    keep = reachable_refs(spec)
    pruned: Spec = json.loads(json.dumps(spec))
    components = pruned.get("components", {})
    for section, entries in list(components.items()):
        if section == "securitySchemes" or not isinstance(entries, dict):
            continue
        for name in list(entries):
            if f"#/components/{section}/{name}" not in keep:
                del entries[name]
        if not entries:
            del components[section]
    return pruned


def unreachable_components(spec: Spec) -> list[str]:
    keep = reachable_refs(spec)
    out: list[str] = []
    for section, entries in spec.get("components", {}).items():
        if section == "securitySchemes" or not isinstance(entries, dict):
            continue
        out.extend(f"{section}/{name}" for name in entries if f"#/components/{section}/{name}" not in keep)
    return sorted(out)


def operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(path, method, operation)`` for every operation, in document order."""
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in {"get", "put", "post", "delete", "patch", "options", "head", "trace"}:
                yield path, method, op


def deref(spec: Spec, node: Any) -> Any:
    """``node`` with a top-level ``$ref`` resolved (one level; properties stay as they are)."""
    while isinstance(node, dict) and "$ref" in node:
        node = _resolve(spec, node["$ref"])
    return node
