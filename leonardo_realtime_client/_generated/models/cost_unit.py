from enum import StrEnum


class CostUnit(StrEnum):
    CREDITS = "CREDITS"
    DOLLARS = "DOLLARS"

    def __str__(self) -> str:
        return str(self.value)
