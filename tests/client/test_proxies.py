"""Environment proxies. A loopback base URL never goes through an environment proxy (client,
running_server(), the leonardo_env fixture, the CLI); a connection error that went through one says which and
from which variable; a SOCKS proxy without socksio is a ConfigurationError naming the variable and the fix
(CLI exit 2), and never happens for a loopback URL. Dead proxies are on 127.0.0.1:9 (nothing listens there)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from leonardo_realtime_client import (
    APIConnectionError,
    AsyncRealtimeCanvas,
    ConfigurationError,
    RealtimeCanvas,
)
from leonardo_realtime_client._proxies import environment_proxy
from leonardo_realtime_client.server import running_server

from .conftest import API_KEY, make_jpeg

DEAD = "http://127.0.0.1:9"
IMAGE = make_jpeg((16, 16))
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)


@pytest.fixture
def no_socksio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "socksio", None)  # `import socksio` raises ImportError, installed or not


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
def test_a_dead_environment_proxy_does_not_touch_a_loopback_server(
    monkeypatch: pytest.MonkeyPatch, server_url: str, variable: str
) -> None:
    # The example: HTTP_PROXY=http://127.0.0.1:9 made every call to the local server fail.
    monkeypatch.setenv(variable, DEAD)
    with RealtimeCanvas(api_key=API_KEY, base_url=server_url, max_retries=0) as canvas:
        assert canvas.refine(IMAGE, prompt="a lighthouse").image.startswith(b"\xff\xd8")

    async def main() -> bytes:
        async with AsyncRealtimeCanvas(api_key=API_KEY, base_url=server_url, max_retries=0) as client:
            return (await client.refine(IMAGE, prompt="a lighthouse")).image

    assert asyncio.run(main()).startswith(b"\xff\xd8")


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "canvas.localhost", "[::ffff:127.0.0.1]", "LOCALHOST."]
)
def test_no_loopback_host_ever_gets_an_environment_proxy(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, DEAD)
    assert environment_proxy(f"http://{host}:8000/api/rest/v1") is None
    assert environment_proxy(f"https://{host}/api/rest/v1") is None


def test_a_connection_error_through_a_proxy_names_it_and_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", "http://someone:hunter2@127.0.0.1:9")
    canvas = RealtimeCanvas(api_key=API_KEY, base_url="https://api.example.test/v1", max_retries=0)
    with canvas, pytest.raises(APIConnectionError) as caught:
        canvas.refine(IMAGE, prompt="x")
    message = str(caught.value)
    assert "through the proxy http://***@127.0.0.1:9 from $https_proxy" in message
    assert "NO_PROXY" in message
    assert "hunter2" not in message


def test_without_a_proxy_a_connection_error_does_not_mention_one() -> None:
    canvas = RealtimeCanvas(api_key=API_KEY, base_url="http://127.0.0.1:9", max_retries=0)
    with canvas, pytest.raises(APIConnectionError) as caught:
        canvas.refine(IMAGE, prompt="x")
    assert "proxy" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "url", "expected"),
    [
        ({"HTTPS_PROXY": DEAD}, "https://api.example.test", ("HTTPS_PROXY", DEAD)),
        ({"HTTPS_PROXY": DEAD}, "http://api.example.test", None),  # http goes by HTTP_PROXY
        (
            {"HTTPS_PROXY": DEAD, "https_proxy": "http://10.0.0.1:3128"},
            "https://a.test",
            ("https_proxy", "http://10.0.0.1:3128"),
        ),
        ({"ALL_PROXY": DEAD, "HTTPS_PROXY": "http://p:1"}, "https://a.test", ("HTTPS_PROXY", "http://p:1")),
        ({"ALL_PROXY": DEAD}, "https://a.test", ("ALL_PROXY", DEAD)),
        ({"https_proxy": "", "HTTPS_PROXY": DEAD}, "https://a.test", None),  # set but empty: explicitly none
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": "*"}, "https://api.example.test", None),
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": "example.test"}, "https://api.example.test", None),
        ({"HTTPS_PROXY": DEAD, "no_proxy": "other.test, .example.test"}, "https://api.example.test", None),
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": ".example.test"}, "https://example.test", ("HTTPS_PROXY", DEAD)),
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": "xample.test"}, "https://api.example.test", ("HTTPS_PROXY", DEAD)),
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": "10.0.0.0/8"}, "https://10.1.2.3", None),
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": "10.0.0.0/8"}, "https://11.1.2.3", ("HTTPS_PROXY", DEAD)),
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": "a.test:8443"}, "https://a.test:8443", None),
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": "a.test:8443"}, "https://a.test", ("HTTPS_PROXY", DEAD)),
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": "[fd00::1]"}, "https://[fd00::1]/v1", None),
        ({"HTTPS_PROXY": DEAD, "NO_PROXY": "http://a.test"}, "https://a.test", ("HTTPS_PROXY", DEAD)),
        ({"HTTP_PROXY": DEAD, "REQUEST_METHOD": "GET"}, "http://a.test", None),  # httpoxy: a CGI request header
        ({"http_proxy": DEAD, "REQUEST_METHOD": "GET"}, "http://a.test", ("http_proxy", DEAD)),
        ({"HTTPS_PROXY": "10.0.0.1:3128"}, "https://a.test", ("HTTPS_PROXY", "10.0.0.1:3128")),  # no scheme: http
    ],
)
def test_which_variable_applies(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str, expected: tuple[str, str] | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    found = environment_proxy(url)
    assert (None if found is None else (found.variable, found.url)) == expected


@pytest.mark.parametrize("variable", ["ALL_PROXY", "all_proxy", "HTTPS_PROXY"])
@pytest.mark.parametrize("client_type", [RealtimeCanvas, AsyncRealtimeCanvas])
def test_a_socks_proxy_without_socksio_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, no_socksio: None, variable: str, client_type: type[RealtimeCanvas]
) -> None:
    # The example: a bare ImportError from both constructors.
    monkeypatch.setenv(variable, "socks5://127.0.0.1:9")
    with pytest.raises(ConfigurationError) as caught:
        client_type(api_key=API_KEY, base_url="https://api.example.test/v1")
    message = str(caught.value)
    assert f"${variable}=socks5://127.0.0.1:9" in message
    assert "pip install 'httpx[socks]'" in message
    assert f"unset {variable}" in message


def test_a_socks_proxy_never_matters_for_loopback_or_a_bypassed_host(
    monkeypatch: pytest.MonkeyPatch, no_socksio: None, server_url: str
) -> None:
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")
    with RealtimeCanvas(api_key=API_KEY, base_url=server_url, max_retries=0) as canvas:
        assert canvas.refine(IMAGE, prompt="x").image.startswith(b"\xff\xd8")
    monkeypatch.setenv("NO_PROXY", "example.test")
    RealtimeCanvas(api_key=API_KEY, base_url="https://api.example.test").close()  # no error: not proxied
    # another scheme's SOCKS proxy does not stop an http proxy that applies: it is used, and named
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.setenv("HTTPS_PROXY", DEAD)
    canvas = RealtimeCanvas(api_key=API_KEY, base_url="https://api.example.test", max_retries=0)
    with canvas, pytest.raises(APIConnectionError, match=r"through the proxy http://127.0.0.1:9 from \$HTTPS_PROXY"):
        canvas.refine(IMAGE, prompt="x")


def test_the_leonardo_env_fixture_with_a_dead_proxy(tmp_path: Path) -> None:
    # In a pytest of its own, as a user's suite runs the fixture (the plugin is registered by entry point).
    test = tmp_path / "test_app.py"
    test.write_text(
        textwrap.dedent(
            """
            import io
            from PIL import Image
            from leonardo_realtime_client import RealtimeCanvas

            def test_app_code(leonardo_env, monkeypatch):
                monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
                monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
                buf = io.BytesIO()
                Image.new("RGB", (16, 16)).save(buf, "JPEG")
                with RealtimeCanvas(max_retries=0) as canvas:
                    assert canvas.refine(buf.getvalue(), prompt="x").image[:2] == b"\\xff\\xd8"
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 passed" in done.stdout


