"""The drift check fails naming the file after each kind of tampering, and passes on a clean tree.

Every case runs ``check_drift.check`` (which regenerates for real) against a private copy of the committed
``_generated`` tree or of the spec, so the real tree is never touched.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import check_drift
import pytest
from spec_tools import PROVENANCE_PATH, SPEC_PATH

from .helpers import Spec, set_range, write_spec

Mutate = Callable[[Callable[[Spec], None]], Spec]


def test_clean_tree_passes(generated_copy: Path) -> None:
    assert check_drift.check(SPEC_PATH, generated_copy) == []


def test_editing_one_line_of_a_generated_file_fails_naming_it(generated_copy: Path) -> None:
    target = generated_copy / "models" / "cost.py"
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if "amount" in line)
    lines[index] = lines[index].replace("amount", "amount_", 1)
    target.write_text("".join(lines), encoding="utf-8")
    assert check_drift.check(SPEC_PATH, generated_copy) == [f"changed: {generated_copy}/models/cost.py"]


def test_a_stray_file_fails_naming_it(generated_copy: Path) -> None:
    (generated_copy / "models" / "stray.py").write_text("X = 1\n", encoding="utf-8")
    assert check_drift.check(SPEC_PATH, generated_copy) == [f"extra: {generated_copy}/models/stray.py"]


def test_a_deleted_generated_file_fails_naming_it(generated_copy: Path) -> None:
    (generated_copy / "api" / "realtime_canvas" / "perform_instant_refine.py").unlink()
    assert check_drift.check(SPEC_PATH, generated_copy) == [
        f"missing: {generated_copy}/api/realtime_canvas/perform_instant_refine.py"
    ]


def test_one_more_byte_in_the_vendored_spec_fails_the_hash_check(tmp_path: Path, generated_copy: Path) -> None:
    spec = tmp_path / "openapi" / SPEC_PATH.name
    spec.parent.mkdir()
    spec.write_bytes(SPEC_PATH.read_bytes() + b" ")  # still the same JSON (whatever the spec says), one byte more
    problems = check_drift.check(spec, generated_copy, PROVENANCE_PATH)
    recorded = json.loads(PROVENANCE_PATH.read_text(encoding="utf-8"))["sha256"]
    assert problems[0].startswith(f"spec hash: {SPEC_PATH.name} is ")
    assert problems[0].endswith(f"PROVENANCE.json records {recorded}")
    # the constraints table records the spec's hash, so the tree drifts too
    assert problems[1:] == [f"changed: {generated_copy}/constraints.py"]


def test_a_changed_range_in_a_spec_given_with_spec_fails_naming_the_constraints(
    tmp_path: Path, fixture_tree: Path, mutated: Mutate
) -> None:
    tree = tmp_path / "_generated"
    shutil.copytree(fixture_tree, tree)
    spec = write_spec(
        tmp_path / "spec.json", mutated(lambda s: set_range(s, "/lcm-upscale", "refineStrength", "0.9", "0.8"))
    )
    problems = check_drift.check(spec, tree)
    assert f"changed: {tree}/constraints.py" in problems
    assert any(p.startswith("spec hash: spec.json") for p in problems)
    assert len(problems) == 3  # the hash, the table, and the docstring of the field in its model
    assert f"changed: {tree}/models/perform_alchemy_upscale_lcm_body.py" in problems


def test_a_spec_that_does_not_generate_fails_with_the_reason(
    tmp_path: Path, generated_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.json"
    spec.write_bytes(SPEC_PATH.read_bytes()[:-200])  # truncated: no longer JSON
    assert check_drift.main(["--spec", str(spec), "--generated", str(generated_copy)]) == 1
    err = capsys.readouterr().err
    assert f"drift check FAILED: {spec} does not generate: {spec}: cannot read the spec" in err
    assert "git checkout" not in err  # the copy is not the tracked spec


@pytest.mark.parametrize(
    ("argv", "problems", "fix"),
    [
        ([], ["changed: leonardo_realtime_client/_generated/models/cost.py"], "`make generate`"),
        (
            ["--spec", "/tmp/x/spec.json", "--generated", "/tmp/x/_generated"],
            ["extra: /tmp/x/_generated/stray.py"],
            "scripts/generate.py --spec /tmp/x/spec.json --out /tmp/x/_generated`",
        ),
        (
            [],
            [f"spec hash: {SPEC_PATH.name} is 00, PROVENANCE.json records 11"],
            f"`git checkout -- openapi/{SPEC_PATH.name}` restores the committed one",
        ),
    ],
    ids=["default-paths", "explicit-paths", "spec-hash"],
)
def test_the_cli_names_every_problem_and_prints_the_command_that_fixes_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    problems: list[str],
    fix: str,
) -> None:
    seen: list[tuple[Path, Path, Path]] = []

    def fake_check(spec: Path, generated: Path, provenance: Path) -> list[str]:
        seen.append((spec, generated, provenance))
        return problems

    monkeypatch.setattr(check_drift, "check", fake_check)
    assert check_drift.main(argv) == 1
    err = capsys.readouterr().err
    assert all(f"  {line}\n" in err for line in problems)
    assert fix in err
    assert seen[0][2] == PROVENANCE_PATH


def test_compare_trees_ignores_bytecode_caches(tmp_path: Path, generated_copy: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(generated_copy, other)
    (other / "__pycache__").mkdir()
    (other / "__pycache__" / "client.cpython-311.pyc").write_bytes(b"\0")
    assert check_drift.compare_trees(generated_copy, other) == []


def _cli_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    spec = Path(argv[argv.index("--spec") + 1]) if "--spec" in argv else SPEC_PATH
    problems = [
        f"spec hash: {spec.name} is 00, PROVENANCE.json records 11",
        "changed: leonardo_realtime_client/_generated/constraints.py",  # the table records the spec's hash
    ]
    monkeypatch.setattr(check_drift, "check", lambda *_: problems)
    assert check_drift.main(argv) == 1
    return capsys.readouterr().err


def test_a_hand_edited_vendored_spec_is_fixed_by_restoring_it_not_by_regenerating(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _cli_output(monkeypatch, capsys, [])
    assert f"`git checkout -- openapi/{SPEC_PATH.name}`" in err
    # regenerating from the edited spec would bake the edit in and still fail the hash check
    assert "`make generate`" not in err


def test_a_spec_copy_that_differs_is_adopted_with_update_spec_not_git_checkout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "new-spec.json"
    err = _cli_output(monkeypatch, capsys, ["--spec", str(copy)])
    assert f"`make update-spec SPEC={copy}`" in err
    assert "git checkout" not in err  # the copy is not a tracked file
    assert "scripts/generate.py" not in err  # would leave the hash check failing and the repo out of step
