"""The key: never leaked, never mangled. One redaction at the boundary (``_redaction``), only of
real occurrences, never of the parsed data; every path a server or proxy can echo the key through is closed."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import string
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from leonardo_realtime_client import (
    APIResponseError,
    APIStatusError,
    AsyncRealtimeCanvas,
    AuthenticationError,
    LeonardoError,
    RateLimitError,
    RealtimeCanvas,
)
from leonardo_realtime_client._cli import cli
from leonardo_realtime_client._cli._env import CliEnv, Connection
from leonardo_realtime_client._redaction import REDACTED, redact, redact_json

from .conftest import BASE_URL, OUT_JPEG, job, make_jpeg, ok

IMAGE = make_jpeg()
KEY = "sk-live-5f0c1e9a-77aa-4c2b-9d3e-0123456789ab"


def canvas(handler: Any, key: str = KEY, **kwargs: Any) -> RealtimeCanvas:
    return RealtimeCanvas(
        api_key=key, base_url=BASE_URL, transport=httpx.MockTransport(handler), max_retries=0, **kwargs
    )


def failure(handler: Any, key: str = KEY) -> LeonardoError:
    with canvas(handler, key) as c, pytest.raises(LeonardoError) as caught:
        c.generate(IMAGE, prompt="x")
    return caught.value


def rendered(error: BaseException) -> list[str]:
    """What an error shows a person: str, repr and the traceback (the whole chain)."""
    return [str(error), repr(error), "".join(traceback.format_exception(error))]


@contextlib.contextmanager
def debug_lines() -> Iterator[io.StringIO]:
    """Every line the package's logger emits at DEBUG, formatted (no pytest fixture: hypothesis reuses tests)."""
    logger = logging.getLogger("leonardo_realtime_client")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


# -- (a) never mangled: only real occurrences, never the parsed data ------------------------------------------------


def test_the_readme_key_any_leaves_too_many_requests_alone() -> None:
    # The example: with api_key="any" a 429 read "too m[redacted] requests".
    body = {"error": "too many requests", "path": "$", "code": "rate-limited"}
    error = failure(lambda r: httpx.Response(429, json=body), key="any")
    assert isinstance(error, RateLimitError)
    assert str(error) == "HTTP 429: too many requests [code: rate-limited]"


def test_a_one_character_key_rewrites_no_parsed_data() -> None:
    # The example: with api_key="e" error.code and the keys of error.body were rewritten.
    body = {"error": "rate limit exceeded", "path": "$", "code": "rate-limited"}
    error = failure(lambda r: httpx.Response(429, json=body), key="e")
    assert isinstance(error, RateLimitError)
    assert error.body == body
    assert error.body["error"] == "rate limit exceeded"
    assert error.code == "rate-limited"
    assert str(error) == "HTTP 429: rate limit exceeded [code: rate-limited]"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("too many requests", "any", "too many requests"),
        ("key any is not valid; many tried", "any", f"key {REDACTED} is not valid; many tried"),
        ('token="e" rejected', "e", f'token="{REDACTED}" rejected'),
        ("version 123, 2 left", "2", f"version 123, {REDACTED} left"),  # inside a number: no occurrence
        ("Bearer x!y, again x!yz", "x!y", f"Bearer {REDACTED}, again x!yz"),
        ("a : b and a:b", ":", f"a {REDACTED} b and a:b"),  # no letter or digit: only between spaces
        ("prefixsk-live-5f0c1e9a-77aa-4c2b-9d3e-0123456789absuffix", KEY, f"prefix{REDACTED}suffix"),
        ("shortened sk-live-5f0c1e9a-77…", KEY, f"shortened {REDACTED}…"),  # a long key's start, cut short
        ("repr 'a\\\\b\\'c'", "a\\b'c", f"repr '{REDACTED}'"),  # its escaped form in a repr
    ],
)
def test_what_counts_as_a_real_occurrence(text: str, key: str, expected: str) -> None:
    assert redact(text, key) == expected


# -- (b) every path a server can echo the key through ---------------------------------------------------------------

ECHO = f"Authorization: Bearer {KEY}"
HTML = {"content-type": "text/html"}


