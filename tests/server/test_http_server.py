"""The local server over a real socket on 127.0.0.1 (uvicorn + starlette), and its command line."""

from __future__ import annotations

import errno
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from leonardo_realtime_client.server import (
    Faults,
    Latency,
    ServerConfig,
    create_app,
    running_local_server,
    running_server,
    serve,
)
from leonardo_realtime_client.server import _running as running_module

from .conftest import AUTH, decode_output


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture
def base_url(delays: list[float]) -> Iterator[str]:
    async def record(seconds: float) -> None:
        delays.append(seconds)

    config = ServerConfig(
        faults=Faults(script=["none", "drop", "rate_limit"]),
        latency=Latency(fixed=0.25),
        async_sleep=record,
        max_body_bytes=64 * 1024,
    )
    with running_server(config) as url:
        yield url


def test_serves_on_loopback_with_the_spec_base_path(base_url: str, scene_url: str, delays: list[float]) -> None:
    assert base_url.startswith("http://127.0.0.1:")
    assert base_url.endswith("/api/rest/v1")
    with httpx.Client(base_url=base_url, headers=AUTH) as client:
        ok = client.post("/lcm-instant-refine", json={"imageDataUrl": scene_url, "prompt": "p", "width": 640})
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/generations-lcm", json={"prompt": "p"})
        limited = client.post("/generations-lcm", json={"prompt": "p"})
        missing = client.post("/generations-lcm", json={"prompt": "p"})
        wrong_method = client.get("/lcm-upscale")
        unknown = client.post("/lcm-outpainting", json={})
    assert ok.status_code == 200
    assert decode_output(ok.json()).size == (640, 512)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert missing.status_code == 400
    assert "imageDataUrl=None: required" in missing.json()["error"]
    assert (wrong_method.status_code, wrong_method.headers["allow"]) == (405, "POST")
    assert unknown.status_code == 404
    assert delays == [0.25, 0.25, 0.25, 0.25]  # latency applies to every routed request, none slept for real


def test_body_over_the_limit_is_413_with_or_without_content_length(base_url: str) -> None:
    big = b'{"prompt": "' + b"x" * (70 * 1024) + b'"}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    with httpx.Client(base_url=base_url, headers=AUTH) as client:
        declared = client.post("/generations-lcm", content=big)
        streamed = client.post("/generations-lcm", content=chunks())
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "request-too-large"
    limit = "at most 65536 bytes are accepted"
    assert declared.json()["error"] == f"request body too large: more than 65536 bytes; {limit}"
    assert streamed.json()["error"] == f"request body too large: more than 65536 bytes; {limit}"


def test_running_local_server_exposes_the_request_log(scene_url: str) -> None:
    with running_local_server() as server, httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        client.post("/lcm-upscale", json={"imageDataUrl": scene_url, "prompt": "p", "seed": 1})
        log = server.requests
    assert [(r.operation_id, r.status) for r in log] == [("performAlchemyUpscaleLCM", 200)]
    assert log[0].body["seed"] == 1
    assert server.config == ServerConfig()


def test_the_server_stops_and_frees_its_port() -> None:
    with running_server() as url:
        pass
    with pytest.raises(httpx.ConnectError), httpx.Client() as client:
        client.post(url + "/generations-lcm", json={})


def test_create_app_exposes_the_handler() -> None:
    app = create_app(ServerConfig(seed=3))
    assert app.state.handler.config.seed == 3


def test_serve_runs_uvicorn_on_the_given_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run(self: uvicorn.Server, sockets: Any = None) -> None:
        seen.update(host=self.config.host, port=self.config.port, log_level=self.config.log_level)
        seen["filters"] = list(logging.getLogger("uvicorn.error").filters)

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    serve("127.0.0.1", 8123, ServerConfig(), log_level="warning")
    assert (seen["host"], seen["port"], seen["log_level"]) == ("127.0.0.1", 8123, "warning")
    assert any(isinstance(f, running_module._QuietDrops) for f in seen["filters"])
    assert not any(isinstance(f, running_module._QuietDrops) for f in logging.getLogger("uvicorn.error").filters)


def test_drop_log_filter_hides_only_the_deliberate_drop_message() -> None:
    quiet = running_module._QuietDrops()

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, msg, None, None)

    assert not quiet.filter(record("ASGI callable returned without completing response."))
    assert quiet.filter(record("Exception in ASGI application"))


def test_python_dash_m_runs_the_clis_serve_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "leonardo_realtime_client.server", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("Usage: python -m leonardo_realtime_client.server [OPTIONS]")
    for option in ("--port", "--latency", "--rate-limit", "--drop", "--fault-script", "--seed"):
        assert option in out


def test_serve_on_a_busy_port_raises_oserror_not_systemexit() -> None:
    """uvicorn reports a failed bind with ``sys.exit(3)``; ``serve`` must raise the ``OSError`` instead."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(OSError, match="in use") as caught:
            serve("127.0.0.1", port, ServerConfig(), log_level="critical")
    assert caught.value.errno == errno.EADDRINUSE
