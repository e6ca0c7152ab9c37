"""The pytest plugin's own guarantees: cheap to load, registered by entry point, strict about its marker."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from leonardo_realtime_client.server import Faults, ServerConfig

HEAVY = ("PIL", "starlette", "uvicorn", "schemathesis", "hypothesis", "leonardo_realtime_client.server")


def modules_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_plugin_imports_nothing_heavy() -> None:
    loaded = modules_after_import("leonardo_realtime_client.testing.pytest_plugin")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY}


def test_the_server_package_loads_pillow_starlette_and_uvicorn_only_when_used() -> None:
    loaded = modules_after_import("leonardo_realtime_client.server")
    assert not {m for m in loaded if m.split(".")[0] in ("PIL", "starlette", "uvicorn")}


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    (plugin,) = [ep for ep in entry_points(group="pytest11") if ep.name == "leonardo_realtime"]
    assert plugin.value == "leonardo_realtime_client.testing.pytest_plugin"


@pytest.mark.leonardo_config(faults=Faults(script=["drop"]), seed=4)
@pytest.mark.leonardo_config(seed=99, history=5)  # closest to the test (as pytest's get_closest_marker)
def test_the_closest_marker_wins_field_by_field(leonardo_server_config: ServerConfig) -> None:
    assert leonardo_server_config.seed == 99
    assert leonardo_server_config.history == 5
    assert leonardo_server_config.faults.script[0].value == "drop"


def test_without_a_marker_the_config_is_the_default_but_never_sleeps(
    leonardo_server_config: ServerConfig, leonardo_sleeps: list[float]
) -> None:
    leonardo_server_config.sleep(1.5)
    assert leonardo_sleeps == [1.5]
    assert leonardo_server_config.faults == Faults()
