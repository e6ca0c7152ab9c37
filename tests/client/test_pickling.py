"""Every LeonardoError survives pickling whatever the caller passed (file objects, sockets, locks,
lambdas, generators …), so a ProcessPoolExecutor or multiprocessing worker hands the real error back."""

from __future__ import annotations

import io
import multiprocessing
import pickle
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import pytest

from leonardo_realtime_client import (
    APIConnectionError,
    ImageError,
    LeonardoError,
    RealtimeCanvas,
    ValidationError,
    image_data_url,
)
from leonardo_realtime_client._pickling import UnpicklableValue

from .conftest import API_KEY, make_jpeg

JPEG = make_jpeg()


def _round_trip(error: LeonardoError) -> LeonardoError:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    return copy


def _raised(action: Callable[[], object]) -> LeonardoError:
    with pytest.raises(LeonardoError) as caught:
        action()
    return caught.value


def test_image_error_for_a_file_object_pickles(tmp_path: Path) -> None:
    # The example: the file object is kept whole on the error, and cannot be pickled.
    file = tmp_path / "notes.txt"
    file.write_bytes(b"not an image at all")
    with file.open("rb") as fh:
        error = _raised(lambda: image_data_url(fh))
        assert isinstance(error, ImageError)
        assert error.violations[0].value is fh  # the caller's object, on the error raised here
        copy = _round_trip(error)
    assert isinstance(copy, ImageError)
    stand_in = copy.violations[0].value
    assert isinstance(stand_in, UnpicklableValue)
    assert stand_in.type_name == "BufferedReader"
    assert repr(stand_in).startswith("<_io.BufferedReader name=")
    assert copy.violations[0].field == "image"
    assert copy.violations[0].allowed == error.violations[0].allowed


def _unpicklables() -> Iterator[tuple[str, object]]:
    sock = socket.socket()
    try:
        yield "socket", sock
        yield "lock", threading.Lock()
        yield "lambda", lambda: 1
        yield "generator", (n for n in range(3))
        yield "text file", io.TextIOWrapper(io.BytesIO(b"x"))
    finally:
        sock.close()


@pytest.mark.parametrize("where", ["image", "option"])
def test_unpicklable_values_anywhere_in_a_validation_error(where: str) -> None:
    with RealtimeCanvas(api_key=API_KEY, transport=httpx.MockTransport(lambda r: httpx.Response(500))) as canvas:
        for name, value in _unpicklables():
            if where == "image":
                error = _raised(lambda value=value: canvas.refine(value, prompt="x"))  # type: ignore[misc]
            else:
                error = _raised(lambda value=value: canvas.refine(JPEG, prompt="x", seed=value))  # type: ignore[misc]
            assert isinstance(error, ValidationError), name
            copy = _round_trip(error)
            assert isinstance(copy, ValidationError)
            assert isinstance(copy.violations[0].value, UnpicklableValue), name
            assert str(copy.violations[0]) == str(error.violations[0]), name


def test_picklable_values_come_back_as_themselves() -> None:
    with RealtimeCanvas(api_key=API_KEY) as canvas:
        error = _raised(lambda: canvas.refine(JPEG, prompt="x", steps=99, width=5))
    copy = _round_trip(error)
    assert isinstance(copy, ValidationError)
    assert sorted(v.value for v in copy.violations) == [5, 99]


def test_an_unpicklable_attribute_of_a_custom_error_is_replaced_not_fatal() -> None:
    error = APIConnectionError("connection failed", request=None)
    error.add_note("while talking to the local server")
    error.hook = lambda: None  # type: ignore[attr-defined]  # what a caller's except-block might attach
    copy = _round_trip(error)
    assert isinstance(copy.hook, UnpicklableValue)  # type: ignore[attr-defined]
    assert copy.__notes__ == ["while talking to the local server"]


def _read_in_worker(path: str) -> str:
    """Runs in another process: raises the ImageError for a file object there."""
    with open(path, "rb") as fh:  # a real file object is the point
        return image_data_url(fh)


def test_a_process_pool_worker_hands_the_real_error_back(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_bytes(b"plain text, no image")
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(_read_in_worker, str(file))
        with pytest.raises(ImageError) as caught:
            future.result(timeout=120)
    assert "not an image" in str(caught.value)
    assert caught.value.violations[0].field == "image"
    assert isinstance(caught.value.violations[0].value, UnpicklableValue)
