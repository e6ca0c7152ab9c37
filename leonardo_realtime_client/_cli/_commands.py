"""The ``leonardo-realtime`` commands: four operations over files, the local server and the demo."""

from __future__ import annotations

from typing import Any

import click

from .. import __version__
from .. import _defaults as defaults
from .._click import CONTEXT_SETTINGS
from .._key_file import KeyFileOption
from .._operations import OPERATION_IDS
from ..server._command import serve_command
from ._canvas import canvas_command
from ._demo_command import demo_command
from ._env import CliEnv
from ._exit import exit_codes_help
from ._hints import API_PATH
from ._mcp import mcp_command
from ._params import field_options, operation_fields
from ._skill import skill_group

__all__ = ["cli"]

DEFAULT_NAME = "{stem}-{command}.jpg"
"""``--name``: the output file name in a folder (``_run`` also skips inputs named like an earlier output)."""
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 64


_EPILOG = f"""\b
The API key is read from {defaults.ENV_API_KEY} or --api-key-file, never from an option value.
\b
Exit status:
{exit_codes_help()}
"""


class _Group(click.Group):
    """A group whose command list shows each command's whole first sentence (wrapped), never cut with "...",
    and that answers a mistyped or shortened command with "did you mean" (never runs a guess: calls are paid)."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            typed = name.casefold()
            known = [n for n in self.list_commands(ctx) if not getattr(self.get_command(ctx, n), "hidden", True)]
            import difflib  # only for a mistyped command (~5 ms at import)

            guesses = [n for n in known if n.startswith(typed)] or difflib.get_close_matches(typed, known, n=2)
            if guesses:
                ctx.fail(f"No such command {name!r}. Did you mean {' or '.join(map(repr, guesses))}?")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS, epilog=_EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name="leonardo-realtime")
def cli() -> None:
    """Leonardo.AI Realtime Canvas from the shell: generate, refine, inpaint and upscale images, one or a
    whole folder at a time, against the API or the offline local server.

    Every option's allowed range is checked before anything is sent.
    """


def _env() -> CliEnv:
    ctx = click.get_current_context()
    found = ctx.find_object(CliEnv)
    return found if found is not None else CliEnv()


# --------------------------------------------------------------------------------------------------
# Options shared by the four operations
# --------------------------------------------------------------------------------------------------


def _refuse_key_value(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise click.BadParameter(
            f"a key given as an option value lands in shell history and process lists; "
            f"set {defaults.ENV_API_KEY} or use --api-key-file FILE",
            ctx=ctx,
            param_hint="'--api-key'",
        )


def _output_options() -> list[click.Parameter]:
    return [
        click.Option(
            ["-o", "--output"],
            metavar="PATH",
            help="Output file (one input), folder (several inputs, an existing folder, or a path ending in '/'), "
            "or '-' for standard output (one input). Default: next to each input; standard input goes to "
            "standard output. A .png/.webp/.tif… name gets that format (converted from the API's JPEG).",
        ),
        click.Option(
            ["--name", "name_template"],
            default=DEFAULT_NAME,
            show_default=True,
            metavar="TEMPLATE",
            help="Output file name in a folder; fields {stem} {name} {command} {index}.",
        ),
        click.Option(["--overwrite"], is_flag=True, help="Replace outputs that exist."),
        click.Option(
            ["--skip-existing"],
            is_flag=True,
            help="Leave inputs whose output exists alone (resume an interrupted batch).",
        ),
        click.Option(
            ["-j", "--concurrency"],
            type=click.IntRange(1, MAX_CONCURRENCY),
            default=DEFAULT_CONCURRENCY,
            show_default=True,
            help="Requests in flight at once.",
        ),
        click.Option(
            ["--json", "json_output"],
            is_flag=True,
            help="Print a JSON report (paths, cost, timestamps, errors) on standard output.",
        ),
        click.Option(["-q", "--quiet"], is_flag=True, help="No progress bar and no summary unless something failed."),
        click.Option(
            ["--progress/--no-progress"],
            default=None,
            help="Show the progress bar. Default: when standard error is a terminal.",
        ),
        click.Option(
            ["--dry-run"],
            is_flag=True,
            help="Check everything and list what would be written, but send nothing.",
        ),
    ]


def _connection_options() -> list[click.Parameter]:
    return [
        KeyFileOption(help=f"Read the API key from this file's first line (default: ${defaults.ENV_API_KEY})."),
        click.Option(
            ["--api-key"],
            hidden=True,
            expose_value=False,
            is_eager=True,
            callback=_refuse_key_value,
        ),
        click.Option(
            ["--base-url"],
            metavar="URL",
            help=(
                f"API base URL, ending in {API_PATH} (default: ${defaults.ENV_BASE_URL}, else "
                f"{defaults.DEFAULT_BASE_URL}; the local server prints its own)."
            ),
        ),
        click.Option(
            ["--local"],
            is_flag=True,
            help="Send everything to the local server, in-process: no key, no network.",
        ),
        click.Option(
            ["--timeout"],
            type=click.FloatRange(min=0, min_open=True),
            metavar="SECONDS",
            help=f"Per-request timeout in seconds (default: {defaults.DEFAULT_TIMEOUT_S:g}, and "
            f"{defaults.DEFAULT_CONNECT_TIMEOUT_S:g} to connect).",
        ),
        click.Option(
            ["--total-timeout"],
            type=click.FloatRange(min=0, min_open=True),
            metavar="SECONDS",
            help="Bound on each call as a whole, retries and their waits included (default: none; each attempt "
            "is bounded by --timeout).",
        ),
        click.Option(
            ["--max-retries"],
            type=click.IntRange(min=0),
            metavar="N",
            help=f"Retries of a failed request (default: {defaults.DEFAULT_MAX_RETRIES}).",
        ),
        click.Option(
            ["--allow-insecure-http"],
            is_flag=True,
            help="Allow sending the key over plain http to a host that is not this machine.",
        ),
    ]


_MASK_HELP = (
    "Mask image: white where the image is repainted, black where it is kept. A file used for every "
    "input, '-' for standard input, or a template such as 'masks/{stem}.png' ({stem} {name}) for one "
    "mask per input. Required."
)


def _image_command(command: str, summary: str) -> click.Command:
    operation_id = OPERATION_IDS[command]
    params: list[click.Parameter] = [click.Argument(["inputs"], nargs=-1, metavar="INPUT...")]
    if "maskDataUrl" in operation_fields(operation_id):
        params.append(click.Option(["-m", "--mask"], metavar="MASK", help=_MASK_HELP))
    params += field_options(operation_id)
    params += _output_options()
    params += _connection_options()

    def callback(**values: Any) -> None:
        from ._run import run_operation  # here, not at import: `--help` does not load the batch runner and client

        run_operation(command, values, _env())

    help_text = (
        f"{summary}\n\nINPUT: image files (JPEG is sent as is; PNG, WebP, … are converted), folders (their "
        "images), globs (quoted or not) or '-' for standard input. Several inputs run as a batch: failures "
        "are reported and the rest goes on."
    )
    return click.Command(
        command,
        params=params,
        callback=callback,
        help=help_text,
        short_help=summary,
        context_settings=CONTEXT_SETTINGS,
        epilog=_EPILOG,
    )


for _command, _summary in (
    ("generate", "Generate an image from a sketch or image and a prompt (realtime canvas)."),
    ("refine", "Instant refine: a higher-quality take on the input, guided by the prompt."),
    ("inpaint", "Repaint the white area of a mask, guided by the prompt."),
    ("upscale", "Alchemy upscale, optionally with a creative refine."),
):
    cli.add_command(_image_command(_command, _summary))
cli.add_command(serve_command)
cli.add_command(demo_command)
cli.add_command(mcp_command(_connection_options()))
cli.add_command(skill_group)
cli.add_command(canvas_command)
