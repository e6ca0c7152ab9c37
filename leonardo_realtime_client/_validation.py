"""Check a request body against the generated constraints table (the one source of every limit).

Used by the clients before any I/O and by the local server on every request, so the two agree by
construction. Nothing here types a range: guidance, strength, steps, sizes, refineStrength, the style
enum and required-ness all come from ``_generated/constraints.py``, derived from the spec.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Final, NamedTuple, TypeVar, cast

from ._errors import Violation
from ._generated.constraints import OPERATIONS, FieldRule, OperationRule
from ._numbers import as_number

_V = TypeVar("_V")

__all__ = [
    "OPERATIONS",
    "allowed_text",
    "canonical_choice",
    "json_numbers",
    "operation_rule",
    "plain_body",
    "validate_body",
]


def operation_rule(operation_id: str) -> OperationRule:
    try:
        return OPERATIONS[operation_id]
    except KeyError:
        raise KeyError(f"unknown operation {operation_id!r}; known: {', '.join(OPERATIONS)}") from None


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


_KINDS = {"number": "a number", "integer": "an integer", "string": "a string", "boolean": "true or false"}


def allowed_text(rule: FieldRule) -> str:
    """What the field accepts, in words (also used by the CLI's --help)."""
    kind = _KINDS[rule["type"]]
    if rule["choices"] is not None:
        return "one of " + ", ".join(str(c) for c in rule["choices"])
    if rule["enum"] is not None:
        return "one of " + ", ".join(rule["enum"])
    return kind + _limits_text(rule)


def canonical_choice(rule: FieldRule, value: _V) -> _V:
    """An enum value in the spec's spelling when ``value`` names it in another letter case (``"cinematic"`` →
    ``"CINEMATIC"``); anything else is returned unchanged, for the validator to judge.

    The clients and the CLI accept enum values in any case; the local server, like the API, does not.
    """
    if rule["enum"] is None or not isinstance(value, str) or value in rule["enum"]:
        return value
    folded = value.casefold()
    matches = [choice for choice in rule["enum"] if choice.casefold() == folded]
    return cast(_V, matches[0]) if len(matches) == 1 else value


def _did_you_mean(rule: FieldRule, value: object) -> str:
    """``"; did you mean 'CINEMATIC'?"`` for a near miss of an enum value (a typo, another case); else ``""``."""
    if rule["enum"] is None or not isinstance(value, str) or not value.strip():
        return ""
    import difflib  # only on this error path

    by_folded = {choice.casefold(): choice for choice in rule["enum"]}
    close = difflib.get_close_matches(value.strip().casefold(), by_folded, n=1, cutoff=0.6)
    return f"; did you mean {by_folded[close[0]]!r}?" if close else ""


def _limits_text(rule: FieldRule) -> str:
    """The range, step, length and pattern limits in words, after the kind (``""`` when there are none)."""
    parts: list[str] = []
    lo, hi = rule["minimum"], rule["maximum"]
    ex_lo, ex_hi = rule.get("exclusive_minimum"), rule.get("exclusive_maximum")
    if lo is not None and hi is not None:
        parts.append(f"from {_fmt(lo)} to {_fmt(hi)}")
    else:
        if lo is not None:
            parts.append(f"≥ {_fmt(lo)}")
        if hi is not None:
            parts.append(f"≤ {_fmt(hi)}")
    if ex_lo is not None:
        parts.append(f"> {_fmt(ex_lo)}")
    if ex_hi is not None:
        parts.append(f"< {_fmt(ex_hi)}")
    text = " " + " and ".join(parts) if parts else ""
    if (step := rule.get("multiple_of")) is not None:
        text += f", a multiple of {_fmt(step)}"
    shortest, longest = rule.get("min_length"), rule.get("max_length")
    if shortest is not None and longest is not None:
        text += f" of {shortest} to {longest} characters"
    elif shortest is not None:
        text += f" of at least {shortest} characters"
    elif longest is not None:
        text += f" of at most {longest} characters"
    if (pattern := rule.get("pattern")) is not None:
        shown = pattern if len(pattern) <= 60 else pattern[:59] + "…"
        text += f" matching the pattern {shown}"
    return text


@functools.lru_cache(maxsize=64)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _keywords_ok(rule: FieldRule, value: object) -> bool:
    """The JSON Schema limits beyond type, choices and inclusive range: exclusive bounds, step, lengths, pattern."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        ex_lo, ex_hi = rule.get("exclusive_minimum"), rule.get("exclusive_maximum")
        if (ex_lo is not None and value <= ex_lo) or (ex_hi is not None and value >= ex_hi):
            return False
        step = rule.get("multiple_of")
        if step is not None:
            from fractions import Fraction  # only when a field has a step: keeps the import of this module light

            # As written in decimal (0.3 is a multiple of 0.1), exactly, for ints of any size.
            if (Fraction(repr(value)) / Fraction(repr(step))).denominator != 1:
                return False
    if isinstance(value, str):
        shortest, longest = rule.get("min_length"), rule.get("max_length")
        if (shortest is not None and len(value) < shortest) or (longest is not None and len(value) > longest):
            return False
        pattern = rule.get("pattern")
        if pattern is not None and _pattern(pattern).search(value) is None:
            return False
    return True


# What JSON can carry here: orjson writes integers in this range only, and text only as UTF-8.
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def _beyond_json(rule: FieldRule, value: object) -> str | None:
    """Why a value of the right type still cannot be sent as JSON, or ``None``."""
    if isinstance(value, str):
        if value.isascii():
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text with a lone surrogate (not valid Unicode) cannot be sent"
        return None
    if rule["type"] == "integer" and isinstance(value, float):
        value = int(value)  # sent as an int (8.0 as 8); _check made sure it is integral
    if isinstance(value, int) and not isinstance(value, bool) and not _INT_MIN <= value <= _INT_MAX:
        return "integers must fit in 64 bits"
    return None


_NUMBER_TYPES = "int, float, Decimal, Fraction and numpy numbers are"


def _wrong_type(rule: FieldRule, value: object) -> str | None:
    """What is allowed, then why the *type* of ``value`` is the problem (``None`` when the type is fine)."""
    kind = rule["type"]
    name = type(value).__name__
    if kind in ("integer", "number"):
        if isinstance(value, bool) or name in ("bool", "bool_"):  # numpy.bool (bool_ before numpy 2)
            return f"{allowed_text(rule)}; the type {name} is refused (True/False are not numbers)"
        if as_number(value) is None:
            return f"{allowed_text(rule)}; the type {name} is not a number ({_NUMBER_TYPES})"
        return None
    if (kind == "boolean" and not isinstance(value, bool)) or (kind == "string" and not isinstance(value, str)):
        return f"{allowed_text(rule)}; the type {name} is not accepted"
    return None


def json_numbers(operation_id: str, body: dict[str, object]) -> dict[str, object]:
    """``body`` with every number as a plain JSON number: ints for integer fields (``8.0`` → ``8``), ints or
    floats for number fields, whatever type the caller used. For a body :func:`validate_body` accepted."""
    fields = operation_rule(operation_id)["fields"]
    for name, value in body.items():
        rule = fields.get(name)
        if rule is None or rule["type"] not in ("integer", "number") or value is None:
            continue
        number = as_number(value)
        if number is not None:
            body[name] = int(number) if rule["type"] == "integer" else number
    return body


def _type_ok(rule: FieldRule, value: object) -> bool:
    kind = rule["type"]
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind in ("integer", "number"):
        number = as_number(value)
        if number is None:
            return False
        value = number
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind == "number":
        # An int is finite (and math.isfinite would overflow on one beyond a float's range).
        return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    return isinstance(value, str)


def _check(rule: FieldRule, value: object) -> bool:
    if not _type_ok(rule, value):
        return False
    if rule["type"] in ("integer", "number"):
        value = as_number(value)
    if rule["enum"] is not None and value not in rule["enum"]:
        return False
    if rule["choices"] is not None and value not in rule["choices"]:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        lo, hi = rule["minimum"], rule["maximum"]
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            return False
    return _keywords_ok(rule, value)


def validate_body(
    operation_id: str,
    body: Mapping[str, object],
    *,
    names: Mapping[str, str] | None = None,
    allow_unknown: bool = False,
    any_case: bool = False,
) -> list[Violation]:
    """Every violation in a JSON request body (keys are the spec's JSON names).

    ``names`` maps JSON names to the names the caller used (``refineStrength`` → ``refine_strength``),
    so messages speak the caller's language. ``None`` for a nullable field means "not set". ``any_case``
    accepts enum values in any letter case (the clients send them in the spec's; see ``canonical_choice``).
    An enum value that is near a valid one gets a "did you mean" in its message.
    """
    op = operation_rule(operation_id)
    fields = op["fields"]
    names = names or {}
    problems: list[Violation] = []
    for json_name, rule in fields.items():
        shown = names.get(json_name, json_name)
        if json_name not in body or (body[json_name] is None and rule["nullable"]):
            if rule["required"]:
                problems.append(Violation(shown, None, f"required: {allowed_text(rule)}"))
            continue
        value = canonical_choice(rule, body[json_name]) if any_case else body[json_name]
        if value is None:
            problems.append(Violation(shown, None, f"must not be null: {allowed_text(rule)}"))
        elif (wrong := _wrong_type(rule, value)) is not None:
            problems.append(Violation(shown, value, wrong))
        elif not _check(rule, value):
            problems.append(Violation(shown, value, allowed_text(rule) + _did_you_mean(rule, value)))
        elif why := _beyond_json(rule, as_number(value) if rule["type"] in ("integer", "number") else value):
            problems.append(Violation(shown, value, f"{allowed_text(rule)}; {why}"))
    if not allow_unknown:
        problems.extend(
            Violation(names.get(key, key), body[key], "unknown field; known: " + ", ".join(fields))
            for key in body
            if key not in fields
        )
    return problems


# -- the plain case, judged fast ---------------------------------------------------------------------------------


class _Plain(NamedTuple):
    """One field's limits, ready for :func:`_plain_ok`."""

    types: tuple[type, ...]
    low: float | None
    high: float | None
    above: float | None
    below: float | None
    allowed: tuple[object, ...] | None
    shortest: int | None
    longest: int | None
    pattern: re.Pattern[str] | None


_PLAIN_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
}


_COMPILED: dict[int, tuple[FieldRule, _Plain | None]] = {}


def _limits(rule: FieldRule) -> _Plain | None:
    """``rule`` ready for :func:`_plain_ok`, made once per rule (``None``: a field with a step,
    ``multiple_of``, is never plain). Keyed by the rule itself, so a rule replaced in the table is read anew."""
    made = _COMPILED.get(id(rule))
    if made is not None and made[0] is rule:
        return made[1]
    pattern = rule.get("pattern")
    limits = (
        None
        if rule.get("multiple_of") is not None
        else _Plain(
            _PLAIN_TYPES[rule["type"]],
            rule["minimum"],
            rule["maximum"],
            rule.get("exclusive_minimum"),
            rule.get("exclusive_maximum"),
            rule["enum"] if rule["enum"] is not None else rule["choices"],
            rule.get("min_length"),
            rule.get("max_length"),
            None if pattern is None else _pattern(pattern),
        )
    )
    _COMPILED[id(rule)] = (rule, limits)
    return limits


def _plain_ok(limits: _Plain, value: object) -> bool:
    kind = type(value)  # exactly: a subclass (IntEnum, numpy.float64 …) goes the full way
    if kind not in limits.types:
        return False
    if kind is str:
        text = cast(str, value)
        if not text.isascii():  # the full way checks the UTF-8 (lone surrogates)
            return False
        if (limits.shortest is not None and len(text) < limits.shortest) or (
            limits.longest is not None and len(text) > limits.longest
        ):
            return False
        if limits.pattern is not None and limits.pattern.search(text) is None:
            return False
    elif kind is not bool:
        number = cast(float, value)
        if kind is float and not math.isfinite(number):
            return False
        if kind is int and not _INT_MIN <= number <= _INT_MAX:
            return False
        if (limits.low is not None and number < limits.low) or (limits.high is not None and number > limits.high):
            return False
        if (limits.above is not None and number <= limits.above) or (
            limits.below is not None and number >= limits.below
        ):
            return False
    return limits.allowed is None or value in limits.allowed


def plain_body(
    operation_id: str, body: Mapping[str, object], *, given: AbstractSet[str] = frozenset()
) -> dict[str, object] | None:
    """``body`` as sent, when it is plainly valid: every value an exact ``int``/``float``/``str``/``bool`` within
    its limits (an enum value in the spec's spelling), every required field present (or in ``given``, fields
    checked elsewhere, the images), none unknown. ``None`` for anything else — a number of another type, a
    value out of range, another letter case — which :func:`validate_body`, :func:`canonical_choice` and
    :func:`json_numbers` then judge and convert (and name, when wrong).

    The usual call is plain: this judges it in a fraction of :func:`validate_body`'s time, and accepts nothing
    that :func:`validate_body` refuses (a property test holds the two together)."""
    fields = operation_rule(operation_id)["fields"]
    if not body.keys() <= fields.keys():
        return None
    for name, rule in fields.items():
        if name in body:
            limits = _limits(rule)
            if limits is None or not _plain_ok(limits, body[name]):
                return None
        elif rule["required"] and name not in given:
            return None
    return dict(body)
