"""Read an error answer into its typed error: the message and code from every error shape servers really use.

One reason to change: the shapes error answers come in. The spec's ``ApiError {message, path, locations,
extensions}``, Leonardo's documented ``{"error": "...", "path": "$", "code": "..."}``, GraphQL's ``{"errors":
[...]}`` (every message kept; also as a bare list), an ``error`` object nested (``{"error": {"message", "code"}}``)
and FastAPI's ``{"detail": ...}``; a text body is the message itself (up to :data:`MAX_SHOWN_TEXT` characters), an
HTML page from a proxy or CDN its title and its text. The class follows the status and the code
(``_errors.status_error_class``), with the request id header and ``Retry-After``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Final

import httpx
import orjson

from ._errors import APIStatusError, request_id, short_repr, status_error_class
from ._retry import parse_retry_after

__all__ = ["MAX_SHOWN_TEXT", "describe_non_json", "error_object", "errors_list", "status_error"]

_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_MAX_TEXT_BODY = 2000
MAX_SHOWN_TEXT: Final = 500
"""An error answer's text (a plain-text body, an HTML page's text) is shown up to this many characters."""
_HIDDEN_RE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")


def describe_non_json(response: httpx.Response) -> str:
    content = response.content
    ctype = response.headers.get("content-type", "no content-type")
    if not content.strip():
        return f"an empty body ({ctype})"
    title = _TITLE_RE.search(content[:4096])
    if title:
        text = title.group(1).decode("utf-8", "replace").strip()
        return f"an HTML page titled {_cut(text, 100)!r} ({ctype})"
    head = content[:80].decode("utf-8", "replace")
    if len(content) <= 80:
        return f"{ctype} starting {head!r}"
    return f"{ctype} starting {head + '…'!r} ({len(content):,} bytes)"


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in ``…`` when cut (redaction knows a cut by it)."""
    return text if len(text) <= limit else text[:limit] + "…"


def _error_body(response: httpx.Response) -> object:
    if not response.content:
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        text = response.text
        return text if len(text) <= _MAX_TEXT_BODY else text[:_MAX_TEXT_BODY] + "…"


_MAX_MESSAGES: Final = 5  # of a GraphQL ``errors`` list, joined with "; "


def _detail_text(detail: object) -> str | None:
    """FastAPI's ``detail``: a string, or a list of ``{"loc": [...], "msg": ...}`` (each as ``loc: msg``)."""
    if isinstance(detail, str):
        return detail.strip() or None
    if isinstance(detail, Mapping):
        return error_object(detail)[0]
    if isinstance(detail, list):
        parts: list[str] = []
        for item in detail:
            if isinstance(item, Mapping) and isinstance(item.get("msg"), str):
                loc = item.get("loc")
                where = ".".join(map(str, loc)) if isinstance(loc, list) and loc else ""
                parts.append(f"{where}: {item['msg']}" if where else str(item["msg"]))
            elif isinstance(item, str):
                parts.append(item)
        return "; ".join(parts) or None
    return None


def error_object(body: Mapping[str, object], depth: int = 0) -> tuple[str | None, str | None]:
    """(message, code) from one error object of any shape in the wild: the spec's ``{message, path, extensions}``,
    Leonardo's ``{"error": "...", "code"}``, an ``error`` object nested (``{"error": {"message", "code"}}``) and
    FastAPI's ``{"detail": ...}``."""
    message: str | None = None
    code: object = body.get("code")
    for key in ("message", "error"):
        candidate = body.get(key)
        if isinstance(candidate, str) and candidate.strip():
            message = candidate.strip()
            break
        if isinstance(candidate, Mapping) and depth < 3:
            message, inner_code = error_object(candidate, depth + 1)
            code = code if code is not None else inner_code
            if message is not None:
                break
    if message is None:
        detail = body.get("detail")
        message = _detail_text(detail)
        if code is None and isinstance(detail, Mapping) and depth < 3:
            code = error_object(detail, depth + 1)[1]
    extensions = body.get("extensions")
    if code is None and isinstance(extensions, Mapping):
        code = extensions.get("code")
    path = body.get("path")
    if isinstance(message, str) and message:
        if isinstance(path, list) and path:
            message = f"{message} (at {'.'.join(map(str, path))})"
        elif isinstance(path, str) and path not in ("", "$"):
            message = f"{message} (at {path})"
    return (message or None), (str(code) if code is not None and not isinstance(code, dict | list) else None)


