"""The request body: built from the caller's arguments, validated, and encoded as the bytes sent.

One reason to change: what goes into a request body and how it becomes bytes on the wire (as httpx's
``_content.py`` is for httpx).

**Only what the caller set is sent.** The generated body defaults ``width``/``height`` to 512 and would always
send them; here every option left at ``None`` is left out (``UNSET``) and the server applies its own default
(the spec documents 512 for both). A request therefore says exactly what its caller asked for, is smaller,
and does not pin defaults the API may change.

**Validation before any I/O.** Images are turned into data URLs first (``_images``); their errors and every
violation that ``_validation.validate_body`` finds in the body (the only place limits are read, from the
generated table) are raised together, in one :class:`ValidationError` naming the caller's argument names
(``refine_strength``, not ``refineStrength``). Nothing is sent then.

**The payload is spliced, not serialised.** The body is serialised with ``orjson`` (the generated ``api/``
functions send with httpx's ``json=``, stdlib ``json``, many times slower on an image) — except the base64
data URLs the client made itself, which are pieces of their own between the others (:func:`body_pieces`):
the bytes are the same, but neither a joined copy of the payload nor ``orjson.dumps``' worst-case
reservation (~15x a long string) is made. A JPEG given as ``bytes`` is base64-encoded per attempt, so nothing
payload-sized is held while the answer is read. Measurements: ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, Final

import attrs
import orjson
import pybase64

from ._errors import ImageError, ValidationError
from ._images import ImageInput, encode_data_url, image_data_url, image_size, mask_data_url, sniff_format, to_jpeg_bytes
from ._images._exif import orientation
from ._operations import Operation

__all__ = ["AsyncBodyStream", "BodyStream", "RequestBody", "body_pieces", "build_body", "encode_body"]


def _collect_images(
    operation: Operation, image: ImageInput, mask: ImageInput | None
) -> tuple[str, str | None, list[ImageError]]:
    """(image data URL, mask data URL, image errors): both are checked even when the first fails."""
    problems: list[ImageError] = []
    image_url = ""
    size: tuple[int, int] | None = None
    try:
        if operation.name == "inpaint":
            jpeg = to_jpeg_bytes(image, field="image")
            size = image_size(jpeg, field="image")
            image_url = encode_data_url(jpeg)
        else:
            image_url = image_data_url(image, field="image")
    except ImageError as exc:
        problems.append(exc)
    mask_url: str | None = None
    if operation.name == "inpaint":
        if mask is None:
            problems.append(ImageError("mask", None, "required: the inpainting mask, white on black"))
        else:
            try:
                mask_url = mask_data_url(mask, size=size, field="mask")
            except ImageError as exc:
                problems.append(exc)
    return image_url, mask_url, problems


def build_body(
    operation: Operation,
    *,
    image: ImageInput,
    mask: ImageInput | None,
    prompt: str,
    options: Mapping[str, object],
) -> dict[str, Any]:
    """The JSON body (spec names, only what was set), or one error listing every problem. No I/O."""
    from ._generated.models.lcm_generation_style import LcmGenerationStyle
    from ._generated.types import UNSET
    from ._validation import canonical_choice, json_numbers, operation_rule, validate_body

    image_url, mask_url, image_errors = _collect_images(operation, image, mask)
    problems = [violation for error in image_errors for violation in error.violations]
    kwargs: dict[str, Any] = {"width": UNSET, "height": UNSET}
    kwargs.update((name, value) for name, value in options.items() if value is not None)
    raw_style = kwargs.pop("style", None)
    if raw_style is not None:  # any letter case: "cinematic" is sent as "CINEMATIC"
        raw_style = canonical_choice(operation_rule(operation.operation_id)["fields"]["style"], raw_style)
        with contextlib.suppress(ValueError):  # not a style: reported by the validator below
            kwargs["style"] = LcmGenerationStyle(raw_style)
    if operation.name == "inpaint":
        kwargs["mask_data_url"] = mask_url or ""  # "" stands in for a mask already reported above
    body = operation.body_type(image_data_url=image_url, prompt=prompt, **kwargs).to_dict()
    if prompt is None:
        del body["prompt"]  # reported as "required", like any missing field
    if raw_style is not None and "style" not in kwargs:
        body["style"] = raw_style  # not a known style: let the validator say what is allowed
    image_fields = {v.field for v in problems}
    problems.extend(
        v for v in validate_body(operation.operation_id, body, names=operation.names) if v.field not in image_fields
    )
    if problems:
        if len(image_errors) == 1 and len(problems) == len(image_errors[0].violations):
            raise image_errors[0]  # only an image problem: keep its precise type
        raise ValidationError(problems, operation=operation.name)
    return json_numbers(operation.operation_id, body)  # numpy, Decimal, 8.0 for an integer …: plain JSON numbers


@attrs.frozen
class RequestBody:
    """A serialised body in pieces, ``b"".join(pieces()) == orjson.dumps(body)``, sent with an explicit length.

    ``content`` holds the pieces: each data URL the client made itself is a piece of its own, spliced between
    the others, so the payload is never copied into one buffer nor run through ``orjson.dumps``.

    When the image is a JPEG given as ``bytes`` (immutable, and sent as it is), ``jpeg`` holds it and the
    piece at ``jpeg_at`` is only the data URL's prefix: the base64 after it is made for each attempt
    (:meth:`pieces`) and let go once sent, so nothing payload-sized is held while the answer is read.
    """

    content: tuple[bytes, ...] = attrs.field(repr=False)
    jpeg: bytes | None = attrs.field(default=None, repr=False)
    jpeg_at: int = -1
    content_length: int = attrs.field(init=False)

    @content_length.default
    def _length(self) -> int:
        size = sum(map(len, self.content))
        return size if self.jpeg is None else size + 4 * ((len(self.jpeg) + 2) // 3)

    def pieces(self) -> list[bytes]:
        """The body's pieces for one attempt (a new list: the request may drain it)."""
        pieces = list(self.content)
        if self.jpeg is not None:
            pieces.insert(self.jpeg_at + 1, pybase64.b64encode(self.jpeg))
        return pieces


