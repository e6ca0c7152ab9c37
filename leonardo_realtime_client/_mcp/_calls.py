"""One MCP tool call, without MCP types: check every argument, keep the budget, send, save, describe the result.

Everything a model can act on comes back as a :class:`ToolOutcome`: a success with the image bytes (media type
sniffed) and structured content, or an error whose text and structured content say what to change: every invalid
argument with its value and what is allowed (nothing sent), the budget refusal (nothing sent), or the API's typed
error (status, code, retry-after, request id: ``_api_errors``). No text or value here ever contains the API key.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import attrs

from .._cli._env import AsyncCanvas
from .._cli._params import _convert
from .._errors import ImageError, LeonardoError, ValidationError, Violation, short_repr
from .._images import decode_data_url, image_data_url, image_size, mask_data_url, sniff_format
from .._redaction import redact, redact_json
from .._validation import operation_rule, validate_body
from ._api_errors import describe
from ._budget import Budget
from ._results import ResultStore, SavedImage
from ._schema import IMAGE_ARGUMENTS, TOOL_OPERATIONS, argument_name, tool_fields

__all__ = ["ToolCalls", "ToolOutcome"]

_IMAGE_ALLOWED = "a file path, a data URL or the id of an earlier result"
_RESULT_ID = re.compile(r"(?:generate|refine|inpaint|upscale)-\d+(?:\.\d+)?")


@attrs.frozen
class ToolOutcome:
    """A tool call's answer: ``images`` as ``(bytes, mime type)``, a text for the model, structured content."""

    is_error: bool
    text: str
    structured: dict[str, Any]
    images: tuple[tuple[bytes, str], ...] = ()


def _shown(value: Any) -> Any:
    """A value as the error's structured content carries it: JSON scalars as they are, the rest shortened."""
    if value is None or isinstance(value, bool | int | float) or (isinstance(value, str) and len(value) <= 200):
        return value
    return short_repr(value)


# The client quotes the first bytes of a file that is no image ("the bytes start with b'...'"); useful to a user at
# a terminal, but a tool caller could name any file on the server's machine (the --api-key-file, /proc/self/environ)
# and read its start in the error. The tool error says what the file is not, never what it holds.
_QUOTED_BYTES = re.compile(r"""the bytes start with b(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"), which matches""")


def _unquoted(allowed: str) -> str:
    """An image problem without the file's contents."""
    return _QUOTED_BYTES.sub("its bytes (not shown) match", allowed)


