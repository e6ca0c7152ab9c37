"""What the user sees: the progress bar, per-item errors, the summary, and the ``--json`` document.

Human-readable text goes to standard error (standard output may carry an image or JSON). Every line and every
JSON document passes through ``_redaction`` with the API key (its rule for real occurrences), as a last line of
defence: the client's errors render no key already, and this makes sure nothing printed here ever can.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, TextIO

import click

from .._errors import APIStatusError, LeonardoError, ValidationError, Violation, short_repr
from .._redaction import redact, redact_json
from ._batch import Item
from ._exit import ExitCode

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

__all__ = ["Reporter", "error_json", "redact", "violations_text"]

_LISTED_NOT_DONE = 10
REDRAW_EVERY = 0.1
"""Seconds between two drawings of the progress bar (tqdm's ``mininterval``): drawing it after every item cost
~0.1 ms each (issue 13); the last item and the end are always drawn."""


def _show_name(name: str | None) -> str | None:
    return name


def violations_text(error: ValidationError, *, what: str) -> str:
    count = len(error.violations)
    lines = [f"{count} invalid argument{'s' if count != 1 else ''} for {what} (nothing was sent):"]
    lines += [f"  {v.field} = {short_repr(v.value)}: {v.allowed}" for v in error.violations]
    return "\n".join(lines)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and len(value) <= 200:
        return value
    return short_repr(value)


def error_json(error: BaseException, code: ExitCode) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": type(error).__name__, "message": str(error), "exit_code": int(code)}
    if isinstance(error, ValidationError):
        doc["violations"] = [
            {"field": v.field, "value": _json_value(v.value), "allowed": v.allowed} for v in error.violations
        ]
    if isinstance(error, APIStatusError):
        doc["status_code"] = error.status_code
        doc["request_id"] = error.request_id
    if isinstance(error, LeonardoError):
        doc["outcome"] = error.outcome.value  # not_processed, unknown (may have been billed) or processed
        doc["may_have_been_billed"] = error.may_have_been_billed
    return doc


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds") if moment is not None else None


def _money(total: dict[str, Decimal]) -> str:
    def one(unit: str, amount: Decimal) -> str:
        text = f"{amount.normalize():f}"
        if unit == "DOLLARS":
            return f"${text}"
        if unit == "CREDITS":
            return f"{text} credit{'s' if amount != 1 else ''}"
        return f"{text} {unit}"

    return " + ".join(one(unit, amount) for unit, amount in sorted(total.items()))


def _violation_line(v: Violation) -> str:
    if isinstance(v.value, bytes | bytearray | memoryview):  # the file is named already; its bytes say nothing
        return f"  {v.field}: {v.allowed}"
    return f"  {v.field} = {short_repr(v.value)}: {v.allowed}"


class Reporter:
    """Progress and results of one command run."""

    def __init__(
        self,
        *,
        command: str,
        total: int,
        quiet: bool,
        progress: bool,
        err: TextIO,
        secret: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.command = command
        self.total = total
        self.quiet = quiet
        self.err = err
        self.secret = secret
        self._bar: ProgressBar[str] | None = None
        self._progress = progress and not quiet and total > 0
        self._clock = clock
        self._drawn_at = -REDRAW_EVERY

    # -- output helpers -------------------------------------------------------------------------
    def echo(self, text: str) -> None:
        if self._bar is not None:
            self.err.write("\r\033[K")  # clear the bar's line; it is redrawn on the next update
        click.echo(redact(text, self.secret), file=self.err)
        if self._bar is not None:
            self._bar.render_progress()

    def error(self, text: str) -> None:
        self.echo(click.style("error: ", fg="red", bold=True) + text)

    # -- progress -----------------------------------------------------------------------------
    def start(self, label: str) -> None:
        if self._progress:
            self._bar = click.progressbar(
                None,
                length=self.total,
                label=label,
                file=self.err,
                show_pos=True,
                show_eta=True,
                item_show_func=_show_name,
            )
            self._bar._is_atty = True  # shown on request (--progress) even when stderr is not a terminal
            self._bar.__enter__()

    def stop(self) -> None:
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.render_progress()  # the steps since the last drawing (an interrupt comes at any time)
            bar.__exit__(None, None, None)

    def advance(self, name: str | None = None) -> None:
        """One more item done: counted at once, drawn at most every :data:`REDRAW_EVERY` seconds and at the last."""
        bar = self._bar
        if bar is None:
            return
        bar.current_item = name
        bar.make_step(1)
        now = self._clock()
        if bar.finished or now - self._drawn_at >= REDRAW_EVERY:
            self._drawn_at = now
            bar.render_progress()

    def skipped(self, item: Item) -> None:
        if not self.quiet:
            self.echo(f"skip  {item.source.label}: {item.target} exists")

    def item_done(self, item: Item) -> None:
        if item.status == "ok" and self._bar is None and not self.quiet:  # without a bar, a line per item
            where = "standard output" if item.outputs == ["-"] else ", ".join(item.outputs)
            self.echo(f"ok    {item.source.label} → {where} ({item.elapsed or 0:.2f} s)")
        if item.status == "failed" and item.error is not None:
            message = str(item.error)
            if item.exit_code == ExitCode.INTERNAL:
                message = f"internal error ({type(item.error).__name__}): {message}"
            if isinstance(item.error, ValidationError):
                message = "invalid input:\n" + "\n".join(_violation_line(v) for v in item.error.violations)
            self.error(f"{item.source.label}: {message}")
        self.advance(item.source.label)

    # -- the end --------------------------------------------------------------------------------
    def summary(self, items: Sequence[Item], *, elapsed: float, interrupted: bool, code: ExitCode) -> None:
        counts = {s: sum(1 for i in items if i.status == s) for s in ("ok", "failed", "skipped", "not_done")}
        if self.quiet and code == ExitCode.OK:
            return
        parts = [f"{counts['ok']} succeeded", f"{counts['failed']} failed"]
        if counts["skipped"]:
            parts.append(f"{counts['skipped']} skipped (output existed)")
        if counts["not_done"]:
            parts.append(f"{counts['not_done']} not done")
        line = f"{self.command}: {', '.join(parts)} in {elapsed:.2f} s"
        folders = {os.path.dirname(o) or "." for i in items if i.status == "ok" for o in i.outputs if o != "-"}
        if len(folders) == 1 and counts["ok"] > 1:
            line += f" → {folders.pop().rstrip('/')}/"
        cost, credits = total_cost(items)
        if cost:
            line += f"; cost {_money(cost)}"
        if credits:
            line += f"; {credits} API credit{'s' if credits != 1 else ''}"
        billed = sum(i.possibly_billed for i in items)
        if billed:
            line += f"; {billed} attempt{'s' if billed != 1 else ''} without a usable answer may have been billed too"
        if interrupted:
            self.echo(click.style("interrupted: ", fg="yellow", bold=True) + line)
            not_done = [i.source.label for i in items if i.status == "not_done"]
            if not_done:
                shown = ", ".join(not_done[:_LISTED_NOT_DONE])
                more = f" … and {len(not_done) - _LISTED_NOT_DONE} more" if len(not_done) > _LISTED_NOT_DONE else ""
                self.echo(f"not done: {shown}{more}")
                self.echo("finished outputs were kept; rerun with --skip-existing to do the rest")
        else:
            self.echo(line)


def total_cost(items: Sequence[Item]) -> tuple[dict[str, Decimal], int]:
    cost: dict[str, Decimal] = {}
    credits = 0
    for item in items:
        if item.status != "ok":
            continue
        if item.cost is not None:
            unit = item.cost_unit or "?"
            cost[unit] = cost.get(unit, Decimal(0)) + item.cost
        credits += item.api_credit_cost or 0
    return cost, credits


def item_json(item: Item) -> dict[str, Any]:
    return {
        "input": item.source.label,
        "status": item.status,
        "outputs": list(item.outputs),
        "cost": str(item.cost) if item.cost is not None else None,
        "cost_unit": item.cost_unit,
        "api_credit_cost": item.api_credit_cost,
        "possibly_billed_attempts": item.possibly_billed,
        "request_timestamp": item.request_timestamp,
        "request_id": item.request_id,
        "generation_ids": list(item.generation_ids),
        "started_at": _iso(item.started_at),
        "finished_at": _iso(item.finished_at),
        "elapsed_seconds": round(item.elapsed, 6) if item.elapsed is not None else None,
        "error": error_json(item.error, item.exit_code or ExitCode.INTERNAL) if item.error is not None else None,
    }


def batch_json(
    command: str,
    items: Sequence[Item],
    *,
    started_at: datetime,
    finished_at: datetime,
    elapsed: float,
    interrupted: bool,
    code: ExitCode,
) -> dict[str, Any]:
    cost, credits = total_cost(items)
    return {
        "command": command,
        "ok": code == ExitCode.OK,
        "exit_code": int(code),
        "interrupted": interrupted,
        "started_at": _iso(started_at),
        "finished_at": _iso(finished_at),
        "elapsed_seconds": round(elapsed, 6),
        "total": len(items),
        "succeeded": sum(1 for i in items if i.status == "ok"),
        "failed": sum(1 for i in items if i.status == "failed"),
        "skipped": sum(1 for i in items if i.status == "skipped"),
        "not_done": sum(1 for i in items if i.status == "not_done"),
        "cost": {unit: str(amount) for unit, amount in sorted(cost.items())},
        "api_credit_cost": credits,
        "possibly_billed_attempts": sum(i.possibly_billed for i in items),
        "items": [item_json(i) for i in items],
    }


def json_text(doc: dict[str, Any]) -> str:
    """``doc`` as JSON indented by 2, non-ASCII kept: the layout of ``json.dumps(doc, indent=2, ensure_ascii=False)``
    (a float may be spelled differently, ``0.000053`` for ``5.3e-05``; an infinite one is ``null``, not the invalid
    ``Infinity``).

    Written by orjson (a runtime dependency already): the standard library's encoder runs in pure Python when asked
    to indent, ~0.1 ms per batch item (issue 13). A value orjson refuses (an integer past 64 bits that a user gave
    as an option) falls back to ``json``.
    """
    import orjson

    try:
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:
        return json.dumps(doc, indent=2, ensure_ascii=False)


def dump_json(doc: dict[str, Any], out: IO[str], secret: str | None) -> None:
    click.echo(json_text(redact_json(doc, secret)), file=out)
