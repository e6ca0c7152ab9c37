"""The request body: built from the caller's arguments, validated, and encoded as the bytes sent.

One reason to change: what goes into a request body and how it becomes bytes on the wire (as httpx's
``_content.py`` is for httpx).

**Only what the caller set is sent.** The body is built straight from the arguments under the spec's JSON
names (the operation table's ``names``, the generated constraints'), leaving out every option left at
``None``: the server applies its own defaults (the spec documents 512 for width and height), so a request says
exactly what its caller asked for and does not pin defaults the API may change.

**Validation before any I/O.** Each image is read and checked first (``_images``); its errors and every
violation that ``_validation.validate_body`` finds in the other fields (the only place limits are read, from
the generated table) are raised together, in one :class:`ValidationError` naming the caller's argument names
(``refine_strength``, not ``refineStrength``). Nothing is sent then.

**One direction, three pieces.** Each image is read and sniffed once per call. The body is made of three
pieces with an explicit ``Content-Length``: everything before the image's base64 (the other fields serialised
by ``orjson``, then ``"imageDataUrl":"data:image/jpeg;base64,``), the base64 itself, and the rest (the mask's
data URL for inpainting, ``"}``). The image's base64 is made once per attempt, straight from the JPEG bytes,
and let go once sent, so nothing payload-sized is held while the answer is read; the payload is never run
through ``orjson.dumps`` (which reserves ~15 times a long string's length). A body of at most
:data:`JOIN_LIMIT` (1 MiB: every realtime frame up to 1024 px and beyond) is joined into one buffer and goes
out in one write after the headers, as a hand-written call's does: the copy costs a few microseconds, each
extra write more. A larger body goes out piece by piece, never copied into a joined buffer. Measurements:
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator, Mapping
from enum import Enum
from typing import Any, Final

import httpx
import orjson
import pybase64

from ._errors import ImageError, ValidationError, Violation
from ._images import JPEG_DATA_URL_PREFIX, ImageInput, image_size, jpeg_for_request, mask_data_url
from ._operations import IMAGE_ARGUMENTS, Operation

__all__ = ["JOIN_LIMIT", "AsyncBodyStream", "BodyStream", "RequestBody", "build_body"]

JOIN_LIMIT: Final = 1024 * 1024
"""The largest body (bytes) sent as one joined buffer; a larger one goes out as its three pieces."""

_JPEG_URL_PREFIX: Final = JPEG_DATA_URL_PREFIX.encode("ascii")
_IMAGE_KEY: Final = b'"imageDataUrl":"'
_MASK_KEY: Final = b'","maskDataUrl":"'


@dataclasses.dataclass(frozen=True, slots=True)  # not attrs: the clients' import does not load attrs
class RequestBody:
    """A request body as the three pieces sent, ``head + base64 + tail``, and its ``Content-Length``.

    ``image`` is the JPEG whose base64 :meth:`pieces` makes for each attempt (then ``head`` ends with the
    ``data:image/jpeg;base64,`` prefix), or, when ``encoded``, the caller's own JPEG data URL as ASCII bytes,
    sent as it is. ``fields`` are the other fields (spec names, plain JSON values), kept for the debug log.
    """

    head: bytes
    image: bytes = dataclasses.field(repr=False)
    encoded: bool
    tail: bytes = dataclasses.field(repr=False)
    fields: Mapping[str, Any] = dataclasses.field(repr=False)
    content_length: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        image = len(self.image) if self.encoded else 4 * ((len(self.image) + 2) // 3)
        object.__setattr__(self, "content_length", len(self.head) + image + len(self.tail))

    def pieces(self) -> list[bytes]:
        """The body's pieces for one attempt (a new list: the request drains it): one joined piece up to
        :data:`JOIN_LIMIT`, else the three."""
        pieces = [self.head, self.image if self.encoded else pybase64.b64encode(self.image), self.tail]
        return [b"".join(pieces)] if self.content_length <= JOIN_LIMIT else pieces

    def stream(self, *, asynchronous: bool) -> BodyStream | AsyncBodyStream:
        """What one attempt sends: the pieces, each let go once sent (see :class:`BodyStream`)."""
        return AsyncBodyStream(self) if asynchronous else BodyStream(self)

    def for_log(self) -> dict[str, Any]:
        """The body as a dict, data URLs whole (for the debug log, which shortens them; costs an encode)."""
        image = self.image if self.encoded else _JPEG_URL_PREFIX + pybase64.b64encode(self.image)
        mask = orjson.loads(b"{" + self.tail[2:]) if len(self.tail) > 2 else {}  # '","maskDataUrl":"…"}'
        return {**self.fields, "imageDataUrl": image.decode("ascii"), **mask}


def build_body(
    operation: Operation,
    *,
    image: ImageInput,
    mask: ImageInput | None,
    prompt: str,
    options: Mapping[str, object],
    shrink_inputs: bool = False,
) -> RequestBody:
    """The body to send (spec names, only what was set), or one error listing every problem. No I/O.

    ``shrink_inputs``: the image (and the mask) of generate, refine and inpaint are sent shrunk to cover the
    requested output when larger (``_images._shrink``)."""
    from ._validation import canonical_choice, json_numbers, operation_rule, plain_body, validate_body

    arguments = {"prompt": prompt, **options}
    given: dict[str, Any] = {}
    for json_name, name in operation.names.items():
        value = arguments.get(name)
        if value is not None and json_name not in IMAGE_ARGUMENTS:
            given[json_name] = value.value if isinstance(value, Enum) else value  # a style as its name
    images = IMAGE_ARGUMENTS.keys() & operation.names.keys()
    fields = plain_body(operation.operation_id, given, given=images)
    problems: list[Violation] = []
    if fields is None:  # not plainly valid: judged, converted and named the full way
        rules = operation_rule(operation.operation_id)["fields"]
        # any letter case: sent as the spec spells it
        given = {json_name: canonical_choice(rules[json_name], value) for json_name, value in given.items()}
        placeholders = dict.fromkeys(images, "")  # the images are checked by _read_images
        problems = [
            v
            for v in validate_body(operation.operation_id, {**given, **placeholders}, names=operation.names)
            if v.field not in IMAGE_ARGUMENTS.values()
        ]
        if not problems:
            fields = json_numbers(operation.operation_id, given)  # numpy, Decimal, 8.0 for an integer …: plain JSON
    fit = _output_size(operation, fields) if shrink_inputs and fields is not None else None
    jpeg, url, mask_url, image_errors = _read_images(operation, image, mask, fit)
    if image_errors or problems:
        if len(image_errors) == 1 and not problems:
            raise image_errors[0]  # only an image problem: keep its precise type
        found = [violation for error in image_errors for violation in error.violations]
        raise ValidationError([*found, *problems], operation=operation.name)
    assert fields is not None
    rest = orjson.dumps(fields)
    head = rest[:-1] + (b"," if fields else b"") + _IMAGE_KEY
    tail = b'"}' if mask_url is None else _MASK_KEY + mask_url.encode("ascii") + b'"}'
    if url is not None:
        return RequestBody(head, url.encode("ascii"), True, tail, fields)
    return RequestBody(head + _JPEG_URL_PREFIX, jpeg, False, tail, fields)


_SHRINKS: Final = frozenset({"generate", "refine", "inpaint"})
"""The operations whose input ``shrink_inputs`` may shrink (upscale's input is the picture to enlarge)."""


def _output_size(operation: Operation, fields: Mapping[str, Any]) -> tuple[int, int] | None:
    """The output size a call asks for (the spec's default for a side not given), for ``shrink_inputs``."""
    if operation.name not in _SHRINKS:
        return None
    from ._validation import operation_rule

    rules = operation_rule(operation.operation_id)["fields"]
    sides = [fields.get(side, rules[side]["default"]) if side in rules else None for side in ("width", "height")]
    width, height = sides
    return (width, height) if isinstance(width, int) and isinstance(height, int) else None


def _read_images(
    operation: Operation, image: ImageInput, mask: ImageInput | None, fit: tuple[int, int] | None = None
) -> tuple[bytes, str | None, str | None, list[ImageError]]:
    """(image JPEG, the caller's JPEG data URL, mask data URL, image errors): both images are checked even
    when the first fails. Data URLs from ``_images`` are plain ASCII that JSON never escapes. ``fit``: the
    output size an image larger than it is shrunk to cover (``shrink_inputs``), the mask with it."""
    problems: list[ImageError] = []
    jpeg, url, size, sent = b"", None, None, None
    inpaint = operation.name == "inpaint"
    try:
        jpeg, url, size = jpeg_for_request(image, field="image", size=inpaint, fit=fit)
        if inpaint and fit is not None and url is None:
            sent = image_size(jpeg)  # the size it goes out at: the mask is scaled to it
    except ImageError as exc:
        problems.append(exc)
    mask_url: str | None = None
    if operation.name == "inpaint":
        if mask is None:
            problems.append(ImageError("mask", None, "required: the inpainting mask, white on black"))
        else:
            try:
                mask_url = mask_data_url(mask, size=size, field="mask", scale_to=sent)
            except ImageError as exc:
                problems.append(exc)
    return jpeg, url, mask_url, problems


class BodyStream(httpx.SyncByteStream):
    """A request body httpx can iterate more than once (not a generator, so no ``StreamConsumed``); each pass
    makes the pieces anew and lets go of each once it is sent, so nothing payload-sized is held while the answer
    is read (the request is kept by the response)."""

    def __init__(self, body: RequestBody) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        pieces = self._body.pieces()
        pieces.reverse()
        while pieces:
            yield pieces.pop()


class AsyncBodyStream(httpx.AsyncByteStream):
    """:class:`BodyStream` for ``httpx.AsyncClient`` (async-iterable only, so httpx streams it asynchronously)."""

    def __init__(self, body: RequestBody) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pieces = self._body.pieces()
        pieces.reverse()
        while pieces:
            yield pieces.pop()
