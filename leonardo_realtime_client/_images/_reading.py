"""Reading inputs: bytes, paths, file objects, PIL images and data URLs, each bounded by the byte cap."""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .._errors import ImageError
from ._common import _FORMATS, _INPUTS_TEXT, _JPEG_PREFIX, MAX_IMAGE_BYTES, Buffer, ImageInput, _check_bytes
from ._data_urls import _decode_data_url
from ._headers import _text_hint, _urlsafe_note, base64_image

if TYPE_CHECKING:
    from PIL import Image as PILImage

_BASE64ISH: Final = re.compile(r"[A-Za-z0-9+/=_\-\s]{64,}")


def _read_input(image: ImageInput, field: str) -> tuple[Buffer | None, PILImage.Image | None, str | None]:
    """``(encoded bytes, PIL image, clean JPEG data URL)`` - exactly one of the first two is set.

    The data URL is set only when the input was a data URL holding a JPEG, so that it can go out unchanged.
    """
    if isinstance(image, bytes | bytearray):
        _check_bytes(len(image), field, image)
        return image, None, None
    if isinstance(image, memoryview):
        if not image.c_contiguous:
            image = memoryview(image.tobytes())
        flat = image.cast("B") if image.format != "B" or image.ndim != 1 else image
        _check_bytes(flat.nbytes, field, image)
        return flat, None, None
    if isinstance(image, str) and image[:5].lower() == "data:":
        mime, data, payload = _decode_data_url(image, field)
        if mime != "image/jpeg":
            return data, None, None
        url = image if len(payload) + len(_JPEG_PREFIX) == len(image) and image.startswith(_JPEG_PREFIX) else None
        return data, None, url or _JPEG_PREFIX + payload
    if isinstance(image, str | os.PathLike):
        return _read_path(image, field), None, None
    pil = sys.modules.get("PIL.Image")
    if pil is not None and isinstance(image, pil.Image):
        return None, image, None
    if callable(getattr(image, "read", None)):
        return _read_file_object(image, field), None, None
    raise ImageError(field, image, f"unsupported type {type(image).__name__}; expected {_INPUTS_TEXT}")


def _read_path(path: str | os.PathLike[str], field: str) -> bytes:
    text = os.fsdecode(path)  # a PathLike[bytes] works too
    hint = _path_hint(text)
    if len(text) > _PATH_MAX and hint:  # no file can have this name: say what it is without asking the OS
        raise ImageError(field, path, hint)
    lead = f"{hint}; " if hint else ""
    file = Path(text)
    try:
        if not file.is_file():
            problem = "not a regular file" if file.exists() else "no such file"
            raise ImageError(field, path, f"{lead}{problem}" if hint else f"{problem}; expected {_INPUTS_TEXT}")
        size = file.stat().st_size
        _check_bytes(size, field, path)
        with file.open("rb") as fh:
            # Read what stat() promised (+1 to see growth), not the cap: read(n) reserves n bytes up front.
            data = fh.read(size + 1)
            if len(data) > size:  # the file grew after stat(): read on, still bounded by the cap
                data += fh.read(MAX_IMAGE_BYTES + 1 - len(data))
    except ImageError:
        raise
    except (OSError, ValueError) as exc:  # permissions, name too long, embedded NUL …
        # The OS error's text quotes the whole "file name" (a 1.4 MB base64 string, say): never put it in.
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)[:120]
        raise ImageError(field, path, f"{lead}cannot read the file: {exc.__class__.__name__}: {reason}") from None
    _check_bytes(len(data), field, path)  # the file grew after stat()
    return data


_PATH_MAX: Final = 4096
"""Longer than any path Linux, macOS or Windows accepts."""


def _path_hint(text: str) -> str:
    """What a string that names no file probably is, and what to pass instead ("" when nothing is known)."""
    if text.lower().startswith(("http://", "https://")):
        return "URLs are not fetched: download the image and pass its bytes or path"
    encoded = base64_image(text[:128].encode("ascii", "replace")) if len(text) >= 64 else None
    if encoded is not None:
        mime = _FORMATS[encoded][0]
        return (
            f"this is base64 text of a {encoded.upper()} image, not a file name: pass it as a data URL: "
            f"'data:{mime};base64,' + text{_urlsafe_note(text)}"
        )
    found = _text_hint(text[:256], "this text")
    if found:
        return found
    if len(text) >= 100 and _BASE64ISH.fullmatch(text[:4096]):
        return "if this is base64, pass it as a data URL: 'data:image/jpeg;base64,' + text"
    return ""


_READ_CHUNK: Final = 1 << 20


def _remaining(fileobj: Any) -> int | None:
    """Bytes left in a seekable regular file or BytesIO, or ``None`` when that cannot be known cheaply."""
    try:
        if isinstance(fileobj, io.BytesIO):
            return fileobj.getbuffer().nbytes - fileobj.tell()
        info = os.fstat(fileobj.fileno())
        return info.st_size - fileobj.tell() if stat.S_ISREG(info.st_mode) else None
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def _read_bounded(fileobj: Any) -> Any:
    """Read to EOF, but never more than the cap + 1 bytes, and never reserve the cap up front
    (``read(n)`` allocates ``n`` bytes before reading)."""
    hint = _remaining(fileobj)
    first = fileobj.read(min(MAX_IMAGE_BYTES, hint) + 1 if hint is not None else _READ_CHUNK)
    if not isinstance(first, bytes | bytearray) or (hint is not None and len(first) <= hint) or not first:
        return first  # all of it (or something read() should not return: reported by the caller)
    chunks = [first]
    total = len(first)
    while total <= MAX_IMAGE_BYTES:
        chunk = fileobj.read(min(_READ_CHUNK, MAX_IMAGE_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _read_file_object(fileobj: Any, field: str) -> Buffer:
    try:
        data = _read_bounded(fileobj)
    except (OSError, ValueError) as exc:
        raise ImageError(field, fileobj, f"cannot read the file object: {exc.__class__.__name__}: {exc}") from None
    if isinstance(data, str):
        raise ImageError(field, fileobj, "file object is in text mode; open the image with mode 'rb'")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageError(field, fileobj, f"file object's read() returned {type(data).__name__}, expected bytes")
    _check_bytes(len(data), field, fileobj)
    return data
