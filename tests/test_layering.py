"""Imports run one way: the CLI may use the local server and the clients, never the other way round.

Every import statement of the package is read (statically, with ``ast``), relative ones resolved, and checked
against the layers below. A helper both need belongs below both (``_key_file``, ``server/_command``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import leonardo_realtime_client

PACKAGE = Path(leonardo_realtime_client.__file__).parent
NAME = "leonardo_realtime_client"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[str]:
    """The absolute names ``path`` imports (``from .x import y`` gives ``package.x`` and ``package.x.y``)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


def _modules_under(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize(
    ("lower", "upper"),
    [("server", "_cli"), ("_generated", "_cli"), ("_generated", "server"), ("_images", "_cli")],
)
def test_a_lower_layer_never_imports_a_higher_one(lower: str, upper: str) -> None:
    forbidden = f"{NAME}.{upper}"
    found = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules_under(lower)
        for name in imports_of(path)
        if name == forbidden or name.startswith(forbidden + ".")
    ]
    assert found == []


def test_the_import_reader_sees_relative_imports() -> None:
    server_main = PACKAGE / "server" / "__main__.py"
    assert f"{NAME}.server._command" in set(imports_of(server_main))
    assert f"{NAME}._defaults" in set(imports_of(PACKAGE / "server" / "_command.py"))


ROOT = PACKAGE.parent
LIMIT = 500


def _hand_written() -> list[Path]:
    folders = [PACKAGE, ROOT / "scripts"]  # the hand-written layer and its pipeline (tests and benchmarks are
    # tables and scenarios, whose length says little; several carry the line anyway)
    return sorted(
        path for folder in folders if folder.is_dir() for path in folder.rglob("*.py") if "_generated" not in path.parts
    )


def test_a_hand_written_module_over_500_lines_says_why_at_its_top() -> None:
    """Modules stay small with one reason to change; a longer one carries "Over 500 lines because …" in its
    first ten lines, so whoever opens it knows why it was not split."""
    unexplained = [
        f"{path.relative_to(ROOT)} ({lines} lines)"
        for path in _hand_written()
        if (lines := len(text := path.read_text(encoding="utf-8").splitlines())) > LIMIT
        and not any("Over 500 lines because" in line for line in text[:10])
    ]
    assert unexplained == []


def test_every_module_marked_slow_exists() -> None:
    """The ``slow`` list (tests/conftest.py) names real test modules and folders, so none is left running
    in the quick loop under a stale name."""
    from .conftest import SLOW, TESTS

    assert [name for name in SLOW if not (TESTS / name).exists()] == []
