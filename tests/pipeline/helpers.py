"""Helpers for building mutated copies of the spec in the pipeline tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

Spec = dict[str, Any]


def tree_digest(top: Path) -> str:
    """One hash over every file's relative path and bytes below ``top`` (``__pycache__`` ignored)."""
    h = hashlib.sha256()
    for path in sorted(p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(top).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def request_props(spec: Spec, path: str) -> dict[str, Any]:
    props: dict[str, Any] = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"
    ]
    return props


def response_job(spec: Spec, path: str) -> dict[str, Any]:
    schema = spec["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    job: dict[str, Any] = schema["properties"]["lcmGenerationJob"]
    return job


def set_range(spec: Spec, path: str, field: str, old: str, new: str) -> None:
    """Change the documented range of one request field (it lives only in the description)."""
    prop = request_props(spec, path)[field]
    assert old in prop["description"], prop["description"]
    prop["description"] = prop["description"].replace(old, new)


def write_spec(path: Path, spec: Spec) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    return path
