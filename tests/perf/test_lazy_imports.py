"""`import leonardo_realtime_client` stays light: Pillow, numpy, the server stack and the CLI stack load
only when used. Checked in a fresh interpreter (this test process has imported everything already)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("PIL", "numpy", "starlette", "uvicorn", "pydantic", "leonardo_ai_sdk", "mcp", "opentelemetry")


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    modules: list[str] = json.loads(done.stdout)
    return modules


@pytest.mark.parametrize(
    "statement",
    [
        "import leonardo_realtime_client",
        "from leonardo_realtime_client import RealtimeCanvas, AsyncRealtimeCanvas, RealtimeResult",
        "import leonardo_realtime_client.server",
        # The CLI (with its `mcp` command) loads the MCP SDK only when `leonardo-realtime mcp` runs.
        "from leonardo_realtime_client._cli import cli",
        "import leonardo_realtime_client._mcp, leonardo_realtime_client._mcp._schema",
        "from leonardo_realtime_client.canvas import CanvasConfig",
    ],
)
def test_heavy_modules_are_not_imported(statement: str) -> None:
    modules = _loaded_after(statement)
    assert "leonardo_realtime_client" in modules
    heavy = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    assert heavy == [], f"{statement!r} imported {heavy}; import them lazily where they are used"


def test_the_bare_package_import_loads_nothing_until_a_name_is_used() -> None:
    """Every public name loads on first use (PEP 562), so ``import leonardo_realtime_client`` (and any
    submodule import, such as the CLI's) does not pay for httpx, attrs, asyncio or the clients."""
    modules = set(_loaded_after("import leonardo_realtime_client"))
    loaded = sorted({m.split(".")[0] for m in modules} & {"httpx", "httpcore", "attrs", "attr", "asyncio", "click"})
    assert loaded == []
    ours = sorted(m for m in modules if m.startswith("leonardo_realtime_client."))
    assert ours == []


def test_a_public_name_loads_its_module_on_first_use() -> None:
    modules = _loaded_after("import leonardo_realtime_client as l\nl.RetryPolicy")
    assert "leonardo_realtime_client._retry" in modules
    assert "leonardo_realtime_client._client" not in modules  # only what that name needs


def test_the_clients_do_not_load_the_generated_models_or_the_session() -> None:
    """The generated models (attrs classes, ~15 ms) load at the first call; the session (asyncio) when used.
    attrs itself (~6 ms) loads when a client is made (its RetryPolicy), decimal only with a caller's Decimal."""
    modules = set(_loaded_after("from leonardo_realtime_client import RealtimeCanvas, AsyncRealtimeCanvas"))
    assert not any(m.startswith("leonardo_realtime_client._generated.models") for m in modules)
    assert "leonardo_realtime_client._session" not in modules
    assert not {"asyncio", "attr", "attrs"} & modules
    assert not {"leonardo_realtime_client._result", "leonardo_realtime_client._retry"} & modules


def test_the_number_rules_do_not_import_decimal() -> None:
    """``_numbers`` (every client and the CLI's validation) finds Decimal and numbers.Real in ``sys.modules``.
    (httpx with its CLI extras installed, as in the dev venv, loads decimal itself: checked without httpx.)"""
    modules = set(_loaded_after("import leonardo_realtime_client._numbers, leonardo_realtime_client._validation"))
    assert not {"decimal", "numbers", "fractions"} & modules
    assert "leonardo_realtime_client._numbers" in modules


def test_the_probe_sees_attrs_once_a_client_is_made() -> None:
    """The check can fail: a client's RetryPolicy is an attrs class."""
    modules = set(_loaded_after("from leonardo_realtime_client import RealtimeCanvas\nRealtimeCanvas(api_key='k')"))
    assert {"attrs", "leonardo_realtime_client._retry"} <= modules


def test_every_public_name_resolves_and_dir_lists_them() -> None:
    code = (
        "import leonardo_realtime_client as l\n"
        "assert set(l.__all__) <= set(dir(l))\n"
        "missing = [n for n in l.__all__ if getattr(l, n, None) is None]\n"
        "assert not missing, missing"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_the_probe_sees_a_heavy_import() -> None:
    """The check can fail: importing the server app really loads starlette."""
    modules = _loaded_after("from leonardo_realtime_client.server import create_app")
    assert "starlette" in modules


def test_the_probe_sees_the_mcp_sdk() -> None:
    """The check can fail for the MCP SDK too: the server module really loads it."""
    modules = _loaded_after("import leonardo_realtime_client._mcp._server")
    assert "mcp" in modules


# What `leonardo-realtime --help` (and each command's --help) must not load: the HTTP stack, attrs, the generated
# models and client, the clients, the image helpers, asyncio and decimal. Help is text from click and the
# constraints table; each of these loads when a command runs.
NOT_FOR_HELP = ("httpx", "httpcore", "attr", "attrs", "asyncio", "decimal", "orjson", "pybase64")
OURS_NOT_FOR_HELP = (
    "leonardo_realtime_client._generated.models",
    "leonardo_realtime_client._generated.client",
    "leonardo_realtime_client._client",
    "leonardo_realtime_client._async_client",
    "leonardo_realtime_client._base_client",
    "leonardo_realtime_client._images",
    "leonardo_realtime_client._cli._run",
    "leonardo_realtime_client.server._config",
)


def _loaded_after_cli(args: list[str]) -> tuple[str, list[str]]:
    """The CLI's help text for ``args`` and the modules loaded once it is printed, in a fresh interpreter."""
    code = (
        "import contextlib, io, json, sys\n"
        "from leonardo_realtime_client._cli import cli\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    cli.main(args={args!r}, prog_name='leonardo-realtime', standalone_mode=False)\n"
        "print(json.dumps([out.getvalue(), sorted(sys.modules)]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    text, modules = json.loads(done.stdout)
    return text, modules


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["generate", "--help"],
        ["inpaint", "--help"],
        ["upscale", "--help"],
        ["serve", "--help"],
        ["canvas", "--help"],
        ["mcp", "--help"],
        ["demo", "--help"],
        ["skill", "export", "--help"],
    ],
)
def test_help_loads_no_http_stack_attrs_or_generated_models(args: list[str]) -> None:
    text, modules = _loaded_after_cli(args)
    assert text.startswith("Usage: leonardo-realtime")  # the help really was printed
    third_party = sorted({m.split(".")[0] for m in modules} & set(NOT_FOR_HELP))
    ours = sorted(m for m in modules if m.startswith(OURS_NOT_FOR_HELP))
    assert third_party == [], f"{args}: {third_party}"
    assert ours == [], f"{args}: {ours}"


def test_the_help_probe_sees_a_command_s_imports() -> None:
    """The check can fail: what a command runs with (the batch runner) does load attrs and the image helpers."""
    modules = set(_loaded_after("import leonardo_realtime_client._cli._run"))
    assert {"attrs", "leonardo_realtime_client._images"} <= modules


def test_the_constraints_table_does_not_load_the_generated_client() -> None:
    """``_generated/__init__`` (from the package_init template) loads ``client.py`` (httpx, attrs) on first use
    only; the name still resolves."""
    modules = set(_loaded_after("import leonardo_realtime_client._generated.constraints"))
    assert not {"httpx", "attrs", "leonardo_realtime_client._generated.client"} & modules
    code = "from leonardo_realtime_client._generated import AuthenticatedClient, Client\nprint(Client.__module__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "leonardo_realtime_client._generated.client"


def test_numbers_imported_after_the_number_rules_are_still_numbers() -> None:
    """A Decimal, Fraction or numpy scalar made after ``_numbers`` was imported (the usual order) is found."""
    code = (
        "from leonardo_realtime_client._numbers import as_number, type_problem\n"
        "from decimal import Decimal\n"
        "from fractions import Fraction\n"
        "import numpy\n"
        "print(as_number(Decimal('8')), as_number(Decimal('0.5')), as_number(Fraction(3, 4)),\n"
        "      as_number(numpy.int16(7)), as_number(numpy.float32(0.25)), as_number('8'),\n"
        "      repr(type_problem(Decimal(1))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["8", "0.5", "0.75", "7", "0.25", "None", "''"]


def test_a_call_loads_the_generated_models_of_its_own_operation_only() -> None:
    """The generated models load one at a time (the models_init template), and an operation's when it is first
    used: a run of `generate` does not pay for the refine, inpaint and upscale models (nor any request body's)."""
    statement = (
        "from leonardo_realtime_client import RealtimeCanvas\n"
        "from leonardo_realtime_client.server import LocalTransport, IN_PROCESS_BASE_URL\n"
        "from tests.client.conftest import make_jpeg\n"
        "with RealtimeCanvas(api_key='k', base_url=IN_PROCESS_BASE_URL, transport=LocalTransport()) as canvas:\n"
        "    assert canvas.generate(make_jpeg(), prompt='a fox').image\n"
    )
    prefix = "leonardo_realtime_client._generated.models."
    models = sorted(m.removeprefix(prefix) for m in _loaded_after(statement) if m.startswith(prefix))
    assert models, "the probe saw no generated model at all: it cannot tell one operation's from all"
    assert all(m.startswith(("create_lcm_generation_response_200", "cost", "lcm_generation_style")) for m in models), (
        models
    )
    assert "perform_instant_refine_response_200" not in models