def encode_body(body: dict[str, Any], *, image: ImageInput, mask: ImageInput | None) -> RequestBody:
    """The validated ``body`` as a :class:`RequestBody`; ``body`` loses its data URLs (they are in the pieces)."""
    # A data URL made here (from bytes, a path, a file, a PIL image) is the prefix and base64 only: JSON
    # never escapes those, so it can be spliced in. A caller's own data URL may hold line breaks.
    own = [name for name, given in (("imageDataUrl", image), ("maskDataUrl", mask)) if not _is_data_url(given)]
    content = body_pieces(body, own)
    jpeg, at, content = _defer_jpeg(image, content)
    return RequestBody(content, jpeg, at)


def body_pieces(body: dict[str, Any], spliceable: Iterable[str]) -> tuple[bytes, ...]:
    """``orjson.dumps(body)`` in pieces, the (ASCII) strings of the `spliceable` keys as pieces of their own.

    Only for values that JSON does not escape (a ``data:image/…;base64,`` URL made by the client): the bytes
    are then exactly ``orjson.dumps``' (keys in the body's order do not matter to JSON; the spliced ones come
    first). ``body`` loses those keys.
    """
    pieces: list[bytes] = []
    for name in spliceable:
        value = body.get(name)
        if isinstance(value, str) and value.isascii():
            del body[name]
            pieces += (b',"' if pieces else b'{"', name.encode("ascii"), b'":"', value.encode("ascii"), b'"')
    rest = orjson.dumps(body)
    if not pieces:
        return (rest,)
    pieces.append(b"}" if rest == b"{}" else b"," + rest[1:])
    return tuple(pieces)


def _is_data_url(given: ImageInput | None) -> bool:
    return isinstance(given, str) and given[:5].lower() == "data:"  # the image helpers' rule


_JPEG_URL_PREFIX: Final[bytes] = b"data:image/jpeg;base64,"


def _defer_jpeg(image: ImageInput, content: tuple[bytes, ...]) -> tuple[bytes | None, int, tuple[bytes, ...]]:
    """(the caller's JPEG bytes, index of the data URL's piece, the pieces with that one cut down to the prefix)
    when the base64 can be made again from those bytes for each attempt; else (None, -1, content).

    The image helpers send a JPEG byte-identical, so the piece is the prefix and the base64 of exactly these
    bytes: checked by format and length rather than by a payload-sized comparison."""
    if not isinstance(image, bytes) or len(content) < 5 or content[1] != b"imageDataUrl":
        return None, -1, content
    url = content[3]
    expected = len(_JPEG_URL_PREFIX) + 4 * ((len(image) + 2) // 3)
    # A JPEG with an EXIF orientation is sent turned upright (re-encoded): never the caller's bytes then.
    sent_as_is = sniff_format(image) == "jpeg" and orientation(image, "jpeg") == 1
    if len(url) == expected and url.startswith(_JPEG_URL_PREFIX) and sent_as_is:
        return image, 3, (*content[:3], _JPEG_URL_PREFIX, *content[4:])
    return None, -1, content


class BodyStream:
    """A request body httpx can iterate more than once (not a generator, so no ``StreamConsumed``); each pass
    makes the pieces anew and lets go of each once it is sent."""

    def __init__(self, body: RequestBody) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        pieces = self._body.pieces()
        pieces.reverse()
        while pieces:
            yield pieces.pop()


class AsyncBodyStream:
    """:class:`BodyStream` for ``httpx.AsyncClient`` (async-iterable only, so httpx streams it asynchronously)."""

    def __init__(self, body: RequestBody) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pieces = self._body.pieces()
        pieces.reverse()
        while pieces:
            yield pieces.pop()
