"""--help shows every request field with the range the constraints table gives it (no range typed in the CLI)."""

from __future__ import annotations

import re

import pytest

from leonardo_realtime_client._cli._exit import EXIT_CODE_MEANINGS
from leonardo_realtime_client._cli._params import IMAGE_FIELDS, option_name
from leonardo_realtime_client._click import UVICORN_LOG_LEVELS
from leonardo_realtime_client._generated.constraints import OPERATIONS
from leonardo_realtime_client._operations import OPERATION_IDS
from leonardo_realtime_client._validation import allowed_text

from .conftest import FAKE_KEY, Cli


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("command", sorted(OPERATION_IDS))
def test_help_lists_every_field_with_its_allowed_range(run: Cli, command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    help_text = _flat(result.stdout)
    fields = OPERATIONS[OPERATION_IDS[command]]["fields"]
    for json_name, rule in fields.items():
        if json_name in IMAGE_FIELDS:
            continue
        assert option_name(json_name) in help_text, json_name
        if rule["type"] != "boolean" and allowed_text(rule) != "a string":
            assert _flat(f"Allowed: {allowed_text(rule)}.") in help_text, json_name
    assert FAKE_KEY not in result.output


def test_ranges_in_help_follow_the_table(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    # Change the table: the help must change with it (proves nothing is typed in the CLI).
    rule = dict(OPERATIONS["performInstantRefine"]["fields"]["guidance"])
    rule["minimum"], rule["maximum"] = 1.5, 7.25
    fields = dict(OPERATIONS["performInstantRefine"]["fields"], guidance=rule)
    monkeypatch.setitem(OPERATIONS, "performInstantRefine", {**OPERATIONS["performInstantRefine"], "fields": fields})
    from leonardo_realtime_client._cli._params import field_options

    (guidance,) = [o for o in field_options("performInstantRefine") if o.name == "spec_guidance"]
    assert guidance.help is not None
    assert "a number from 1.5 to 7.25" in guidance.help


def test_inpaint_help_has_the_mask_option(run: Cli) -> None:
    result = run("inpaint", "--help")
    assert "-m, --mask MASK" in result.stdout
    assert "white where the image is repainted" in _flat(result.stdout)


def test_top_level_help_documents_every_exit_status(run: Cli) -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in [*OPERATION_IDS, "serve", "demo"]:
        assert command in result.stdout
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert re.search(rf"^\s*{int(code)}\s+{re.escape(meaning)}$", result.stdout, re.M), code


def test_readme_documents_the_same_exit_statuses() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section: cli -->", 1)[1].split("<!-- section:", 1)[0]
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert f"| {int(code)} | {meaning} |" in section, code


def test_version(run: Cli) -> None:
    from leonardo_realtime_client import __version__

    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


@pytest.mark.parametrize(("command", "default"), [("serve", "info"), ("canvas", "warning"), ("mcp", "warning")])
def test_every_command_that_runs_uvicorn_takes_the_same_log_levels(run: Cli, command: str, default: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    help_text = _flat(result.stdout)
    assert f"--log-level [{'|'.join(UVICORN_LOG_LEVELS)}]" in help_text
    assert f"[default: {default}]" in help_text.split("--log-level", 1)[1].split(" --", 1)[0]
    refused = run(command, "--log-level", "verbose")
    assert refused.exit_code == 2
    assert "'verbose' is not one of 'critical', 'error', 'warning', 'info', 'debug', 'trace'" in refused.stderr
