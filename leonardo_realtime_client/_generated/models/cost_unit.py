from enum import StrEnum


class CostUnit(StrEnum):
    """The unit of the cost. Can be CREDITS or DOLLARS. Note: DOLLARS unit only supports PAYG plan.

    Values: CREDITS, DOLLARS.
    """

    CREDITS = "CREDITS"
    DOLLARS = "DOLLARS"

    def __str__(self) -> str:
        return str(self.value)
