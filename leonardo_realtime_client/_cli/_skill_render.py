"""The Agent Skill for ``leonardo-realtime``, generated from the CLI's own command tree and the constraints table.

Nothing here restates a limit, an option or an exit status: the commands and their options come from the click
group, the limits and styles from the constraints table (through ``_validation.allowed_text``), the exit statuses
from ``_exit``. So the skill cannot drift from the tool it describes; ``tests/cli/test_skill.py`` compares the
copy committed under ``skills/leonardo-realtime/`` with what ``leonardo-realtime skill export`` writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Final

import click

from .._defaults import ENV_API_KEY, ENV_BASE_URL
from .._generated.constraints import OPERATIONS, OperationRule
from .._operations import OPERATION_IDS
from .._validation import allowed_text
from ._exit import EXIT_CODE_MEANINGS
from ._params import IMAGE_FIELDS, option_name

__all__ = ["SKILL_NAME", "render_skill"]

SKILL_NAME: Final = "leonardo-realtime"

_DESCRIPTION: Final = (
    "Generate, refine, inpaint or upscale images with the Leonardo.AI Realtime Canvas API (sub-second LCM) "
    "through the leonardo-realtime command. Use when the user wants a sketch or picture turned into an image "
    "from a prompt, an image refined, part of an image repainted through a mask, or an image upscaled with "
    "Leonardo, for one file or a whole folder, or wants to try that offline and free first."
)

_EXAMPLE_INPUT: Final = "sketch.png"
_SKIPPED_FIELDS: Final = frozenset({"requestTimestamp"})


def _commands(group: click.Group) -> dict[str, click.Command]:
    """The group's commands: the four operations first (in the operations table's order), then the rest by name."""
    order = [name for name in OPERATION_IDS if name in group.commands]
    order += sorted(name for name in group.commands if name not in OPERATION_IDS)
    return {name: group.commands[name] for name in order}


def _has_option(command: click.Command, opt: str) -> bool:
    return any(isinstance(p, click.Option) and opt in p.opts for p in command.params)


def _example(name: str, command: click.Command) -> str:
    if name in OPERATION_IDS:
        mask = " --mask mask.png" if _has_option(command, "--mask") else ""
        return f'leonardo-realtime {name} {_EXAMPLE_INPUT}{mask} -p "a lighthouse at dusk" -o out/'
    if isinstance(command, click.Group):
        sub = next(iter(sorted(command.commands)), "")
        return f"leonardo-realtime {name} {sub} --help"
    return f"leonardo-realtime {name} --help"


def _intent_table(group: click.Group) -> list[str]:
    lines = ["| Intent | Command | Example |", "|---|---|---|"]
    for name, command in _commands(group).items():
        summary = (command.short_help or command.get_short_help_str(200)).rstrip(".")
        lines.append(f"| {summary} | `{name}` | `{_example(name, command)}` |")
    return lines


def _limits_table(table: Mapping[str, OperationRule]) -> list[str]:
    """One row per option and allowed range, with the commands that take it."""
    rows: dict[tuple[str, str], list[str]] = {}
    for name, operation_id in OPERATION_IDS.items():
        for json_name, rule in table[operation_id]["fields"].items():
            if json_name in _SKIPPED_FIELDS:
                continue
            option = IMAGE_FIELDS.get(json_name) or option_name(json_name)
            allowed = "an image file (or '-')" if json_name in IMAGE_FIELDS else allowed_text(rule)
            if rule["required"]:
                allowed += "; required"
            elif rule["default"] is not None:
                allowed += f"; API default {rule['default']}"
            rows.setdefault((option, allowed), []).append(name)
    lines = ["| Option | Allowed | Commands |", "|---|---|---|"]
    lines += [f"| `{option}` | {allowed} | {', '.join(names)} |" for (option, allowed), names in rows.items()]
    return lines


def _styles(table: Mapping[str, OperationRule]) -> str:
    seen: dict[str, None] = {}
    for op in table.values():
        rule = op["fields"].get("style")
        if rule is not None and rule["enum"]:
            seen.update(dict.fromkeys(rule["enum"]))
    return ", ".join(f"`{style}`" for style in seen)


def _mask_text(table: Mapping[str, OperationRule]) -> str:
    for op in table.values():
        rule = op["fields"].get("maskDataUrl")
        if rule is not None:
            sentences = [s.strip() for s in rule["description"].split(".") if "white" in s.lower()]
            return ". ".join(sentences) + "."
    return ""


def _exit_table() -> list[str]:
    lines = ["| Status | Meaning |", "|---|---|"]
    lines += [f"| {int(code)} | {text} |" for code, text in EXIT_CODE_MEANINGS.items()]
    return lines


def _skill_md(group: click.Group, table: Mapping[str, OperationRule]) -> str:
    front = ["---", f"name: {SKILL_NAME}", f"description: {_DESCRIPTION}", "---", ""]
    body = [
        "# Leonardo.AI Realtime Canvas with `leonardo-realtime`",
        "",
        "`leonardo-realtime` (Python package `leonardo-realtime-client`) sends images to Leonardo.AI's Realtime "
        "Canvas endpoints and writes the results as files. Every option is checked against the API's documented "
        "limits before anything is sent; a batch of inputs runs a few at a time and reports each one.",
        "",
        "## Which command fits the intent",
        "",
        *_intent_table(group),
        "",
        "Inputs are image files, folders (their images), globs or `-` for standard input. Without `-o` each result "
        "is written next to its input (`sketch-generate.jpg`); `-o DIR/` collects them, `-o -` writes one to "
        "standard output. Existing outputs are an error unless `--overwrite` (or `--skip-existing` to resume).",
        "",
        "## Try it first, for free",
        "",
        "- `--dry-run`: checks every option and input and lists input → output; sends nothing, costs nothing. "
        f"It checks the key as a real run would, so without `{ENV_API_KEY}` add `--local` too "
        "(`--dry-run --local`).",
        "- `--local`: runs the command against the built-in local stand-in of the API: no key, no network, no "
        "cost. Its pictures are drawn locally (no model): use it to check a workflow, not to judge results.",
        "- Each real call is paid; the JSON report and the summary give the cost.",
        "",
        "## Read results with `--json`",
        "",
        "`--json` prints one JSON document on standard output, with `command`, `ok` and `exit_code` always, "
        "except when the command line cannot be parsed (an unknown option: exit status 2, a message on standard "
        "error and nothing on standard output). Progress and messages go to standard error.",
        "",
        "- After a run: `succeeded`, `failed`, `cost` (per unit), and `items`, one per input, with `input`, "
        "`status` (`ok`, `failed`, `skipped`, `not_done`), `outputs` (paths written), `cost`, `cost_unit`, "
        "`request_timestamp` and `error` (type, message, violations, HTTP status, request id).",
        "- When nothing was sent because of the call itself (exit status 2 or 3: a bad option or input, a limit "
        "broken): no items, but one `error` with `type`, `message` and, for a broken limit, `violations` "
        "(each `field`, `value`, `allowed`).",
        "- With `--dry-run`: `dry_run` is true and each of `items` has `input`, `status` (`pending` or `skipped`) "
        "and `output` (the path it would write).",
        "",
        "## Limits (from the API specification)",
        "",
        *_limits_table(table),
        "",
        f"Styles (`--style`, case-insensitive): {_styles(table)}.",
        "",
        "A bad value is reported with every other problem of the call, and nothing is sent (exit status 3): "
        "fix all of them at once.",
        "",
        "## Masks (`inpaint --mask`)",
        "",
        f"{_mask_text(table)} The mask must have the image's size (width and height in pixels): white where "
        "the image is repainted, black where it is kept. Grayscale, RGB, 1-bit or an alpha channel all work. One "
        "mask for every input, or a template such as `masks/{stem}.png` for one per input.",
        "",
        "## API key safety",
        "",
        f"- The key is read from `{ENV_API_KEY}` or from a file given with `--api-key-file FILE`; there is no "
        "option that takes the key itself (`--api-key` is refused), so it never lands in shell history.",
        "- Never print, echo, log or commit the key, and never put it on a command line. Ask the user to set it.",
        f"- `{ENV_BASE_URL}` or `--base-url` points the command elsewhere (such as `leonardo-realtime serve`).",
        "",
        "## Exit statuses",
        "",
        *_exit_table(),
        "",
        "## More",
        "",
        "- Every command's options: [reference/options.md](reference/options.md) (or `leonardo-realtime COMMAND "
        "--help`).",
        "- `leonardo-realtime mcp` serves the same four operations as MCP tools for an MCP host.",
        "",
    ]
    return "\n".join(front + body)


def _param_line(param: click.Parameter) -> str | None:
    if not isinstance(param, click.Option):
        return f"- `{param.human_readable_name}` (argument)"
    if param.hidden:
        return None
    names = ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
    if isinstance(param.type, click.Choice):
        names += " `[" + "|".join(str(c) for c in param.type.choices) + "]`"
    elif param.metavar:
        names += f" `{param.metavar}`"
    text = " ".join((param.help or "").split())
    if param.show_default and isinstance(param.default, str | int | float | PurePath) and not param.is_flag:
        text += f" Default: `{param.default}`."
    return f"- {names}: {text}".rstrip(": ")


def _options_md(group: click.Group) -> str:
    lines = ["# `leonardo-realtime` options", "", "Generated from the command line itself.", ""]
    for name, command in _commands(group).items():
        subcommands = _commands(command) if isinstance(command, click.Group) else {name: command}
        for sub_name, sub in subcommands.items():
            title = name if sub is command else f"{name} {sub_name}"
            lines += [f"## `leonardo-realtime {title}`", "", " ".join((sub.help or "").split()), ""]
            lines += [line for p in sub.params if (line := _param_line(p)) is not None]
            lines.append("")
    return "\n".join(lines)


def render_skill(group: click.Group, table: Mapping[str, OperationRule] = OPERATIONS) -> dict[str, str]:
    """The skill folder's files (relative path → text) for the ``leonardo-realtime`` command group."""
    return {"SKILL.md": _skill_md(group, table), "reference/options.md": _options_md(group)}