def test_the_cli_against_a_local_server_with_a_dead_proxy(server_url: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from leonardo_realtime_client._cli import cli

    source = tmp_path / "in.jpg"
    source.write_bytes(IMAGE)
    env = {"HTTP_PROXY": DEAD, "LEONARDO_BASE_URL": server_url, "LEONARDO_API_KEY": API_KEY}
    result = CliRunner().invoke(cli, ["refine", str(source), "-p", "x", "-o", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output


def test_the_cli_with_a_socks_proxy_and_no_socksio_exits_2(no_socksio: None, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from leonardo_realtime_client._cli import cli

    source = tmp_path / "in.jpg"
    source.write_bytes(IMAGE)
    env = {
        "ALL_PROXY": "socks5://127.0.0.1:9",
        "LEONARDO_BASE_URL": "https://api.example.test/v1",
        "LEONARDO_API_KEY": API_KEY,
    }
    result = CliRunner().invoke(cli, ["refine", str(source), "-p", "x", "-o", str(tmp_path / "out")], env=env)
    assert result.exit_code == 2, result.output
    assert "$ALL_PROXY=socks5://127.0.0.1:9" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("variable", ["ALL_PROXY", "all_proxy", "HTTPS_PROXY"])
def test_every_proxy_variable_is_really_used_for_a_remote_host(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    # ALL_PROXY used to be shadowed by the client's own all:// pool: what the error names must be what was used.
    monkeypatch.setenv(variable, DEAD)

    async def main() -> None:
        client = AsyncRealtimeCanvas(api_key=API_KEY, base_url="https://api.example.test", max_retries=0)
        async with client:
            await client.refine(IMAGE, prompt="x")

    with pytest.raises(APIConnectionError, match=rf"through the proxy http://127.0.0.1:9 from \${variable}"):
        asyncio.run(main())


# Later trial of issue 10: httpx takes a malformed proxy URL and fails at the first request with a DNS or
# connection error naming the proxy's mangled host ("http://%5Bbad"), not the variable or the cause.
@pytest.mark.parametrize(
    ("value", "shown", "problem"),
    [
        ("http://[bad", "http://[bad", "it names no valid host (expected scheme://host:port"),
        ("http://:3128", "http://:3128", "it names no valid host"),
        ("http://user:secret@:3128", "http://***@:3128", "it names no valid host"),
        ("http://proxy.example:99999", "http://proxy.example:99999", "port 99999 is not a TCP port (1-65535)"),
        ("ftp://127.0.0.1:9", "ftp://127.0.0.1:9", "the scheme ftp:// is not a proxy scheme (http, https, socks5"),
        ("socks4://127.0.0.1:9", "socks4://127.0.0.1:9", "the scheme socks4:// is not a proxy scheme"),
    ],
)
@pytest.mark.parametrize("client_type", [RealtimeCanvas, AsyncRealtimeCanvas])
def test_a_malformed_proxy_url_is_a_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, shown: str, problem: str, client_type: type[RealtimeCanvas]
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", value)
    with pytest.raises(ConfigurationError) as caught:
        client_type(api_key=API_KEY, base_url="https://api.example.test/v1")
    message = str(caught.value)
    assert message.startswith(f"$HTTPS_PROXY={shown} is not a proxy URL: {problem}")
    assert message.endswith("(or unset HTTPS_PROXY, or add api.example.test to NO_PROXY)")
    assert "secret" not in message
    with running_server() as url, RealtimeCanvas(api_key=API_KEY, base_url=url) as local:  # loopback: no proxy
        assert local.refine(IMAGE, prompt="x").image.startswith(b"\xff\xd8")


@pytest.mark.parametrize("value", ["127.0.0.1:3128", "http://proxy.example:3128/", "socks5h://127.0.0.1:1080"])
def test_well_formed_proxy_urls_are_taken(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("HTTPS_PROXY", value)
    proxy = environment_proxy("https://api.example.test/v1")
    assert proxy is not None
    assert proxy.problem() is None