@pytest.mark.parametrize(
    ("answer", "cls"),
    [
        (
            httpx.Response(200, text=f"<html><title>{ECHO}</title></html>", headers={"content-type": "text/html"}),
            APIResponseError,
        ),
        (httpx.Response(200, text=f"proxy says {ECHO}", headers={"content-type": "text/plain"}), APIResponseError),
        (ok({"lcmGenerationJob": job(imageDataUrl=f"{ECHO}")}), APIResponseError),  # a field of the wrong type
        (ok({"lcmGenerationJob": job(imageDataUrl=[f"data:image/{KEY};base64,AAAA"])}), APIResponseError),  # label
        (ok({"lcmGenerationJob": {"sneaky": ECHO}}), APIResponseError),
        (httpx.Response(401, json={"error": ECHO}, headers={"x-request-id": KEY}), AuthenticationError),
        (httpx.Response(500, text=("x" * 70) + KEY), LeonardoError),  # the key straddles where the text is cut
    ],
)
def test_no_path_of_an_error_shows_the_key(answer: httpx.Response, cls: type[LeonardoError]) -> None:
    with debug_lines() as logs:
        error = failure(lambda r: httpx.Response(answer.status_code, headers=answer.headers, content=answer.content))
    assert isinstance(error, cls)
    for text in [*rendered(error), logs.getvalue()]:
        assert KEY not in text
        assert KEY[:10] not in text  # nor a recognisable start of it
    assert getattr(error, "request_id", None) in (None, REDACTED)


MIXED = "sk-Live-5F0C1E9A-Mixed-Case-Key"


@pytest.mark.parametrize(
    "answer",
    [
        # A data-URL label is lower-cased before it is shown: a mixed-case key came back as its lower-case self.
        ok({"lcmGenerationJob": job(imageDataUrl=[f"data:text/{MIXED};base64,AAAA"])}),
        ok({"lcmGenerationJob": job(imageDataUrl=[f"data:image/jpeg;k={MIXED};base64,AAAA"])}),
        httpx.Response(500, json={"error": f"bad token {MIXED.upper()}"}),
        httpx.Response(502, text=f"<html><title>echo {MIXED.lower()}</title></html>", headers=HTML),
    ],
)
def test_a_key_echoed_in_another_case_shows_nowhere(answer: httpx.Response) -> None:
    with debug_lines() as logs:
        error = failure(
            lambda r: httpx.Response(answer.status_code, headers=answer.headers, content=answer.content), MIXED
        )
    for text in [*rendered(error), logs.getvalue()]:
        for form in (MIXED, MIXED.lower(), MIXED.upper()):
            assert form not in text


def test_a_short_key_keeps_its_case() -> None:
    assert redact("Any request with key any", "any") == f"Any request with key {REDACTED}"


def test_a_request_id_header_or_metadata_echoing_the_key_shows_nowhere_on_a_result() -> None:
    body = {"lcmGenerationJob": job(requestTimestamp={"echo": ECHO}, newField=ECHO)}
    with debug_lines() as logs, canvas(lambda r: ok(body, **{"x-request-id": KEY})) as c:
        result = c.generate(IMAGE, prompt="x")
    assert result.images == (OUT_JPEG,)
    assert result.request_id == REDACTED
    assert len(result.warnings) == 2
    for text in [repr(result), *result.warnings, logs.getvalue()]:
        assert KEY not in text
        assert KEY[:10] not in text
    assert result.unparsed["newField"] == ECHO  # the parsed data as sent


def test_debug_log_bodies_and_headers_show_no_key() -> None:
    answer = {"error": f"invalid key {KEY}", "code": "invalid-jwt"}
    with debug_lines() as logs:
        failure(lambda r: httpx.Response(401, json=answer, headers={"x-echo": f"Bearer {KEY}", "x-request-id": KEY}))
    text = logs.getvalue()
    assert "response POST" in text
    assert "invalid key [redacted]" in text
    assert "'x-echo': 'Bearer [redacted]'" in text
    assert KEY not in text


# -- the property: any key, any echo ---------------------------------------------------------------------------------

KEYS = st.text(alphabet=[chr(c) for c in range(0x21, 0x7F)], min_size=1, max_size=64)  # what a key can be
WORDS = st.text(alphabet=string.ascii_letters + string.digits + " .,;:!?'\"()[]{}-_/\\=+*&%$#@", max_size=30)


def _clean(text: str, key: str) -> bool:
    """No real occurrence of the key in ``text`` (long keys: not at all; see _redaction's rule)."""
    return key not in text if len(key) >= 8 else redact(text, key) == text


