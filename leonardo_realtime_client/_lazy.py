"""Names a package loads on first use (PEP 562): one ``__getattr__`` for every package that defers imports.

One reason to change: how a deferred name is found. ``import leonardo_realtime_client`` (and its ``server`` and
``canvas`` packages) stay light; a name is imported from its module the first time it is asked for, then kept
as a plain attribute.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ForwardRef, get_args, get_origin

__all__ = ["GenericOnResolve", "ModuleOnResolve", "lazy_dir", "lazy_getattr", "on_resolve"]


def lazy_getattr(package: str, where: Mapping[str, str], extra: str | None = None) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package`` that imports ``name`` from ``where[name]`` (a module name relative
    to ``package``, e.g. ``"._app"``) the first time it is asked for; ``AttributeError`` for any other name.

    With ``extra``, a third-party module missing for that import is a ``ModuleNotFoundError`` that names the
    extra to install (``from leonardo_realtime_client.server import create_app`` without starlette said only
    "No module named 'starlette'")."""

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        try:
            value = getattr(importlib.import_module(module, package), name)
        except ModuleNotFoundError as exc:
            missing = (exc.name or "").split(".")[0]  # the distribution's top-level package
            if extra is None or not missing or missing == __name__.split(".")[0]:
                raise
            shown = {"PIL": "Pillow"}.get(missing, missing)
            raise ModuleNotFoundError(
                f"{package}.{name} needs the '{extra}' extra ({shown} missing): "
                f"pip install 'leonardo-realtime-client[{extra}]'",
                name=missing,
            ) from None
        setattr(sys.modules[package], name, value)  # the next lookup is a plain attribute
        return value

    return __getattr__


def lazy_dir(package: str, where: Mapping[str, str], requires: str | None = None) -> Callable[[], list[str]]:
    """A module ``__dir__`` for ``package`` that lists its deferred names (``where``) beside those already loaded:
    tab completion (IPython, Jupyter) and ``help(package)`` read ``dir()``, and a name not loaded yet is no
    less public. Imports nothing.

    With ``requires`` (the top-level module of the package's extra, e.g. ``"starlette"``), the deferred names are
    listed only when it can be found: ``help()`` reads every listed name and expects AttributeError at worst, not
    the ModuleNotFoundError that names the missing extra (:func:`lazy_getattr`)."""

    def __dir__() -> list[str]:
        loaded = set(vars(sys.modules[package]))
        if requires is not None and not _findable(requires):
            return sorted(loaded)
        return sorted(loaded | set(where))

    return __dir__


def _findable(module: str) -> bool:
    """Whether ``module`` (top level) can be imported, without importing it."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # in sys.modules as None (made unimportable) or without a spec
        return module in sys.modules and sys.modules[module] is not None


def on_resolve(module: str, name: str) -> Any:
    """What stands at run time for ``name`` from ``module`` where it is imported only for the type checker
    (``if TYPE_CHECKING:``), so that importing this package does not load it (attrs classes, Pillow, the session).

    An annotation naming it still resolves, as frameworks read signatures (``typing.get_type_hints``,
    ``inspect.signature(eval_str=True)``: FastAPI, pydantic, sphinx), to the real class, importing ``module``
    then. (A bare ``ForwardRef`` cannot stand in: ``"RetryPolicy | None"`` needs ``|``; ``Annotated`` has it, and
    ``get_type_hints`` drops the note.)"""
    return _resolved_later(_expression(module, name))


def _expression(module: str, name: str) -> str:
    return f"__import__({module!r}, fromlist=[{name!r}]).{name}"


def _resolved_later(expression: str) -> Any:
    return Annotated[ForwardRef(expression), "imported when resolved"]


def _expression_of(hint: object) -> str:
    """The expression that evaluates to ``hint``: a stand-in's own, or a class's import."""
    if get_origin(hint) is Annotated and isinstance(reference := get_args(hint)[0], ForwardRef):
        return reference.__forward_arg__
    if isinstance(hint, type):
        return _expression(hint.__module__, hint.__qualname__)
    raise TypeError(f"cannot stand in for {hint!r}")


class GenericOnResolve:
    """:func:`on_resolve` for a generic class named subscripted (``RealtimeSession[RealtimeResult]``), which an
    ``Annotated`` stand-in cannot be: subscripting this gives the stand-in for the whole."""

    def __init__(self, module: str, name: str) -> None:
        self._expression = _expression(module, name)

    def __getitem__(self, arguments: object) -> Any:
        listed = arguments if isinstance(arguments, tuple) else (arguments,)
        return _resolved_later(f"{self._expression}[{', '.join(_expression_of(a) for a in listed)}]")


class ModuleOnResolve:
    """:func:`on_resolve` for a module named in annotations (``httpx.Response``, ``Image.Image``): each attribute
    is the stand-in for that name of the module."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and inspect probing: not a name of the module
            raise AttributeError(name)
        return on_resolve(self._module, name)
