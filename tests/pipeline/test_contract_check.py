"""scripts/contract_check.py: the hand-written layer is run against a candidate tree before update-spec adopts it."""

from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path

import contract_check
import derive_constraints
import pytest
import update_spec
from spec_tools import GENERATED_DIR

from .helpers import FIXTURE_SPEC, Layout, Spec, write_spec

GEN = "/generations-lcm"


def tree_copy(tmp_path: Path) -> Path:
    tree = tmp_path / "_generated"
    shutil.copytree(GENERATED_DIR, tree, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def test_the_committed_tree_passes() -> None:
    assert contract_check.check(GENERATED_DIR) == []


def test_a_renamed_body_model_fails_naming_it(tmp_path: Path) -> None:
    """What a changed title does: the class the operations table resolves by name is gone."""
    tree = tree_copy(tmp_path)
    init = tree / "models" / "__init__.py"
    entry = '    "CreateLcmGenerationBody": ".create_lcm_generation_body",\n'  # the lazy name table's line
    text = init.read_text(encoding="utf-8")
    assert entry in text
    init.write_text(text.replace(entry, ""), encoding="utf-8")
    (problem,) = contract_check.check(tree)
    assert problem.startswith("the operations table does not resolve against the generated code: AttributeError")
    assert "CreateLcmGenerationBody" in problem


def test_a_new_required_field_the_client_cannot_send_fails_the_call(tmp_path: Path, fixture_spec: Spec) -> None:
    spec = copy.deepcopy(fixture_spec)
    body = spec["paths"][GEN]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body["properties"]["negativePrompt"] = {"type": "string"}
    body["required"].append("negativePrompt")
    tree = tree_copy(tmp_path)
    table = derive_constraints.derive(spec)
    (tree / "constraints.py").write_text(derive_constraints.render(table, "0" * 64), encoding="utf-8")
    problems = contract_check.check(tree)
    assert len(problems) == 1
    assert problems[0].startswith("generate() through the client and the local server: ValidationError")
    assert "negative_prompt=None: required: a string" in problems[0]


def test_a_tree_that_does_not_import_fails_naming_the_module(tmp_path: Path) -> None:
    tree = tree_copy(tmp_path)
    (tree / "models" / "cost_unit.py").write_text("raise RuntimeError('broken on purpose')\n", encoding="utf-8")
    problems = contract_check.check(tree)
    assert any("RuntimeError: broken on purpose" in p for p in problems), problems


def test_update_spec_refuses_a_spec_that_breaks_the_hand_written_layer_and_replaces_nothing(
    tmp_path: Path, fixture_tree: Path, fixture_spec: Spec, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new title renames CreateLcmGenerationBody: it generates, but the client no longer works with it."""
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    before = layout.snapshot()
    spec = copy.deepcopy(fixture_spec)
    spec["paths"][GEN]["post"]["requestBody"]["content"]["application/json"]["schema"]["title"] = "GenerationRequest"
    new = write_spec(tmp_path / "incoming" / "spec.json", spec)
    assert update_spec.main([str(new), *layout.args()]) == 1
    err = capsys.readouterr().err
    assert "update-spec FAILED: the hand-written layer does not work with the code the new spec generates" in err
    assert "CreateLcmGenerationBody" in err
    assert "Nothing was replaced" in err
    (title,) = [line for line in err.splitlines() if 'title (absent) → "GenerationRequest"' in line]
    assert title.split()[:3] == ["BREAKING", "request", "(body)"]
    assert "Generated core (names code imports):" in err
    assert "class models.create_lcm_generation_body.CreateLcmGenerationBody renamed to" in err
    assert layout.snapshot() == before
    assert hashlib.sha256(layout.spec.read_bytes()).digest() == hashlib.sha256(FIXTURE_SPEC.read_bytes()).digest()
