"""``demo``: the guided tour through the CLI (the real one in-process, and its error paths)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from leonardo_realtime_client import APIConnectionError
from leonardo_realtime_client._cli import ExitCode

from .conftest import FAKE_KEY, Cli


def test_demo_runs_the_four_operations_in_process(run: Cli, workdir: Path) -> None:
    result = run("demo", "-o", "tour", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["target"] == "the local server, in-process"
    assert [op["operation"] for op in doc["operations"]] == ["generate", "refine", "inpaint", "upscale"]
    for op in doc["operations"]:
        with Image.open(op["path"]) as im:
            assert list(im.size) == op["size"]
    assert Path(doc["contact_sheet"]).is_file()
    assert "total cost" in result.stderr  # the human table goes to stderr with --json
    assert FAKE_KEY not in result.output


def test_demo_options_are_passed_on(run: Cli, workdir: Path) -> None:
    seen: list[tuple[Path, bool, bool]] = []

    def fake_demo(output_dir: Path, *, real_api: bool, over_http: bool, echo: Callable[[str], None]) -> None:
        seen.append((output_dir, real_api, over_http))
        echo(f"key would be {FAKE_KEY}")  # even the demo's own text is redacted
        raise APIConnectionError("refused")

    result = run("demo", "--over-http", "-o", "x", demo=fake_demo)
    assert seen == [(Path("x"), False, True)]
    assert result.exit_code == ExitCode.CONNECTION
    assert "demo failed: refused" in result.stderr
    assert FAKE_KEY not in result.output
    assert "key would be [redacted]" in result.stdout


def test_demo_real_api_needs_a_key(run: Cli, workdir: Path) -> None:
    run.env["LEONARDO_API_KEY"] = None
    result = run("demo", "--real-api")
    assert result.exit_code == ExitCode.USAGE
    assert "LEONARDO_API_KEY" in result.stderr


def test_demo_targets_exclude_each_other(run: Cli) -> None:
    result = run("demo", "--real-api", "--over-http")
    assert result.exit_code == ExitCode.USAGE


def test_demo_ends_with_next_steps(run: Cli, workdir: Path) -> None:
    result = run("demo", "-o", "tour")
    assert result.exit_code == 0, result.output
    assert "leonardo-realtime refine --local tour/input.png" in result.stdout
    assert "LEONARDO_BASE_URL=http://127.0.0.1:8000/api/rest/v1" in result.stdout
    assert "Next steps" not in run("demo", "-o", "tour2", "--json").stdout  # standard output stays JSON
