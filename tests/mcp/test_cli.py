"""``leonardo-realtime mcp`` as an MCP host starts it (a subprocess over stdio), and its option checks."""

from __future__ import annotations

import base64
import os
import signal
import sys
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import ImageContent

from leonardo_realtime_client._cli import cli

from .conftest import MARKER_KEY, decode_jpeg, png_file


@pytest.mark.anyio
async def test_mcp_local_over_stdio_makes_one_call(tmp_path: Path) -> None:
    sketch = png_file(tmp_path / "sketch.png")
    env = {k: v for k, v in os.environ.items() if k not in ("LEONARDO_API_KEY", "LEONARDO_BASE_URL")}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "leonardo_realtime_client", "mcp", "--local", "--output-dir", str(tmp_path / "out")],
        env=env,
        cwd=tmp_path,
    )
    with (tmp_path / "server.log").open("w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            result = await session.call_tool("generate", {"image": str(sketch), "prompt": "a red kite", "seed": 3})
    assert {tool.name for tool in tools.tools} == {"generate", "refine", "inpaint", "upscale"}
    assert result.is_error is False
    (block,) = [b for b in result.content if isinstance(b, ImageContent)]
    assert block.mime_type == "image/jpeg"
    assert decode_jpeg(base64.b64decode(block.data)).size == (512, 512)
    assert result.structured_content is not None
    saved = Path(result.structured_content["images"][0]["path"])
    assert saved.parent == tmp_path / "out"
    assert await anyio.Path(saved).is_file()
    log = await anyio.Path(tmp_path / "server.log").read_text()
    assert "local stand-in" in log  # the start-up line went to standard error, not into the protocol


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_mcp_without_a_key_is_a_usage_error(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEONARDO_API_KEY", raising=False)
    result = runner.invoke(cli, ["mcp"])
    assert result.exit_code == 2
    assert "no API key" in result.output
    assert "--local" in result.output


def test_mcp_refuses_a_key_as_an_option_value(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["mcp", "--local", "--api-key", MARKER_KEY])
    assert result.exit_code == 2
    assert MARKER_KEY not in result.output
    assert "LEONARDO_API_KEY" in result.output


@pytest.mark.parametrize("value", ["-1", "0", "lots", "nan"])
def test_mcp_budget_must_be_a_positive_number(runner: CliRunner, value: str) -> None:
    result = runner.invoke(cli, ["mcp", "--local", "--budget", value])
    assert result.exit_code == 2
    assert "--budget" in result.output


def test_mcp_output_dir_that_cannot_be_made(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(cli, ["mcp", "--local", "--output-dir", str(blocker / "sub")])
    assert result.exit_code == 2
    assert "--output-dir" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--base-url", "http://example.com/api/rest/v1"], "pass --allow-insecure-http"),
        (["--base-url", "ftp://example.com/x"], "must be an absolute http(s) URL"),
        (["--base-url", "https://"], "base_url"),
    ],
)
def test_mcp_with_a_connection_it_cannot_make_is_a_usage_error(
    runner: CliRunner, tmp_path: Path, args: list[str], expected: str
) -> None:
    """Not a traceback after a start-up line announcing a server that never runs."""
    result = runner.invoke(cli, ["mcp", *args, "-o", str(tmp_path)], env={"LEONARDO_API_KEY": MARKER_KEY})
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "MCP server on stdio" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert MARKER_KEY not in result.output


def test_mcp_local_without_the_server_extra_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    from leonardo_realtime_client._cli._env import AsyncCanvas, CliEnv, Connection
    from leonardo_realtime_client._errors import ConfigurationError

    def factory(conn: Connection) -> AsyncCanvas:
        raise ConfigurationError(
            "the local server needs the 'server' extra (Pillow missing): pip install 'leonardo-realtime-client[server]'"
        )

    result = runner.invoke(cli, ["mcp", "--local", "-o", str(tmp_path)], obj=CliEnv(client_factory=factory))
    assert result.exit_code == 2, result.output
    assert "needs the 'server' extra (Pillow missing)" in result.output
    assert "MCP server on stdio" not in result.output


def test_mcp_http_on_a_busy_port_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    from leonardo_realtime_client._mcp._server import bind_loopback

    with bind_loopback(0) as busy:
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["mcp", "--local", "--transport", "http", "--port", str(port), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


@pytest.mark.anyio
async def test_mcp_local_over_streamable_http_on_loopback(tmp_path: Path) -> None:
    """``--transport http``: a real socket on 127.0.0.1, reached with the SDK's Streamable HTTP client."""
    import subprocess

    from mcp import Client

    from leonardo_realtime_client._mcp._server import bind_loopback

    with bind_loopback(0) as probe:  # a free port (closed again before the server binds it)
        port = probe.getsockname()[1]
    sketch = png_file(tmp_path / "sketch.png")
    env = {k: v for k, v in os.environ.items() if k != "LEONARDO_API_KEY"}
    args = ["mcp", "--local", "--transport", "http", "--port", str(port), "-o", str(tmp_path / "out")]
    command = [sys.executable, "-m", "leonardo_realtime_client", *args]
    async with await anyio.open_process(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env) as process:
        assert process.stderr is not None
        banner = b""
        while b"\n" not in banner:  # printed after the socket is bound and listening: connecting cannot be refused
            banner += await process.stderr.receive()
        assert f"http://127.0.0.1:{port}/mcp".encode() in banner
        try:
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                result = await client.call_tool("upscale", {"image": str(sketch), "prompt": "crisp"})
        finally:
            process.terminate()
            await process.wait()
    assert result.is_error is False
    (block,) = [b for b in result.content if isinstance(b, ImageContent)]
    assert block.mime_type == "image/jpeg"
    assert decode_jpeg(base64.b64decode(block.data)).size == (1024, 1024)


def test_mcp_without_the_extra_names_it(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the `mcp` SDK installed the command says which extra to install (import blocked here)."""
    for name in [m for m in sys.modules if m == "mcp" or m.startswith("mcp.")]:
        monkeypatch.setitem(sys.modules, name, None)  # importing any of them now raises ImportError
    monkeypatch.delitem(sys.modules, "leonardo_realtime_client._mcp._server", raising=False)
    result = runner.invoke(cli, ["mcp", "--local", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "pip install 'leonardo-realtime-client[mcp]'" in result.output


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "busy"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_mcp_over_stdio_stops_on_a_signal_while_its_input_stays_open(tmp_path: Path, signum: int, busy: bool) -> None:
    """A host (or a terminal) that signals without closing standard input: the server ends with 0, at once,
    instead of waiting for a line that never comes (the SDK reads standard input in a thread). ``busy``: the
    signal comes while the server is handling messages (under load, a signal that landed inside one of the SDK's
    tasks left its traceback on standard error)."""
    import json
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("LEONARDO_API_KEY", "LEONARDO_BASE_URL")}
    command = [sys.executable, "-m", "leonardo_realtime_client", "mcp", "--local", "-o", str(tmp_path / "out")]
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path
    ) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdin.write(json.dumps(hello).encode() + b"\n")
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())  # serving: the reader thread now waits for the next line
        assert answer["result"]["serverInfo"]["name"] == "leonardo-realtime"
        if busy:
            more = [
                {"jsonrpc": "2.0", "method": "notifications/initialized"},
                *({"jsonrpc": "2.0", "id": n, "method": "tools/list"} for n in range(2, 12)),
            ]
            proc.stdin.write(b"".join(json.dumps(m).encode() + b"\n" for m in more))
            proc.stdin.flush()
        proc.send_signal(signum)
        try:
            code = proc.wait(timeout=30)  # a guard against a hang, not a measurement
        finally:
            proc.kill()
        errors = proc.stderr.read().decode()
    assert code == 0, errors
    assert "stopped" in errors
    assert "Traceback" not in errors
