"""The one result type of all four operations.

One reason to change: what a caller gets back. The four generated ``*Response200LcmGenerationOutput`` models
share their fields (upscale's adds generation, variation and image ids), so one frozen :class:`RealtimeResult`
serves generate, refine, inpaint and upscale (the ids are empty for the others). It is filled by
``_response.parse_result`` from the generated model and holds decoded image bytes, not data URLs.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import attrs
import httpx

if TYPE_CHECKING:
    from decimal import Decimal

    from PIL import Image

    from ._generated.models.cost_unit import CostUnit
else:  # the signatures still resolve (typing.get_type_hints), importing these then
    from ._lazy import ModuleOnResolve, on_resolve

    Decimal = on_resolve("decimal", "Decimal")
    Image = ModuleOnResolve("PIL.Image")
    CostUnit = on_resolve("leonardo_realtime_client._generated.models.cost_unit", "CostUnit")

__all__ = ["RealtimeResult", "ResultLike"]


class ResultLike(Protocol):
    """What the realtime session and the CLI read from a result (:class:`RealtimeResult` has it all)."""

    @property
    def images(self) -> tuple[bytes, ...]: ...
    @property
    def cost(self) -> Decimal | None: ...
    @property
    def cost_unit(self) -> str | None: ...
    @property
    def api_credit_cost(self) -> int | None: ...
    @property
    def request_timestamp(self) -> str | None: ...
    @property
    def generation_ids(self) -> tuple[str, ...]: ...


_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
    "image/tiff": ".tiff",
}
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_MIME_BY_SUFFIX = {suffix: mime for mime, suffix in _EXTENSIONS.items()} | {".jpeg": "image/jpeg", ".tif": "image/tiff"}


def _unparsed_repr(unparsed: Mapping[str, object]) -> str:
    # Names only: the values are the server's, as sent (and a careless one may have echoed the key into them).
    return f"<{len(unparsed)} field{'s' if len(unparsed) != 1 else ''}: {', '.join(unparsed)}>" if unparsed else "{}"


def _images_repr(images: tuple[bytes, ...]) -> str:
    return f"<{len(images)} image{'s' if len(images) != 1 else ''}, {sum(map(len, images)):,} bytes>"


@attrs.frozen(kw_only=True)
class RealtimeResult:
    """What an operation returned.

    ``images`` are the decoded bytes of the returned ``imageDataUrl`` list (``image`` is the first);
    ``mime_types`` their media types. ``cost``/``cost_unit`` is the preferred price; ``api_credit_cost``
    is the deprecated integer field, kept as the API sends it. ``generation_ids``, ``variation_ids`` and
    ``generated_image_id`` are filled for upscale. ``http_response`` is the raw response (headers, timing);
    its request's ``Authorization`` header is redacted.
    """

    operation: str
    """``"generate"``, ``"refine"``, ``"inpaint"`` or ``"upscale"``."""
    images: tuple[bytes, ...] = attrs.field(repr=_images_repr)
    mime_types: tuple[str, ...]
    request_timestamp: str | None = None
    """Echo of the ``request_timestamp`` sent (the realtime canvas uses it to match answers to requests)."""
    cost: Decimal | None = None
    cost_unit: CostUnit | str | None = None
    """``CostUnit.CREDITS`` or ``CostUnit.DOLLARS`` (a ``str`` enum); a unit the spec does not list is kept as the
    plain string the server sent (and noted in ``warnings``)."""
    api_credit_cost: int | None = None
    """Deprecated by the API in favour of ``cost``."""
    generation_ids: tuple[str, ...] = ()
    variation_ids: tuple[str, ...] = ()
    generated_image_id: str | None = None
    request_id: str | None = None
    """The request id the server sent (``x-request-id``, ``request-id``, ``x-amzn-requestid``, ``x-amz-cf-id`` or
    ``cf-ray``, the first present): quote it when reporting a problem."""
    unparsed: Mapping[str, object] = attrs.field(factory=dict, repr=_unparsed_repr, eq=False)
    """Metadata the client could not read into the attributes above, raw by JSON name: a field of an unexpected
    type or value (its attribute is then ``None``, or the raw string for an unknown cost unit) or one the spec
    does not list. The images are never held back over metadata."""
    warnings: tuple[str, ...] = attrs.field(default=(), eq=False)
    """One line per entry of ``unparsed``, saying what was unexpected (also logged at WARNING)."""
    attempts: int = attrs.field(default=1, eq=False)
    """HTTP attempts the call took (1 without retries)."""
    possibly_billed_attempts: int = attrs.field(default=0, eq=False)
    """Earlier attempts of this call whose outcome was unknown (they may have been processed and billed too,
    besides the one that succeeded); only possible with ``RetryPolicy(retry_unknown_outcome=True)``."""
    http_response: httpx.Response | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def image(self) -> bytes:
        """The first image (a result always has at least one)."""
        return self.images[0]

    def _checked_index(self, index: int) -> int:
        if not -len(self.images) <= index < len(self.images):
            raise IndexError(f"index={index}: this result has {len(self.images)} image(s)")
        return index

    def save(self, path: str | os.PathLike[str], index: int = 0) -> Path:
        """Write image ``index`` and return the path written.

        The bytes are written as they came (no re-encoding) when the suffix fits their format or is unknown;
        a suffix of another image format (``out.png`` for a JPEG) is honoured by converting with Pillow.
        An existing directory gets ``<generated_image_id or operation>-<index><ext>`` inside it (the server's id
        only when it is a plain file name); a path without a suffix gets the image's own (``.jpg`` …). Parent
        directories are created.

        Args:
            path: A file (its suffix picks the format) or an existing directory.
            index: Which image (default 0, the first; negative counts from the end).

        Returns:
            The path written (``path`` itself, or the file chosen inside the directory or with the suffix added).

        Raises:
            IndexError: The result has no image ``index``.
            APIResponseError: A conversion was asked for and the image cannot be decoded or written in that format.
            ImportError: A conversion needs Pillow and it is not installed (the ``[pillow]`` extra).
            OSError: The file cannot be written.
        """
        index = self._checked_index(index) % len(self.images)
        data = self.images[index]
        mime = self.mime_types[index]
        target = Path(path)
        if target.is_dir():
            # The id comes from the server: it names the file only when it is a plain name (a UUID).
            given = self.generated_image_id or ""
            stem = given if _PLAIN_NAME.fullmatch(given) else self.operation
            target = target / f"{stem}-{index}{_EXTENSIONS.get(mime, '.img')}"
        elif not target.suffix:
            target = target.with_suffix(_EXTENSIONS.get(mime, ".img"))
        target.parent.mkdir(parents=True, exist_ok=True)
        wanted = _MIME_BY_SUFFIX.get(target.suffix.lower())
        if wanted is None or wanted == mime:
            target.write_bytes(data)
            return target
        image = self.to_pil(index)
        from PIL import Image

        try:
            with corrupt_exif_ignored():
                if wanted == "image/jpeg" and image.mode not in ("RGB", "L", "CMYK"):
                    image = image.convert("RGB")
                out = io.BytesIO()
                image.save(out, format=Image.registered_extensions()[target.suffix.lower()])
        except (OSError, ValueError, KeyError, SyntaxError) as exc:  # Pillow's encoders; the file is not touched
            raise self._image_error(index, f"cannot be written as {target.suffix}", exc) from exc
        target.write_bytes(out.getbuffer())
        return target

    def to_pil(self, index: int = 0) -> Image.Image:
        """Image ``index`` as a loaded ``PIL.Image.Image`` (needs Pillow: the ``[pillow]`` extra).

        Args:
            index: Which image (default 0, the first; negative counts from the end).

        Returns:
            The decoded image, loaded (its file is not kept open).

        Raises:
            APIResponseError: Pillow cannot open the image, it is cut short, or it is above
                :data:`MAX_IMAGE_PIXELS` (refused before it is decoded); never one of Pillow's own exceptions.
            IndexError: The result has no image ``index``.
            ImportError: Pillow is not installed (the ``[pillow]`` extra).
        """
        data = self.images[self._checked_index(index)]
        try:
            from PIL import Image  # optional, and slow to import
        except ImportError as exc:
            raise ImportError(
                "to_pil() needs Pillow: pip install 'leonardo-realtime-client[pillow]' (save() works without it)"
            ) from exc
        from ._images import MAX_IMAGE_PIXELS

        try:
            with corrupt_exif_ignored():
                image = Image.open(io.BytesIO(data))  # in memory: nothing to close
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(
                        f"{width}x{height} = {width * height:,} pixels, more than MAX_IMAGE_PIXELS = "
                        f"{MAX_IMAGE_PIXELS:,}"
                    )
                image.load()
        except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            raise self._image_error(index, "cannot be opened", exc) from exc
        return image

    def _image_error(self, index: int, what: str, exc: BaseException) -> Exception:
        from ._errors import APIResponseError

        detail = str(exc) or type(exc).__name__
        return APIResponseError(
            f"{self.operation} result image {index} ({self.mime_types[index]}, {len(self.images[index]):,} bytes) "
            f"{what}: {type(exc).__name__}: {detail}",
            response=self.http_response,
        )


@contextlib.contextmanager
def corrupt_exif_ignored() -> Iterator[None]:
    """Pillow's "Corrupt EXIF data" ``UserWarning``, raised while it opens a JPEG whose EXIF segment is damaged, is
    not passed on: the pixels are fine, and under ``-W error`` (or pytest's ``filterwarnings = error``) the warning
    left ``to_pil()`` and ``save()`` as an untyped exception."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Corrupt EXIF data", category=UserWarning)
        yield