def errors_list(errors: list[object]) -> tuple[str | None, str | None]:
    """(messages joined with "; ", the first code) of GraphQL's ``errors`` list: no error's words are dropped."""
    messages: list[str] = []
    code: str | None = None
    for item in errors:
        if not isinstance(item, Mapping):
            continue
        message, item_code = error_object(item)
        if message is not None and message not in messages:
            messages.append(message)
        code = code if code is not None else item_code
    if not messages:
        return None, code
    more = len(messages) - _MAX_MESSAGES
    shown = "; ".join(messages[:_MAX_MESSAGES])
    return (shown + (f" (and {more} more in error.body)" if more > 0 else "")), code


def _error_message(body: object, response: httpx.Response) -> tuple[str, str | None]:
    if isinstance(body, Mapping):
        message, code = error_object(body)
        errors = body.get("errors")
        if message is None and isinstance(errors, list) and errors:
            message, listed_code = errors_list(errors)
            code = code if code is not None else listed_code
        if message is not None:
            return message, code
        return f"{response.reason_phrase or 'error'} (body: {short_repr(body, _MAX_TEXT_BODY)})", code
    if isinstance(body, list) and body:  # a bare list of error objects, GraphQL's "errors" without its wrapper
        message, code = errors_list(body)
        if message is not None:
            return message, code
        return f"{response.reason_phrase or 'error'} (body: {short_repr(body, _MAX_TEXT_BODY)})", code
    if isinstance(body, str) and body.strip():
        return f"{response.reason_phrase or 'error'}: {_error_text(body, response)}", None
    return response.reason_phrase or "error (no body)", None


def _error_text(body: str, response: httpx.Response) -> str:
    """A non-JSON error body as its words: a plain text whole (up to :data:`MAX_SHOWN_TEXT`), an HTML page from a
    proxy or CDN as its title and its visible text (where the reference or Ray ID a support desk asks for is);
    before, only the title or the first 80 characters were shown."""
    ctype = response.headers.get("content-type", "no content-type")
    title_match = _TITLE_RE.search(response.content[:4096])
    is_html = title_match is not None or body.lstrip()[:1] == "<"
    if not is_html:
        return f"{_cut(body.strip(), MAX_SHOWN_TEXT)!r} ({ctype})"
    title = (
        _SPACE_RE.sub(" ", html.unescape(title_match.group(1).decode("utf-8", "replace"))).strip()
        if title_match
        else ""
    )
    text = _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", _HIDDEN_RE.sub(" ", body)))).strip()
    if title and text.startswith(title):
        text = text[len(title) :].strip()
    shown = f"an HTML page titled {_cut(title, 100)!r}" if title else "an HTML page"
    return f"{shown} ({ctype})" + (f": {_cut(text, MAX_SHOWN_TEXT)!r}" if text else "")


def status_error(response: httpx.Response) -> APIStatusError:
    """The typed error for an error answer (``response`` must be read): by status, and by the body's code where
    it says more (``status_error_class``).

    The body and code are kept as sent; the client cuts the API key out of what the error renders when it hands
    it back (``_redaction.redact_error``), should a server or proxy echo the ``Authorization`` header.
    """
    body = _error_body(response)
    message, code = _error_message(body, response)
    return status_error_class(response.status_code, code, message)(
        message,
        response=response,
        body=body,
        code=code,
        request_id=request_id(response.headers),
        retry_after=parse_retry_after(response.headers),
    )
