"""A realtime session's request parameters: which ones an operation takes, and checking them before sending.

One reason to change: what a session accepts as fixed parameters and per-input overrides. Every limit comes
from the generated constraints table through ``_validation.validate_body``, as for the clients.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from ._errors import ConfigurationError, ValidationError, Violation
from ._operation_options import CALL_SETTINGS
from ._operations import OPERATION_IDS, operation_name, snake_case
from ._session_policy import invalid
from ._validation import operation_rule, validate_body

__all__ = ["CALL_OPTIONS", "Call", "SessionParams", "check_async_client", "resolve_operation"]

CALL_OPTIONS: Final = CALL_SETTINGS
"""Per-call options passed through to the client untouched (its retry policy and timeout apply)."""
_IMPLICIT_FIELDS: Final = frozenset({"imageDataUrl", "maskDataUrl", "requestTimestamp"})
"""Body fields the session fills in itself."""


class Call(NamedTuple):
    """A validated call: positional images and keyword arguments (without the request timestamp).

    A named tuple rather than a frozen attrs class: one is made per ``submit()``, and a tuple is built in C."""

    image: object
    mask: object | None
    kwargs: Mapping[str, Any]


def resolve_operation(operation: object) -> str:
    """Our name for a session's ``operation`` (ours or the spec's operationId); else a :class:`ValidationError`."""
    name = operation_name(operation)
    if name is None:
        raise invalid("operation", operation, "one of " + ", ".join(OPERATION_IDS))
    return name


def check_async_client(client: object, operation: str) -> None:
    """Refuse, before anything is sent, a client whose ``operation`` cannot be awaited.

    The sync :class:`RealtimeCanvas` would otherwise be accepted, *send* every input (a paid call) and only
    then fail with ``TypeError: object RealtimeResult can't be used in 'await' expression``. Raises
    :class:`ConfigurationError` naming :class:`AsyncRealtimeCanvas`.
    """
    if isinstance(client, type):  # AsyncRealtimeCanvas, not AsyncRealtimeCanvas(): every input failed unsent
        raise ConfigurationError(
            f"a realtime session needs a client object, not the class: pass {client.__name__}(...), not "
            f"{client.__name__}"
        )
    if _closed(client):  # every input would fail with "is closed", one SessionError each
        raise ConfigurationError(
            f"this {type(client).__name__} is closed (aclose() or 'async with' ended): make a new one for the session"
        )
    method = getattr(client, operation, None)
    kind = type(client).__name__
    if method is None or not callable(method):
        raise ConfigurationError(
            f"a realtime session needs an async client with a {operation}() method, such as AsyncRealtimeCanvas(...);"
            f" got {kind}"
        )
    call = type(method).__call__ if not inspect.isroutine(method) else None  # an object with an async __call__
    if inspect.iscoroutinefunction(method) or (call is not None and inspect.iscoroutinefunction(call)):
        return
    hint = (
        "use AsyncRealtimeCanvas(...) instead of RealtimeCanvas(...)"
        if kind == "RealtimeCanvas"
        else (f"its {operation}() must be an async def, as AsyncRealtimeCanvas's is")
    )
    raise ConfigurationError(
        f"a realtime session needs the async client: {hint}; {kind}.{operation}() is not a coroutine function, "
        "so every input would be sent and then fail (nothing was sent)"
    )


def _closed(client: object) -> bool:
    """Whether an :class:`AsyncRealtimeCanvas` was closed by its caller (or its caller's http_client was).

    Its own pool closing with an event loop does not count: the next loop gets a fresh one."""
    from ._async_client import AsyncRealtimeCanvas

    if not isinstance(client, AsyncRealtimeCanvas):
        return False
    return client._closed_by_caller or (not client._owns_http and client.http_client.is_closed)


class SessionParams:
    """The fixed parameters of one session's operation, checked; :meth:`prepare` merges and checks one input's.

    ``operation`` is our name (``generate`` …) or the spec's operationId. Raises :class:`ValidationError`
    naming every bad parameter by its Python name. Immutable after construction, so safe from any thread.
    """

    def __init__(self, operation: object, params: Mapping[str, Any]) -> None:
        self.operation = name = resolve_operation(operation)
        self.operation_id = OPERATION_IDS[name]
        fields = operation_rule(self.operation_id)["fields"]
        self._body_names = {snake_case(j): j for j in fields if j not in _IMPLICIT_FIELDS}
        self._allowed = sorted(self._body_names) + sorted(CALL_OPTIONS) + (["mask"] if name == "inpaint" else [])
        self.check(params, partial=True)
        self.fixed: Mapping[str, Any] = dict(params)
        # When the fixed parameters are complete on their own, an input without overrides needs no check at
        # all: it is checked here once, not at every submit (that was ~70 % of submit()'s cost).
        self._ready: tuple[object | None, Mapping[str, Any]] | None = None
        try:
            self.check(self.fixed, partial=False)
        except ValidationError:
            pass  # e.g. the prompt comes with each submit: those inputs are checked as they come
        else:
            self._ready = self._split(dict(self.fixed))

    def check(self, params: Mapping[str, Any], *, partial: bool) -> None:
        """Raise one :class:`ValidationError` for every bad parameter; ``partial``: a missing one is fine."""
        problems: list[Violation] = []
        if "request_timestamp" in params:
            problems.append(
                Violation("request_timestamp", params["request_timestamp"], "set by the session; do not pass it")
            )
        known = ", ".join(self._allowed)
        problems.extend(
            Violation(key, value, f"unknown parameter for {self.operation}; known: {known}")
            for key, value in params.items()
            if key not in self._body_names and key not in CALL_OPTIONS and key != "mask" and key != "request_timestamp"
        )
        if "mask" in params and self.operation != "inpaint":
            problems.append(Violation("mask", params["mask"], "only the inpaint operation takes a mask"))
        body: dict[str, object] = {"imageDataUrl": "", "requestTimestamp": ""}
        if self.operation == "inpaint":
            body["maskDataUrl"] = ""
        shown: dict[str, str] = {}
        for key, value in params.items():
            json_name = self._body_names.get(key)
            if json_name is not None and value is not None:
                body[json_name] = value
                shown[json_name] = key
        found = validate_body(self.operation_id, body, names=shown, allow_unknown=True, any_case=True)
        if partial:  # fixed parameters: what is there must be valid; prompt may come with each submit
            found = [v for v in found if v.field in params]
        problems.extend(found)
        if not partial and self.operation == "inpaint" and params.get("mask") is None:
            problems.append(Violation("mask", None, "required for inpaint: an image (fixed or per submit)"))
        if problems:
            raise ValidationError(problems, operation=self.operation)

    def prepare(self, image: object, overrides: Mapping[str, Any]) -> Call:
        """Merge and check the parameters of one input (pure; safe from any thread)."""
        if image is None:
            raise ValidationError([Violation("image", None, "an image (bytes, path, file, PIL image)")])
        if not overrides and self._ready is not None:
            mask, kwargs = self._ready
            return Call(image, mask, kwargs)
        merged = {**self.fixed, **overrides}
        self.check(merged, partial=False)
        mask, kwargs = self._split(merged)
        return Call(image=image, mask=mask, kwargs=kwargs)

    @staticmethod
    def _split(merged: dict[str, Any]) -> tuple[object | None, Mapping[str, Any]]:
        mask = merged.pop("mask", None)
        return mask, MappingProxyType({k: v for k, v in merged.items() if v is not None})
