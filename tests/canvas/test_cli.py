"""``leonardo-realtime canvas``: options → CanvasConfig, the backend it builds, the address printed, refusals."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

from leonardo_realtime_client import AsyncRealtimeCanvas, RealtimeResult
from leonardo_realtime_client._cli import cli
from leonardo_realtime_client._cli._env import CliEnv
from leonardo_realtime_client.canvas import CanvasConfig

from .conftest import MARKER_KEY, drawing


@attrs.define
class FakeRun:
    """Stands in for uvicorn: records what the command would serve, then returns (as Ctrl-C would)."""

    calls: list[tuple[CanvasConfig, int, str]] = attrs.Factory(list)
    ready: bool = True

    def __call__(self, config: CanvasConfig, sock: socket.socket, log_level: str, on_ready: Callable[[], None]) -> None:
        self.calls.append((config, sock.getsockname()[1], log_level))
        sock.close()
        if self.ready:
            on_ready()

    @property
    def config(self) -> CanvasConfig:
        ((config, _, _),) = self.calls
        return config


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []

    def record(url: str, *args: object, **kwargs: object) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr("webbrowser.open", record)
    return urls


def run(*args: str, env: dict[str, str | None] | None = None) -> tuple[Result, FakeRun]:
    fake = FakeRun()
    environment: dict[str, str | None] = {"LEONARDO_API_KEY": None, "LEONARDO_BASE_URL": None, **(env or {})}
    result = CliRunner().invoke(cli, ["canvas", "--port", "0", *args], obj=CliEnv(canvas=fake), env=environment)
    return result, fake


def test_default_is_the_stand_in_on_loopback_and_opens_the_browser(opened: list[str]) -> None:
    result, fake = run()
    assert result.exit_code == 0, result.output
    ((config, port, log_level),) = fake.calls
    assert (config.backend, config.budget, config.max_fps, config.access_token) == (
        "local stand-in",
        Decimal("1.00"),
        8.0,
        None,
    )
    assert config.allowed_hosts == ("127.0.0.1", "localhost", "::1")
    assert opened == [f"http://127.0.0.1:{port}/"]
    assert f"open http://127.0.0.1:{port}/" in result.stderr
    assert log_level == "warning"


def test_the_stand_in_backend_answers_without_a_key_or_network(opened: list[str]) -> None:
    result, fake = run("--no-browser", "--latency", "0", "--budget", "0.5", "--max-fps", "12", "--max-tabs", "2")
    assert result.exit_code == 0, result.output
    assert opened == []
    config = fake.config
    assert (config.budget, config.max_fps, config.max_connections) == (Decimal("0.5"), 12.0, 2)

    async def one() -> RealtimeResult:
        client = config.client_factory()
        assert isinstance(client, AsyncRealtimeCanvas)
        try:
            result: RealtimeResult = await client.generate(drawing(1), prompt="a boat")
            return result
        finally:
            await client.aclose()

    answer = asyncio.run(one())
    assert answer.cost == Decimal("0.0147")
    assert answer.image[:2] == b"\xff\xd8"


def test_real_api_needs_a_key_and_then_requires_a_token(opened: list[str], tmp_path: Path) -> None:
    missing, _ = run("--real-api", "--no-browser")
    assert missing.exit_code == 2
    assert "LEONARDO_API_KEY" in missing.output
    assert "leave out --real-api: the local stand-in needs none" in missing.output  # canvas has no --local
    assert "--local" not in missing.output

    result, fake = run("--real-api", env={"LEONARDO_API_KEY": MARKER_KEY})
    assert result.exit_code == 0, result.output
    config = fake.config
    assert config.backend == "Leonardo API"
    assert config.secret == MARKER_KEY
    assert config.access_token is not None
    assert opened == [f"http://127.0.0.1:{fake.calls[0][1]}/?token={config.access_token}"]
    assert MARKER_KEY not in result.output + repr(config)
    client: Any = config.client_factory()
    assert str(client.base_url).startswith("https://cloud.leonardo.ai/")
    asyncio.run(client.aclose())

    key_file = tmp_path / "key.txt"
    key_file.write_text(MARKER_KEY + "\n")
    from_file, fake = run("--real-api", "--no-browser", "--api-key-file", str(key_file))
    assert from_file.exit_code == 0, from_file.output
    assert fake.config.secret == MARKER_KEY


def test_any_base_url_with_an_optional_key(opened: list[str]) -> None:
    result, fake = run("--base-url", "http://127.0.0.1:8000/api/rest/v1", "--no-browser")
    assert result.exit_code == 0, result.output
    assert fake.config.backend == "API at http://127.0.0.1:8000/api/rest/v1"
    assert fake.config.access_token is None  # no key, nothing to spend
    shaped, _ = run("--base-url", "http://127.0.0.1:8000/api/rest/v1", "--latency", "0.2")
    assert shaped.exit_code == 2
    assert "serve --latency" in shaped.output


def test_another_interface_needs_the_flag_and_gets_a_token(opened: list[str]) -> None:
    refused, fake = run("--host", "0.0.0.0", "--no-browser")
    assert refused.exit_code == 2
    assert "--allow-remote" in refused.output
    assert fake.calls == []
    result, fake = run("--host", "0.0.0.0", "--allow-remote", "--no-browser")
    assert result.exit_code == 0, result.output
    config = fake.config
    assert config.allowed_hosts == ("*",)
    assert config.access_token
    assert f"?token={config.access_token}" in result.stderr
    assert "warning" in result.stderr


@pytest.mark.parametrize(("host", "local"), [("0.0.0.0", "127.0.0.1"), ("::", "[::1]")])
def test_every_interface_opens_the_page_on_loopback_and_says_how_to_reach_it(
    opened: list[str], host: str, local: str
) -> None:
    # http://0.0.0.0:port/ is not an address to browse to (browsers are phasing it out); [::] neither.
    if host == "::":
        try:
            socket.create_server(("::", 0), family=socket.AF_INET6).close()
        except OSError as exc:
            pytest.skip(f"this machine cannot listen on IPv6 '::' ({exc})")
    result, fake = run("--host", host, "--allow-remote")
    assert result.exit_code == 0, result.output
    ((config, port, _),) = fake.calls
    assert opened == [f"http://{local}:{port}/?token={config.access_token}"]
    assert f"open http://{local}:{port}/?token=" in result.stderr
    assert f"from another machine: http://<this machine's address>:{port}/?token={config.access_token}" in (
        result.stderr
    )


@pytest.mark.parametrize(("value", "expected"), [("none", None), ("0", Decimal(0)), ("2.5", Decimal("2.5"))])
def test_budget_values(opened: list[str], value: str, expected: Decimal | None) -> None:
    result, fake = run("--budget", value, "--no-browser")
    assert result.exit_code == 0, result.output
    assert fake.config.budget == expected


@pytest.mark.parametrize("value", ["-1", "lots", "nan", "inf"])
def test_bad_budgets_are_refused(value: str) -> None:
    result, fake = run("--budget", value)
    assert result.exit_code == 2
    assert "--budget" in result.output
    assert value in result.output
    assert fake.calls == []


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        fake = FakeRun()
        result = CliRunner().invoke(cli, ["canvas", "--port", str(port), "--no-browser"], obj=CliEnv(canvas=fake))
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert fake.calls == []