def _shown(error: BaseException, key: str) -> list[str]:
    """What to check of an error for a key: str, the rendered attributes and each message of the chain; for a long
    key also the repr and the whole traceback (a short key such as "api" may be part of our own source lines)."""
    texts = [str(error), getattr(error, "message", ""), getattr(error, "request_id", None) or ""]
    texts += ["".join(traceback.format_exception_only(e)) for e in _chain(error)]
    if len(key) >= 8:
        texts += [repr(error), "".join(traceback.format_exception(error))]
    return texts


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=KEYS, left=WORDS, right=WORDS, where=st.sampled_from(["json", "text", "graphql"]))
def test_any_key_echoed_anywhere_never_shows_and_the_rest_is_kept(key: str, left: str, right: str, where: str) -> None:
    assume(_clean(f"start {left}", key) and _clean(f"{right} end", key))
    assume(REDACTED not in left + right)
    message = f"start {left} {key} {right} end"
    if where == "json":
        answer = httpx.Response(401, json={"error": message, "code": "invalid-jwt"}, headers={"x-request-id": key})
    elif where == "graphql":
        answer = httpx.Response(200, json={"errors": [{"message": message, "extensions": {"code": "invalid-jwt"}}]})
    else:
        answer = httpx.Response(400, text=message, headers={"content-type": "text/plain", "x-request-id": key})
    with debug_lines() as logs:
        error = failure(lambda r: answer, key=key)
    for text in [*_shown(error, key), logs.getvalue()]:
        assert _clean(text, key), text
        assert f" {key} " not in text
    assert isinstance(error, APIStatusError)
    if where != "text":  # the server's message, every character kept, the key's place taken by [redacted]
        assert error.message == f"start {left} {REDACTED} {right} end"
        assert error.message in str(error)
    assert error.request_id in (None, REDACTED)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(key=KEYS, left=WORDS)
def test_any_key_never_shows_in_the_cli_output_or_its_json(key: str, left: str, tmp_path_factory: Any) -> None:
    assume(_clean(left, key) and _clean("Bearer  rejected", key) and REDACTED not in left)
    folder: Path = tmp_path_factory.mktemp("cli")
    (folder / "in.jpg").write_bytes(IMAGE)
    message = f"{left} Bearer {key} rejected"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": message, "code": "invalid-jwt"}, headers={"x-request-id": key})

    def factory(conn: Connection) -> AsyncRealtimeCanvas:
        return AsyncRealtimeCanvas(
            api_key=conn.api_key, base_url=BASE_URL, transport=httpx.MockTransport(answer), max_retries=0
        )

    key_file = folder / "key.txt"
    key_file.write_text(key)
    args = ["generate", str(folder / "in.jpg"), "-p", "x", "-o", str(folder / "out.jpg"), "--json"]
    result = CliRunner().invoke(
        cli, [*args, "--api-key-file", str(key_file)], obj=CliEnv(client_factory=factory), catch_exceptions=False
    )
    assert result.exit_code == 4, result.output
    assert _clean(result.stderr, key), result.stderr
    assert f" {key} " not in result.stderr
    doc = json.loads(result.stdout)
    if len(key) >= 8:
        assert key not in result.stdout
    # A short key such as "0" may be one of the document's own numbers, "ok" one of its own names.
    for text in _strings(doc, names=len(key) >= 8):
        assert _clean(text, key), text
    item_error = doc["items"][0]["error"]
    assert f"Bearer {REDACTED} rejected" in item_error["message"]
    assert item_error["request_id"] in (None, REDACTED)


def _strings(value: object, names: bool = True) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if names:
                yield k
            yield from _strings(v, names)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, names)


@pytest.mark.parametrize("key", ["error", "ok", "message", "items", "status"])
def test_a_short_key_named_like_a_field_of_the_json_report_leaves_its_names_alone(key: str, tmp_path: Path) -> None:
    # With api_key="error" the --json report's "error" fields were renamed "[redacted]": doc["items"][0]["error"]
    # raised KeyError, and "ok" lost the document's own "ok".
    (tmp_path / "in.jpg").write_bytes(IMAGE)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": f"Bearer {key} rejected", "code": "invalid-jwt"})

    def factory(conn: Connection) -> AsyncRealtimeCanvas:
        return AsyncRealtimeCanvas(
            api_key=conn.api_key, base_url=BASE_URL, transport=httpx.MockTransport(answer), max_retries=0
        )

    (tmp_path / "key.txt").write_text(key)
    args = ["generate", str(tmp_path / "in.jpg"), "-p", "x", "-o", str(tmp_path / "out.jpg"), "--json"]
    result = CliRunner().invoke(
        cli,
        [*args, "--api-key-file", str(tmp_path / "key.txt")],
        obj=CliEnv(client_factory=factory),
        catch_exceptions=False,
    )
    doc = json.loads(result.stdout)
    assert set(doc) >= {"command", "ok", "exit_code", "items", "failed"}
    assert doc["ok"] is False
    assert doc["items"][0]["error"]["message"] == f"HTTP 401: Bearer {REDACTED} rejected [code: invalid-jwt]"
    assert f"Bearer {key} " not in result.stdout + result.stderr


def test_a_long_key_is_cut_from_names_too() -> None:
    doc = {KEY: {"echo": f"x{KEY}x"}, "short": "ok"}
    assert redact_json(doc, KEY) == {REDACTED: {"echo": f"x{REDACTED}x"}, "short": "ok"}
    assert redact_json({"ok": "ok here"}, "ok") == {"ok": f"{REDACTED} here"}
