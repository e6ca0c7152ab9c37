"""Reading, hashing and pruning the vendored OpenAPI spec (a pipeline step before generation).

A spec is read as JSON or YAML alike (YAML 1.2 with ruamel.yaml, the library openapi-python-client reads
YAML with), then normalised to what JSON can hold (mapping keys as strings, dates as ISO text), so every
step sees the same data whichever format upstream published.

The vendored file is never edited. What the generator sees is a pruned copy: only the components
that the four operations reach, so no unused model class is generated and the generator has nothing
to warn about (two unused Blueprint schemas make 0.29.1 warn "Cannot take allOf a non-object").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "leonardo-ai-realtime-canvas-openapi.json"
PROVENANCE_PATH = ROOT / "openapi" / "PROVENANCE.json"
GENERATED_DIR = ROOT / "leonardo_realtime_client" / "_generated"
GENERATOR_CONFIG = ROOT / "generator-config.yaml"
GENERATOR_TEMPLATES = ROOT / "generator-templates"

Spec = dict[str, Any]
SpecFormat = Literal["json", "yaml"]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse_document(data: bytes, source: str) -> tuple[Any, SpecFormat]:
    """``data`` parsed as JSON (when it starts with ``{`` or ``[``) or else as YAML, and which it was.

    Raises ``ValueError`` naming ``source`` when it is neither (a web page gets a hint).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{source}: not JSON or YAML (not UTF-8 text: {exc})") from exc
    head = text.lstrip()[:1]
    if head in {"{", "["}:
        try:
            return json.loads(text, object_pairs_hook=_unique_keys), "json"
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source}: not JSON: {exc}") from exc
        except _DuplicateKeyError as exc:  # YAML refuses them too; JSON would keep the last silently
            raise ValueError(f"{source}: not valid JSON for a spec: {exc}") from exc
    if head == "<":
        raise ValueError(f"{source}: not JSON or YAML (a web page? use the raw file's URL)")
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        loaded = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise ValueError(f"{source}: not JSON or YAML: {exc}") from exc
    # What JSON holds: integer keys such as response codes become "200", dates their ISO text.
    return json.loads(json.dumps(loaded, default=_json_default)), "yaml"


class _DuplicateKeyError(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(f"the key {key!r} appears twice in one object (which one counts is unclear)")
        out[key] = value
    return out


def _json_default(value: object) -> str:
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return str(isoformat())
    raise TypeError(f"a YAML value JSON cannot hold: {value!r}")


def to_json_bytes(spec: Spec) -> bytes:
    """``spec`` written as the vendored JSON is (2-space indent, no trailing newline, UTF-8)."""
    return json.dumps(spec, indent=2, ensure_ascii=False).encode("utf-8")


def load_spec(path: Path = SPEC_PATH) -> Spec:
    """The OpenAPI document at ``path`` (JSON or YAML); ``ValueError`` naming the path when it is not one.

    Also ``ValueError`` for a keyword of the wrong kind (:func:`check_keyword_types`).
    """
    data, _ = parse_document(path.read_bytes(), str(path))
    if not isinstance(data, dict) or "paths" not in data:
        raise ValueError(f"{path}: not an OpenAPI document (no 'paths')")
    check_keyword_types(data, str(path))
    return data


_FLAGS = ("nullable", "deprecated", "readOnly", "writeOnly", "uniqueItems", "allowEmptyValue", "explode")
_DATA_KEYS = {"example", "examples", "default", "enum", "const"}  # free data: any key, any value
_YAML_HINT = (
    "YAML 1.2 (how this pipeline and openapi-python-client read YAML) reads unquoted yes/no/on/off as text and "
    "unquoted 3.10 as the number 3.1: write true or false, and quote versions"
)


def check_keyword_types(spec: Spec, source: str) -> None:
    """Refuse keywords whose value is of the wrong kind, naming where (a JSON pointer) and the value.

    A flag such as ``nullable: "no"`` (YAML 1.1's ``no``, text in YAML 1.2 and JSON) is truthy to a plain
    reading but False to the generator's, so the changelog, the constraints table and the generated code
    would disagree; ``openapi``/``info.version`` written as numbers (``3.10`` read as 3.1) only fail later
    with the generator's message. Free data (examples, defaults, enums) and extensions are not checked.
    """
    for key in ("openapi",):
        if key in spec and not isinstance(spec[key], str):
            raise ValueError(f"{source}: /{key} must be text, got the number {spec[key]!r}; {_YAML_HINT}")
    info = spec.get("info")
    if isinstance(info, dict) and "version" in info and not isinstance(info["version"], str):
        raise ValueError(f"{source}: /info/version must be text, got {info['version']!r}; {_YAML_HINT}")

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{pointer}/{i}")
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            here = f"{pointer}/{key}"
            if isinstance(value, dict | list):
                if key not in _DATA_KEYS and not str(key).startswith("x-"):
                    walk(value, here)
            elif key in _FLAGS and not isinstance(value, bool):
                raise ValueError(f"{source}: {here} must be true or false, got {value!r}; {_YAML_HINT}")
            elif key == "required" and not isinstance(value, bool):
                raise ValueError(f"{source}: {here} must be true or false (or a list), got {value!r}; {_YAML_HINT}")
            elif key in {"exclusiveMinimum", "exclusiveMaximum"} and isinstance(value, str):
                raise ValueError(f"{source}: {here} must be true, false or a number, got {value!r}; {_YAML_HINT}")

    walk(spec, "")


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
