"""The four operations take their keyword options as ``**options: Unpack[...]`` (declared once, in
``_operation_options``), and still look and act written out: the same signature in ``inspect`` and ``help()``,
and an unexpected keyword refused with Python's own ``TypeError`` before anything is sent."""

from __future__ import annotations

import inspect
import pydoc
from typing import Any

import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, RealtimeCanvas

from .conftest import API_KEY, BASE_URL, Recorder, make_jpeg

_LCM = (
    "guidance: 'Number | None' = None, strength: 'Number | None' = None, steps: 'Integer | None' = None, "
    "width: 'Integer | None' = None, height: 'Integer | None' = None, seed: 'Integer | None' = None, "
    "style: 'LcmGenerationStyle | str | None' = None, request_timestamp: 'str | None' = None, "
)
_PER_CALL = (
    "timeout: 'TimeoutTypes' = None, total_timeout: 'Number | None' = None, max_retries: 'Integer | None' = None"
)
_REFINE = "refine_creative: 'bool | None' = None, refine_strength: 'Number | None' = None, "

# The signatures as they were when each option was a parameter of its own (what users and editors saw).
SIGNATURES = {
    "generate": f"(self, image: 'ImageInput', *, prompt: 'str', {_LCM}{_PER_CALL}) -> 'RealtimeResult'",
    "refine": f"(self, image: 'ImageInput', *, prompt: 'str', {_LCM}{_PER_CALL}) -> 'RealtimeResult'",
    "inpaint": (
        f"(self, image: 'ImageInput', mask: 'ImageInput', *, prompt: 'str', {_LCM}{_PER_CALL}) -> 'RealtimeResult'"
    ),
    "upscale": f"(self, image: 'ImageInput', *, prompt: 'str', {_LCM}{_REFINE}{_PER_CALL}) -> 'RealtimeResult'",
}

CLIENTS = [RealtimeCanvas, AsyncRealtimeCanvas]


@pytest.mark.parametrize("cls", CLIENTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", list(SIGNATURES))
def test_each_operation_shows_its_options_written_out(cls: type, name: str) -> None:
    method = getattr(cls, name)
    signature = inspect.signature(method)
    assert str(signature) == SIGNATURES[name]
    assert all(p.kind is p.KEYWORD_ONLY for p in list(signature.parameters.values())[-10:])
    assert method.__annotations__ == {
        **{p.name: p.annotation for p in signature.parameters.values() if p.name != "self"},
        "return": "RealtimeResult",
    }
    shown = pydoc.plain(pydoc.render_doc(method))
    assert f"{name}{SIGNATURES[name]}" in shown
    assert "**options" not in shown
    bound = inspect.signature(getattr(cls(api_key=API_KEY), name))
    assert list(bound.parameters) == [p for p in signature.parameters if p != "self"]


_TAKES = (
    "Its keyword arguments are prompt, guidance, strength, steps, width, height, seed, style, request_timestamp, "
    "timeout, total_timeout, max_retries."
)


@pytest.mark.parametrize(
    ("name", "keyword", "message"),
    [
        ("generate", "guidanse", "generate() got an unexpected keyword argument 'guidanse'. Did you mean 'guidance'?"),
        (
            "upscale",
            "refine_strenght",
            "upscale() got an unexpected keyword argument 'refine_strenght'. Did you mean 'refine_strength'?",
        ),
        ("inpaint", "Seed", "inpaint() got an unexpected keyword argument 'Seed'. Did you mean 'seed'?"),
        ("refine", "prompts", "refine() got an unexpected keyword argument 'prompts'. Did you mean 'prompt'?"),
        # upscale's own options are unknown to the others; so is a mask outside inpaint
        ("refine", "refine_creative", f"refine() got an unexpected keyword argument 'refine_creative'. {_TAKES}"),
        ("generate", "mask", f"generate() got an unexpected keyword argument 'mask'. {_TAKES}"),
    ],
)
@pytest.mark.anyio
async def test_an_unexpected_keyword_is_a_type_error_and_nothing_is_sent(name: str, keyword: str, message: str) -> None:
    recorder = Recorder()
    jpeg = make_jpeg()
    images = (jpeg, jpeg) if name == "inpaint" else (jpeg,)
    kwargs: dict[str, Any] = {"prompt": "a lighthouse", "steps": 8, keyword: 0.7}
    canvas = RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport)
    with canvas, pytest.raises(TypeError) as sync_error:
        getattr(canvas, name)(*images, **kwargs)
    async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport) as acanvas:
        with pytest.raises(TypeError) as async_error:
            await getattr(acanvas, name)(*images, **kwargs)
    assert str(sync_error.value) == f"RealtimeCanvas.{message}"
    assert str(async_error.value) == f"AsyncRealtimeCanvas.{message}"
    assert recorder.requests == []


def test_the_per_call_settings_are_not_sent_and_the_options_are() -> None:
    recorder = Recorder()
    with RealtimeCanvas(api_key=API_KEY, base_url=BASE_URL, transport=recorder.transport) as canvas:
        canvas.upscale(
            make_jpeg(),
            prompt="more",
            refine_strength=0.6,
            seed=None,  # None: not sent
            timeout=5.0,
            total_timeout=30,
            max_retries=0,
        )
    body = recorder.body()
    assert {key: value for key, value in body.items() if key != "imageDataUrl"} == {
        "prompt": "more",
        "refineStrength": 0.6,
    }
    assert recorder.requests[0].extensions["timeout"]["read"] == 5.0
