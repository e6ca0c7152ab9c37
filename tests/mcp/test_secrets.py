"""The API key never appears in a tool list, a tool result, an error, a saved file name or a log line."""

from __future__ import annotations

import base64
import json
import logging
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from mcp.types import TextContent

from leonardo_realtime_client.server import LocalTransport, ServerConfig

from .conftest import MARKER_KEY, MakeHarness

pytestmark = pytest.mark.anyio


def _echo_the_key(request: httpx.Request) -> httpx.Response:
    """A hostile or careless server that puts the bearer token it got in every error field."""
    token = request.headers["authorization"]
    body = {"error": f"invalid token {token}", "path": token, "code": f"bad-{token}"}
    return httpx.Response(401, json=body, headers={"x-request-id": token})


async def test_the_key_is_in_no_output(
    make_harness: MakeHarness, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []
    # 1. The stand-in accepting only the marker key: a real success, and a validation error.
    good = make_harness(ServerConfig(require_token=MARKER_KEY), budget=Decimal("1"))
    async with good.client() as client:
        outputs.append(json.dumps((await client.list_tools()).model_dump(mode="json")))
        ok = await client.call_tool("generate", {"image": str(good.sketch), "prompt": "p"})
        invalid = await client.call_tool("generate", {"image": MARKER_KEY, "prompt": "p", "steps": 99})
        outputs += [ok.model_dump_json(), invalid.model_dump_json()]
    assert ok.is_error is False
    assert good.seen[0].status == 200  # the key did reach the server: it is used, just never shown
    # 2. A wrong key refused by the stand-in.
    # (its 401 mode: by default it answers as Leonardo does, HTTP 500 "Invalid response from authorization hook")
    wrong = make_harness(transport=LocalTransport(ServerConfig(require_token="another", wrong_key="401")), local=False)
    async with wrong.client() as client:
        refused = await client.call_tool("refine", {"image": str(wrong.sketch), "prompt": "p"})
    outputs.append(refused.model_dump_json())
    captured = capsys.readouterr()
    outputs += [captured.out, captured.err, caplog.text]
    # 3. A server echoing the key back in every error field: neither the tool result nor a log line (DEBUG
    #    included: the client logs response bodies) carries it.
    echo = make_harness(transport=httpx.MockTransport(_echo_the_key), local=False)
    async with echo.client() as client:
        echoed = await client.call_tool("refine", {"image": str(echo.sketch), "prompt": "p"})
    outputs.append(echoed.model_dump_json())
    captured = capsys.readouterr()
    outputs += [captured.out, captured.err, caplog.text]
    for result in (refused, echoed):
        assert result.is_error is True
        assert result.structured_content["error"]["status"] == 401
    outputs += [str(path) for path in good.output.iterdir()]
    assert any("401" in text for text in outputs)  # the probe sees the errors it checks
    for text in outputs:
        assert MARKER_KEY not in text
        assert MARKER_KEY[10:30] not in text


@pytest.mark.parametrize(
    "content",
    [
        MARKER_KEY.encode() + b"\n",  # the server's own --api-key-file
        b"LEONARDO_API_KEY=" + MARKER_KEY.encode() + b"\x00HOME=/root",  # /proc/self/environ, a .env file
        b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=",
        b'it\'s "quoted" \\ and \xff\xfe binary',
    ],
)
async def test_a_tool_error_never_quotes_a_file_that_is_no_image(
    make_harness: MakeHarness, tmp_path: Path, content: bytes
) -> None:
    """A tool caller may name any file on the server's machine: the error says it is no image, not what it holds."""
    secret = tmp_path / "secret.txt"
    secret.write_bytes(content)
    url = "data:image/jpeg;base64," + base64.b64encode(content).decode()
    harness = make_harness()
    texts: list[str] = []
    async with harness.client() as client:
        for arguments in (
            {"image": str(secret), "prompt": "p"},
            {"image": str(harness.sketch), "mask": str(secret), "prompt": "p"},
            {"image": str(harness.sketch), "mask": url, "prompt": "p"},
        ):
            result = await client.call_tool("inpaint", arguments)
            assert result.is_error is True
            texts.append(result.model_dump_json())
            texts.append("\n".join(block.text for block in result.content if isinstance(block, TextContent)))
    assert harness.seen == []
    for text in texts:
        assert "not an image" in text
        for start in range(0, len(content) - 5):
            piece = content[start : start + 6]
            assert repr(piece)[2:-1] not in text.replace(url, ""), piece
