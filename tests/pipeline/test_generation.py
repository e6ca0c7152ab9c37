"""Generation is reproducible, silent, and emits only what the four operations use (on the fixture spec)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import check_drift
import pytest
from generate import GenerationError, generate
from spec_tools import load_spec, prune, unreachable_components

from .helpers import FIXTURE_SPEC


def test_two_consecutive_generations_are_byte_identical(tmp_path: Path, fresh_tree: tuple[Path, str]) -> None:
    first, _ = fresh_tree
    second = tmp_path / "_generated"
    generate(FIXTURE_SPEC, second)
    assert check_drift.compare_trees(first, second) == []
    assert sorted(p.name for p in first.rglob("*.py"))  # not two empty trees


def test_generation_prints_no_warning(fresh_tree: tuple[Path, str]) -> None:
    _, printed = fresh_tree
    assert "warning" not in printed.lower()
    assert [line for line in printed.splitlines() if line.strip()] == [
        line for line in printed.splitlines() if line.startswith("Generating ")
    ]


def test_the_unpruned_spec_makes_the_generator_warn_twice_and_fail(tmp_path: Path) -> None:
    """Pruning is what keeps the generator quiet: the full spec has two schemas it cannot take."""
    out = tmp_path / "_generated"
    with pytest.raises(GenerationError) as info:
        generate(FIXTURE_SPEC, out, prune_spec=False)
    assert info.value.output.count("Cannot take allOf a non-object") == 2
    assert "/components/schemas/BlueprintExecution\n" in info.value.output
    assert not out.exists()  # a failed generation leaves nothing behind


def test_pruning_keeps_exactly_what_the_operations_reach() -> None:
    spec = load_spec(FIXTURE_SPEC)
    dropped = unreachable_components(spec)
    assert "schemas/Blueprint" in dropped
    assert "schemas/cost" not in dropped
    pruned = prune(spec)
    assert unreachable_components(pruned) == []
    kept = set(pruned["components"]["schemas"])
    assert kept == {"cost", "timestamp", "lcm_generation_style", "seed", "apiCreditCost"}
    assert pruned["components"]["securitySchemes"] == spec["components"]["securitySchemes"]
    assert json.dumps(spec["paths"]) == json.dumps(pruned["paths"])


def _model_imports(source: Path) -> set[str]:
    """The ``models`` modules a generated file imports (at top level, under TYPE_CHECKING or in a function)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")  # "models.cost" for `from ..models.cost import Cost`
            if len(parts) >= 2 and parts[-2] == "models":
                found.add(parts[-1])
    return found


def test_every_generated_model_is_reached_from_an_operation(fresh_tree: tuple[Path, str]) -> None:
    tree, _ = fresh_tree
    models = {p.stem for p in (tree / "models").glob("*.py") if p.stem != "__init__"}
    todo = set().union(*(_model_imports(p) for p in (tree / "api").rglob("*.py")))
    reached: set[str] = set()
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        todo |= _model_imports(tree / "models" / f"{name}.py")
    assert reached == models, f"models no operation uses: {sorted(models - reached)}"
    assert len(models) == 15
