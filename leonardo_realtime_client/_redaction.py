"""Keeping the API key out of everything rendered: the one place where it is cut out.

One reason to change: what counts as the key in a text, and where it is cut. Servers and proxies echo the
``Authorization`` header back in error texts, HTML pages, JSON fields of the wrong type, data-URL labels and
request-id headers. The key is cut out **once, at the boundary** where something is rendered for a person or a
log, never in the parsed data (``error.body`` and ``error.code`` stay as the server sent them):

- the client, when it hands back an error (:func:`redact_error`: the message, ``str``/``repr``, the chain a
  traceback shows, ``request_id``) or a result (``request_id``, ``warnings``);
- the ``leonardo_realtime_client`` logger, through :class:`RedactingFilter` (every line, debug bodies and
  headers included), for the key of every open client of this process (:func:`remember_key`);
- the command line, the MCP server and the browser canvas, on each text and JSON document they print or send
  (:func:`redact`, :func:`redact_json`: values are cut before JSON escaping).

**What a real occurrence is.** A key of :data:`ANYWHERE_FROM` (8) characters or more is cut wherever it occurs,
and so is a start of it of 4 or more characters cut short by ``…`` (a shortened value). A shorter key (a test
key such as ``"any"`` or ``"e"``) is cut only where it stands apart: not where it continues a run of letters or
digits (``"any"`` leaves "too many requests" alone, ``"e"`` leaves "error" alone; ``"Bearer any"``,
``key=any``, ``'any'`` are cut); a short key of no letter or digit at all only between spaces. A long key is
found in any case (a server that lower-cases a data-URL label it echoes), a short one only as given. The key is
also found in the escaped forms ``repr`` and JSON give it (a ``\\`` doubled, a quote escaped). Everything else
of the text is kept, character for character.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, TypeVar, cast

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ANYWHERE_FROM",
    "REDACTED",
    "RedactingFilter",
    "forget_key",
    "redact",
    "redact_error",
    "redact_headers",
    "redact_json",
    "redact_request",
    "redact_response",
    "remember_key",
]

_T = TypeVar("_T")

REDACTED: Final = "[redacted]"
"""What stands in place of the key, and of a secret header's value."""
ANYWHERE_FROM: Final = 8
"""Keys at least this long are cut wherever they occur; shorter ones only where they stand apart."""
_PREFIX_FROM: Final = 4  # a start of a long key cut short by "…" is cut from this many characters on
_ELLIPSIS: Final = "…"
_SECRET_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)


def _variants(key: str) -> set[str]:
    """The key as it appears raw, in a ``repr`` (either quote escaped, ``\\`` doubled) and in JSON."""
    slashed = key.replace("\\", "\\\\")
    forms = {key, slashed, slashed.replace("'", "\\'"), slashed.replace('"', '\\"')}
    forms.add(slashed.replace("'", "\\'").replace('"', '\\"'))
    return forms


def _apart(form: str, short: bool) -> str:
    """The pattern of one form: anywhere for a long key; for a short one, not continuing a run of letters or digits
    (and, for a key of no letter or digit at all, only between spaces or the text's ends)."""
    pattern = re.escape(form)
    if not short:
        return pattern
    if not any(char.isalnum() for char in form):
        return r"(?<!\S)" + pattern + r"(?!\S)"
    if form[0].isalnum():
        pattern = r"(?<![^\W_])" + pattern
    if form[-1].isalnum():
        pattern += r"(?![^\W_])"
    return pattern


@functools.lru_cache(maxsize=16)
def _pattern(key: str) -> re.Pattern[str]:
    short = len(key) < ANYWHERE_FROM
    forms = sorted(_variants(key), key=len, reverse=True)
    alternatives = [_apart(form, short) for form in forms]
    if not short:  # a long key's start, cut short by an ellipsis (short_repr and friends)
        starts = {form[:n] for form in forms for n in range(_PREFIX_FROM, len(form))}
        alternatives += [re.escape(start) + f"(?={_ELLIPSIS})" for start in sorted(starts, key=len, reverse=True)]
    # A long key is matched in any case: a server that lower-cases what it echoes (a data-URL label, a header
    # name) would otherwise show the key with only its case changed. A short key keeps its case, so that "any"
    # leaves "Any request" alone.
    return re.compile("|".join(alternatives), 0 if short else re.IGNORECASE)


