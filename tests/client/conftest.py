"""Fixtures for the client tests: images, canned responses, a recording MockTransport and a non-sleeping policy."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pybase64
import pytest
from PIL import Image

from leonardo_realtime_client import RetryPolicy

API_KEY = "sk-test-0123456789abcdefSECRET"
BASE_URL = "https://api.example.test/api/rest/v1"

Handler = Callable[[httpx.Request], httpx.Response]


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def make_jpeg(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    return encode(Image.new("RGB", size, color), "JPEG", quality=80)


def make_png(size: tuple[int, int] = (64, 48), mode: str = "RGBA") -> bytes:
    return encode(Image.new(mode, size, 128 if mode == "L" else (10, 200, 10, 255)[: len(mode)]), "PNG")


def data_url(data: bytes, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64,{pybase64.b64encode(data).decode()}"


OUT_JPEG = make_jpeg((32, 32), (1, 2, 3))


def job(**overrides: object) -> dict[str, object]:
    """A valid lcmGenerationJob; keys set to ... are removed."""
    payload: dict[str, object] = {
        "imageDataUrl": [data_url(OUT_JPEG)],
        "requestTimestamp": "ts-1",
        "apiCreditCost": 3,
        "cost": {"amount": "0.0125", "unit": "DOLLARS"},
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not ...}


def ok(payload: object | None = None, **headers: str) -> httpx.Response:
    body = {"lcmGenerationJob": job()} if payload is None else payload
    return httpx.Response(200, content=orjson.dumps(body), headers={"content-type": "application/json", **headers})


class Recorder:
    """A MockTransport handler that records requests and answers from a queue (the last answer repeats)."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers) or [ok()]
        self.requests: list[httpx.Request] = []
        self.sent_authorization: list[str | None] = []  # as on the wire (the client redacts it afterwards)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.sent_authorization.append(request.headers.get("authorization"))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)
        return answer(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def body(self, index: int = -1) -> dict[str, Any]:
        loaded = orjson.loads(self.requests[index].content)
        assert isinstance(loaded, dict)
        return loaded


class SleepRecorder:
    """Stands in for time.sleep / anyio.sleep: records the delays, never sleeps."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.delays.append(seconds)


def policy(sleeper: SleepRecorder, **kwargs: Any) -> RetryPolicy:
    return RetryPolicy(sleep=sleeper, async_sleep=sleeper.asleep, rng=lambda: 0.0, **kwargs)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LEONARDO_API_KEY", "LEONARDO_BASE_URL", "LEONARDO_LOG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sleeper() -> SleepRecorder:
    return SleepRecorder()