class ToolCalls:
    """Runs the tools against one client; owns the saved results and the budget for the server's lifetime."""

    def __init__(
        self,
        client: AsyncCanvas,
        store: ResultStore,
        budget: Budget,
        *,
        secret: str | None,
        local: bool,
    ) -> None:
        self.client = client
        self.store = store
        self.budget = budget
        self._secret = secret
        self.local = local
        self._lock = anyio.Lock()

    async def call(self, tool: str, arguments: Mapping[str, Any]) -> ToolOutcome:
        """Check, spend, send and save; never raises for anything a model or the API can cause."""
        outcome = await self._call(tool, dict(arguments))
        return ToolOutcome(
            outcome.is_error,
            redact(outcome.text, self._secret),
            redact_json(outcome.structured, self._secret),
            outcome.images,
        )

    async def _call(self, tool: str, arguments: dict[str, Any]) -> ToolOutcome:
        operation_id = TOOL_OPERATIONS[tool]
        body, images, violations = self._prepare(tool, operation_id, arguments)
        if violations:
            return self._invalid(tool, violations)
        if self.budget.limit is None:
            return await self._send(tool, body, images)
        async with self._lock:  # one call at a time under a budget: each check sees the total before it
            refusal = self.budget.check(tool)
            if refusal is not None:
                error = {
                    "type": "BudgetExceeded",
                    "sent": False,
                    "message": refusal.message,
                    "spent": str(refusal.spent),
                    "estimate": None if refusal.estimate is None else str(refusal.estimate),
                    "budget": None if refusal.limit is None else str(refusal.limit),
                    "unit": refusal.unit,
                }
                return ToolOutcome(True, f"{tool} refused: {refusal.message}", {"error": error})
            return await self._send(tool, body, images)

    # ------------------------------------------------------------------------------------------------------------
    # 1. every problem of the call, before anything is sent

    def _prepare(
        self, tool: str, operation_id: str, arguments: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str], list[Violation]]:
        fields = tool_fields(operation_rule(operation_id))
        by_argument = {argument_name(name): name for name in fields}
        violations: list[Violation] = []
        body: dict[str, Any] = {}
        images: dict[str, str] = {}
        for name, raw in arguments.items():
            json_name = by_argument.get(name)
            if json_name is None:
                violations.append(Violation(name, raw, "unknown argument; known: " + ", ".join(by_argument)))
                continue
            if raw is None:
                continue  # null means "not set"; validate_body reports it when the field is required
            if json_name in IMAGE_ARGUMENTS:
                body[json_name] = raw
                continue
            body[json_name] = _convert(fields[json_name], raw)
        names = {json_name: argument_name(json_name) for json_name in fields}
        # Image fields are checked below, with the file or data URL they name; here only that they are given.
        checked = {key: ("data:" if key in IMAGE_ARGUMENTS else value) for key, value in body.items()}
        image_names = {argument_name(key) for key in IMAGE_ARGUMENTS}
        violations.extend(
            # A missing image is asked for as the tool takes it, not as the spec's base64 string.
            Violation(v.field, v.value, f"required: {_IMAGE_ALLOWED}") if v.field in image_names else v
            for v in validate_body(operation_id, checked, names=names, allow_unknown=True)
        )
        image_size_seen: tuple[int, int] | None = None
        for json_name in IMAGE_ARGUMENTS:
            if json_name not in body:
                continue
            arg = argument_name(json_name)
            raw = body.pop(json_name)
            if not isinstance(raw, str) or not raw.strip():
                violations.append(Violation(arg, raw, _IMAGE_ALLOWED))
                continue
            problem = self._unknown_id(raw)
            if raw.strip().lower().startswith(("http://", "https://")):
                problem = "URLs are not fetched: save the image to a file and pass its path, or pass a data URL"
            if problem is not None:
                violations.append(Violation(arg, raw, problem))
                continue
            source = self.store.resolve(raw)
            if isinstance(source, Path) and not source.is_file():
                violations.append(Violation(arg, raw, self._no_file(source)))
                continue
            try:
                if json_name == "maskDataUrl":
                    images[arg] = mask_data_url(source, size=image_size_seen, field=arg)
                else:
                    images[arg] = image_data_url(source, field=arg)
                    image_size_seen = image_size(decode_data_url(images[arg], field=arg)[1], field=arg)
            except ImageError as exc:
                violations.extend(Violation(arg, raw, _unquoted(v.allowed)) for v in exc.violations)
            except ImportError as exc:  # Pillow missing for a PNG/WebP input
                violations.append(Violation(arg, raw, f"cannot be converted to JPEG here: {exc}"))
        order = list(by_argument)
        violations.sort(key=lambda v: order.index(v.field) if v.field in order else len(order))
        return body, images, violations

    def _no_file(self, path: Path) -> str:
        what = "not a regular file" if path.exists() else "no such file"
        return (
            f"{what} on the server's machine (looked for {path.absolute()}); pass an absolute file path, a data URL "
            f"or the id of an earlier result ({self._known_ids()})"
        )

    def _known_ids(self) -> str:
        ids = self.store.ids()[-10:]
        return "known: " + ", ".join(ids) if ids else "none yet"

    def _unknown_id(self, value: str) -> str | None:
        text = value.strip()
        if _RESULT_ID.fullmatch(text) and self.store.get(text) is None:
            return f"no result with this id in this server ({self._known_ids()}); pass a file path or a data URL"
        return None

    def _invalid(self, tool: str, violations: list[Violation]) -> ToolOutcome:
        count = len(violations)
        lines = [f"{count} invalid argument{'s' if count != 1 else ''} for {tool}; nothing was sent:"]
        lines += [f"  - {v}" for v in violations]
        error = {
            "type": "ValidationError",
            "sent": False,
            "violations": [{"argument": v.field, "value": _shown(v.value), "allowed": v.allowed} for v in violations],
        }
        return ToolOutcome(True, "\n".join(lines), {"error": error})

    # ------------------------------------------------------------------------------------------------------------
    # 2. send, save, describe

    async def _send(self, tool: str, body: dict[str, Any], images: dict[str, str]) -> ToolOutcome:
        kwargs = {argument_name(name): value for name, value in body.items()}
        kwargs["request_timestamp"] = str(time.time_ns() // 1_000_000)  # echoed back: when this call was made
        method = getattr(self.client, tool)
        try:
            if "mask" in images:
                result = await method(images["image"], images["mask"], **kwargs)
            else:
                result = await method(images["image"], **kwargs)
        except ValidationError as exc:  # the client's own check; the same table, so it should not happen
            return self._invalid(tool, list(exc.violations))
        except LeonardoError as exc:
            return self._api_error(tool, exc)
        cost: Decimal | None = result.cost
        unit = None if result.cost_unit is None else str(getattr(result.cost_unit, "value", result.cost_unit))
        if cost is None and result.api_credit_cost is not None:
            cost, unit = Decimal(result.api_credit_cost), "CREDITS"
        self.budget.record(tool, cost, unit)
        try:
            saved = self.store.save(tool, tuple(result.images))
        except (OSError, ImageError) as exc:
            # Paid for: whatever is an image still goes back in this answer, only without a file and an id.
            sniffed = [(data, sniff_format(data)) for data in result.images]
            returned = tuple((data, f"image/{fmt}") for data, fmt in sniffed if fmt is not None)
            kept = " (returned in this answer only: no file, no id)" if returned else ""
            return ToolOutcome(
                True,
                f"{tool} succeeded (and was paid) but its image could not be saved{kept}: {exc}",
                {"error": {"type": type(exc).__name__, "sent": True, "message": str(exc)}},
                returned,
            )
        structured = self._describe(tool, result, saved, cost, unit)
        return ToolOutcome(
            False,
            self._summary(tool, saved, cost, unit),
            structured,
            tuple((item.path.read_bytes(), item.mime_type) for item in saved),
        )

    def _describe(
        self, tool: str, result: Any, saved: list[SavedImage], cost: Decimal | None, unit: str | None
    ) -> dict[str, Any]:
        return {
            "id": saved[0].id,
            "operation": tool,
            "images": [item.as_json() for item in saved],
            "cost": None if cost is None else str(cost),
            "cost_unit": unit,
            "request_timestamp": result.request_timestamp,
            "generation_ids": list(result.generation_ids),
            "variation_ids": list(result.variation_ids),
            "generated_image_id": result.generated_image_id,
            "local": self.local,
            "totals": self.budget.summary(),
        }

    def _summary(self, tool: str, saved: list[SavedImage], cost: Decimal | None, unit: str | None) -> str:
        first = saved[0]
        size = f"{first.width}x{first.height} " if first.width else ""
        price = "cost not reported" if cost is None else f"cost {cost} {unit}"
        if self.local:
            price += " (simulated: local stand-in)"
        totals = self.budget.summary()
        spent = totals["spent"]
        total_text = ", ".join(f"{amount} {u}" for u, amount in spent.items()) if isinstance(spent, dict) else ""
        if totals["budget"] is not None:
            total_text += f" of a {totals['budget']} {totals['budget_unit']} budget"
        more = f" (+{len(saved) - 1} more image(s))" if len(saved) > 1 else ""
        return (
            f"{tool} → id {first.id}: {size}{first.mime_type} saved to {first.path}{more}; {price}; "
            f"spent so far: {total_text or 'nothing reported'}. Pass '{first.id}' as the image of a later call."
        )

    def _api_error(self, tool: str, exc: LeonardoError) -> ToolOutcome:
        error, hints, billed = describe(exc)
        if billed:
            self.budget.record_possibly_billed(tool)
        text = f"{tool} failed: {exc}"
        if hints:
            text += " (" + "; ".join(hints) + ")"
        return ToolOutcome(True, text, {"error": error})
