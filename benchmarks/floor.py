"""The floor: the least a hand-written caller can do for one bytes-in → bytes-out round trip.

Build the JSON body as a dict → ``orjson.dumps`` → ``httpx`` POST (``content=``, keep-alive client with the
headers set once) → status check → ``orjson.loads`` → ``pybase64`` decode of the first image. No validation,
no retries, no models. Every other row is reported as a multiple of this one, measured in the same run.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pybase64

PROMPT = "a watercolor fox in a misty forest, soft light"
PATH = "/generations-lcm"
DATA_URL_PREFIX = "data:image/jpeg;base64,"


def request_body(jpeg: bytes, size: int) -> dict[str, Any]:
    """The JSON body every row sends (same fields, same values) for a `size`x`size` generation."""
    return {
        "imageDataUrl": DATA_URL_PREFIX + pybase64.b64encode(jpeg).decode("ascii"),
        "prompt": PROMPT,
        "guidance": 7.0,
        "strength": 0.65,
        "steps": 8,
        "width": size,
        "height": size,
        "seed": 42,
    }


def first_image(payload: bytes) -> bytes:
    """Decode the first data URL of a 200 response body."""
    url: str = orjson.loads(payload)["lcmGenerationJob"]["imageDataUrl"][0]
    return pybase64.b64decode(url[url.index(",") + 1 :], validate=True)


def _check(response: httpx.Response) -> bytes:
    if response.status_code != 200:
        raise RuntimeError(f"floor: HTTP {response.status_code}: {response.content[:200]!r}")
    return response.content


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json", "Accept": "application/json"}


class FloorSync:
    """Sync floor on one keep-alive ``httpx.Client``."""

    is_async = False

    def __init__(self, base_url: str, api_key: str) -> None:
        self._client = httpx.Client(base_url=base_url, headers=_headers(api_key), timeout=30.0)

    def __call__(self, jpeg: bytes, size: int) -> bytes:
        response = self._client.post(PATH, content=orjson.dumps(request_body(jpeg, size)))
        return first_image(_check(response))

    def close(self) -> None:
        self._client.close()


class FloorAsync:
    """Async floor on one keep-alive ``httpx.AsyncClient``."""

    is_async = True

    def __init__(self, base_url: str, api_key: str) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, headers=_headers(api_key), timeout=30.0)

    async def __call__(self, jpeg: bytes, size: int) -> bytes:
        response = await self._client.post(PATH, content=orjson.dumps(request_body(jpeg, size)))
        return first_image(_check(response))

    async def aclose(self) -> None:
        await self._client.aclose()
