"""One operation over its inputs, in three steps: ``prepare`` (every check that needs no request),
``execute`` (the batch, on the async client) and ``finish`` (summary, JSON, exit status).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import attrs
import click

from .._errors import ConfigurationError, LeonardoError, ValidationError
from .._images import image_data_url, image_size, mask_data_url
from .._operations import OPERATION_IDS
from .._redaction import redact
from ._batch import Item, run_batch
from ._commands import DEFAULT_NAME
from ._env import CliEnv, Connection, read_api_key
from ._exit import ExitCode, batch_exit_code
from ._files import (
    STDIO,
    Source,
    check_destinations,
    check_pillow_for,
    drop_own_outputs,
    plan_outputs,
    read_source,
    resolve_inputs,
    why_missing,
)
from ._hints import base_url_hint
from ._params import missing_options, request_arguments
from ._report import Reporter, batch_json, dump_json, error_json, violations_text
from ._startup import rearm

__all__ = ["run_operation"]


def _exit(code: ExitCode) -> NoReturn:
    raise click.exceptions.Exit(int(code))


def _error_line(text: str) -> str:
    return click.style("error: ", fg="red", bold=True) + text


@attrs.define
class Plan:
    """Everything decided before the first request."""

    command: str
    items: list[Item]
    masks: list[Source] | None
    kwargs: dict[str, Any]
    conn: Connection
    stdin_data: bytes | None


def run_operation(command: str, params: dict[str, Any], env: CliEnv) -> NoReturn:
    try:
        plan = prepare(command, params)
    except click.ClickException as exc:
        if params["json_output"]:  # scripts get a report for every outcome
            error = {"type": "UsageError", "message": exc.format_message(), "exit_code": exc.exit_code}
            dump_json({"command": command, "ok": False, "exit_code": exc.exit_code, "error": error}, sys.stdout, None)
        raise
    if params["dry_run"]:
        dry_run(plan, json_report=params["json_output"])
    show_progress = params["progress"] if params["progress"] is not None else sys.stderr.isatty()
    pending = sum(1 for i in plan.items if i.status == "pending")
    reporter = Reporter(
        command=command,
        total=pending,
        quiet=params["quiet"],
        progress=bool(show_progress) and pending > 1,
        err=sys.stderr,
        secret=plan.conn.api_key,
    )
    started_at = datetime.now(UTC)
    start = time.perf_counter()
    interrupted = execute(plan, env, reporter, concurrency=params["concurrency"], overwrite=params["overwrite"])
    finish(plan, reporter, started_at, time.perf_counter() - start, interrupted, json_report=params["json_output"])


# --------------------------------------------------------------------------------------------------
# 1. prepare: usage, then the spec's limits, then the key; nothing is sent if any of it fails


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
        masks.append(Source(text, path))
        if not path.is_file():
            why = why_missing(path) if not path.exists() else "not a regular file"
            problems.append(f"{text}: {why}" + (f" (for {source.label})" if text != mask else ""))
    if problems:
        raise click.BadParameter("\n  " + "\n  ".join(dict.fromkeys(problems)), param_hint="'--mask'")
    return masks


def prepare(command: str, p: dict[str, Any]) -> Plan:
    operation_id = OPERATION_IDS[command]
    if p["overwrite"] and p["skip_existing"]:
        raise click.UsageError("--overwrite and --skip-existing contradict each other; pick one")
    if p["json_output"] and p["output"] == STDIO:
        raise click.UsageError("--json and -o - both want standard output; write the image to a file")
    missing = missing_options(operation_id, p)
    if missing:  # a forgotten option is a usage error (exit 2), not a constraint violation
        raise click.UsageError(f"missing option{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    sources, left_out = drop_own_outputs(
        resolve_inputs(p["inputs"]),
        commands=list(OPERATION_IDS),
        name_templates=list(dict.fromkeys([p["name_template"], DEFAULT_NAME])),
    )
    if left_out:
        shown = ", ".join(s.label for s in left_out[:5]) + (
            f" … and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        )
        click.echo(
            f"left out {len(left_out)} earlier output(s) found among the inputs: {shown} (name a file to send it)",
            file=sys.stderr,
        )
    masks = _mask_sources(p.get("mask"), sources)
    targets, skip = plan_outputs(
        sources,
        p["output"],
        command=command,
        name_template=p["name_template"],
        overwrite=p["overwrite"],
        skip_existing=p["skip_existing"],
        stdout_is_tty=sys.stdout.isatty(),
    )
    check_pillow_for(targets)
    check_destinations(targets)  # before the key, the request and --dry-run's report: a write bound to fail

    kwargs, violations = request_arguments(operation_id, p)
    if violations:
        error = ValidationError(violations, operation=operation_id)
        click.echo(_error_line(violations_text(error, what=command)), file=sys.stderr)
        if p["json_output"]:
            doc = {"command": command, "ok": False, "exit_code": int(ExitCode.VALIDATION)}
            doc["error"] = error_json(error, ExitCode.VALIDATION)
            dump_json(doc, sys.stdout, None)
        _exit(ExitCode.VALIDATION)

    conn = Connection(
        api_key=read_api_key(p["api_key_file"], required=not p["local"]),
        base_url=p["base_url"],
        local=p["local"],
        timeout=p["timeout"],
        max_retries=p["max_retries"],
        allow_insecure_http=p["allow_insecure_http"],
        total_timeout=p.get("total_timeout"),
    )
    items = [Item(index=i, source=s, target=t) for i, (s, t) in enumerate(zip(sources, targets, strict=True))]
    for i in skip:
        items[i].status = "skipped"

    stdin_data: bytes | None = None
    if any(s.path is None for s in sources) or (masks and any(m.path is None for m in masks)):
        try:
            stdin_data = sys.stdin.buffer.read()
        except KeyboardInterrupt:
            click.echo("\ninterrupted while reading standard input; nothing was sent", file=sys.stderr)
            _exit(ExitCode.INTERRUPTED)
    return Plan(command, items, masks, kwargs, conn, stdin_data)


def _image_problems(plan: Plan, item: Item) -> ValidationError | None:
    """The checks the client makes on an item's image (and mask) before sending, made here without sending:
    the same reading, sniffing, size and mask rules, so a dry run refuses what the real run would."""
    try:
        data = read_source(item.source, plan.stdin_data)
        size = image_size(data)
        image_data_url(data)
        if plan.masks is not None:
            mask_data_url(read_source(plan.masks[item.index], plan.stdin_data), size=size)
    except ValidationError as exc:
        return exc
    return None


def dry_run(plan: Plan, *, json_report: bool) -> NoReturn:
    """Check every pending input's image (and mask) as a real run would, then list input → output (or skipped);
    nothing is sent. Exits 3 when an input would be refused."""
    invalid = 0
    for item in plan.items:
        target = "standard output" if item.target is None else str(item.target)
        problem = _image_problems(plan, item) if item.status == "pending" else None
        if problem is not None:
            item.fail(problem)
            invalid += 1
            lines = "\n".join(f"  {v.field}: {v.allowed}" for v in problem.violations)
            text = f"{item.source.label}: invalid input:\n{lines}"
            click.echo(_error_line(redact(text, plan.conn.api_key)), file=sys.stderr)
            continue
        verb = "skip" if item.status == "skipped" else "would"
        click.echo(f"{verb}  {item.source.label} → {target}", file=sys.stderr)
    checked = f"{len(plan.items)} input(s) checked" + (f", {invalid} would be refused" if invalid else "")
    click.echo(f"{plan.command}: dry run, {checked}, nothing sent", file=sys.stderr)
    code = ExitCode.VALIDATION if invalid else ExitCode.OK
    if json_report:
        doc = {
            "command": plan.command,
            "ok": not invalid,
            "exit_code": int(code),
            "dry_run": True,
            "items": [
                {"input": i.source.label, "status": i.status, "output": str(i.target) if i.target else "-"}
                | ({"error": error_json(i.error, ExitCode.VALIDATION)} if i.error is not None else {})
                for i in plan.items
            ],
        }
        dump_json(doc, sys.stdout, plan.conn.api_key)
    _exit(code)


# --------------------------------------------------------------------------------------------------
# 2. execute: the batch on one AsyncRealtimeCanvas; returns whether it was interrupted


def execute(plan: Plan, env: CliEnv, reporter: Reporter, *, concurrency: int, overwrite: bool) -> bool:
    for item in plan.items:
        if item.status == "skipped":
            reporter.skipped(item)
    client: Any = None
    setup_error: list[LeonardoError] = []
    interrupted_inside = False

    async def call(item: Item) -> Any:
        image = read_source(item.source, plan.stdin_data)
        method = getattr(client, plan.command)  # generate, refine, inpaint or upscale
        if plan.masks is not None:
            return await method(image, read_source(plan.masks[item.index], plan.stdin_data), **plan.kwargs)
        return await method(image, **plan.kwargs)

    def write_stdout(data: bytes) -> None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    async def main() -> None:
        nonlocal client, interrupted_inside
        _cancel_on_sigterm()
        try:
            client = env.client_factory(plan.conn)
        except LeonardoError as exc:
            setup_error.append(exc)
            return
        try:
            interrupted_inside = await run_batch(
                plan.items,
                call,
                concurrency=concurrency,
                overwrite=overwrite,
                write_stdout=write_stdout,
                on_done=reporter.item_done,
            )
        finally:
            await client.aclose()

    interrupted = False
    reporter.start(f"{plan.command} ({concurrency} at a time)")
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, or SIGTERM (see _cancel_on_sigterm)
        interrupted = True
    finally:
        rearm()  # the loop's SIGTERM handler is gone: SIGTERM while finishing is still an interrupt (130)
        reporter.stop()
        for item in plan.items:
            if item.status in ("pending", "running"):
                item.status = "not_done"
    if setup_error:
        exc = setup_error[0]
        code = ExitCode.USAGE if isinstance(exc, ConfigurationError) else ExitCode.INTERNAL
        message = str(exc).replace("pass allow_insecure_http=True", "pass --allow-insecure-http")
        click.echo(_error_line(redact(message, plan.conn.api_key)), file=sys.stderr)
        _exit(code)
    return interrupted or interrupted_inside


def _cancel_on_sigterm() -> None:
    """Treat SIGTERM (a CI timeout, ``kill``) like Ctrl-C: cancel the batch, keep what was written."""
    task = asyncio.current_task()
    if task is None:
        return
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        return


# --------------------------------------------------------------------------------------------------
# 3. finish: summary, JSON report, exit status


def finish(
    plan: Plan, reporter: Reporter, started_at: datetime, elapsed: float, interrupted: bool, *, json_report: bool
) -> NoReturn:
    items = plan.items
    succeeded = sum(1 for i in items if i.status == "ok")
    code = batch_exit_code(succeeded, (i.exit_code or ExitCode.INTERNAL for i in items if i.status == "failed"))
    if interrupted:
        code = ExitCode.INTERRUPTED
    reporter.summary(items, elapsed=elapsed, interrupted=interrupted, code=code)
    hint = None if plan.conn.local else base_url_hint(plan.conn.base_url, (i.error for i in items))
    if hint is not None:
        click.echo(click.style(hint, fg="yellow"), file=sys.stderr)
    if json_report:
        doc = batch_json(
            plan.command,
            items,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            elapsed=elapsed,
            interrupted=interrupted,
            code=code,
        )
        dump_json(doc, sys.stdout, plan.conn.api_key)
    _exit(code)
