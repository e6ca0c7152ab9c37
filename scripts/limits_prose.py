"""Reading the limits a field's description states in prose ("Must be between 4 and 16.", "Range: 4-16.").

The Realtime Canvas spec states most of its limits only in description text. :func:`documented_limits`
reads every sentence that looks like a limit -- a number beside a range or comparison word, or any
"Must be ..." -- and raises ``ValueError`` for one it cannot read, so a limit is never dropped silently.

Forms read (case-insensitive; ``N`` a number, integers for integer fields):

- ranges: "between N and N", "from N to N", "Range: N-N" (also an en or em dash, "to", ".."); "(exclusive)",
  ", exclusive" or "both exclusive" after a "between" makes both ends exclusive (an "exclusive" left anywhere else
  in a sentence that stated a bound is unreadable: which end it means is unclear);
- "must not be empty", "cannot be blank", "non-empty": a string of at least one character;
- one end: "at least N", "no less than N", "minimum (value) (is|of|:) N", "greater than or equal to N",
  "≥ N", ">= N"; "greater than N", "more than N", "above N", "> N" (exclusive); "at most N",
  "no more than N", "up to N", "maximum (value) (is|of|:) N", "less than or equal to N", "(must) not exceed N",
  "≤ N", "<= N"; "less than N", "fewer than N", "below N", "< N" (exclusive);
- discrete choices: "Must be N, N or N", "one of N, N, N";
- "multiple of N", "in steps of N", "divisible by N";
- a default: "Default(s) (is|to|:) N";
- the seed's own sentence: "The maximum seed value is N for Flux and N for other models" (the LCM endpoints
  do not run Flux, so the second bound applies).

In a sentence that speaks of characters or length, the bounds are a string's length. Used by
scripts/derive_constraints.py (the constraints table) and scripts/changelog_fields.py (the changelog).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

_N = r"(-?\d+(?:\.\d+)?)"
# A number, also with a unit written on it ("1024px", "30s") or spelled out ("one character"; "one of" is a
# choice, read by its own reader): a limit sentence with such a number that no reader read fails, never vanishes.
_NUMBER_TOKEN = re.compile(
    r"(?<![\w.])-?\d+(?:\.\d+)?(?:(?![\w])|(?=(?:px|pt|k|kb|mb|gb|mp|x|s|ms)\b))"
    r"|\b(?:zero|one(?! of\b)|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|sixteen|twenty"
    r"|thirty|fifty|hundred|thousand)\b",
    re.I,
)
_LIMIT_WORDS = re.compile(
    r"\b(between|range|ranges|minimum|maximum|min|max|least|most|less|greater|more|fewer|up to|exceeds?|below|above"
    r"|under|over|limit|limited|multiple|divisible|steps? of|characters?|length|long|one of)\b|[<>≤≥=]"
    r"|\d(?:px|pt|k|kb|mb|gb|mp|x|s|ms|%)?\s*(?:-|\u2013|\u2014|\.\.|\bto\b)\s*-?\d",  # "4-16", "512px to 1024px"
    re.I,
)
_MUST = re.compile(r"\bmust be\b", re.I)
_LENGTH_WORDS = re.compile(r"\b(characters?|chars|length|long)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`\"'])")


class DocumentedLimits(NamedTuple):
    """The limits one field's description states; ``None`` where it states nothing."""

    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[int, ...] | None = None
    exclusive_minimum: int | float | None = None
    exclusive_maximum: int | float | None = None
    multiple_of: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    default: int | float | None = None
    statements: tuple[tuple[str, str], ...] = ()  # (slot, the sentence that stated it)

    def statement(self, slot: str) -> str:
        return next(sentence for name, sentence in self.statements if name == slot)


