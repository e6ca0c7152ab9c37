"""The server's running total and optional budget: a call that could pass the budget is refused before it is sent.

A call's price is not known before it is made, so the next call is estimated at the largest cost seen so far for
the same operation (else for any operation). Until a first cost is known the estimate is zero, so the first call
goes out when anything is left; with a budget, calls run one at a time (the caller holds ``lock``), so concurrent
calls cannot all pass the check on the same total.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

__all__ = ["Budget", "BudgetRefusal"]


@attrs.frozen
class BudgetRefusal:
    """Why a call was refused: the numbers a model needs to decide what to do next."""

    message: str
    spent: Decimal
    estimate: Decimal | None
    limit: Decimal | None
    unit: str


@attrs.define
class Budget:
    """Spent so far (per cost unit) and the limit, in ``unit`` (``DOLLARS`` or ``CREDITS``), or no limit."""

    limit: Decimal | None = None
    unit: str = "DOLLARS"
    spent: dict[str, Decimal] = attrs.field(factory=dict)
    calls: int = 0
    unknown_costs: int = 0
    possibly_billed: Decimal = Decimal(0)
    """Estimated cost of failed calls that may have been charged (counted against the budget, to be safe)."""
    _largest: dict[str, Decimal] = attrs.field(factory=dict, init=False)

    def estimate(self, operation: str) -> Decimal | None:
        """The next call's estimated cost: the largest seen for ``operation``, else for any operation, else ``None``."""
        if operation in self._largest:
            return self._largest[operation]
        return max(self._largest.values(), default=None)

    def check(self, operation: str) -> BudgetRefusal | None:
        """``None`` when the call may go out, else why not."""
        if self.limit is None:
            return None
        spent = self.spent.get(self.unit, Decimal(0)) + self.possibly_billed
        others = sorted(unit for unit in self.spent if unit != self.unit)
        if others:
            return BudgetRefusal(
                f"the budget is in {self.unit} but the API charged in {', '.join(others)}; it cannot be kept. "
                f"Restart the server with --budget-unit {others[0]}.",
                spent,
                None,
                self.limit,
                self.unit,
            )
        if self.unknown_costs:
            return BudgetRefusal(
                f"{self.unknown_costs} earlier call(s) reported no cost (or failed after they may have been billed, "
                "before any cost was known), so the budget cannot be kept; no further calls are sent. Restart the "
                "server to reset it.",
                spent,
                None,
                self.limit,
                self.unit,
            )
        estimate = self.estimate(operation)
        if spent >= self.limit or (estimate is not None and spent + estimate > self.limit):
            shown = "" if estimate is None else f" and this call is estimated at {estimate} (the most one has cost)"
            return BudgetRefusal(
                f"budget reached: {spent} of {self.limit} {self.unit} spent{shown}; nothing was sent. "
                "Ask the user before going on: the budget is set when the server starts (--budget).",
                spent,
                estimate,
                self.limit,
                self.unit,
            )
        return None

    def record(self, operation: str, cost: Decimal | None, unit: str | None) -> None:
        """Add a call's reported cost (``None``: the API reported none)."""
        self.calls += 1
        if cost is None or unit is None:
            self.unknown_costs += 1
            return
        self.spent[unit] = self.spent.get(unit, Decimal(0)) + cost
        if unit == self.unit:
            self._largest[operation] = max(cost, self._largest.get(operation, cost))

    def record_possibly_billed(self, operation: str) -> None:
        """A failed call that may have been charged: count it at the estimate (unknown when there is none yet)."""
        estimate = self.estimate(operation)
        if estimate is None:
            self.unknown_costs += 1
        else:
            self.possibly_billed += estimate

    def summary(self) -> dict[str, object]:
        """For the structured result: totals per unit, the limit and what is left."""
        spent = self.spent.get(self.unit, Decimal(0)) + self.possibly_billed
        return {
            "calls": self.calls,
            "spent": {unit: str(amount) for unit, amount in sorted(self.spent.items())},
            "possibly_billed": str(self.possibly_billed),
            "budget": None if self.limit is None else str(self.limit),
            "budget_unit": self.unit,
            "remaining": None if self.limit is None else str(max(self.limit - spent, Decimal(0))),
        }
