"""scripts/wheel_check.py's content check on hand-made wheels (the real build runs in `make wheel-check`)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import wheel_check

METADATA = "Metadata-Version: 2.4\nName: leonardo-realtime-client\nVersion: 0.1.0\nRequires-Python: >=3.11\n"


def make_wheel(path: Path, members: set[str], metadata: str = METADATA) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name in sorted(members):
            zf.writestr(name, "")
        zf.writestr("leonardo_realtime_client-0.1.0.dist-info/METADATA", metadata)
    return path


def test_a_wheel_with_every_package_file_passes(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "ok.whl", wheel_check.source_members())
    assert wheel_check.check_wheel_contents(wheel) == []


def test_missing_constraints_and_py_typed_are_named(tmp_path: Path) -> None:
    members = wheel_check.source_members() - {
        "leonardo_realtime_client/py.typed",
        "leonardo_realtime_client/_generated/constraints.py",
    }
    problems = wheel_check.check_wheel_contents(make_wheel(tmp_path / "bad.whl", members))
    assert "missing from the wheel: leonardo_realtime_client/py.typed" in problems
    assert "missing from the wheel: leonardo_realtime_client/_generated/constraints.py" in problems
    assert "not packaged: leonardo_realtime_client/py.typed" in problems


def test_stray_content_bytecode_and_wrong_python_are_named(tmp_path: Path) -> None:
    members = wheel_check.source_members() | {"tests/test_x.py", "leonardo_realtime_client/__pycache__/x.pyc"}
    metadata = METADATA.replace(">=3.11", ">=3.8")
    problems = wheel_check.check_wheel_contents(make_wheel(tmp_path / "bad.whl", members, metadata))
    assert "does not belong in the wheel: tests/test_x.py" in problems
    assert "bytecode in the wheel: leonardo_realtime_client/__pycache__/x.pyc" in problems
    assert "Requires-Python is '>=3.8', expected '>=3.11'" in problems
