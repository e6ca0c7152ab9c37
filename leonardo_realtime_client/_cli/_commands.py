"""The ``leonardo-realtime`` commands: four operations over files, the local server and the demo."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import __version__
from .._errors import ConfigurationError, LeonardoError, ValidationError, Violation
from ._batch import Item, run_batch
from ._env import API_KEY_ENV, BASE_URL_ENV, CliEnv, Connection, read_api_key
from ._exit import ExitCode, batch_exit_code, exit_codes_help
from ._files import STDIO, Source, plan_outputs, read_source, resolve_inputs
from ._params import IMAGE_FIELDS, OPERATION_FOR_COMMAND, field_options
from ._report import Reporter, batch_json, dump_json, error_json, redact, violations_text
from ._serve import demo_command, serve_command

__all__ = ["cli"]

DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 64
DEFAULT_NAME = "{stem}-{command}.jpg"

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

_EPILOG = f"""\b
The API key is read from {API_KEY_ENV} or --api-key-file, never from an option value.
\b
Exit status:
{exit_codes_help()}
"""


@click.group(context_settings=_CONTEXT, epilog=_EPILOG)
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


def _exit(code: ExitCode) -> NoReturn:
    raise click.exceptions.Exit(int(code))


# --------------------------------------------------------------------------------------------------
# Options shared by the four operations
# --------------------------------------------------------------------------------------------------


def _refuse_key_value(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise click.BadParameter(
            f"a key given as an option value lands in shell history and process lists; "
            f"set {API_KEY_ENV} or use --api-key-file FILE",
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
            "standard output.",
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
    ]


def _connection_options() -> list[click.Parameter]:
    return [
        click.Option(
            ["--api-key-file"],
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help=f"Read the API key from this file's first line (default: ${API_KEY_ENV}).",
        ),
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
            help=f"API base URL (default: ${BASE_URL_ENV}, else the spec's server).",
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
            help="Per-request timeout (default: the client's).",
        ),
        click.Option(
            ["--max-retries"],
            type=click.IntRange(min=0),
            metavar="N",
            help="Retries of a failed request (default: the client's).",
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
    operation_id = OPERATION_FOR_COMMAND[command]
    params: list[click.Parameter] = [click.Argument(["inputs"], nargs=-1, metavar="INPUT...")]
    if "maskDataUrl" in IMAGE_FIELDS and "maskDataUrl" in _fields(operation_id):
        params.append(click.Option(["-m", "--mask"], metavar="MASK", help=_MASK_HELP))
    params += field_options(operation_id)
    params += _output_options()
    params += _connection_options()

    def callback(**values: Any) -> None:
        _run_operation(command, values)

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
        context_settings=_CONTEXT,
        epilog=_EPILOG,
    )


def _fields(operation_id: str) -> dict[str, Any]:
    from .._validation import operation_rule

    return dict(operation_rule(operation_id)["fields"])


# --------------------------------------------------------------------------------------------------
# Running an operation
# --------------------------------------------------------------------------------------------------


def _mask_sources(mask: str | None, sources: Sequence[Source]) -> list[Source] | None:
    if mask is None:
        return None
    if mask == STDIO:
        if any(s.path is None for s in sources):
            raise click.BadParameter("standard input cannot be both the image and the mask", param_hint="'--mask'")
        return [Source("<stdin>", None)] * len(sources)
    problems: list[str] = []
    masks: list[Source] = []
    for source in sources:
        try:
            text = mask.format(stem=source.stem, name=source.name)
        except (KeyError, IndexError, ValueError) as exc:
            raise click.BadParameter(
                f"{mask!r}: {exc!s}; fields are {{stem}} {{name}}", param_hint="'--mask'"
            ) from None
        path = Path(text)
        if not path.is_file():
            problems.append(f"{text}: no such file" + (f" (for {source.label})" if text != mask else ""))
        masks.append(Source(text, path))
    if problems:
        raise click.BadParameter("\n  " + "\n  ".join(dict.fromkeys(problems)), param_hint="'--mask'")
    return masks


def _stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def _run_operation(command: str, p: dict[str, Any]) -> None:
    env = _env()
    operation_id = OPERATION_FOR_COMMAND[command]
    json_out = sys.stdout
    err = sys.stderr

    # Everything that can be known before sending: usage first, then the spec's limits, then the key.
    if p["overwrite"] and p["skip_existing"]:
        raise click.UsageError("--overwrite and --skip-existing contradict each other; pick one")
    if p["json_output"] and p["output"] == STDIO:
        raise click.UsageError("--json and -o - both want standard output; write the image to a file")
    sources = resolve_inputs(p["inputs"])
    masks = _mask_sources(p.get("mask"), sources)
    targets, skip = plan_outputs(
        sources,
        p["output"],
        command=command,
        name_template=p["name_template"],
        overwrite=p["overwrite"],
        skip_existing=p["skip_existing"],
        stdout_is_tty=_stdout_is_tty(),
    )

    from ._params import request_arguments

    kwargs, violations = request_arguments(operation_id, p)
    if "maskDataUrl" in _fields(operation_id) and p.get("mask") is None:
        violations.insert(0, Violation("--mask", None, "required: a mask image file (white = repaint)"))
    if violations:
        error = ValidationError(violations, operation=operation_id)
        click.echo(click.style("error: ", fg="red", bold=True) + violations_text(error, what=command), file=err)
        if p["json_output"]:
            doc = {"command": command, "ok": False, "exit_code": int(ExitCode.VALIDATION)}
            doc["error"] = error_json(error, ExitCode.VALIDATION)
            dump_json(doc, json_out, None)
        _exit(ExitCode.VALIDATION)

    api_key = read_api_key(p["api_key_file"], required=not p["local"])
    conn = Connection(
        api_key=api_key,
        base_url=p["base_url"],
        local=p["local"],
        timeout=p["timeout"],
        max_retries=p["max_retries"],
        allow_insecure_http=p["allow_insecure_http"],
    )

    items = [Item(index=i, source=s, target=t) for i, (s, t) in enumerate(zip(sources, targets, strict=True))]
    for i in skip:
        items[i].status = "skipped"

    stdin_data: bytes | None = None
    if any(s.path is None for s in sources) or (masks and any(m.path is None for m in masks)):
        try:
            stdin_data = sys.stdin.buffer.read()
        except KeyboardInterrupt:
            click.echo("\ninterrupted while reading standard input; nothing was sent", file=err)
            _exit(ExitCode.INTERRUPTED)

    show_progress = p["progress"] if p["progress"] is not None else err.isatty()
    pending = sum(1 for i in items if i.status == "pending")
    reporter = Reporter(
        command=command,
        total=pending,
        quiet=p["quiet"],
        progress=bool(show_progress) and pending > 1,
        err=err,
        secret=api_key,
    )
    for item in items:
        if item.status == "skipped" and not p["quiet"]:
            reporter.echo(f"skip  {item.source.label}: {item.target} exists")

    def on_done(item: Item) -> None:
        if item.status == "ok" and reporter._bar is None and not p["quiet"]:
            where = ", ".join(item.outputs) if item.outputs != ["-"] else "standard output"
            reporter.echo(f"ok    {item.source.label} → {where} ({item.elapsed or 0:.2f} s)")
        reporter.item_done(item)

    def write_stdout(data: bytes) -> None:
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()

    async def call(item: Item) -> Any:
        image = read_source(item.source, stdin_data)
        method = getattr(client, command)  # generate, refine, inpaint or upscale
        if masks is not None:
            return await method(image, read_source(masks[item.index], stdin_data), **kwargs)
        return await method(image, **kwargs)

    client: Any = None
    setup_error: list[LeonardoError] = []
    interrupted_inside: list[bool] = []

    async def main() -> None:
        nonlocal client
        try:
            client = env.client_factory(conn)
        except LeonardoError as exc:
            setup_error.append(exc)
            return
        try:
            interrupted_inside.append(
                await run_batch(
                    items,
                    call,
                    concurrency=p["concurrency"],
                    overwrite=p["overwrite"],
                    write_stdout=write_stdout,
                    on_done=on_done,
                )
            )
        finally:
            await client.aclose()

    started_at = datetime.now(UTC)
    start = time.perf_counter()
    interrupted = False
    reporter.start(f"{command} ({p['concurrency']} at a time)")
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        interrupted = True
    finally:
        reporter.stop()
        for item in items:
            if item.status in ("pending", "running"):
                item.status = "not_done"
    interrupted = interrupted or any(interrupted_inside)
    if setup_error:
        exc = setup_error[0]
        code = ExitCode.USAGE if isinstance(exc, ConfigurationError) else ExitCode.INTERNAL
        click.echo(click.style("error: ", fg="red", bold=True) + redact(str(exc), api_key), file=err)
        _exit(code)
    elapsed = time.perf_counter() - start

    succeeded = sum(1 for i in items if i.status == "ok")
    code = batch_exit_code(succeeded, (i.exit_code or ExitCode.INTERNAL for i in items if i.status == "failed"))
    if interrupted:
        code = ExitCode.INTERRUPTED
    reporter.summary(items, elapsed=elapsed, interrupted=interrupted, code=code)
    if p["json_output"]:
        doc = batch_json(
            command,
            items,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            elapsed=elapsed,
            interrupted=interrupted,
            code=code,
        )
        dump_json(doc, json_out, api_key)
    _exit(code)


for _command, _summary in (
    ("generate", "Generate an image from a sketch or image and a prompt (realtime canvas)."),
    ("refine", "Instant refine: a higher-quality take on the input, guided by the prompt."),
    ("inpaint", "Repaint the white area of a mask, guided by the prompt."),
    ("upscale", "Alchemy upscale, optionally with a creative refine."),
):
    cli.add_command(_image_command(_command, _summary))
cli.add_command(serve_command)
cli.add_command(demo_command)
