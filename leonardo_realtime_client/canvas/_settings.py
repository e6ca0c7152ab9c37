"""The page's controls, made from the generated constraints table (the page types no range of its own).

``page_settings()`` is sent to the page in the WebSocket's ``hello`` message; the page builds its controls from
it (radames' Real-Time-Latent-Consistency-Model does the same with one settings schema). Every limit comes from
``_generated/constraints.py``: change the spec, regenerate, and the sliders follow. Only the starting values and
the slider steps are choices made here, and a starting value is clamped into the table's range.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._generated.constraints import FieldRule
from .._operations import OPERATION_IDS
from .._operations import snake_case as snake
from .._validation import allowed_text, operation_rule

__all__ = ["LIVE_OPERATIONS", "OPERATION_IDS", "control_specs", "page_settings", "snake"]

#: The operations that run live on every frame; upscale is a button.
LIVE_OPERATIONS = ("generate", "refine", "inpaint")

# Fields the page does not show as controls: the images and the timestamp are the server's job, and the output
# size follows the 512x512 drawing (the table's default size).
_NOT_CONTROLS = frozenset({"imageDataUrl", "maskDataUrl", "requestTimestamp", "width", "height"})

# Starting values (the spec gives none for these); clamped into the table's range.
_START: Mapping[str, object] = {
    "prompt": "a lighthouse on a cliff at sunset, watercolour",
    "style": None,
    "strength": 0.7,
    "guidance": 7.0,
    "steps": 8,
    "seed": 42,
    "refineCreative": False,
    "refineStrength": 0.7,
}

_LABELS: Mapping[str, str] = {
    "prompt": "Prompt",
    "style": "Style",
    "strength": "Strength",
    "guidance": "Guidance",
    "steps": "Steps",
    "seed": "Seed",
    "refineCreative": "Creative refine",
    "refineStrength": "Refine strength",
}


def _step(rule: FieldRule) -> float:
    if rule["type"] == "integer":
        return 1
    span = (rule["maximum"] or 0) - (rule["minimum"] or 0)
    return 0.05 if span <= 2 else 0.5


def _clamp(rule: FieldRule, value: object) -> object:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value
    lo, hi = rule["minimum"], rule["maximum"]
    if lo is not None and value < lo:
        value = lo
    if hi is not None and value > hi:
        value = hi
    return int(value) if rule["type"] == "integer" else float(value)


def _control(json_name: str, rule: FieldRule, operations: list[str]) -> dict[str, Any]:
    control: dict[str, Any] = {
        "name": snake(json_name),
        "json_name": json_name,
        "label": _LABELS.get(json_name, json_name),
        "operations": operations,
        "required": rule["required"],
        "allowed": allowed_text(rule),
        "value": _clamp(rule, _START.get(json_name, rule["default"])),
    }
    if rule["enum"] is not None or rule["choices"] is not None:
        control["kind"] = "select"
        control["choices"] = list(rule["enum"] or rule["choices"] or ())
    elif rule["type"] == "boolean":
        control["kind"] = "checkbox"
    elif rule["type"] == "string":
        control["kind"] = "text"
    elif rule["minimum"] is not None and rule["maximum"] is not None:
        control.update(kind="range", min=rule["minimum"], max=rule["maximum"], step=_step(rule))
    else:  # an open range (seed: the table gives only a maximum; the page offers 0 up to it)
        low = rule["minimum"] if rule["minimum"] is not None else 0
        control.update(kind="number", min=low, max=rule["maximum"], step=1)
    return control


def control_specs() -> list[dict[str, Any]]:
    """One control per request field of any operation, in the table's order, with the operations that take it."""
    controls: dict[str, dict[str, Any]] = {}
    for operation, operation_id in OPERATION_IDS.items():
        for json_name, rule in operation_rule(operation_id)["fields"].items():
            if json_name in _NOT_CONTROLS:
                continue
            if json_name in controls:
                controls[json_name]["operations"].append(operation)
            else:
                controls[json_name] = _control(json_name, rule, [operation])
    return list(controls.values())


def page_settings(*, budget: str | None, max_fps: float, throttle_ms: int, backend: str) -> dict[str, Any]:
    """Everything the page is told at start (no secret: the key stays in the Python process)."""
    return {
        "operations": list(OPERATION_IDS),
        "live_operations": list(LIVE_OPERATIONS),
        "controls": control_specs(),
        "budget": budget,
        "max_fps": max_fps,
        "throttle_ms": throttle_ms,
        "backend": backend,
    }
