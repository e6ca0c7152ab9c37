"""Whatever bytes reach an image check, the error names what they are but never quotes them.

An image argument is often a path, and a path can name the wrong file: a key file, a private key,
``/proc/self/environ``. The check says what kind of content it found (a PEM block, JSON, plain text …) and how
long it is; no six characters of the content appear in ``str``, ``repr`` or a traceback. The value itself stays
on ``Violation.value`` for the caller.
"""

from __future__ import annotations

import io
import traceback
from pathlib import Path

import pytest

from leonardo_realtime_client import ImageError, image_data_url, mask_data_url
from leonardo_realtime_client._errors import short_repr

from .helpers import jpeg

SECRET_CONTENTS = {
    "api key": (b"sk-live-0123456789abcdefSECRET\n", "plain text"),
    "private key": (b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n", "PEM block"),
    "environ": (b"HOME=/root\x00LEONARDO_API_KEY=sk-abcdef0123456789\x00", "neither text nor a known kind"),
    "json": (b'{"apiKey": "sk-abcdef0123456789", "user": "me"}', "JSON text"),
    "html": (b"<!DOCTYPE html><html><body>token=sk-abcdef0123456789</body></html>", "HTML page"),
    "pdf": (b"%PDF-1.7 secret-report-sk-abcdef0123456789", "PDF document"),
}


def _windows(content: bytes) -> list[str]:
    text = content.decode("latin-1")
    return [text[i : i + 6] for i in range(len(text) - 5) if text[i : i + 6].strip()]


def _rendered(error: ImageError) -> str:
    chained = "".join(traceback.format_exception(error))
    return "\n".join([str(error), repr(error), chained])


@pytest.mark.parametrize("kind", sorted(SECRET_CONTENTS))
@pytest.mark.parametrize("route", ["path", "bytes", "file object", "mask path"])
def test_content_that_is_no_image_is_named_never_quoted(tmp_path: Path, kind: str, route: str) -> None:
    content, named = SECRET_CONTENTS[kind]
    secret = tmp_path / "secret.txt"
    secret.write_bytes(content)
    with secret.open("rb") as handle:
        given: object = {"path": secret, "bytes": content, "file object": handle, "mask path": secret}[route]
        convert = (lambda v: mask_data_url(v, size=(64, 48))) if route == "mask path" else image_data_url
        with pytest.raises(ImageError) as info:
            convert(given)  # type: ignore[arg-type]
    text = _rendered(info.value)
    assert named in text
    assert f"{len(content):,} bytes" in text
    leaked = [piece for piece in _windows(content) if piece in text and piece not in "secret.txt"]
    assert leaked == [], leaked


def test_the_value_is_kept_whole_on_the_error() -> None:
    content = SECRET_CONTENTS["api key"][0]
    with pytest.raises(ImageError) as info:
        image_data_url(content)
    assert info.value.violations[0].value is content


@pytest.mark.parametrize("value", [b"sk-abcdef", bytearray(b"sk-abcdef"), memoryview(b"sk-abcdef"), b""])
def test_binary_values_are_measured_not_quoted(value: bytes | bytearray | memoryview) -> None:
    assert short_repr(value) == f"<{len(value)} bytes>"


def test_text_given_directly_is_still_shown_shortened() -> None:
    assert short_repr("x" * 1000).endswith("… (1000 characters)")
    assert short_repr("a prompt") == "'a prompt'"


def test_an_image_with_trailing_text_is_still_an_image() -> None:
    data = jpeg() + b"trailing"
    assert image_data_url(io.BytesIO(data)).startswith("data:image/jpeg;base64,")
