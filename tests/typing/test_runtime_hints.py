"""The public constructors' annotations resolve at run time, as the type checker reads them.

``typing.get_type_hints`` and ``inspect.signature(..., eval_str=True)`` are how frameworks read a signature
(FastAPI's ``Depends(RealtimeCanvas)``, pydantic's ``validate_call``, dependency injectors, sphinx-autodoc-typehints).
The number aliases (``Integer``, ``Number``) leave ``decimal`` unimported until such a reader resolves them; what
it gets then is the very union the type checker checks against."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, SupportsFloat, SupportsIndex

import httpx
import pytest

from leonardo_realtime_client import (
    AsyncRealtimeCanvas,
    RealtimeCanvas,
    RealtimeSession,
    RetryPolicy,
    ThreadedRealtimeSession,
)

INTEGER = int | SupportsIndex | Decimal
NUMBER = float | SupportsFloat | SupportsIndex | Decimal

LOCALS = {"RetryPolicy": RetryPolicy}

# Each constructor with the hints its number parameters must resolve to.
CONSTRUCTORS: list[tuple[Callable[..., Any], dict[str, object]]] = [
    (RealtimeCanvas.__init__, {"max_retries": INTEGER, "total_timeout": NUMBER | None}),
    (AsyncRealtimeCanvas.__init__, {"max_retries": INTEGER, "total_timeout": NUMBER | None}),
    (RealtimeSession.__init__, {"max_in_flight": INTEGER, "min_interval": NUMBER, "budget": NUMBER | str | None}),
    (ThreadedRealtimeSession.__init__, {"max_buffered_events": INTEGER}),
]


@pytest.mark.parametrize(("constructor", "expected"), CONSTRUCTORS, ids=lambda c: getattr(c, "__qualname__", ""))
def test_the_constructors_annotations_resolve(constructor: Callable[..., Any], expected: dict[str, object]) -> None:
    # RetryPolicy (an attrs class) is imported by the clients only for the type checker, so that importing them
    # does not load attrs: a reader of their hints is given it, as for any name imported that way.
    hints = typing.get_type_hints(constructor, localns=LOCALS)
    for name, hint in expected.items():
        assert hints[name] == hint, name
    signature = inspect.signature(constructor, locals=LOCALS, eval_str=True)
    assert all(not isinstance(p.annotation, str) for p in signature.parameters.values())


def test_the_clients_timeout_resolves_to_a_number_or_an_httpx_timeout() -> None:
    assert typing.get_type_hints(RealtimeCanvas.__init__, localns=LOCALS)["timeout"] == NUMBER | httpx.Timeout | None


def test_the_aliases_import_decimal_only_when_resolved() -> None:
    """Checked without httpx (with its CLI extras, as in the dev venv, httpx loads decimal itself)."""
    code = (
        "import sys, typing\n"
        "from leonardo_realtime_client._numbers import Integer, Number\n"
        "def configure(retries: 'Integer', budget: 'Number | None') -> None: ...\n"
        "print('decimal' in sys.modules)\n"
        "hints = typing.get_type_hints(configure)\n"
        "print('decimal' in sys.modules)\n"
        "from decimal import Decimal\n"
        "from typing import SupportsFloat, SupportsIndex\n"
        "print(hints['retries'] == int | SupportsIndex | Decimal)\n"
        "print(hints['budget'] == float | SupportsFloat | SupportsIndex | Decimal | None)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.splitlines() == ["False", "True", "True", "True"]
