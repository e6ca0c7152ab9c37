"""Shared fixtures for the pipeline tests.

They run on ``fixtures/realtime-canvas-2026-11-25.json``, a frozen copy of the spec; only tests about the
vendored spec itself (the drift check of the committed tree, the generated surface) read ``openapi/``.

Every test works on copies in tmp folders and passes paths explicitly; ``real_tree_untouched`` (autouse)
fails the session if the vendored spec, its provenance or the committed ``_generated`` tree changed.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from generate import generate
from spec_tools import GENERATED_DIR, PROVENANCE_PATH, SPEC_PATH

from .helpers import FIXTURE_SPEC, Spec, tree_digest


@pytest.fixture(scope="session", autouse=True)
def real_tree_untouched() -> Iterator[None]:
    before = (SPEC_PATH.read_bytes(), PROVENANCE_PATH.read_bytes(), tree_digest(GENERATED_DIR))
    yield
    after = (SPEC_PATH.read_bytes(), PROVENANCE_PATH.read_bytes(), tree_digest(GENERATED_DIR))
    assert after == before, "a pipeline test modified the real openapi/ or _generated/"


@pytest.fixture(scope="session")
def fixture_spec() -> Spec:
    """The fixture copy of the spec, parsed (tests must deep-copy before mutating: use ``mutated``)."""
    data: Spec = json.loads(FIXTURE_SPEC.read_bytes())
    return data


@pytest.fixture(scope="session")
def fresh_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One generation from the fixture spec (shared): the tree and what the generator printed."""
    out = tmp_path_factory.mktemp("fresh") / "_generated"
    printed = generate(FIXTURE_SPEC, out)
    return out, printed


@pytest.fixture(scope="session")
def fixture_tree(fresh_tree: tuple[Path, str]) -> Path:
    """The tree generated from the fixture spec (shared: copy before changing it)."""
    return fresh_tree[0]


@pytest.fixture
def generated_copy(tmp_path: Path) -> Path:
    """A private copy of the committed ``_generated`` tree."""
    target = tmp_path / "_generated"
    shutil.copytree(GENERATED_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def mutated(fixture_spec: Spec) -> Callable[[Callable[[Spec], None]], Spec]:
    """``mutated(fn)``: a deep copy of the real spec after ``fn(copy)``."""

    def make(fn: Callable[[Spec], None]) -> Spec:
        spec = copy.deepcopy(fixture_spec)
        fn(spec)
        return spec

    return make
