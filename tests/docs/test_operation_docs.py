"""The four operations' docstrings are composed from their own text and the shared sections: the composition puts
every argument in signature order, keeps each operation's own words, and refuses a parameter documented nowhere."""

from __future__ import annotations

import inspect
from typing import Unpack

import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, RealtimeCanvas
from leonardo_realtime_client._operation_docs import operation_doc
from leonardo_realtime_client._operation_options import OperationOptions


def test_an_argument_documented_nowhere_is_refused_when_the_method_is_defined() -> None:
    with pytest.raises(TypeError, match=r"no docstring entry for colour"):

        @operation_doc("generate")
        def generate(
            self: object, image: object, *, prompt: str, colour: str, **options: Unpack[OperationOptions]
        ) -> None:
            """Summary.

            Args:
                image: The image.
                prompt: The prompt.
            """


def test_a_method_whose_options_are_not_the_declared_ones_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match=r"its last parameter must be \*\*options: Unpack\[UpscaleOptions\]"):

        @operation_doc("upscale")
        def upscale(self: object, image: object, *, prompt: str, **options: Unpack[OperationOptions]) -> None:
            """Summary."""

    with pytest.raises(TypeError, match=r"its last parameter must be \*\*seed: Unpack\[OperationOptions\]"):

        @operation_doc("refine")
        def refine(self: object, image: object, *, prompt: str, seed: int | None = None) -> None:
            """Summary."""


def test_own_and_shared_arguments_come_in_signature_order() -> None:
    @operation_doc("refine")
    def refine(self: object, image: object, *, prompt: str, **options: Unpack[OperationOptions]) -> None:
        """Summary line.

        Args:
            prompt: Its own words for the prompt.
            image: Its own words for the image.
        """

    doc = inspect.getdoc(refine) or ""
    args = doc.split("Args:\n", 1)[1].split("\n\n", 1)[0]
    names = [line.split(":")[0].strip() for line in args.splitlines() if not line.startswith(" " * 8)]
    assert names == ["image", "prompt", *OperationOptions.__annotations__]
    assert names[2:5] == ["guidance", "strength", "steps"]
    assert "Its own words for the image." in args
    assert doc.startswith("Summary line.\n\nArgs:\n")


@pytest.mark.parametrize("cls", [RealtimeCanvas, AsyncRealtimeCanvas], ids=lambda c: c.__name__)
def test_each_operation_keeps_its_own_returns_and_raises_words(cls: type) -> None:
    assert "or a mask of another" in (inspect.getdoc(cls.inpaint) or "")  # type: ignore[attr-defined]
    assert "or a mask of another" not in (inspect.getdoc(cls.refine) or "")  # type: ignore[attr-defined]
    assert "``generated_image_id``" in (inspect.getdoc(cls.upscale) or "")  # type: ignore[attr-defined]
    assert "``generated_image_id``" not in (inspect.getdoc(cls.generate) or "")  # type: ignore[attr-defined]
