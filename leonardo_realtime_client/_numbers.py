"""Numbers as callers have them: what counts as a number for an integer or number field, and its plain JSON form.

One reason to change: which Python number types are accepted. Python code hands numbers of many types — numpy
scalars from an array, ``Decimal`` from a config or a price, ``Fraction`` from exact arithmetic — and every one
of them must either be sent as a plain JSON number or refused with its *type* named. :func:`as_number` is the
one rule, used by validation (the client's and the local server's) and by the body sent.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Final, ForwardRef, SupportsFloat, SupportsIndex, TypeAlias, Union

__all__ = ["NUMBER_TYPES", "Integer", "Number", "as_number", "option_int", "option_seconds", "type_problem"]

if TYPE_CHECKING:
    from decimal import Decimal

    Integer: TypeAlias = int | SupportsIndex | Decimal
    """What an integer option accepts: ``int``, any :class:`numbers.Integral` (numpy integers …), or an integral
    ``Decimal``/``float`` value (``8.0``); sent as a JSON integer. ``bool`` is refused."""

    Number: TypeAlias = float | SupportsFloat | SupportsIndex | Decimal
    """What a number option accepts: any :class:`numbers.Real` (``float``, ``int``, numpy scalars, ``Fraction``)
    or a ``Decimal``; sent as a plain JSON number. ``bool`` is refused."""
else:
    # At run time the aliases are the same unions, so a signature using them resolves (``typing.get_type_hints``,
    # ``inspect.signature(eval_str=True)``: FastAPI, pydantic, sphinx), yet importing them does not import decimal
    # (~2 ms): Decimal stands as a forward reference that imports decimal when it is resolved. (As strings, the
    # aliases resolved to a str, and "Number | None" was a TypeError.)
    _DECIMAL = ForwardRef("__import__('decimal').Decimal")
    Integer = Union[int, SupportsIndex, _DECIMAL]  # noqa: UP007 (a ForwardRef has no "|")
    Number = Union[float, SupportsFloat, SupportsIndex, _DECIMAL]  # noqa: UP007


def as_number(value: object) -> int | float | None:
    """A plain ``int``/``float`` for any real number a Python user may pass, ``None`` for anything else.

    Accepted: ``int`` and every :class:`numbers.Integral` (numpy integers …), ``float`` and every
    :class:`numbers.Real` (numpy floats, :class:`fractions.Fraction` …) and :class:`decimal.Decimal`. Integral
    values of the integer kinds stay exact ints; a ``Decimal`` with no fraction becomes an int, any other a
    float. ``bool`` (and numpy's ``bool_``, which is no ``numbers.Number``) is refused: ``True`` is no number here.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)  # an int subclass (IntEnum …) as a plain int
    if isinstance(value, float):
        return float(value)  # numpy.float64 is a float subclass
    # Not imported here (``decimal`` and ``numbers`` cost ~1 ms of every start-up): a Decimal, a numpy scalar or a
    # Fraction exists only once its module imported ``numbers`` (to register or subclass), so until then nothing
    # else can be a number. ``decimal`` is looked up the same way.
    numbers = sys.modules.get("numbers")
    if numbers is None:
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return math.nan
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return None


NUMBER_TYPES: Final = "int, float, Decimal, Fraction and numpy numbers are"


def type_problem(value: object) -> str:
    """``""`` when ``value`` is of a number type; else ``"; the type X is …"``, to follow what is allowed, so
    that a refused numpy scalar or string is not told "must be an integer" as if its value were wrong."""
    name = type(value).__name__
    if isinstance(value, bool) or name in ("bool", "bool_"):  # numpy.bool (bool_ before numpy 2)
        return f"; the type {name} is refused (True/False are not numbers)"
    if as_number(value) is None:
        return f"; the type {name} is not a number ({NUMBER_TYPES})"
    return ""


def option_int(value: object, minimum: int) -> int | None:
    """A plain ``int`` ≥ ``minimum`` for an integer option given as any integer type (``int``, numpy integers,
    an integral ``Decimal``), else ``None`` (``bool``, a fraction, a float, too small, no number)."""
    number = as_number(value)
    return number if isinstance(number, int) and number >= minimum else None


def option_seconds(value: object, *, positive: bool) -> float | None:
    """A plain finite ``float`` of seconds (> 0 when ``positive``, else ≥ 0) from any real number type,
    else ``None``."""
    number = as_number(value)
    if number is None or not math.isfinite(number) or number < 0 or (positive and number == 0):
        return None
    return float(number)
