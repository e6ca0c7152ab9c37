"""Reading paths and file objects: whole, bounded by the cap, and without reserving the cap up front."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest

from leonardo_realtime_client import ImageError, _images
from leonardo_realtime_client._images import to_jpeg_bytes

from .helpers import encode


def jpeg_bytes(width: int, height: int) -> bytes:
    """A noisy JPEG (noise does not compress, so the file is a few bytes per pixel)."""
    from PIL import Image

    return encode(Image.effect_noise((width, height), 80).convert("RGB"), "JPEG", quality=95)


class Trickle:
    """A file object that returns at most 1,000 bytes per read(), like a pipe or a socket."""

    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(1000 if size < 0 else min(size, 1000))


def _peak(call: object) -> int:
    assert callable(call)
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["path", "file", "bytesio"])
def test_a_jpeg_is_read_whole_with_a_peak_near_its_size(tmp_path: Path, kind: str) -> None:
    data = jpeg_bytes(256, 256)
    path = tmp_path / "in.jpg"
    path.write_bytes(data)

    def read() -> None:
        if kind == "path":
            assert to_jpeg_bytes(path) == data
            return
        with path.open("rb") if kind == "file" else io.BytesIO(data) as source:
            assert to_jpeg_bytes(source) == data

    # read(MAX_IMAGE_BYTES + 1) would reserve 20 MiB for this small file.
    assert _peak(read) < 4 * len(data) + 64 * 1024


def test_a_trickling_file_object_is_read_to_the_end() -> None:
    data = jpeg_bytes(128, 96)
    assert len(data) > 3000
    assert to_jpeg_bytes(Trickle(data)) == data  # type: ignore[arg-type]


def test_a_trickling_file_object_is_stopped_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    for part in (_images._common, _images._reading):  # the cap and the bounded reader both look it up
        monkeypatch.setattr(part, "MAX_IMAGE_BYTES", 2000)
    with pytest.raises(ImageError) as caught:
        to_jpeg_bytes(Trickle(jpeg_bytes(128, 96)))  # type: ignore[arg-type]
    assert caught.value.violations[0].field == "image"
    assert "2000" in str(caught.value) or "2,000" in str(caught.value)
