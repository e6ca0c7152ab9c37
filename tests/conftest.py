"""The ``slow`` marker, in one place: the modules that take most of the suite's time.

``make test-quick`` (``pytest -m "not slow"``) is the inner loop and leaves them out; ``make test`` runs
everything. A module is listed here, with what makes it slow, when it spends seconds where the others spend
milliseconds (real subprocesses, the generator, schemathesis, a browser); ``make test-quick`` must stay under
a third of the full suite's time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent

SLOW: dict[str, str] = {
    # The spec pipeline: only what runs the generator, a subprocess or a wheel build. Its in-process tests (the
    # changelog, the deriver, the mutation table's in-process half) take ~4 s and stay in the quick loop; the
    # generator-running tests in otherwise quick modules carry @pytest.mark.slow themselves.
    "pipeline/test_drift.py": "regenerates the tree to compare it",
    "pipeline/test_generation.py": "generator runs",
    "pipeline/test_update_spec.py": "adopts specs: generator runs and contract checks in subprocesses",
    "pipeline/test_contract_check.py": "the hand-written layer run in subprocesses against candidate trees",
    "pipeline/test_yaml_specs.py": "adopts and drift-checks YAML specs: generator runs",
    "pipeline/test_wheel_check.py": "wheel builds",
    "server/test_conformance.py": "schemathesis over every operation of the spec",
    "server/test_plugin_suites.py": "whole pytest runs of the plugin's fixtures, in subprocesses",
    "server/test_missing_extras.py": "fresh virtual environments without the extras",
    "docs/test_readme_blocks.py": "every README block run against a local server",
    "typing/test_option_types.py": "mypy over a snippet (seconds without its cache)",
    "docs/test_docs_site.py": "a documentation site build",
    "canvas/test_browser.py": "a real browser",
    "mcp/test_schema_agreement.py": "every tool schema checked value by value through the MCP SDK",
    "mcp/test_cli.py": "MCP hosts started as subprocesses",
    "perf/test_lazy_imports.py": "fresh interpreters, one per import checked",
    "client/test_deadlines.py": "servers that drip their answers on a real socket",
    "client/test_proxies.py": "CLI runs and local servers behind environment proxies",
}


def _is_slow(path: Path) -> bool:
    relative = path.relative_to(TESTS).as_posix()
    return any(relative == name or relative.startswith(name + "/") for name in SLOW)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _is_slow(item.path):
            item.add_marker(pytest.mark.slow)
