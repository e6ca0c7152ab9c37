"""The environment's CA variables. A stale ``SSL_CERT_FILE`` (a moved virtualenv, a removed conda env) made every
constructor raise a bare ``FileNotFoundError`` (a file that is no PEM bundle: a bare ``ssl.SSLError``), the CLI
print a traceback, and it did so even for the local server over plain http. Now: a ConfigurationError naming
the variable, its value and the fix (CLI exit 2), and nothing at all for a loopback base URL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, ConfigurationError, RealtimeCanvas
from leonardo_realtime_client._pool import shared_ssl_context
from leonardo_realtime_client.server import running_server

from .conftest import API_KEY, make_jpeg

IMAGE = make_jpeg((16, 16))


@pytest.fixture(autouse=True)
def fresh_tls_context(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The context is made once per process: made again here from the variables each test sets."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    shared_ssl_context.cache_clear()
    yield
    shared_ssl_context.cache_clear()


def _broken(kind: str, tmp_path: Path) -> tuple[str, str]:
    if kind == "missing file":
        return str(tmp_path / "gone" / "cacert.pem"), "No such file or directory"
    if kind == "not a PEM file":
        path = tmp_path / "cacert.pem"
        path.write_bytes(IMAGE)
        return str(path), "no certificate"
    return str(tmp_path), "Is a directory"  # a folder where a file is expected


@pytest.mark.parametrize("kind", ["missing file", "not a PEM file", "a directory"])
@pytest.mark.parametrize("client_type", [RealtimeCanvas, AsyncRealtimeCanvas])
def test_a_broken_ssl_cert_file_is_a_configuration_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str, client_type: type[RealtimeCanvas]
) -> None:
    value, reason = _broken(kind, tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", value)
    with pytest.raises(ConfigurationError) as caught:
        client_type(api_key=API_KEY, base_url="https://api.example.test/v1")
    message = str(caught.value)
    assert message.startswith(f"$SSL_CERT_FILE='{value}' names no readable file of CA certificates (")
    assert reason.lower() in message.lower()
    assert "point it at a PEM bundle of CA certificates, or unset it" in message
    assert API_KEY not in message


@pytest.mark.parametrize("kind", ["missing file", "not a PEM file"])
def test_a_broken_ssl_cert_file_does_not_stop_the_local_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", _broken(kind, tmp_path)[0])
    with running_server() as url:
        with RealtimeCanvas(api_key=API_KEY, base_url=url, max_retries=0) as client:
            assert client.refine(IMAGE, prompt="x").image.startswith(b"\xff\xd8")

        async def main() -> bytes:
            async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=url.replace("127.0.0.1", "localhost")) as c:
                return (await c.refine(IMAGE, prompt="x")).image

        assert asyncio.run(main()).startswith(b"\xff\xd8")


def test_the_cli_with_a_stale_ssl_cert_file_exits_2_without_a_traceback(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from leonardo_realtime_client._cli import cli

    source = tmp_path / "in.jpg"
    source.write_bytes(IMAGE)
    missing = str(tmp_path / "old-venv" / "cacert.pem")
    env = {"SSL_CERT_FILE": missing, "LEONARDO_BASE_URL": "https://api.example.test/v1", "LEONARDO_API_KEY": API_KEY}
    result = CliRunner().invoke(cli, ["refine", str(source), "-p", "x", "-o", str(tmp_path / "out")], env=env)
    assert result.exit_code == 2, result.output
    assert f"$SSL_CERT_FILE='{missing}'" in result.output
    assert "Traceback" not in result.output
