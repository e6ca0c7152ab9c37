"""Property: a call either raises ValidationError and sends nothing, or sends a body the validator accepts."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leonardo_realtime_client import RealtimeCanvas, ValidationError
from leonardo_realtime_client._operations import operations
from leonardo_realtime_client._validation import validate_body

from .conftest import API_KEY, Recorder, make_jpeg

IMAGE = make_jpeg((16, 16))
numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 30))
options = st.fixed_dictionaries(
    {},
    optional={
        "guidance": numbers,
        "strength": numbers,
        "steps": st.one_of(st.none(), st.integers(-2, 20), st.floats(0, 20)),
        "width": st.one_of(st.none(), st.sampled_from([256, 512, 640, 1024, 2048])),
        "height": st.one_of(st.none(), st.sampled_from([512, 640, 1024, 0])),
        "seed": st.one_of(st.none(), st.integers(-1, 10**10 + 5), st.booleans()),
        "style": st.one_of(st.none(), st.sampled_from(["ANIME", "NONE", "anime", "OIL"])),
        "refine_creative": st.one_of(st.none(), st.booleans(), st.just("yes")),
        "refine_strength": numbers,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(options)
def test_client_and_validator_agree(kwargs: dict[str, Any]) -> None:
    recorder = Recorder()
    given_names = {name for name, value in kwargs.items() if value is not None}
    refused: ValidationError | None = None
    with RealtimeCanvas(api_key=API_KEY, transport=recorder.transport) as canvas:
        try:
            canvas.upscale(IMAGE, prompt="p", **kwargs)
        except ValidationError as error:
            refused = error
    if refused is not None:
        assert recorder.requests == []
        assert set(refused.fields) <= given_names
        return
    body = recorder.body()
    operation = operations()["upscale"]
    assert validate_body(operation.operation_id, body) == []
    sent = {operation.names[key] for key in body} - {"image", "prompt"}
    assert sent == given_names
