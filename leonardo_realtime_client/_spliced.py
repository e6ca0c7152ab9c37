"""The fast path for a successful answer's images: find them in the raw bytes, decode them from there.

One reason to change: how image bytes get from the answer to the result without becoming ``str``. In a body of
the usual shape the ``imageDataUrl`` strings are located in the raw bytes (:func:`load_spliced`), only the rest
goes through ``orjson``, and each image is base64-decoded straight from the response through a ``memoryview``
(:func:`decode_span`). Anything unusual returns ``None`` and the caller parses the whole body.
"""

from __future__ import annotations

from typing import Final

import orjson
import pybase64

from ._errors import ImageError
from ._images import MAX_IMAGE_BYTES, decode_data_url, sniff_format

__all__ = ["decode_span", "load_spliced"]

_JOB = "lcmGenerationJob"

_SPAN_ESCAPES: Final = (b"\\/", b"\\n", b"\\r")
_IMAGES_KEY = b'"imageDataUrl"'
_KNOWN_LABELS = {b"data:image/jpeg;base64": "jpeg", b"data:image/png;base64": "png", b"data:image/webp;base64": "webp"}


def _skip_space(buf: bytes, i: int) -> int:
    while buf[i : i + 1] in (b" ", b"\t", b"\r", b"\n"):
        i += 1
    return i


def load_spliced(content: bytes) -> tuple[object, list[tuple[int, int]]] | None:
    """Parse a 2xx body without turning its images into ``str``: ``(document, spans)``, where the document has
    ``lcmGenerationJob.imageDataUrl`` as ``["", …]`` and ``spans`` are the ``(start, end)`` of those strings in
    `content`; ``None`` when the body is not in the plain shape this handles (the caller then parses it whole).

    The ``"imageDataUrl": [ … ]`` array is found in the raw bytes and must hold only strings without escapes.
    Only the small rest (the array replaced by empty strings) goes through ``orjson``; the key must occur once
    and the empty strings must then sit exactly at ``lcmGenerationJob.imageDataUrl``, else it falls back.
    """
    key = content.find(_IMAGES_KEY)
    if key < 0:
        return None
    i = _skip_space(content, key + len(_IMAGES_KEY))
    if content[i : i + 1] != b":":
        return None
    i = _skip_space(content, i + 1)
    if content[i : i + 1] != b"[":
        return None
    array_start = i
    spans: list[tuple[int, int]] = []
    i = _skip_space(content, i + 1)
    while content[i : i + 1] != b"]":
        if content[i : i + 1] != b'"':
            return None
        end = content.find(b'"', i + 1)
        if end < 0:
            return None
        # bytes.find of one byte is a memchr, far faster than bytes.count over an image's base64; the
        # escapes are counted only in a span that has one.
        if content.find(b"\\", i + 1, end) >= 0:
            escapes = content.count(b"\\", i + 1, end)
            if escapes != sum(content.count(escape, i + 1, end) for escape in _SPAN_ESCAPES):
                return None  # only an escaped slash and escaped line breaks (base64 wrapped at 76) are handled here
        spans.append((i + 1, end))
        i = _skip_space(content, end + 1)
        if content[i : i + 1] == b",":
            i = _skip_space(content, i + 1)
        elif content[i : i + 1] != b"]":
            return None
    rest = b"".join((content[:array_start], b"[", b",".join([b'""'] * len(spans)), b"]", content[i + 1 :]))
    if rest.count(_IMAGES_KEY) != 1:  # the key also elsewhere: the array cut out may not be the job's
        return None
    try:
        data = orjson.loads(rest)
    except orjson.JSONDecodeError:
        return None
    job = data.get(_JOB) if isinstance(data, dict) else None
    if not isinstance(job, dict) or job.get("imageDataUrl") != [""] * len(spans):
        return None
    return data, spans


def decode_span(content: bytes, start: int, end: int, field: str) -> tuple[str, bytes]:
    """``decode_data_url`` of ``content[start:end]``; a plain JPEG/PNG/WebP data URL is decoded straight
    from `content` through a ``memoryview`` (no ``str``, no copy), anything else by ``decode_data_url``. Escaped
    slashes (``\\/``) and line breaks (``\\n``, ``\\r``: base64 wrapped in lines) are undone in one copy of the
    span first."""
    if content.find(b"\\", start, end) >= 0:
        content = content[start:end].replace(b"\\/", b"/").replace(b"\\n", b"").replace(b"\\r", b"")
        start, end = 0, len(content)
    comma = content.find(b",", start, min(end, start + 32))
    fmt = _KNOWN_LABELS.get(content[start:comma]) if comma > start else None
    if fmt is not None:
        length = (end - comma - 1) * 3 // 4 - content.count(b"=", max(comma + 1, end - 2), end)
        if length > MAX_IMAGE_BYTES:
            # Refused from its length alone: handing the span to decode_data_url made a str of it, a copy of
            # the payload and the decoded bytes (a 40 MB answer peaked at 3.7 times its size), and the error
            # kept that str alive as its value.
            raise ImageError(
                field,
                f"data:image/{fmt};base64,… ({end - comma - 1:,} characters)",
                f"{length:,} bytes of image data is too large: at most MAX_IMAGE_BYTES = {MAX_IMAGE_BYTES:,} bytes "
                "(20 MiB)",
            )
    if fmt is not None:
        try:
            with memoryview(content) as view:
                data = pybase64.b64decode(view[comma + 1 : end], validate=True)
        except ValueError:
            pass  # let decode_data_url say what is wrong
        else:
            if sniff_format(data) == fmt:
                return f"image/{fmt}", data
    return decode_data_url(content[start:end].decode("utf-8", "replace"), field=field)
