"""Errors that cross process boundaries: what a :class:`LeonardoError` carries, made safe to pickle.

One reason to change: what a pickled error keeps. An error keeps the caller's value whole (on
``.violations[i].value``) and the request or response it came from; some of those cannot be pickled (a file
object, a socket, a lock, a lambda, a generator …), and a ``ProcessPoolExecutor`` or ``multiprocessing`` worker
that cannot pickle its exception loses it. So when an error is pickled, each such value is replaced by an
:class:`UnpicklableValue` whose ``repr`` is the original's (shortened): the message, the class and every
other attribute come back unchanged.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["UnpicklableValue", "picklable", "picklable_state"]


@attrs.frozen
class UnpicklableValue:
    """Stands in, after pickling, for a value that could not be pickled; ``type_name`` says what it was."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return self.text


def _pickles(value: object) -> bool:
    try:
        pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # TypeError, PicklingError, AttributeError, RecursionError … whatever the object raises
        return False
    return True


def picklable(value: object) -> object:
    """``value`` itself when it pickles, else an :class:`UnpicklableValue` standing in for it.

    Violations (dataclasses with a ``value`` field) keep their other fields."""
    from ._errors import Violation, short_repr

    if isinstance(value, Violation):
        return value if _pickles(value.value) else dataclasses.replace(value, value=picklable(value.value))
    if isinstance(value, tuple | list) and any(isinstance(item, Violation) for item in value):
        return type(value)(picklable(item) for item in value)
    if isinstance(value, UnpicklableValue) or _pickles(value):
        return value
    return UnpicklableValue(type(value).__name__, short_repr(value))


def picklable_state(args: tuple[Any, ...], state: Mapping[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``(args, __dict__)`` of an exception with every unpicklable value replaced by its stand-in."""
    return tuple(picklable(arg) for arg in args), {name: picklable(value) for name, value in state.items()}
