"""The canvas WebSocket protocol: what the page sends, what it gets back. Pure functions, no I/O.

Page → server:

- a **binary** message: one tag byte then the image. ``0x01`` + JPEG: the drawing (sent only when it changed,
  throttled by the page); ``0x02`` + PNG or JPEG: the inpaint mask (white = repaint).
- a **text** message, JSON: ``{"type": "params", "operation": "generate"|"refine"|"inpaint", "prompt": ...,
  "style": ..., "strength": ..., "guidance": ..., "steps": ..., "seed": int|null, "refine_creative": ...,
  "refine_strength": ...}`` (any subset; applies to the next frame, and re-renders the current drawing), or
  ``{"type": "upscale"}`` (upscale the current output once).

Server → page, all text (JSON) with a ``type``:

- ``hello``: the settings (controls made from the constraints table, budget, frame-rate cap, throttle);
- ``result``: ``seq``, ``image`` (a data URL), ``latency_ms``, ``age_ms``, ``cost``, ``operation``;
- ``upscaled``: ``image``, ``latency_ms``, ``cost``;
- ``error``: ``kind`` (``api``, ``params``, ``frame``, ``upscale``, ``protocol``), ``message``, and for the API
  ``status`` and ``retry_after`` (seconds the whole session pauses after a 429);
- ``budget``: ``spent``, ``budget``, ``unit``, ``message`` — nothing more is sent on this connection;
- ``stats``: the panel's numbers (see ``stats_message``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .. import ValidationError, Violation
from .._validation import operation_rule, validate_body
from ._settings import LIVE_OPERATIONS, OPERATION_IDS, control_specs, snake

__all__ = ["FRAME_TAG", "MASK_TAG", "ProtocolError", "decimal_text", "ms", "parse_params", "split_binary"]

FRAME_TAG = 0x01
MASK_TAG = 0x02


class ProtocolError(ValueError):
    """A message the page should not have sent (reported to it as an ``error`` event, the socket stays open)."""


def split_binary(data: bytes) -> tuple[int, bytes]:
    """``(tag, image bytes)`` of a binary message."""
    if len(data) < 2 or data[0] not in (FRAME_TAG, MASK_TAG):
        first = f"0x{data[0]:02x}" if data else "nothing"
        raise ProtocolError(f"a binary message starts with 0x01 (drawing) or 0x02 (mask), not {first}")
    return data[0], data[1:]


def _json_names() -> dict[str, str]:
    """Snake name → JSON name, for every control."""
    return {c["name"]: c["json_name"] for c in control_specs()}


def parse_params(message: Mapping[str, Any], current_operation: str) -> tuple[str, dict[str, Any]]:
    """The operation and parameter updates of a ``params`` message, checked against the constraints table.

    Raises ValidationError naming every bad field (value and what is allowed); nothing is applied then.
    """
    operation = message.get("operation", current_operation)
    if operation not in LIVE_OPERATIONS:
        raise ValidationError([Violation("operation", operation, "one of " + ", ".join(LIVE_OPERATIONS))])
    names = _json_names()
    updates: dict[str, Any] = {}
    problems: list[Violation] = []
    for key, value in message.items():
        if key in ("type", "operation"):
            continue
        if key not in names:
            problems.append(Violation(key, value, "unknown parameter; known: " + ", ".join(names)))
            continue
        updates[key] = value
    # Each field is checked by the operations that take it (refine_strength by upscale, the rest by generate …).
    for operation_id in OPERATION_IDS.values():
        fields = operation_rule(operation_id)["fields"]
        body = {names[k]: v for k, v in updates.items() if names[k] in fields}
        shown = {names[k]: k for k in updates}
        found = validate_body(operation_id, body, names=shown, allow_unknown=True)
        problems.extend(v for v in found if v.field in updates and v not in problems)
    if "prompt" in updates and isinstance(updates["prompt"], str) and not updates["prompt"].strip():
        problems.append(Violation("prompt", updates["prompt"], "some text: what to draw"))
    if problems:
        raise ValidationError(problems, operation="canvas params")
    return operation, updates


def call_kwargs(params: Mapping[str, Any], operation: str) -> dict[str, Any]:
    """The client keyword arguments of ``operation`` among the page's parameters (``None`` = not sent)."""
    fields = {snake(j) for j in operation_rule(OPERATION_IDS[operation])["fields"]}
    return {k: v for k, v in params.items() if k in fields and v is not None}


def ms(seconds: float | None) -> float | None:
    return None if seconds is None or not math.isfinite(seconds) else round(seconds * 1000, 1)


def decimal_text(amount: Decimal | None) -> str | None:
    return None if amount is None else format(amount, "f")
