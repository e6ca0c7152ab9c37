"""The MCP server's budget, alone (no MCP, no client): estimates, units, unknown and possibly billed costs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from leonardo_realtime_client import APIConnectionError
from leonardo_realtime_client._mcp._budget import Budget
from leonardo_realtime_client._mcp._calls import ToolCalls
from leonardo_realtime_client._mcp._results import ResultStore

from .conftest import png_file


def test_no_limit_never_refuses() -> None:
    budget = Budget()
    for _ in range(3):
        assert budget.check("generate") is None
        budget.record("generate", Decimal("100"), "DOLLARS")
    assert budget.summary()["spent"] == {"DOLLARS": "300"}


def test_the_first_call_goes_out_then_each_is_estimated_by_its_operation() -> None:
    budget = Budget(limit=Decimal("0.04"))
    assert budget.check("upscale") is None  # nothing known yet: one call may go
    budget.record("generate", Decimal("0.01"), "DOLLARS")
    assert budget.estimate("upscale") == Decimal("0.01")  # no upscale seen: the most any call cost
    budget.record("upscale", Decimal("0.02"), "DOLLARS")
    assert budget.check("generate") is None  # 0.03 + 0.01 ≤ 0.04
    refusal = budget.check("upscale")  # 0.03 + 0.02 > 0.04
    assert refusal is not None
    assert (refusal.spent, refusal.estimate, refusal.limit) == (Decimal("0.03"), Decimal("0.02"), Decimal("0.04"))


def test_a_cost_in_another_unit_stops_the_budget() -> None:
    budget = Budget(limit=Decimal("5"), unit="DOLLARS")
    budget.record("generate", Decimal("3"), "CREDITS")
    refusal = budget.check("generate")
    assert refusal is not None
    assert "--budget-unit CREDITS" in refusal.message


def test_a_call_without_a_cost_stops_the_budget() -> None:
    budget = Budget(limit=Decimal("5"))
    budget.record("generate", None, None)
    refusal = budget.check("refine")
    assert refusal is not None
    assert "reported no cost" in refusal.message


def test_possibly_billed_failures_count_at_the_estimate() -> None:
    budget = Budget(limit=Decimal("0.05"))
    budget.record("generate", Decimal("0.02"), "DOLLARS")
    budget.record_possibly_billed("generate")  # counted as 0.02
    assert budget.summary()["possibly_billed"] == "0.02"
    assert budget.summary()["remaining"] == "0.01"
    assert budget.check("generate") is not None  # 0.04 + 0.02 > 0.05
    fresh = Budget(limit=Decimal("1"))
    fresh.record_possibly_billed("generate")  # nothing known: the budget cannot be kept
    assert fresh.check("generate") is not None


class _MaybeBilled(APIConnectionError):
    """A dropped answer after the request was sent (what the client's outcome attribute says)."""

    may_have_been_billed = True


class _FailingCanvas:
    def __init__(self) -> None:
        self.calls = 0

    async def generate(self, image: Any, **options: Any) -> Any:
        self.calls += 1
        raise _MaybeBilled("connection dropped mid-answer")

    async def aclose(self) -> None:
        return None


@pytest.mark.anyio
async def test_a_possibly_billed_error_says_so_and_counts_against_the_budget(tmp_path: Path) -> None:
    canvas = _FailingCanvas()
    budget = Budget(limit=Decimal("1"))
    budget.record("generate", Decimal("0.5"), "DOLLARS")
    calls = ToolCalls(canvas, ResultStore(tmp_path / "out"), budget, secret=None, local=False)
    sketch = str(png_file(tmp_path / "s.png"))
    first = await calls.call("generate", {"image": sketch, "prompt": "p"})
    assert first.is_error is True
    assert first.structured["error"]["possibly_billed"] is True
    assert "may have been processed and billed" in first.text
    second = await calls.call("generate", {"image": sketch, "prompt": "p"})  # 0.5 + 0.5 (possibly) + 0.5 > 1
    assert second.structured["error"]["type"] == "BudgetExceeded"
    assert canvas.calls == 1
