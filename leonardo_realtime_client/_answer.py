"""Bounded, checked answers: the size of what is read, and the images a server returns, are checked as it is read.

One reason to change: what the client accepts back. An answer is read up to ``max_response_bytes``
(:data:`DEFAULT_MAX_RESPONSE_BYTES`, 64 MiB, a client option): a ``Content-Length`` above it is refused before a
byte of the body is read, and a body without one stops being read at the limit, so a runaway or hostile server
cannot make the client hold more than that (the body is read chunk by chunk and joined once, as httpx does: the
peak is about twice the body's size, then the body and its decoded images).

A returned image is checked from its header only (nothing is decoded, no Pillow): its size against
:data:`MAX_IMAGE_PIXELS` (a JPEG claiming 60000x60000 is a decompression bomb that ``to_pil()`` would refuse) and
that its stream is complete (a JPEG ends with its EOI marker, a PNG with its ``IEND`` chunk, a WebP fills the
length its RIFF header gives, a GIF ends with its trailer). A failure is an
:class:`ImageError` here, which the response parser reports as :class:`APIResponseError` naming the field.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Final

from ._errors import APIResponseError, ConfigurationError, ImageError
from ._images import MAX_IMAGE_PIXELS, image_size
from ._numbers import option_int, type_problem

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "aread_bounded",
    "check_max_response_bytes",
    "check_returned_image",
    "read_bounded",
]

DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
"""The largest answer read by default (64 MiB): two images at the 20 MiB cap as base64 (~53.4 MiB) and room to
spare; the API's own answers are a few hundred KB to a few MB."""
_MIN_RESPONSE_BYTES: Final = 1024


def check_max_response_bytes(value: object) -> int:
    """The ``max_response_bytes`` option, checked: an integer of at least 1024."""
    limit = option_int(value, _MIN_RESPONSE_BYTES)  # numpy integers too
    if limit is None:
        raise ConfigurationError(
            f"max_response_bytes={value!r}: an integer ≥ {_MIN_RESPONSE_BYTES} (bytes; default "
            f"{DEFAULT_MAX_RESPONSE_BYTES:,} = 64 MiB){type_problem(value)}"
        )
    return limit


def _too_large(response: httpx.Response, size: int, limit: int, *, declared: bool) -> APIResponseError:
    what = f"declares {size:,} bytes" if declared else f"went on past {limit:,} bytes"
    return APIResponseError(
        f"HTTP {response.status_code} from {response.request.url.path}: the answer {what}, more than "
        f"max_response_bytes={limit:,}; it was not read (raise the limit with max_response_bytes=... if the "
        "server is right)",
        response=response,
    )


def _declared(response: httpx.Response, limit: int) -> None:
    raw = response.headers.get("content-length", "")
    if raw.isdigit() and int(raw) > limit:
        raise _too_large(response, int(raw), limit, declared=True)


def read_bounded(response: httpx.Response, limit: int) -> None:
    """Read a streamed ``response`` (``response.content`` afterwards), or raise :class:`APIResponseError` once more
    than ``limit`` bytes (decoded) would be read; the caller closes the response."""
    _declared(response, limit)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise _too_large(response, size, limit, declared=False)
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what Response.read() does, once the size is known to be within bounds


async def aread_bounded(response: httpx.Response, limit: int) -> None:
    """:func:`read_bounded` for ``httpx.AsyncClient``."""
    _declared(response, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise _too_large(response, size, limit, declared=False)
        chunks.append(chunk)
    response._content = b"".join(chunks)


_PNG_END: Final = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_TRAILING_PADDING: Final = b"\x00\r\n\t "


def _complete(data: bytes, fmt: str) -> str | None:
    """Why the stream of an image in format ``fmt`` is cut short, or ``None`` when it is complete."""
    if fmt == "jpeg":
        if not data.rstrip(_TRAILING_PADDING).endswith(b"\xff\xd9"):
            return "truncated JPEG: the data does not end with the end-of-image marker (FF D9)"
    elif fmt == "png":
        if not data.endswith(_PNG_END):
            return "truncated PNG: the data does not end with the IEND chunk"
    elif fmt == "webp":
        (riff,) = struct.unpack_from("<I", data, 4)
        if riff + 8 > len(data):
            return f"truncated WebP: its header gives {riff + 8:,} bytes, the data has {len(data):,}"
    elif fmt == "gif" and not data.rstrip(_TRAILING_PADDING).endswith(b";"):
        return "truncated GIF: the data does not end with the trailer (3B)"
    return None


def check_returned_image(data: bytes, fmt: str, *, field: str) -> tuple[int, int] | None:
    """Check one returned image; its ``(width, height)`` when the header gives it without Pillow.

    Raises :class:`ImageError` (naming ``field``) for a header that cannot be read, a size above
    :data:`MAX_IMAGE_PIXELS`, or a stream cut short.
    """
    size: tuple[int, int] | None = None
    if fmt in ("jpeg", "png", "webp", "gif", "bmp"):
        size = image_size(data, field=field)
        width, height = size
        if width * height > MAX_IMAGE_PIXELS:
            raise ImageError(
                field,
                data,
                f"the header claims {width}x{height} = {width * height:,} pixels, more than MAX_IMAGE_PIXELS = "
                f"{MAX_IMAGE_PIXELS:,}: refused unopened (a decompression bomb, or a corrupt header)",
            )
    problem = _complete(data, fmt)
    if problem is not None:
        raise ImageError(field, data, problem)
    return size
