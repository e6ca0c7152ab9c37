"""Data URLs: ``data:<mime>;base64,<data>`` out of bytes and back, checked to tell the truth."""

from __future__ import annotations

import re
from math import ceil
from typing import Final

import pybase64

from .._errors import ImageError, short_repr
from ._common import _ALLOWED_MIMES_TEXT, _FORMATS, _MIME_TO_FORMAT, MAX_IMAGE_BYTES, Buffer, _check_bytes
from ._headers import _not_an_image, _urlsafe_note, sniff_format

_MAX_B64_CHARS: Final = 4 * ceil(MAX_IMAGE_BYTES / 3)
_WHITESPACE: Final = re.compile(r"[ \t\r\n\f\v]+")


def encode_data_url(data: Buffer, mime: str = "image/jpeg", *, field: str = "image") -> str:
    """``data:<mime>;base64,<data>`` for already-encoded image bytes (base64 by pybase64; nothing re-encoded).

    The label must tell the truth: ``mime`` must be an image type known here and agree with the format
    sniffed from ``data``, else :class:`~leonardo_realtime_client.ImageError`.

    Returns:
        The data URL, as a ``str``.

    Raises:
        ImageError: ``mime`` is not an image type known here, or disagrees with the format of ``data``.
    """
    mime = mime.strip().lower()
    declared = _MIME_TO_FORMAT.get(mime)
    if declared is None:
        raise ImageError(field, mime, f"unknown image MIME type; allowed: {_ALLOWED_MIMES_TEXT}")
    actual = sniff_format(data)
    if actual is None:
        raise ImageError(field, data, _not_an_image(data))
    if actual != declared:
        raise ImageError(field, data, f"the bytes are {actual.upper()}, not {mime}; use {_FORMATS[actual][0]!r}")
    _check_bytes(len(data), field, data)
    return f"data:{mime};base64,{pybase64.b64encode_as_string(data)}"


def decode_data_url(url: str, *, field: str = "imageDataUrl") -> tuple[str, bytes]:
    """``(mime, data)`` from a ``data:image/…;base64,…`` URL, after checking it tells the truth.

    The base64 is decoded strictly (pybase64, ``validate=True``; line breaks are tolerated). Raises
    :class:`~leonardo_realtime_client.ImageError` for a URL that is not base64, bad base64, bytes that are
    no image, a declared type that disagrees with the bytes, or more than :data:`MAX_IMAGE_BYTES`. The
    returned ``mime`` is the canonical one of the sniffed format (``image/jpeg`` for ``image/jpg``).

    Returns:
        ``(mime, data)``: the canonical media type and the decoded image bytes.

    Raises:
        ImageError: The URL is not base64, the base64 is bad, the bytes are no image, the declared type disagrees
            with them, or they are over ``MAX_IMAGE_BYTES``.
    """
    mime, data, _ = _decode_data_url(url, field)
    return mime, data


def _decode_data_url(url: str, field: str) -> tuple[str, bytes, str]:
    """``(canonical mime, data, strict base64 payload)``; the payload is a slice of ``url`` when it was clean."""
    if not isinstance(url, str) or url[:5].lower() != "data:":
        raise ImageError(field, url, "not a data URL; expected 'data:image/jpeg;base64,…'")
    comma = url.find(",", 0, 256)
    if comma < 0:
        raise ImageError(
            field, url, "malformed data URL: no ',' after the media type; expected 'data:image/…;base64,…'"
        )
    params = [p.strip().lower() for p in url[5:comma].split(";")]
    if params[-1] != "base64":
        raise ImageError(field, url, "data URL is not base64-encoded; expected 'data:image/…;base64,…'")
    mime = params[0] if len(params) > 1 else ""
    declared = _MIME_TO_FORMAT.get(mime)
    if declared is None:
        raise ImageError(
            field,
            url,
            f"data URL declares {short_repr(mime, 40) if mime else 'no media type'}; allowed image types: "
            f"{_ALLOWED_MIMES_TEXT}",
        )
    payload = url[comma + 1 :]
    if len(payload) > 2 * _MAX_B64_CHARS:  # absurd even with line breaks: refuse before any work
        _check_bytes(len(payload) * 3 // 4, field, url)
    try:
        data = pybase64.b64decode(payload, validate=True)
    except ValueError:
        payload = _WHITESPACE.sub("", payload)
        if len(payload) > _MAX_B64_CHARS:
            _check_bytes(len(payload) * 3 // 4, field, url)
        try:
            data = pybase64.b64decode(payload, validate=True)
        except ValueError as exc:
            note = _urlsafe_note(payload) or f" ({str(exc)[:80]})"
            raise ImageError(field, url, f"invalid base64 in the data URL{note}; expected standard base64") from None
    _check_bytes(len(data), field, url)
    actual = sniff_format(data)
    if actual is None:
        raise ImageError(field, url, f"data URL labelled {mime!r}: {_not_an_image(data)}")
    if actual != declared:
        raise ImageError(
            field, url, f"data URL is labelled {mime!r} but holds {actual.upper()} bytes; the label must match the data"
        )
    return _FORMATS[actual][0], data, payload
