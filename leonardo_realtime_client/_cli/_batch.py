"""Run one operation over many inputs with bounded concurrency, recording what happened to each.

Every item ends in exactly one state: ``ok``, ``failed`` (its error kept, the others go on), ``skipped``
(its output existed and ``--skip-existing`` was given) or ``not_done`` (the batch was interrupted before
or while it ran; nothing of it was written). Outputs are written atomically with no ``await`` between
"request finished" and "file renamed into place", so a cancellation never separates the two.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

import attrs

from .._errors import APIResponseError
from .._result import ResultLike
from ._exit import ExitCode, exit_code_for
from ._files import Source, encode_for, write_atomic

__all__ = ["Item", "Status", "extra_output_path", "run_batch"]

Status = Literal["pending", "running", "ok", "failed", "skipped", "not_done"]


def _now() -> datetime:
    return datetime.now(UTC)


@attrs.define
class Item:
    """One input of the batch and what became of it."""

    index: int
    source: Source
    target: Path | None  # None: standard output
    status: Status = "pending"
    outputs: list[str] = attrs.field(factory=list)
    cost: Decimal | None = None
    cost_unit: str | None = None
    api_credit_cost: int | None = None
    request_timestamp: str | None = None
    request_id: str | None = None
    generation_ids: tuple[str, ...] = ()
    error: BaseException | None = None
    exit_code: ExitCode | None = None
    possibly_billed: int = 0
    """Attempts whose outcome was unknown, or processed with an answer that could not be used: they may have been
    (or were) charged without a result reaching us."""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    elapsed: float | None = None

    def fail(self, error: BaseException) -> None:
        self.status = "failed"
        self.error = error
        self.exit_code = exit_code_for(error)
        self.possibly_billed = _possibly_billed(error)


def extra_output_path(path: Path, index: int) -> Path:
    """Where image ``index`` (0-based, > 0) of a multi-image result goes: ``name-2.jpg``, ``name-3.jpg`` …"""
    return path.with_name(f"{path.stem}-{index + 1}{path.suffix}")


Call = Callable[[Item], Awaitable[ResultLike]]
WriteStdout = Callable[[bytes], None]


async def run_batch(
    items: Sequence[Item],
    call: Call,
    *,
    concurrency: int,
    overwrite: bool,
    write_stdout: WriteStdout,
    on_done: Callable[[Item], None] = lambda item: None,
    clock: Callable[[], float] = time.perf_counter,
) -> bool:
    """Run ``call`` for every pending item, at most ``concurrency`` at a time; return whether it was interrupted.

    ``call`` reads the item's input and sends the request; errors (``Exception``) are recorded on the
    item and the batch goes on. A cancellation (Ctrl-C under ``asyncio.run`` cancels the main task)
    marks every unfinished item ``not_done`` and propagates. A ``KeyboardInterrupt`` raised inside an
    item (a second Ctrl-C, or no asyncio signal handler) cancels the rest the same way and returns ``True``.
    """
    gate = asyncio.Semaphore(concurrency)
    interrupted = False
    tasks: list[asyncio.Task[None]] = []

    async def one(item: Item) -> None:
        nonlocal interrupted
        try:
            async with gate:
                item.status = "running"
                item.started_at = _now()
                start = clock()
                try:
                    result = await call(item)
                    _store(item, result, overwrite=overwrite, write_stdout=write_stdout)
                except Exception as exc:  # one item's failure must not stop the batch
                    item.fail(exc)
                item.finished_at = _now()
                item.elapsed = clock() - start
        except asyncio.CancelledError:
            if item.status in ("pending", "running"):
                item.status = "not_done"
            raise
        except KeyboardInterrupt:
            item.status = "not_done"
            interrupted = True
            for task in tasks:
                if task is not asyncio.current_task():
                    task.cancel()
            return
        on_done(item)

    tasks.extend(asyncio.ensure_future(one(item)) for item in items if item.status == "pending")
    await asyncio.gather(*tasks, return_exceptions=True)
    for item in items:
        if item.status in ("pending", "running"):
            item.status = "not_done"
    return interrupted


def _possibly_billed(outcome: object) -> int:
    count = getattr(outcome, "possibly_billed_attempts", 0)
    return count if isinstance(count, int) and count > 0 else 0


def _store(item: Item, result: ResultLike, *, overwrite: bool, write_stdout: WriteStdout) -> None:
    images = result.images
    if not images:
        raise APIResponseError("the response held no image")
    if item.target is None:
        write_stdout(images[0])
        item.outputs.append("-")
    else:
        for i, data in enumerate(images):
            path = item.target if i == 0 else extra_output_path(item.target, i)
            write_atomic(path, encode_for(path, data), overwrite=overwrite)
            item.outputs.append(str(path))
    item.status = "ok"
    item.possibly_billed = _possibly_billed(result)
    item.cost = result.cost
    item.cost_unit = result.cost_unit
    item.api_credit_cost = result.api_credit_cost
    item.request_timestamp = result.request_timestamp
    item.request_id = getattr(result, "request_id", None)
    item.generation_ids = tuple(result.generation_ids)
