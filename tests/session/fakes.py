"""Test doubles for sessions: a client whose every call waits for the test to answer it, and a clock
that only moves when the test says so (so no test ever sleeps for real)."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from typing import Any

import attrs


@attrs.frozen
class FakeResult:
    request_timestamp: str | None
    cost: Decimal | None = Decimal("0.01")
    cost_unit: str | None = "DOLLARS"
    image: bytes = b"jpeg"
    api_credit_cost: int | None = None
    generation_ids: tuple[str, ...] = ()

    @property
    def images(self) -> tuple[bytes, ...]:
        return (self.image,)


@attrs.define
class Call:
    operation: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    future: asyncio.Future[FakeResult]
    cancelled: bool = False

    @property
    def image(self) -> Any:
        return self.args[0]

    @property
    def timestamp(self) -> str:
        value = self.kwargs["request_timestamp"]
        assert isinstance(value, str)
        return value

    def answer(self, *, cost: Decimal | None = Decimal("0.01"), echo: str | None = "same") -> None:
        """Resolve the call with a result (echoing its timestamp unless told otherwise)."""
        timestamp = self.timestamp if echo == "same" else echo
        self.future.set_result(FakeResult(request_timestamp=timestamp, cost=cost))

    def fail(self, error: Exception) -> None:
        self.future.set_exception(error)


class FakeClient:
    """Records each call and blocks it until the test answers it (in any order)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.closed = False
        self._changed = threading.Condition()

    async def _call(self, operation: str, *args: Any, **kwargs: Any) -> FakeResult:
        future: asyncio.Future[FakeResult] = asyncio.get_running_loop().create_future()
        call = Call(operation, args, kwargs, future)
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        try:
            return await future
        except asyncio.CancelledError:
            call.cancelled = True
            raise

    async def generate(self, image: Any, **kwargs: Any) -> FakeResult:
        return await self._call("generate", image, **kwargs)

    async def refine(self, image: Any, **kwargs: Any) -> FakeResult:
        return await self._call("refine", image, **kwargs)

    async def inpaint(self, image: Any, mask: Any, **kwargs: Any) -> FakeResult:
        return await self._call("inpaint", image, mask, **kwargs)

    async def upscale(self, image: Any, **kwargs: Any) -> FakeResult:
        return await self._call("upscale", image, **kwargs)

    async def aclose(self) -> None:
        self.closed = True

    def wait_for_calls(self, count: int, timeout: float = 10.0) -> list[Call]:
        """From another thread: block until ``count`` calls were made (a condition wait, not a sleep)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.calls) >= count, timeout):
                raise AssertionError(f"expected {count} calls, got {len(self.calls)}")
            return list(self.calls)

    @property
    def open_calls(self) -> list[Call]:
        return [c for c in self.calls if not c.future.done()]


class FakeClock:
    """A monotonic clock plus a matching sleep(); time moves only through advance()."""

    def __init__(self) -> None:
        self.now = 100.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.now + delay, future)
        self._sleepers.append(entry)
        try:
            await future
        finally:
            if entry in self._sleepers:
                self._sleepers.remove(entry)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for deadline, future in list(self._sleepers):
            if deadline <= self.now + 1e-12 and not future.done():
                future.set_result(None)


async def settle(rounds: int = 20) -> None:
    """Let every ready task run (a zero-delay yield, not a sleep)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
