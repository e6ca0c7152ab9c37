"""The tools' structured content, as pydantic models: the SDK publishes them as each tool's ``outputSchema``.

One shape serves both outcomes, because hosts may check ``structuredContent`` against ``outputSchema`` even when
``isError`` is set: a success fills ``id``, ``images``, ``cost`` …; a tool error fills ``error`` alone.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["ToolResultOut"]


class SavedImageOut(BaseModel):
    """One returned image, as saved by the server: its id for later calls, path, sniffed media type, size."""

    id: str
    path: str
    mime_type: str
    width: int | None
    height: int | None
    size_bytes: int


class TotalsOut(BaseModel):
    """The server's running total per cost unit (decimal strings), what may have been billed, and the budget."""

    calls: int
    spent: dict[str, str]
    possibly_billed: str
    budget: str | None
    budget_unit: str
    remaining: str | None


class ViolationOut(BaseModel):
    """One invalid argument: its name, the value given (shortened when long) and what is allowed."""

    argument: str
    value: Any
    allowed: str


class ToolErrorOut(BaseModel):
    """Why a call failed. ``type``: ``ValidationError`` (``violations``), ``BudgetExceeded`` (``spent``,
    ``estimate``, ``budget``, ``unit``) or the client's error class (``status``, ``code``, ``retry_after`` in seconds,
    ``request_id``, ``possibly_billed``, ``retryable``). ``sent``: whether a request reached the API; ``retryable``:
    whether the same call may succeed later (a rate limit, a server error, a failed connection), not a refused key
    or bad arguments."""

    model_config = ConfigDict(extra="allow")

    type: str
    sent: bool
    message: str | None = None
    violations: list[ViolationOut] | None = None
    status: int | None = None
    code: str | None = None
    retry_after: float | None = None
    request_id: str | None = None
    possibly_billed: bool | None = None
    retryable: bool | None = None
    spent: str | None = None
    estimate: str | None = None
    budget: str | None = None
    unit: str | None = None


class ToolResultOut(BaseModel):
    """A call's structured content: on success the result's id (pass it as a later call's image), the saved images,
    cost (a decimal string) and unit, the request timestamp echoed back, the upscale ids and the running totals;
    on a tool error, ``error`` alone."""

    id: str | None = None
    operation: str | None = None
    images: list[SavedImageOut] | None = None
    cost: str | None = None
    cost_unit: str | None = None
    request_timestamp: str | None = None
    generation_ids: list[str] | None = None
    variation_ids: list[str] | None = None
    generated_image_id: str | None = None
    local: bool | None = None
    totals: TotalsOut | None = None
    error: ToolErrorOut | None = None
