"""The CLI against the real client and the in-process local server (``--local``): no fakes in between."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leonardo_realtime_client._cli import ExitCode
from leonardo_realtime_client._cli._env import Connection, make_client
from leonardo_realtime_client.server import Faults, ServerConfig

from .conftest import FAKE_KEY, Cli


def _pictures(folder: Path, count: int, size: tuple[int, int] = (512, 512)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"pic{i:02d}.png"
        Image.new("RGB", size, (40 * i % 256, 120, 200)).save(path)
        paths.append(path)
    return paths


def _size(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        assert im.format == "JPEG"
        return im.size


def _local(config: ServerConfig) -> Callable[[Connection], Any]:
    return lambda conn: make_client(conn, config)


@pytest.mark.parametrize(
    ("command", "extra", "size"),
    [
        ("generate", ["--width", "640", "--height", "512", "--style", "anime"], (640, 512)),
        ("refine", ["--steps", "6", "--seed", "42"], (512, 512)),
        ("upscale", ["--refine-creative", "--refine-strength", "0.7"], (1024, 1024)),
    ],
)
def test_each_operation_through_the_local_server(
    run: Cli, workdir: Path, command: str, extra: list[str], size: tuple[int, int]
) -> None:
    run.client_factory = make_client
    run.env["LEONARDO_API_KEY"] = None
    (src,) = _pictures(workdir, 1)
    result = run(command, src, "-p", "a lighthouse at dusk", "--local", "--json", *extra)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (item,) = doc["items"]
    out = Path(item["outputs"][0])
    assert out == workdir / f"pic00-{command}.jpg"
    assert _size(out) == size
    assert item["cost_unit"] == "DOLLARS"
    assert float(item["cost"]) > 0


def test_inpaint_through_the_local_server(run: Cli, workdir: Path) -> None:
    run.client_factory = make_client
    (src,) = _pictures(workdir, 1)
    mask = Image.new("L", (512, 512), 0)
    mask.paste(255, (100, 100, 300, 300))
    mask.save(workdir / "mask.png")
    result = run("inpaint", src, "--mask", "mask.png", "-p", "a door", "--local", "-o", "done.jpg")
    assert result.exit_code == 0, result.output
    assert _size(workdir / "done.jpg") == (512, 512)


def test_batch_with_one_bad_input_through_the_local_server(run: Cli, workdir: Path) -> None:
    run.client_factory = make_client
    _pictures(workdir / "in", 5)
    (workdir / "in" / "broken.png").write_bytes(b"this is not a PNG at all")
    result = run("refine", "in", "-p", "x", "--local", "-o", "out", "--json")
    assert result.exit_code == ExitCode.PARTIAL
    doc = json.loads(result.stdout)
    assert (doc["succeeded"], doc["failed"]) == (5, 1)
    (bad,) = [i for i in doc["items"] if i["status"] == "failed"]
    assert bad["input"] == "in/broken.png"
    assert bad["error"]["type"] == "ImageError"
    assert "in/broken.png: invalid input:" in result.stderr
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [f"pic{i:02d}-refine.jpg" for i in range(5)]
    for path in (workdir / "out").iterdir():
        assert _size(path) == (512, 512)


def test_server_errors_are_api_errors_per_item(run: Cli, workdir: Path) -> None:
    run.client_factory = _local(ServerConfig(faults=Faults(script=("none", "server_error", "none", "rate_limit"))))
    _pictures(workdir / "in", 4)
    result = run("refine", "in", "-p", "x", "--local", "-o", "out", "-j", "1", "--max-retries", "0", "--json")
    assert result.exit_code == ExitCode.PARTIAL
    doc = json.loads(result.stdout)
    failed = {i["input"]: i["error"] for i in doc["items"] if i["status"] == "failed"}
    assert {k: (v["type"], v["status_code"], v["exit_code"]) for k, v in failed.items()} == {
        "in/pic01.png": ("InternalServerError", 500, 4),
        "in/pic03.png": ("RateLimitError", 429, 4),
    }


def test_rejected_key_is_an_api_error_and_never_shown(run: Cli, workdir: Path) -> None:
    run.client_factory = _local(ServerConfig(require_token="the-right-key"))
    _pictures(workdir / "in", 3)
    result = run("upscale", "in", "-p", "x", "--local", "-o", "out", "--json", "--progress")
    assert result.exit_code == ExitCode.API
    doc = json.loads(result.stdout)
    # Leonardo answers a bad key with HTTP 500 "Invalid response from authorization hook": an AuthenticationError
    assert {(i["error"]["type"], i["error"]["status_code"]) for i in doc["items"]} == {("AuthenticationError", 500)}
    assert "Invalid response from authorization hook" in result.stderr
    assert FAKE_KEY not in result.stdout
    assert FAKE_KEY not in result.stderr
    assert FAKE_KEY[8:24] not in result.output  # not even a part of it


def test_twenty_image_batch_with_progress(run: Cli, workdir: Path) -> None:
    run.client_factory = make_client
    _pictures(workdir / "sketches", 20)
    result = run("refine", "sketches", "-p", "ink", "--local", "-o", "out", "--progress", "-j", "4")
    assert result.exit_code == 0, result.output
    assert "20/20" in result.stderr
    assert "refine: 20 succeeded, 0 failed in" in result.stderr
    assert "cost $0.294" in result.stderr  # 20 times the local server's 0.0147
    assert len(list((workdir / "out").glob("*.jpg"))) == 20


def test_stdin_to_stdout_through_the_local_server(run: Cli, workdir: Path) -> None:
    run.client_factory = make_client
    buf = io.BytesIO()
    Image.new("RGB", (512, 512), "white").save(buf, "PNG")
    result = run("generate", "-", "-p", "x", "--local", "-o", "-", input=buf.getvalue())
    assert result.exit_code == 0, result.output
    with Image.open(io.BytesIO(result.stdout_bytes)) as im:
        assert (im.format, im.size) == ("JPEG", (512, 512))


@pytest.mark.parametrize(("name", "fmt"), [("out.png", "PNG"), ("out.webp", "WEBP"), ("out.jpeg", "JPEG")])
def test_output_suffix_picks_the_format(run: Cli, workdir: Path, name: str, fmt: str) -> None:
    run.client_factory = make_client
    (src,) = _pictures(workdir, 1)
    result = run("refine", src, "-p", "x", "--local", "-o", name)
    assert result.exit_code == 0, result.output
    with Image.open(workdir / name) as im:
        assert (im.format, im.size) == (fmt, (512, 512))


def test_plain_http_to_a_remote_host_is_refused_before_sending(run: Cli, workdir: Path) -> None:
    run.client_factory = make_client
    (src,) = _pictures(workdir, 1)
    result = run("refine", src, "-p", "x", "--base-url", "http://example.com/api/rest/v1")
    assert result.exit_code == ExitCode.USAGE
    assert "plain http" in result.stderr
    assert "--allow-insecure-http" in result.stderr
    assert FAKE_KEY not in result.output


def test_connection_refused_is_status_5(run: Cli, workdir: Path) -> None:
    run.client_factory = make_client
    (src,) = _pictures(workdir, 1)
    with socket.socket() as sock:  # a port that was just free: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run("refine", src, "-p", "x", "--base-url", f"http://127.0.0.1:{port}/api/rest/v1", "--max-retries", "0")
    assert result.exit_code == ExitCode.CONNECTION
    assert "connection failed" in result.stderr
