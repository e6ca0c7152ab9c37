"""The changelog's result types: one :class:`Change`, the changes of one operation, and the whole :class:`Changelog`.

Part of scripts/spec_changelog.py (the classification rules are in its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["request", "response"]
Status = Literal["added", "removed", "renamed", "changed", "unchanged"]


@dataclass(frozen=True)
class Change:
    """One change a client user may notice.

    ``where`` is e.g. ``"request guidance"`` or ``"response 200 lcmGenerationJob.cost.unit"``; ``kind`` a
    short machine tag (``"range"``, ``"enum-added"``, ``"field-removed"``, ...); ``detail`` the old and new
    state; ``reason`` why it is (non-)breaking for a client.
    """

    where: str
    kind: str
    detail: str
    breaking: bool
    reason: str


@dataclass(frozen=True)
class OperationChanges:
    operation_id: str
    method: str
    path: str
    status: Status
    changes: tuple[Change, ...] = ()
    previous_id: str | None = None

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.changes)


@dataclass(frozen=True)
class OutsideChange:
    """A change no operation reaches (``where`` like ``info.version`` or ``components/schemas/Blueprint``)."""

    where: str
    detail: str


@dataclass(frozen=True)
class Changelog:
    """Per operation what changed; what changed outside them; and, when two generated trees were compared
    (``update-spec`` does), the public names of the generated core that were renamed, removed or added."""

    operations: tuple[OperationChanges, ...]
    outside: tuple[OutsideChange, ...]
    generated: tuple[Change, ...] = ()

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for op in self.operations for c in op.changes)

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in (*self.changes, *self.generated))

    @property
    def unchanged(self) -> tuple[str, ...]:
        return tuple(op.operation_id for op in self.operations if op.status == "unchanged")

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.outside and not self.generated
