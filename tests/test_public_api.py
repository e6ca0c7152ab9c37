"""The public surface is deliberate: this list changes only together with the package's __all__ (as in httpx)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import leonardo_realtime_client

EXPECTED = {
    # clients, result, retries and settings
    "AsyncRealtimeCanvas",
    "RealtimeCanvas",
    "RealtimeResult",
    "RetryPolicy",
    # realtime session
    "BudgetExhausted",
    "RealtimeSession",
    "SessionClosedError",
    "SessionError",
    "SessionEvent",
    "SessionResult",
    "SessionStats",
    "ThreadedRealtimeSession",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    # generated enums used in arguments and results
    "CostUnit",
    "LcmGenerationStyle",
    # errors
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ImageError",
    "InternalServerError",
    "LeonardoError",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "UnprocessableEntityError",
    "ValidationError",
    "Violation",
    # image helpers
    "ImageInput",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "decode_data_url",
    "encode_data_url",
    "image_data_url",
    "image_size",
    "mask_data_url",
    "sniff_format",
    "to_jpeg_bytes",
    "__version__",
}


def test_all_is_pinned() -> None:
    assert set(leonardo_realtime_client.__all__) == EXPECTED
    assert len(leonardo_realtime_client.__all__) == len(EXPECTED), "duplicates in __all__"


def test_every_public_name_resolves() -> None:
    for name in leonardo_realtime_client.__all__:
        assert getattr(leonardo_realtime_client, name) is not None, name


def test_public_objects_come_from_private_modules_only() -> None:
    for name in leonardo_realtime_client.__all__:
        module = getattr(getattr(leonardo_realtime_client, name), "__module__", "")
        if isinstance(module, str) and module.startswith("leonardo_realtime_client."):
            assert module.split(".")[1].startswith("_"), (name, module)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        leonardo_realtime_client.NoSuchThing  # noqa: B018


def test_import_leaves_the_generated_models_and_pillow_for_later() -> None:
    code = (
        "import sys, leonardo_realtime_client; "
        "print(sorted(m for m in sys.modules if '_generated.models' in m or m.split('.')[0] == 'PIL'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    "package",
    [
        "leonardo_realtime_client",
        "leonardo_realtime_client.server",
        "leonardo_realtime_client.canvas",
        "leonardo_realtime_client.testing",
        "leonardo_realtime_client._generated",
    ],
)
def test_dir_lists_every_public_name_before_it_is_loaded(package: str) -> None:
    """A package whose names load on first use (PEP 562) still lists them in ``dir()``: tab completion (IPython,
    Jupyter, editors' REPLs) and ``help(package)`` read ``dir()``, and there they had vanished. Listing them
    imports none of them (only importlib's find_spec, to see whether the package's extra is installed). Checked in
    a fresh interpreter (this process has loaded every name already)."""
    code = (
        "import importlib, json, sys\n"
        f"package = importlib.import_module({package!r})\n"
        "before = set(sys.modules)\n"
        "listed = dir(package)\n"
        "loaded = [m for m in set(sys.modules) - before if not m.startswith('importlib')]  # find_spec's own\n"
        "print(json.dumps([sorted(set(package.__all__) - set(listed)), sorted(loaded)]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    missing, loaded = json.loads(done.stdout)
    assert missing == [], f"dir({package}) leaves out {missing}"
    assert loaded == [], f"dir({package}) imported {loaded}"


@pytest.mark.parametrize("package", ["leonardo_realtime_client.server", "leonardo_realtime_client.canvas"])
def test_help_of_a_package_works_without_its_extra(package: str) -> None:
    """``help(package)`` reads every name ``dir()`` lists; one that needs the missing extra raises
    ModuleNotFoundError, which pydoc does not expect (only AttributeError): without the extra, ``dir()`` lists only
    what is loaded. Starlette is made unimportable in a fresh interpreter (``sys.modules[name] = None``)."""
    code = (
        "import importlib, pydoc, sys\n"
        "sys.modules['starlette'] = sys.modules['uvicorn'] = None\n"
        f"package = importlib.import_module({package!r})\n"
        "print(package.__name__ in pydoc.render_doc(package))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-600:]
    assert done.stdout.split() == ["True"]
