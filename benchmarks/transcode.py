"""Runtime check that our client never touches Pillow for a JPEG given as bytes or as a path.

(tests/perf/test_no_transcode.py proves the same with Pillow made unusable; this counts calls in the
benchmark run itself, against the real server.)
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

from .floor import PROMPT

_PATCHED = (
    ("PIL.Image", "open"),
    ("PIL.Image", "new"),
    ("PIL.Image", "frombytes"),
    ("PIL.Image.Image", "save"),
    ("PIL.Image.Image", "convert"),
    ("PIL.Image.Image", "tobytes"),
    ("PIL.ImageFile.ImageFile", "load"),
)


def count_pillow_calls(base_url: str, api_key: str, jpeg: bytes, size: int) -> dict[str, Any]:
    import importlib

    from leonardo_realtime_client import RealtimeCanvas

    calls: list[str] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.jpg"
        path.write_bytes(jpeg)
        for module_name, attr in _PATCHED:
            target: Any = _resolve(importlib, module_name)
            original = getattr(target, attr)
            # A plain function (not a Mock) so that methods still bind `self`.
            stack.enter_context(
                mock.patch.object(target, attr, new=_recorder(calls, f"{module_name}.{attr}", original))
            )
        with RealtimeCanvas(api_key=api_key, base_url=base_url, allow_insecure_http=True) as client:
            from_bytes = client.generate(jpeg, prompt=PROMPT, width=size, height=size).image
            from_path = client.generate(path, prompt=PROMPT, width=size, height=size).image
    return {
        "pillow_calls": len(calls),
        "called": sorted(set(calls)),
        "outputs_are_jpeg": from_bytes.startswith(b"\xff\xd8") and from_path.startswith(b"\xff\xd8"),
    }


def _resolve(importlib: Any, dotted: str) -> Any:
    """'PIL.Image.Image' → the Image class; 'PIL.Image' → the module."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        module_name, _, attr = dotted.rpartition(".")
        return getattr(importlib.import_module(module_name), attr)


def _recorder(calls: list[str], name: str, original: Any) -> Any:
    def record(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return original(*args, **kwargs)

    return record
