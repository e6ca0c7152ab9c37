"""The keyword options of the four operations, declared once for the sync and the async client.

One reason to change: an option is added to, or dropped from, the operations' signatures. Each operation method is
typed ``def generate(self, image, *, prompt, **options: Unpack[OperationOptions])`` (PEP 692), so a type checker
(mypy, pyright) sees every keyword below with its exact type. At run time the method looks written out all the same:
:func:`expanded_signature` gives it the signature ``help()``, :func:`inspect.signature` and the documentation show
(each keyword defaulting to ``None``), and :func:`unexpected_keyword` is the ``TypeError`` Python would raise for a
keyword the operation does not have (``_base_client._prepare`` checks, with one set comparison per call).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, ForwardRef, TypedDict

if TYPE_CHECKING:
    from ._config import TimeoutTypes
    from ._generated.models.lcm_generation_style import LcmGenerationStyle
    from ._numbers import Integer, Number

__all__ = [
    "CALL_SETTINGS",
    "KEYWORDS",
    "OPTIONS",
    "CallSettings",
    "LcmOptions",
    "OperationOptions",
    "RefineOptions",
    "UpscaleOptions",
    "expanded_signature",
    "unexpected_keyword",
]


class LcmOptions(TypedDict, total=False):
    """The body options all four operations take (the spec's LCM fields, by their Python names)."""

    guidance: Number | None
    strength: Number | None
    steps: Integer | None
    width: Integer | None
    height: Integer | None
    seed: Integer | None
    style: LcmGenerationStyle | str | None
    request_timestamp: str | None


class RefineOptions(TypedDict, total=False):
    """The body options only upscale takes."""

    refine_creative: bool | None
    refine_strength: Number | None


class CallSettings(TypedDict, total=False):
    """This call's own settings, each over the client's (``None``: the client's); not sent."""

    timeout: TimeoutTypes
    total_timeout: Number | None
    max_retries: Integer | None


# The bases' order is the order of the keywords in the signature (a TypedDict lists its bases' keys in turn).
class OperationOptions(LcmOptions, CallSettings, total=False):
    """The keyword options of ``generate``, ``refine`` and ``inpaint`` (after ``prompt``)."""


class UpscaleOptions(LcmOptions, RefineOptions, CallSettings, total=False):
    """The keyword options of ``upscale`` (after ``prompt``): the others' and the two refine options."""


OPTIONS: Final[Mapping[str, type[OperationOptions] | type[UpscaleOptions]]] = {
    "generate": OperationOptions,
    "refine": OperationOptions,
    "inpaint": OperationOptions,
    "upscale": UpscaleOptions,
}
"""Each operation's keyword options."""

KEYWORDS: Final = {name: frozenset(options.__annotations__) for name, options in OPTIONS.items()}
"""The keywords each operation's ``**options`` accepts."""

CALL_SETTINGS: Final = frozenset(CallSettings.__annotations__)
"""The per-call settings among them (``timeout``, ``total_timeout``, ``max_retries``): not body options."""


def expanded_signature(method: Callable[..., Any], operation: str) -> inspect.Signature:
    """``method``'s signature with its ``**options`` written out as the keyword-only parameters of ``operation``'s
    options, in their declared order, each defaulting to ``None`` and annotated as in the declaration (a string,
    as every annotation of the clients is). Raises :class:`TypeError` when ``method`` does not end with
    ``**options: Unpack[<that TypedDict>]``, so a method and its declared options cannot drift apart."""
    options = OPTIONS[operation]
    signature = inspect.signature(method)
    *named, rest = signature.parameters.values()
    wanted = f"Unpack[{options.__name__}]"
    if rest.kind is not inspect.Parameter.VAR_KEYWORD or rest.annotation != wanted:
        raise TypeError(f"{method.__qualname__}: its last parameter must be **{rest.name}: {wanted}")
    keywords = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=_text(hint))
        for name, hint in options.__annotations__.items()
    ]
    return signature.replace(parameters=[*named, *keywords])


def _text(hint: object) -> object:
    """An annotation as written: a TypedDict keeps a postponed (string) annotation as a :class:`ForwardRef`."""
    return hint.__forward_arg__ if isinstance(hint, ForwardRef) else hint


def unexpected_keyword(method: str, options: Mapping[str, object], allowed: frozenset[str]) -> TypeError:
    """The error for the first keyword in ``options`` that ``method`` (``"RealtimeCanvas.generate"``) does not
    take, worded as Python words it, with the nearest keyword it does take, else the list of them."""
    import difflib  # only on this error path

    name = next(key for key in options if key not in allowed)
    takes = ["prompt", *(key for key in UpscaleOptions.__annotations__ if key in allowed)]  # signature order
    close = difflib.get_close_matches(name, takes, n=1)
    hint = f"Did you mean '{close[0]}'?" if close else f"Its keyword arguments are {', '.join(takes)}."
    return TypeError(f"{method}() got an unexpected keyword argument '{name}'. {hint}")
