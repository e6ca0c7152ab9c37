"""Public docstrings stand alone: constructors document every argument, public methods say what they return and
raise (names that exist), nothing points at a private module's text, and the generated enums have their own."""

from __future__ import annotations

import builtins
import enum
import inspect
import pydoc
import re
from collections.abc import Callable
from typing import Any

import pytest

import leonardo_realtime_client as lrc
from leonardo_realtime_client import (
    AsyncRealtimeCanvas,
    CostUnit,
    LcmGenerationStyle,
    RealtimeCanvas,
    RealtimeResult,
    RealtimeSession,
    RetryPolicy,
    ThreadedRealtimeSession,
)

CLASSES = [RealtimeCanvas, AsyncRealtimeCanvas, RealtimeSession, ThreadedRealtimeSession, RealtimeResult, RetryPolicy]
FUNCTIONS = [name for name in lrc.__all__ if inspect.isfunction(getattr(lrc, name))]
OPERATIONS = ["generate", "refine", "inpaint", "upscale"]
CALL_ERRORS = {
    "ValidationError",
    "ImageError",
    "ConfigurationError",
    "APIStatusError",
    "APITimeoutError",
    "APIConnectionError",
    "APIResponseError",
}


def section(doc: str, name: str) -> str:
    """The body of a Google-style section (``Args:``, ``Returns:``, ``Raises:``), or ``""``."""
    match = re.search(rf"^{name}:\n((?:[ ]{{4}}.*\n?|\n)+)", doc, re.M)
    return match[1] if match else ""


def entries(body: str) -> list[str]:
    """The names a section lists (``name:`` at its first indentation)."""
    return re.findall(r"^[ ]{4}(\*{0,2}\w+)(?: \([^)]*\))?:", body, re.M)


def public_methods(cls: type) -> list[tuple[str, Callable[..., Any]]]:
    return [
        (name, member) for name, member in vars(cls).items() if not name.startswith("_") and inspect.isfunction(member)
    ]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_the_constructor_documents_every_argument(cls: type) -> None:
    init = vars(cls).get("__init__") or cls.__init__  # type: ignore[misc]
    doc = inspect.getdoc(init)
    assert doc, f"{cls.__name__}.__init__ has no docstring of its own"
    assert "Initialize self" not in pydoc.render_doc(init)
    params = [
        ("**" if p.kind is p.VAR_KEYWORD else "") + name
        for name, p in inspect.signature(init).parameters.items()
        if name != "self"
    ]
    documented = entries(section(doc, "Args"))
    if cls not in (RealtimeResult, RetryPolicy):  # attrs classes: their fields are documented one by one instead
        assert documented == params


@pytest.mark.parametrize("cls", [RealtimeCanvas, AsyncRealtimeCanvas], ids=lambda c: c.__name__)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_operation_documents_its_arguments_result_and_errors(cls: type, operation: str) -> None:
    method = getattr(cls, operation)
    doc = inspect.getdoc(method) or ""
    params = [name for name in inspect.signature(method).parameters if name != "self"]
    assert entries(section(doc, "Args")) == params
    assert "RealtimeResult" in section(doc, "Returns")
    assert set(entries(section(doc, "Raises"))) >= CALL_ERRORS
    assert f"/{'generations-lcm' if operation == 'generate' else ''}" in doc or "POST /lcm-" in doc  # the spec's op


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_public_methods_say_what_they_return_and_raise_names_that_exist(cls: type) -> None:
    for name, method in public_methods(cls):
        doc = inspect.getdoc(method)
        assert doc, f"{cls.__name__}.{name} has no docstring"
        returns = inspect.signature(method).return_annotation
        if returns not in ("None", None, inspect.Signature.empty):
            assert section(doc, "Returns"), f"{cls.__name__}.{name} returns {returns} but has no Returns:"
        for raised in entries(section(doc, "Raises")):
            assert hasattr(lrc, raised) or isinstance(getattr(builtins, raised, None), type), (cls, name, raised)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_properties_are_documented(cls: type) -> None:
    undocumented = [
        name for name, member in vars(cls).items() if isinstance(member, property) and not (member.__doc__ or "")
    ]
    assert undocumented == []


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_no_docstring_sends_the_reader_to_a_private_module(cls: type) -> None:
    texts = [inspect.getdoc(cls) or ""] + [inspect.getdoc(m) or "" for _, m in public_methods(cls)]
    for text in texts:
        assert "module docstring" not in text


@pytest.mark.parametrize("enum_class", [LcmGenerationStyle, CostUnit])
def test_the_generated_enums_have_their_own_docstring(enum_class: type[enum.StrEnum]) -> None:
    doc = enum_class.__doc__ or ""
    assert doc != enum.StrEnum.__doc__
    assert all(member.value in doc for member in enum_class)  # the values are listed
    assert "Enum where members are also" not in pydoc.render_doc(enum_class)


def test_the_public_functions_are_known() -> None:
    assert set(FUNCTIONS) >= {"decode_data_url", "encode_data_url", "image_data_url", "mask_data_url", "to_jpeg_bytes"}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_public_functions_say_what_they_return_and_raise_names_that_exist(name: str) -> None:
    function = getattr(lrc, name)
    doc = inspect.getdoc(function) or ""
    assert section(doc, "Returns"), name
    for raised in entries(section(doc, "Raises")):
        assert hasattr(lrc, raised) or isinstance(getattr(builtins, raised, None), type), (name, raised)
