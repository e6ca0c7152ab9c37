"""``serve`` (options → ServerConfig, errors, Ctrl-C) and one real run over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from leonardo_realtime_client._cli import ExitCode
from leonardo_realtime_client._cli._env import CliEnv, make_client
from leonardo_realtime_client.server import Fault, ServerConfig

from .conftest import FAKE_KEY, Cli


class FakeServe:
    def __init__(self, raises: BaseException | None = None) -> None:
        self.calls: list[tuple[str, int, ServerConfig, str]] = []
        self.raises = raises

    def __call__(self, host: str, port: int, config: ServerConfig, log_level: str) -> None:
        self.calls.append((host, port, config, log_level))
        if self.raises is not None:
            raise self.raises


def test_serve_defaults_to_loopback(run: Cli) -> None:
    serve = FakeServe()
    result = run("serve", serve=serve)
    assert result.exit_code == 0, result.output
    ((host, port, config, log_level),) = serve.calls
    assert (host, port, log_level) == ("127.0.0.1", 8000, "info")
    assert config.require_token is None
    assert config.faults.total_rate == 0
    assert "http://127.0.0.1:8000/api/rest/v1" in result.stderr
    assert "and any API key: export LEONARDO_API_KEY=anything" in result.stderr  # else "no API key" at the first call
    assert "warning" not in result.stderr


def test_serve_latency_and_fault_options(run: Cli) -> None:
    serve = FakeServe()
    result = run(
        "serve",
        "--port",
        "9123",
        "--latency",
        "0.2",
        "--jitter",
        "0.1",
        "--rate-limit",
        "0.1",
        "--server-error",
        "0.05",
        "--drop",
        "0.01",
        "--retry-after",
        "2",
        "--fault-script",
        "rate_limit, none,server_error",
        "--seed",
        "7",
        "--log-level",
        "warning",
        serve=serve,
    )
    assert result.exit_code == 0, result.output
    ((_, port, config, log_level),) = serve.calls
    assert (port, log_level, config.seed) == (9123, "warning", 7)
    assert (config.latency.fixed, config.latency.jitter) == (0.2, 0.1)
    assert (config.faults.rate_limit, config.faults.server_error, config.faults.drop) == (0.1, 0.05, 0.01)
    assert config.faults.retry_after == 2
    assert config.faults.script == (Fault.RATE_LIMIT, Fault.NONE, Fault.SERVER_ERROR)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate-limit", "1.5"], "Faults.rate_limit=1.5: a probability from 0 to 1"),
        (["--rate-limit", "0.6", "--drop", "0.6"], "must add up to at most 1"),
        (["--fault-script", "explode"], "Faults.script='explode': one of none, rate_limit"),
        (["--latency", "-1"], "Latency.fixed=-1.0: seconds as a finite number ≥ 0"),
        (["--port", "0"], "0 is not in the range 1<=x<=65535"),
    ],
)
def test_serve_rejects_bad_settings(run: Cli, args: list[str], message: str) -> None:
    serve = FakeServe()
    result = run("serve", *args, serve=serve)
    assert result.exit_code == ExitCode.USAGE
    assert message in result.stderr
    assert serve.calls == []


def test_serve_require_key_uses_the_env_key_without_showing_it(run: Cli) -> None:
    serve = FakeServe()
    result = run("serve", "--require-key", serve=serve)
    assert result.exit_code == 0, result.output
    assert serve.calls[0][2].require_token == FAKE_KEY
    assert FAKE_KEY not in result.output
    assert "and only the API key it was started with (--require-key)" in result.stderr
    assert "anything" not in result.stderr


def test_serve_require_key_without_a_key_says_how_to_run_without_one(run: Cli) -> None:
    serve = FakeServe()
    run.env["LEONARDO_API_KEY"] = None
    result = run("serve", "--require-key", serve=serve)
    assert result.exit_code == ExitCode.USAGE
    assert "no API key: set LEONARDO_API_KEY" in result.stderr
    assert "leave out --require-key: any non-empty key is then accepted" in result.stderr
    assert "--local" not in result.stderr  # serve has no --local: the hint of the client commands misled here
    assert serve.calls == []


def test_serve_warns_about_non_loopback_hosts(run: Cli) -> None:
    serve = FakeServe()
    result = run("serve", "--host", "0.0.0.0", serve=serve)
    assert result.exit_code == 0
    assert "not a loopback address" in result.stderr


@pytest.mark.parametrize(("host", "shown"), [("0.0.0.0", "127.0.0.1"), ("::", "[::1]")])
def test_serve_on_every_address_prints_a_base_url_the_client_accepts(run: Cli, host: str, shown: str) -> None:
    # Later trial of issue 10: "--base-url http://0.0.0.0:8000/…" was printed, which the client refuses as plain
    # http to a non-loopback host (and would send through an environment proxy); this machine reaches it on
    # loopback.
    from leonardo_realtime_client._config import resolve_base_url

    result = run("serve", "--host", host, serve=FakeServe())
    assert result.exit_code == 0
    assert f"--base-url http://{shown}:8000/api/rest/v1 " in result.stderr
    assert resolve_base_url(f"http://{shown}:8000/api/rest/v1") == f"http://{shown}:8000/api/rest/v1"


def test_serve_port_in_use_and_ctrl_c(run: Cli) -> None:
    busy = run("serve", serve=FakeServe(OSError(98, "Address already in use")))
    assert busy.exit_code == ExitCode.USAGE
    assert "cannot listen on 127.0.0.1:8000: Address already in use" in busy.stderr
    stopped = run("serve", serve=FakeServe(KeyboardInterrupt()))
    assert stopped.exit_code == 0  # Ctrl-C is how a server stops
    assert stopped.stderr.endswith("stopped\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_real_server_process_serves_a_batch(run: Cli, workdir: Path) -> None:
    """``python -m leonardo_realtime_client serve`` in a subprocess, a batch against it, then Ctrl-C."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEONARDO_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "leonardo_realtime_client", "serve", "--port", str(port), "--log-level", "info"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        banner = []
        for line in proc.stderr:  # blocks until uvicorn says it is up (no sleeping, no polling)
            banner.append(line)
            if "Uvicorn running on" in line:
                break
        assert any(f"http://127.0.0.1:{port}/api/rest/v1" in line for line in banner), banner

        for i in range(3):
            Image.new("RGB", (512, 512), (i * 60, 0, 0)).save(workdir / f"s{i}.png")
        run.client_factory = make_client
        base_url = f"http://127.0.0.1:{port}/api/rest/v1"
        result = run("refine", ".", "-p", "x", "--base-url", base_url, "-o", "out", "--json")
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert doc["succeeded"] == 3
        assert all(Path(i["outputs"][0]).stat().st_size > 1000 for i in doc["items"])
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == 0


def test_serve_on_a_busy_port_is_a_usage_error_with_the_reason(run: Cli) -> None:
    """The real ``serve`` (not a fake): a port in use is exit status 2 and says why, as documented."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port), "--log-level", "critical", serve=CliEnv().serve)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
