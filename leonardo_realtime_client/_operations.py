"""The four operations: the one table of our names, the spec's operation ids and the generated code behind them.

One reason to change: an operation is added, renamed, or its generated models are renamed. The clients, the
realtime session and the CLI all read this table, and every JSON name becomes a Python name through the one
converter here (:func:`snake_case`), so ``refineStrength`` is ``refine_strength`` everywhere.

Importing this module is cheap: the constraints table is imported at the first call of :func:`operations`, and
an operation's generated models when they are first asked for.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, cast

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
    """One endpoint: our method name, the spec's operation id, and what the generated code says about it.

    The generated models behind it load the first time one of them is asked for, one operation at a time (a
    command line run of one operation does not load the models of the other three)."""

    name: str
    operation_id: str
    method: str
    path: str
    names: Mapping[str, str]
    """JSON name → our argument name for each field of the generated body (a test pins that the generated model
    has exactly these fields): the request body is built with these keys, and errors speak the caller's language."""
    integer_fields: frozenset[str]
    models_prefix: str
    """The generated models' class-name prefix (``CreateLcmGeneration``: ``CreateLcmGenerationBody`` …)."""

    @property
    def body_type(self) -> type[Body]:
        """The generated request body model (``*Body``)."""
        return cast("type[Body]", _model(f"{self.models_prefix}Body"))

    @property
    def response_from_dict(self) -> Callable[[Mapping[str, Any]], Any]:
        """The generated ``*Response200.from_dict``."""
        return cast("Callable[[Mapping[str, Any]], Any]", _model(f"{self.models_prefix}Response200").from_dict)

    @property
    def output_type(self) -> type:
        """The generated ``*Response200LcmGenerationOutput`` model (the job in a 200 answer)."""
        return cast(type, _model(f"{self.models_prefix}Response200LcmGenerationOutput"))


def _model(name: str) -> Any:
    from ._generated import models  # each model loads on first use (the generated package's models_init template)

    return getattr(models, name)


@functools.cache
def operations() -> Mapping[str, Operation]:
    """Our four operations by name (``generate``, ``refine``, ``inpaint``, ``upscale``), built at the first call."""
    from ._generated.constraints import OPERATIONS as RULES

    table: dict[str, Operation] = {}
    for name, operation_id, prefix in _TABLE:
        rule = RULES[operation_id]
        table[name] = Operation(
            name=name,
            operation_id=operation_id,
            method=rule["method"].upper(),
            path=rule["path"],
            names=python_names(rule),
            integer_fields=frozenset(key for key, field in rule["fields"].items() if field["type"] == "integer"),
            models_prefix=prefix,
        )
    return MappingProxyType(table)
