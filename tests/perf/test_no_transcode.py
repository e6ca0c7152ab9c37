"""A JPEG given as bytes or as a path is never decoded or re-encoded on the way out.

Pillow is made unusable for the duration of each call (any import of ``PIL`` fails, and every entry point of
an already-imported Pillow raises), the call goes through the public client over ``httpx.MockTransport``, and
the request body must carry the caller's bytes, byte for byte; the reply's JPEG comes back byte for byte too.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pybase64
import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, ImageError, RealtimeCanvas

BASE_URL = "https://canvas.test/api/rest/v1"
PREFIX = "data:image/jpeg;base64,"


def _jpeg(size: int, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture(scope="module")
def jpeg_in() -> bytes:
    return _jpeg(512, (200, 40, 90))


@pytest.fixture(scope="module")
def jpeg_out() -> bytes:
    return _jpeg(512, (10, 160, 220))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class PillowUsed(AssertionError):
    pass


@pytest.fixture
def no_pillow(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Make every way into Pillow fail; yields the list of attempts (must stay empty)."""
    attempts: list[str] = []

    def forbid(name: str) -> Callable[..., Any]:
        def boom(*args: object, **kwargs: object) -> Any:
            attempts.append(name)
            raise PillowUsed(f"Pillow was used: {name}")

        return boom

    if "PIL.Image" in sys.modules:  # already imported by another test: poison what decoding/encoding goes through
        from PIL import Image, ImageFile

        for owner, attr in (
            (Image, "open"),
            (Image, "new"),
            (Image, "frombytes"),
            (Image, "frombuffer"),
            (Image.Image, "save"),
            (Image.Image, "convert"),
            (Image.Image, "tobytes"),
            (Image.Image, "load"),
            (ImageFile.ImageFile, "load"),
        ):
            monkeypatch.setattr(owner, attr, forbid(f"{owner.__name__}.{attr}"))
    for name in [m for m in sys.modules if m == "PIL" or m.startswith("PIL.")] + ["PIL", "PIL.Image"]:
        monkeypatch.setitem(sys.modules, name, None)  # `import PIL…` now raises ImportError
    yield attempts
    assert attempts == []


def _handler(seen: list[dict[str, Any]], jpeg_out: bytes) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(orjson.loads(request.content))
        job = {"imageDataUrl": [PREFIX + pybase64.b64encode(jpeg_out).decode()], "requestTimestamp": "1"}
        return httpx.Response(200, json={"lcmGenerationJob": job})

    return handle


def _sent_image(body: dict[str, Any]) -> bytes:
    url = body["imageDataUrl"]
    assert url.startswith(PREFIX)
    return pybase64.b64decode(url[len(PREFIX) :], validate=True)


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "str path", "Path", "file object"])
def test_sync_jpeg_goes_out_byte_identical(
    kind: str, tmp_path: Path, jpeg_in: bytes, jpeg_out: bytes, no_pillow: list[str]
) -> None:
    path = tmp_path / "in.jpg"
    path.write_bytes(jpeg_in)
    image: Any = {
        "bytes": jpeg_in,
        "bytearray": bytearray(jpeg_in),
        "memoryview": memoryview(jpeg_in),
        "str path": str(path),
        "Path": path,
        "file object": io.BytesIO(jpeg_in),
    }[kind]
    seen: list[dict[str, Any]] = []
    transport = httpx.MockTransport(_handler(seen, jpeg_out))
    with RealtimeCanvas(api_key="k", base_url=BASE_URL, transport=transport, max_retries=0) as client:
        result = client.generate(image, prompt="a fox", width=512, height=512)
    assert len(seen) == 1
    assert _sent_image(seen[0]) == jpeg_in
    assert result.image == jpeg_out
    assert no_pillow == []


@pytest.mark.parametrize("method", ["generate", "refine", "upscale"])
def test_every_single_image_operation_sends_the_jpeg_unchanged(
    method: str, jpeg_in: bytes, jpeg_out: bytes, no_pillow: list[str]
) -> None:
    seen: list[dict[str, Any]] = []
    transport = httpx.MockTransport(_handler(seen, jpeg_out))
    with RealtimeCanvas(api_key="k", base_url=BASE_URL, transport=transport, max_retries=0) as client:
        result = getattr(client, method)(jpeg_in, prompt="a fox")
    assert _sent_image(seen[0]) == jpeg_in
    assert result.images == (jpeg_out,)


@pytest.mark.anyio
async def test_async_jpeg_goes_out_byte_identical(
    tmp_path: Path, jpeg_in: bytes, jpeg_out: bytes, no_pillow: list[str]
) -> None:
    path = tmp_path / "in.jpg"
    path.write_bytes(jpeg_in)
    seen: list[dict[str, Any]] = []
    transport = httpx.MockTransport(_handler(seen, jpeg_out))
    async with AsyncRealtimeCanvas(api_key="k", base_url=BASE_URL, transport=transport, max_retries=0) as client:
        from_bytes = await client.generate(jpeg_in, prompt="a fox", width=512, height=512)
        from_path = await client.generate(path, prompt="a fox", width=512, height=512)
    assert [_sent_image(body) for body in seen] == [jpeg_in, jpeg_in]
    assert from_bytes.image == from_path.image == jpeg_out


@pytest.fixture(scope="module")
def png_in() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def test_the_guard_catches_a_transcode(png_in: bytes, jpeg_out: bytes, no_pillow: list[str]) -> None:
    """The guard really bites: a valid PNG, which has to be transcoded, cannot get through it."""
    seen: list[dict[str, Any]] = []
    transport = httpx.MockTransport(_handler(seen, jpeg_out))
    with (
        RealtimeCanvas(api_key="k", base_url=BASE_URL, transport=transport, max_retries=0) as client,
        pytest.raises((PillowUsed, ImageError)) as caught,
    ):
        client.generate(png_in, prompt="a fox")
    assert seen == []  # nothing was sent
    if isinstance(caught.value, ImageError):  # Pillow could not even be imported
        assert "pillow" in str(caught.value).lower()
    no_pillow.clear()