class _Found:
    """What the sentences of one description stated so far, with the sentence that stated each slot."""

    def __init__(self, where: str, kind: str) -> None:
        self.where = where
        self.kind = kind
        self.values: dict[str, int | float | tuple[int, ...]] = {}
        self.said: dict[str, str] = {}
        self.said_now = ""

    def number(self, text: str) -> int | float:
        """``text`` as the field's kind: whole for integers and lengths (exact, however large), else a float."""
        if self.kind in {"integer", "string"}:
            if "." in text and not float(text).is_integer():
                raise ValueError(f"{self.where}: {text} is not a whole number, in {self.said_now!r}")
            return int(float(text)) if "." in text else int(text)
        if self.kind != "number":
            raise ValueError(f"{self.where}: a numeric limit on a {self.kind} field: {self.said_now!r}")
        return float(text)

    def put(self, slot: str, value: int | float | tuple[int, ...]) -> None:
        if slot in self.values and self.values[slot] != value:
            raise ValueError(
                f"{self.where}: the description states {slot.replace('_', ' ')} twice, differently: "
                f"{self.said[slot]!r} and {self.said_now!r}"
            )
        self.values[slot] = value
        self.said[slot] = self.said_now


def _bounds(found: _Found, sentence: str, low: str | None, high: str | None, lo_ex: bool, hi_ex: bool) -> None:
    as_length = found.kind == "string" or bool(_LENGTH_WORDS.search(sentence))
    if as_length and found.kind != "string":
        raise ValueError(f"{found.where}: a length limit on a {found.kind} field: {sentence!r}")
    if found.kind == "string" and not _LENGTH_WORDS.search(sentence):
        raise ValueError(f"{found.where}: a number limit on a string field (a length says 'characters'): {sentence!r}")
    lo = found.number(low) if low is not None else None
    hi = found.number(high) if high is not None else None
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (lo_ex or hi_ex))):
        raise ValueError(f"{found.where}: empty range in {sentence!r}")
    if as_length:
        if lo_ex or hi_ex:
            lo = None if lo is None else int(lo) + (1 if lo_ex else 0)
            hi = None if hi is None else int(hi) - (1 if hi_ex else 0)
        if lo is not None:
            found.put("min_length", int(lo))
        if hi is not None:
            found.put("max_length", int(hi))
        return
    if lo is not None:
        found.put("exclusive_minimum" if lo_ex else "minimum", lo)
    if hi is not None:
        found.put("exclusive_maximum" if hi_ex else "maximum", hi)


Reader = tuple[re.Pattern[str], Callable[[_Found, str, re.Match[str]], None]]

_SEED = re.compile(rf"maximum seed value is {_N} for Flux and {_N} for other models", re.I)
_BETWEEN = re.compile(rf"\bbetween {_N} and {_N}(\s*\(exclusive\)|,?\s+(?:both\s+)?exclusive(?:ly)?\b)?", re.I)
_EXCLUSIVE = re.compile(r"\bexclusive(?:ly)?\b", re.I)  # left over after reading: a bound whose end is unclear
_NOT_EMPTY = re.compile(
    r"\b(?:must not|mustn't|may not|cannot|can ?not|can't|should not|shouldn't)\s+be\s+(?:empty|blank)\b"
    r"|\bnon-?(?:empty|blank)\b",
    re.I,
)
_FROM_TO = re.compile(rf"\bfrom {_N} to {_N}\b", re.I)
_RANGE = re.compile(rf"\branges?\b(?:\s+is|:)?\s*{_N}\s*(?:-|\u2013|\u2014|\.\.|to)\s*{_N}", re.I)
_CHOICES = re.compile(rf"(?:\bmust be\b|\bone of\b|\beither\b)\s*((?:{_N}, )*{_N}),? or {_N}\b", re.I)
_ONE_OF = re.compile(rf"\bone of {_N}((?:, {_N})+)\b", re.I)
_AT_LEAST = re.compile(rf"(?:\bgreater than or equal to|\bat least|\bno (?:less|fewer) than|≥|>=)\s*{_N}", re.I)
_AT_MOST = re.compile(
    rf"(?:\bless than or equal to|\bat most|\bno more than|\bup to|\b(?:must |may |can )?not exceed|≤|<=)\s*{_N}", re.I
)
_MINIMUM = re.compile(rf"\bminimum(?: value)?(?: is| of|:)\s*{_N}|\bmin:\s*{_N}", re.I)
_MAXIMUM = re.compile(rf"\bmaximum(?: value)?(?: is| of|:)\s*{_N}|\bmax:\s*{_N}", re.I)
_ABOVE = re.compile(rf"(?:\bgreater than|\bmore than|\babove|>)\s*{_N}", re.I)
_BELOW = re.compile(rf"(?:\bless than|\bfewer than|\bbelow|<)\s*{_N}", re.I)
_MULTIPLE = re.compile(rf"\b(?:a multiple of|multiples? of|in steps of|divisible by)\s*{_N}", re.I)
_DEFAULT = re.compile(rf"\bdefaults?(?: value)?(?: is| to|:)\s*{_N}", re.I)

