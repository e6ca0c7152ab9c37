"""Results saved by the server, and image references: a file path, a data URL or the id of an earlier result.

Every image a tool returns is written to the output folder (atomically, never over an existing file) and gets an
id (``generate-1``, ``refine-2`` …; the n-th image of one answer ``generate-1.n``); a later call may name it
instead of passing bytes. Ids live as long as the server; the files stay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import attrs

from .._cli._files import write_atomic
from .._errors import ImageError
from .._images import image_size, sniff_format

__all__ = ["ResultStore", "SavedImage"]

_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "gif": ".gif", "bmp": ".bmp", "tiff": ".tiff"}


@attrs.frozen
class SavedImage:
    """One returned image: its id, where it was written, its sniffed media type and size."""

    id: str
    path: Path
    mime_type: str
    width: int | None
    height: int | None
    size_bytes: int

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "path": str(self.path),
            "mime_type": self.mime_type,
            "width": self.width,
            "height": self.height,
            "size_bytes": self.size_bytes,
        }


def _now() -> datetime:
    return datetime.now(UTC)


class ResultStore:
    """Saves returned images under ``folder`` and finds them again by id."""

    def __init__(self, folder: Path, *, clock: Callable[[], datetime] = _now) -> None:
        self.folder = folder
        self._run = clock().strftime("%Y%m%d-%H%M%S")
        self._counts: dict[str, int] = {}
        self._by_id: dict[str, SavedImage] = {}

    def save(self, operation: str, images: tuple[bytes, ...]) -> list[SavedImage]:
        """Write each image (media type sniffed from its bytes, never assumed) and give it an id."""
        self._counts[operation] = number = self._counts.get(operation, 0) + 1
        base = f"{operation}-{number}"
        saved: list[SavedImage] = []
        for index, data in enumerate(images):
            image_id = base if index == 0 else f"{base}.{index + 1}"
            fmt = sniff_format(data)
            if fmt is None:
                raise ImageError("result", data, "the API returned bytes that are no known image format")
            width: int | None
            height: int | None
            try:
                width, height = image_size(data, field="result")
            except ImageError:
                width = height = None
            path = self._write(image_id, _EXTENSIONS.get(fmt, f".{fmt}"), data)
            item = SavedImage(image_id, path, f"image/{fmt}", width, height, len(data))
            self._by_id[image_id] = item
            saved.append(item)
        return saved

    def _write(self, image_id: str, suffix: str, data: bytes) -> Path:
        for attempt in range(1, 1000):
            extra = "" if attempt == 1 else f"-{attempt}"
            path = self.folder / f"{self._run}-{image_id}{extra}{suffix}"
            try:
                write_atomic(path, data, overwrite=False)
            except FileExistsError:
                continue  # another server run in the same second: never replace its file
            return path
        raise FileExistsError(f"no free file name for {image_id} in {self.folder}")

    def get(self, image_id: str) -> SavedImage | None:
        return self._by_id.get(image_id)

    def ids(self) -> list[str]:
        return list(self._by_id)

    def resolve(self, value: str) -> str | Path:
        """What the client should read for an image argument: a data URL as given, a result's file, or a path."""
        if value[:5].lower() == "data:":
            return value
        saved = self._by_id.get(value.strip())
        if saved is not None:
            return saved.path
        return Path(value).expanduser()
