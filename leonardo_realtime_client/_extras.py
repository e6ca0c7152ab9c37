"""Optional extras: say once, before anything starts, which extra a feature needs.

One reason to change: which optional packages a feature needs. Without the ``server`` extra, ``serve`` used to
print its banner and then die on a raw ``ModuleNotFoundError``; ``refine --local`` turned the missing Pillow into
three retried HTTP 500s; the pytest fixtures failed with 500s. Now the local server checks what it needs when it
is made (its constructor, ``running_server()``/``serve()``) and raises one :class:`ConfigurationError` naming the
missing packages and the ``pip install`` line. The check looks modules up (``importlib.util.find_spec``); it
imports nothing, so ``import leonardo_realtime_client.server`` stays light.
"""

from __future__ import annotations

import importlib.util
from typing import Final

from ._errors import ConfigurationError

__all__ = ["CANVAS", "SERVER_EXTRA", "missing_modules", "require_extra", "require_server_extra"]

SERVER_EXTRA: Final = "pip install 'leonardo-realtime-client[server]'"
_SHOWN: Final = {"PIL": "Pillow"}
IN_PROCESS: Final = ("PIL",)
"""What the local server needs to answer a request (its images are drawn with Pillow)."""
OVER_HTTP: Final = ("PIL", "starlette", "uvicorn")
"""What it needs to listen on a port as well."""


def missing_modules(names: tuple[str, ...]) -> list[str]:
    """The modules of ``names`` that cannot be imported (a ``None`` in ``sys.modules`` counts as missing)."""
    missing = []
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a parent missing, or a module without a spec
            found = False
        if not found:
            missing.append(_SHOWN.get(name, name))
    return missing


def require_server_extra(what: str, needs: tuple[str, ...] = IN_PROCESS) -> None:
    """Raise :class:`ConfigurationError` when the ``server`` extra ``what`` needs is not installed."""
    require_extra(what, "server", needs)


CANVAS: Final = ("starlette", "uvicorn", "wsproto", "PIL")
"""What the browser canvas needs (the ``canvas`` extra)."""


def require_extra(what: str, extra: str, needs: tuple[str, ...]) -> None:
    """Raise :class:`ConfigurationError` naming ``extra`` and its ``pip install`` line when a module of
    ``needs`` is missing."""
    missing = missing_modules(needs)
    if missing:
        raise ConfigurationError(
            f"{what} needs the '{extra}' extra ({', '.join(missing)} missing): "
            f"pip install 'leonardo-realtime-client[{extra}]'"
        )