def redact(text: str, key: str | None) -> str:
    """``text`` with every real occurrence of ``key`` replaced by :data:`REDACTED`: anywhere for a key of 8 or
    more characters, only standing apart from letters and digits for a shorter one (so ``"any"`` leaves
    ``"too many"`` alone); its repr- and JSON-escaped forms too."""
    if not key or not text:
        return text
    return _pattern(key).sub(REDACTED, text)


def redact_json(value: _T, key: str | None) -> _T:
    """A copy of a JSON-like value (a document about to be printed or sent) with the key cut out of every string
    value, and out of the names of objects for a key of :data:`ANYWHERE_FROM` characters or more; done before JSON
    escaping, so escapes cannot hide it. A short key is not cut from names: with ``api_key="error"`` the CLI's
    ``--json`` report had its ``"error"`` fields renamed ``"[redacted]"`` (and ``"ok"`` likewise), which no reader
    of the document could use."""
    return cast(_T, _redact_json(value, key, len(key) >= ANYWHERE_FROM)) if key else value


def _redact_json(value: object, key: str, names: bool) -> object:
    if isinstance(value, str):
        return redact(value, key)
    if isinstance(value, dict):
        return {
            (redact(k, key) if names and isinstance(k, str) else k): _redact_json(v, key, names)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_json(item, key, names) for item in value]
    return value


def redact_error(error: BaseException, key: str | None) -> None:
    """Cut the key out of what an exception renders, in place: its ``args`` (``str``, ``repr``), the rendered
    ``message`` and ``request_id`` attributes, and the same for every exception of its chain (``__cause__``,
    ``__context__``), which a traceback shows too. Parsed data (``body``, ``code``, ``response``) is left alone."""
    if not key:
        return
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.args = tuple(redact(arg, key) if isinstance(arg, str) else arg for arg in current.args)
        for name in ("message", "request_id"):
            value = current.__dict__.get(name)
            if isinstance(value, str):
                current.__dict__[name] = redact(value, key)
        pending += (current.__cause__, current.__context__)


def redact_headers(headers: Iterable[tuple[str, str]], key: str | None = None) -> dict[str, str]:
    """Headers as a dict: a secret header's value (``Authorization``, cookies …) is :data:`REDACTED`, and the key is
    cut out of every other value (a proxy may echo it in ``x-request-id``)."""
    return {name: REDACTED if name.lower() in _SECRET_HEADERS else redact(value, key) for name, value in headers}


def redact_request(request: httpx.Request) -> None:
    """After sending: the request handed back (errors, results, tracebacks) shows ``Bearer [redacted]``."""
    if "authorization" in request.headers:
        request.headers["Authorization"] = f"Bearer {REDACTED}"


def redact_response(response: httpx.Response) -> None:
    """After sending: every request a response lets its holder reach shows ``Bearer [redacted]``: its own, those
    of the redirects followed to it (``history``) and the one httpx built for a redirect it did not follow
    (``next_request``: on the same origin httpx keeps the key in it)."""
    for sent in (*response.history, response):
        redact_request(sent.request)
        if sent.next_request is not None:
            redact_request(sent.next_request)


_keys_lock = threading.Lock()
_keys: dict[str, int] = {}  # the keys of open clients, with how many use each
_MAX_KEYS: Final = 64


def remember_key(key: str) -> None:
    """Have :class:`RedactingFilter` cut ``key`` out of every log line until :func:`forget_key` (a client's close)."""
    with _keys_lock:
        _keys[key] = _keys.pop(key, 0) + 1
        while len(_keys) > _MAX_KEYS:  # clients never closed: keep the most recent keys
            del _keys[next(iter(_keys))]


def forget_key(key: str) -> None:
    """The client that used ``key`` is closed: stop filtering it once no open client uses it."""
    with _keys_lock:
        count = _keys.pop(key, 0) - 1
        if count > 0:
            _keys[key] = count


class RedactingFilter(logging.Filter):
    """A logging filter that cuts every remembered key out of a record's message (its arguments merged in first).

    Attached to the ``leonardo_realtime_client`` logger, so every line it emits is clean whatever handler prints it.
    Records are only built when their level is enabled: with logging off this costs nothing.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        with _keys_lock:
            keys = list(_keys)
        if not keys:
            return True
        text = record.getMessage()
        clean = text
        for key in keys:
            clean = redact(clean, key)
        if clean != text:
            record.msg, record.args = clean, None
        return True
