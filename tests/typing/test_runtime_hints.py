"""The public constructors' annotations resolve at run time, as the type checker reads them.

``typing.get_type_hints`` and ``inspect.signature(..., eval_str=True)`` are how frameworks read a signature
(FastAPI's ``Depends(RealtimeCanvas)``, pydantic's ``validate_call``, dependency injectors, sphinx-autodoc-typehints).
The number aliases (``Integer``, ``Number``) leave ``decimal`` unimported until such a reader resolves them; what
it gets then is the very union the type checker checks against."""

from __future__ import annotations

import inspect
import os
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


def _public_callables() -> list[tuple[str, Callable[..., Any]]]:
    """Every function in ``__all__``, and every public method (and ``__init__``) of a class in it."""
    import leonardo_realtime_client as package

    found: list[tuple[str, Callable[..., Any]]] = []
    for name in package.__all__:
        value = getattr(package, name)
        if inspect.isclass(value):
            for attribute, member in vars(value).items():
                if inspect.isfunction(member) and (attribute == "__init__" or not attribute.startswith("_")):
                    found.append((f"{name}.{attribute}", member))
        elif inspect.isfunction(value):
            found.append((name, value))
    return found


@pytest.mark.parametrize(("label", "function"), _public_callables(), ids=[label for label, _ in _public_callables()])
def test_every_public_signature_resolves_to_real_types(label: str, function: Callable[..., Any]) -> None:
    """Names imported only for the type checker (attrs classes, Pillow, httpx for the errors, the session: loaded
    on first use, not at import) resolve too, to the real classes, imported then."""
    hints = typing.get_type_hints(function)
    if not hasattr(function, "__signature__"):  # inspect hands a set __signature__ back as it is, never evaluated
        signature = inspect.signature(function, eval_str=True)
        assert not [p for p in signature.parameters.values() if isinstance(p.annotation, str)]
    assert all(not isinstance(hint, str | typing.ForwardRef) for hint in hints.values())


def test_the_names_imported_later_resolve_to_the_real_classes() -> None:
    from PIL import Image

    from leonardo_realtime_client import APIStatusError, RealtimeResult, image_data_url

    assert typing.get_type_hints(RealtimeCanvas.__init__)["retry_policy"] == RetryPolicy | None
    assert typing.get_type_hints(RealtimeCanvas.generate)["return"] is RealtimeResult
    assert typing.get_type_hints(AsyncRealtimeCanvas.session)["return"] == RealtimeSession[RealtimeResult]
    assert typing.get_type_hints(RealtimeResult.to_pil)["return"] is Image.Image
    assert typing.get_type_hints(APIStatusError.__init__)["response"] == httpx.Response
    image = typing.get_type_hints(image_data_url)["image"]
    assert Image.Image in typing.get_args(image)
    assert set(typing.get_args(image)) >= {bytes, str, os.PathLike[str], Image.Image}
