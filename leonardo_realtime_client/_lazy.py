"""Names a package loads on first use (PEP 562): one ``__getattr__`` for every package that defers imports.

One reason to change: how a deferred name is found. ``import leonardo_realtime_client`` (and its ``server`` and
``canvas`` packages) stay light; a name is imported from its module the first time it is asked for, then kept
as a plain attribute.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, where: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package`` that imports ``name`` from ``where[name]`` (a module name relative
    to ``package``, e.g. ``"._app"``) the first time it is asked for; ``AttributeError`` for any other name."""

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # the next lookup is a plain attribute
        return value

    return __getattr__
