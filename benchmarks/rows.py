"""Every benchmarked way of doing the same round trip: JPEG bytes in → first output JPEG's bytes out.

All rows send the same fields (`floor.request_body`) to the same server and return the decoded bytes of the
first image, so their costs compare like for like. A row whose library is missing is skipped with the reason.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import pybase64

from .floor import DATA_URL_PREFIX, PATH, PROMPT, FloorAsync, FloorSync, request_body
from .lean import LeanAsync, LeanSync


class SyncCall(Protocol):
    is_async: bool

    def __call__(self, jpeg: bytes, size: int) -> bytes: ...

    def close(self) -> None: ...


class AsyncCall(Protocol):
    is_async: bool

    async def __call__(self, jpeg: bytes, size: int) -> bytes: ...

    async def aclose(self) -> None: ...


Call = SyncCall | AsyncCall


@dataclass(frozen=True)
class RowSpec:
    key: str
    """Stable id used in results.json, e.g. "ours-sync"."""
    label: str
    """What the table shows."""
    group: str
    """"floor", "lean", "ours", "generated", "sdk" or "stdlib"."""
    is_async: bool
    factory: Callable[[str, str], Call]
    """(base_url, api_key) → a ready call object. Raises ImportError when its library is missing."""

    @property
    def floor_key(self) -> str:
        return "floor-async" if self.is_async else "floor-sync"


def _decode_first(url: str) -> bytes:
    return pybase64.b64decode(url[url.index(",") + 1 :], validate=True)


# --- stdlib json + base64 (what the floor saves over the obvious code) ---------------------------------------


class StdlibSync:
    is_async = False

    def __init__(self, base_url: str, api_key: str) -> None:
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._client = httpx.Client(base_url=base_url, headers=headers, timeout=30.0)

    def __call__(self, jpeg: bytes, size: int) -> bytes:
        body = request_body(b"", size)
        body["imageDataUrl"] = DATA_URL_PREFIX + base64.b64encode(jpeg).decode("ascii")
        response = self._client.post(PATH, content=json.dumps(body).encode())
        response.raise_for_status()
        url: str = json.loads(response.content)["lcmGenerationJob"]["imageDataUrl"][0]
        return base64.b64decode(url[url.index(",") + 1 :], validate=True)

    def close(self) -> None:
        self._client.close()


# --- this package's clients ----------------------------------------------------------------------------------


def _ours_kwargs(size: int) -> dict[str, Any]:
    return {"prompt": PROMPT, "guidance": 7.0, "strength": 0.65, "steps": 8, "width": size, "height": size, "seed": 42}


class OursSync:
    is_async = False

    def __init__(self, base_url: str, api_key: str) -> None:
        from leonardo_realtime_client import RealtimeCanvas

        self._client = RealtimeCanvas(api_key=api_key, base_url=base_url, allow_insecure_http=True)

    def __call__(self, jpeg: bytes, size: int) -> bytes:
        return self._client.generate(jpeg, **_ours_kwargs(size)).image

    def close(self) -> None:
        self._client.close()


class OursAsync:
    is_async = True

    def __init__(self, base_url: str, api_key: str) -> None:
        from leonardo_realtime_client import AsyncRealtimeCanvas

        self._client = AsyncRealtimeCanvas(api_key=api_key, base_url=base_url, allow_insecure_http=True)

    async def __call__(self, jpeg: bytes, size: int) -> bytes:
        return (await self._client.generate(jpeg, **_ours_kwargs(size))).image

    async def aclose(self) -> None:
        await self._client.aclose()


# --- the generated openapi-python-client core, called directly ----------------------------------------------


def _generated_body(jpeg: bytes, size: int) -> Any:
    from leonardo_realtime_client._generated.models.create_lcm_generation_body import CreateLcmGenerationBody

    return CreateLcmGenerationBody(
        image_data_url=DATA_URL_PREFIX + pybase64.b64encode(jpeg).decode("ascii"),
        prompt=PROMPT,
        guidance=7.0,
        strength=0.65,
        steps=8,
        width=size,
        height=size,
        seed=42,
    )


def _generated_image(parsed: Any) -> bytes:
    if parsed is None:
        raise RuntimeError("generated client: unexpected status")
    urls: list[str] = parsed.lcm_generation_job.image_data_url
    return _decode_first(urls[0])


class GeneratedSync:
    is_async = False

    def __init__(self, base_url: str, api_key: str) -> None:
        from leonardo_realtime_client._generated.api.realtime_canvas import create_lcm_generation
        from leonardo_realtime_client._generated.client import AuthenticatedClient

        self._op = create_lcm_generation
        self._client = AuthenticatedClient(base_url=base_url, token=api_key, timeout=httpx.Timeout(30.0))

    def __call__(self, jpeg: bytes, size: int) -> bytes:
        return _generated_image(self._op.sync(client=self._client, body=_generated_body(jpeg, size)))

    def close(self) -> None:
        self._client.get_httpx_client().close()


class GeneratedAsync:
    is_async = True

    def __init__(self, base_url: str, api_key: str) -> None:
        from leonardo_realtime_client._generated.api.realtime_canvas import create_lcm_generation
        from leonardo_realtime_client._generated.client import AuthenticatedClient

        self._op = create_lcm_generation
        self._client = AuthenticatedClient(base_url=base_url, token=api_key, timeout=httpx.Timeout(30.0))

    async def __call__(self, jpeg: bytes, size: int) -> bytes:
        return _generated_image(await self._op.asyncio(client=self._client, body=_generated_body(jpeg, size)))

    async def aclose(self) -> None:
        await self._client.get_async_httpx_client().aclose()


# --- the official leonardo-ai-sdk (optional `bench` extra) --------------------------------------------------


def _sdk_request(jpeg: bytes, size: int) -> Any:
    # The body every row sends, as the SDK's snake_case TypedDict: only the image's key is not one word. Its
    # base64 step is request_body's (pybase64), so the row measures the SDK's overhead, not a slower encoder.
    body = request_body(jpeg, size)
    return {"image_data_url": body.pop("imageDataUrl"), **body}


def _sdk_image(response: Any) -> bytes:
    urls: list[str] = response.object.lcm_generation_job.image_data_url
    return _decode_first(urls[0])


class SdkSync:
    is_async = False

    def __init__(self, base_url: str, api_key: str) -> None:
        from leonardo_ai_sdk import LeonardoAiSDK

        # server_url replaces the production base URL for every call; bearer_auth becomes "Authorization: Bearer".
        self._sdk = LeonardoAiSDK(bearer_auth=api_key, server_url=base_url, timeout_ms=30_000)

    def __call__(self, jpeg: bytes, size: int) -> bytes:
        return _sdk_image(self._sdk.realtime_canvas.create_lcm_generation(request=_sdk_request(jpeg, size)))

    def close(self) -> None:
        client = self._sdk.sdk_configuration.client
        if client is not None:
            client.close()


class SdkAsync:
    is_async = True

    def __init__(self, base_url: str, api_key: str) -> None:
        from leonardo_ai_sdk import LeonardoAiSDK

        self._sdk = LeonardoAiSDK(bearer_auth=api_key, server_url=base_url, timeout_ms=30_000)

    async def __call__(self, jpeg: bytes, size: int) -> bytes:
        request = _sdk_request(jpeg, size)
        return _sdk_image(await self._sdk.realtime_canvas.create_lcm_generation_async(request=request))

    async def aclose(self) -> None:
        client = self._sdk.sdk_configuration.async_client
        if client is not None:
            await client.aclose()


def _sdk_label() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"leonardo-ai-sdk {version('leonardo-ai-sdk')}"
    except PackageNotFoundError:
        return "leonardo-ai-sdk (not installed)"


ROWS: tuple[RowSpec, ...] = (
    RowSpec("floor-sync", "floor: httpx + orjson + pybase64", "floor", False, FloorSync),
    RowSpec("lean-sync", "hand-written lean: spliced body, no extra copies", "lean", False, LeanSync),
    RowSpec("stdlib-sync", "hand-written, stdlib json + base64", "stdlib", False, StdlibSync),
    RowSpec("ours-sync", "RealtimeCanvas.generate", "ours", False, OursSync),
    RowSpec("generated-sync", "generated core, called directly", "generated", False, GeneratedSync),
    RowSpec("sdk-sync", _sdk_label(), "sdk", False, SdkSync),
    RowSpec("floor-async", "floor: httpx + orjson + pybase64", "floor", True, FloorAsync),
    RowSpec("lean-async", "hand-written lean: spliced body, no extra copies", "lean", True, LeanAsync),
    RowSpec("ours-async", "AsyncRealtimeCanvas.generate", "ours", True, OursAsync),
    RowSpec("generated-async", "generated core, called directly", "generated", True, GeneratedAsync),
    RowSpec("sdk-async", _sdk_label(), "sdk", True, SdkAsync),
)