# In this order: each reader consumes what it read, so "no more than 5" is never read as "more than 5".
_READERS: list[Reader] = [
    (_SEED, lambda f, s, m: f.put("maximum", f.number(m.group(2)))),
    (_BETWEEN, lambda f, s, m: _bounds(f, s, m.group(1), m.group(2), bool(m.group(3)), bool(m.group(3)))),
    (_FROM_TO, lambda f, s, m: _bounds(f, s, m.group(1), m.group(2), False, False)),
    (_RANGE, lambda f, s, m: _bounds(f, s, m.group(1), m.group(2), False, False)),
    (_CHOICES, lambda f, s, m: f.put("choices", _choices(f, m.group(1), m.group(4)))),
    (_ONE_OF, lambda f, s, m: f.put("choices", _choices(f, m.group(1) + m.group(2), None))),
    (_AT_LEAST, lambda f, s, m: _bounds(f, s, m.group(1), None, False, False)),
    (_AT_MOST, lambda f, s, m: _bounds(f, s, None, m.group(1), False, False)),
    (_MINIMUM, lambda f, s, m: _bounds(f, s, m.group(1) or m.group(2), None, False, False)),
    (_MAXIMUM, lambda f, s, m: _bounds(f, s, None, m.group(1) or m.group(2), False, False)),
    (_ABOVE, lambda f, s, m: _bounds(f, s, m.group(1), None, True, False)),
    (_BELOW, lambda f, s, m: _bounds(f, s, None, m.group(1), False, True)),
    (_MULTIPLE, lambda f, s, m: f.put("multiple_of", f.number(m.group(1)))),
    (_DEFAULT, lambda f, s, m: f.put("default", f.number(m.group(1)))),
    (_NOT_EMPTY, lambda f, s, m: _not_empty(f, s)),
]


def _not_empty(found: _Found, sentence: str) -> None:
    """ "Must not be empty", "non-empty": a string of at least one character."""
    if found.kind != "string":
        raise ValueError(f"{found.where}: 'not empty' on a field of type {found.kind}: {sentence!r}")
    found.put("min_length", 1)


def _choices(found: _Found, head: str, last: str | None) -> tuple[int, ...]:
    values = [v.strip() for v in head.split(",") if v.strip()] + ([last] if last else [])
    if found.kind != "integer":
        raise ValueError(f"{found.where}: discrete choices on a {found.kind} field: {found.said_now!r}")
    return tuple(int(found.number(v)) for v in values)


def states_a_limit(description: str) -> bool:
    """Whether any sentence of ``description`` looks like a limit (whether or not it can be read)."""
    return any((_NUMBER_TOKEN.search(s) and _LIMIT_WORDS.search(s)) or _MUST.search(s) for s in sentences(description))


def sentences(description: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(description) if s.strip()]


def documented_limits(description: str, kind: str, where: str) -> DocumentedLimits:
    """The limits ``description`` states for a field of JSON type ``kind``, named ``where`` in errors.

    Raises ``ValueError`` naming ``where`` and the sentence for a limit-like sentence this reader cannot
    read, an empty range, or one limit stated twice differently.
    """
    found = _Found(where, kind)
    for sentence in sentences(description):
        found.said_now = sentence
        rest = sentence
        read_any = False
        for pattern, read in _READERS:
            for m in list(pattern.finditer(rest)):
                read(found, sentence, m)
                read_any = True
            rest = pattern.sub(" ", rest)
        limit_like = bool(_NUMBER_TOKEN.search(rest) and _LIMIT_WORDS.search(rest)) or bool(
            read_any and _EXCLUSIVE.search(rest)
        )
        if limit_like or (not read_any and _MUST.search(sentence)):
            raise ValueError(f"{where}: a limit this pipeline cannot read: {sentence!r}")
    return DocumentedLimits(**found.values, statements=tuple(found.said.items()))  # type: ignore[arg-type]
