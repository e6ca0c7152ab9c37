"""The four operations: the one table of our names, the spec's operation ids and the generated code behind them.

One reason to change: an operation is added, renamed, or its generated models are renamed. The clients, the
realtime session and the CLI all read this table, and every JSON name becomes a Python name through the one
converter here (:func:`snake_case`), so ``refineStrength`` is ``refine_strength`` everywhere.

Importing this module is cheap: the generated models and constraints table are imported at the first call of
:func:`operations` (~15 ms that ``import leonardo_realtime_client`` does not need to pay).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ._generated.constraints import OperationRule
    from ._generated.models import (
        CreateLcmGenerationBody,
        PerformAlchemyUpscaleLcmBody,
        PerformInpaintingLcmBody,
        PerformInstantRefineBody,
    )

    Body = CreateLcmGenerationBody | PerformInstantRefineBody | PerformInpaintingLcmBody | PerformAlchemyUpscaleLcmBody

__all__ = [
    "IMAGE_ARGUMENTS",
    "OPERATION_IDS",
    "Operation",
    "operation_name",
    "operations",
    "python_names",
    "snake_case",
]

# (our name, the spec's operationId, the generated models' class-name prefix) — the one table.
_TABLE: Final = (
    ("generate", "createLCMGeneration", "CreateLcmGeneration"),
    ("refine", "performInstantRefine", "PerformInstantRefine"),
    ("inpaint", "performInpaintingLCM", "PerformInpaintingLcm"),
    ("upscale", "performAlchemyUpscaleLCM", "PerformAlchemyUpscaleLcm"),
)

OPERATION_IDS: Final[Mapping[str, str]] = MappingProxyType({name: op_id for name, op_id, _ in _TABLE})
"""Our operation name (the client method, the CLI command, the session's operation) → the spec's operationId."""

IMAGE_ARGUMENTS: Final[Mapping[str, str]] = MappingProxyType({"imageDataUrl": "image", "maskDataUrl": "mask"})
"""The image fields' JSON names → the argument that carries them (an image, not a data URL string)."""

_CAMEL_HUMP: Final = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(json_name: str) -> str:
    """A JSON (camelCase) name as a Python name: ``refineStrength`` → ``refine_strength``."""
    return _CAMEL_HUMP.sub("_", json_name).lower()


def operation_name(operation: object) -> str | None:
    """Our name for ``operation`` given as our name or as the spec's operationId; ``None`` if it is neither."""
    if not isinstance(operation, str):
        return None
    if operation in OPERATION_IDS:
        return operation
    return next((name for name, op_id in OPERATION_IDS.items() if op_id == operation), None)


def python_names(rule: OperationRule) -> dict[str, str]:
    """JSON name → our keyword argument: ``refineStrength`` → ``refine_strength``, ``imageDataUrl`` → ``image``."""
    return {json_name: IMAGE_ARGUMENTS.get(json_name) or snake_case(json_name) for json_name in rule["fields"]}


@dataclasses.dataclass(frozen=True, slots=True)  # not attrs (~6 ms): `leonardo-realtime --help` imports this
class Operation:
    """One endpoint: our method name, the spec's operation id, and what the generated code says about it."""

    name: str
    operation_id: str
    method: str
    path: str
    body_type: type[Body]
    response_from_dict: Callable[[Mapping[str, Any]], Any]
    output_type: type
    names: Mapping[str, str]
    """JSON name → our argument name for each field of the generated body (a test pins that the generated model
    has exactly these fields): the request body is built with these keys, and errors speak the caller's language."""
    integer_fields: frozenset[str]


@functools.cache
def operations() -> Mapping[str, Operation]:
    """Our four operations by name (``generate``, ``refine``, ``inpaint``, ``upscale``), built at the first call."""
    from ._generated import models
    from ._generated.constraints import OPERATIONS as RULES

    table: dict[str, Operation] = {}
    for name, operation_id, prefix in _TABLE:
        rule = RULES[operation_id]
        body_type = getattr(models, f"{prefix}Body")
        table[name] = Operation(
            name=name,
            operation_id=operation_id,
            method=rule["method"].upper(),
            path=rule["path"],
            body_type=body_type,
            response_from_dict=getattr(models, f"{prefix}Response200").from_dict,
            output_type=getattr(models, f"{prefix}Response200LcmGenerationOutput"),
            names=python_names(rule),
            integer_fields=frozenset(key for key, field in rule["fields"].items() if field["type"] == "integer"),
        )
    return MappingProxyType(table)
