"""Helpers for building mutated copies of the spec in the pipeline tests."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from spec_tools import PROVENANCE_PATH, SPEC_PATH

# The pipeline's tests run on this frozen copy of the spec (and trees generated from it), not on the vendored
# spec: adopting a new upstream revision must not break tests that are not about the vendored spec itself.
FIXTURE_SPEC = Path(__file__).parent / "fixtures" / "realtime-canvas-2026-11-25.json"

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


class Paths(TypedDict):
    spec_path: Path
    provenance_path: Path
    generated_dir: Path


@dataclass
class Layout:
    """A throwaway repository layout: the fixture spec as the vendored one, its provenance, its generated tree."""

    spec: Path
    provenance: Path
    generated: Path

    @classmethod
    def copy_of_repo(cls, root: Path, tree: Path) -> Layout:
        """``root`` laid out like the repository, with ``tree`` (generated from the fixture spec) as ``_generated``."""
        layout = cls(root / "openapi" / SPEC_PATH.name, root / "openapi" / PROVENANCE_PATH.name, root / "_generated")
        layout.spec.parent.mkdir(parents=True)
        shutil.copyfile(FIXTURE_SPEC, layout.spec)
        data = FIXTURE_SPEC.read_bytes()
        record = {"file": SPEC_PATH.name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        layout.provenance.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        shutil.copytree(tree, layout.generated, ignore=shutil.ignore_patterns("__pycache__"))
        return layout

    def args(self) -> list[str]:
        return ["--spec-path", str(self.spec), "--provenance", str(self.provenance), "--generated", str(self.generated)]

    def paths(self) -> Paths:
        return {"spec_path": self.spec, "provenance_path": self.provenance, "generated_dir": self.generated}

    def snapshot(self) -> tuple[bytes, bytes, str]:
        return self.spec.read_bytes(), self.provenance.read_bytes(), tree_digest(self.generated)
