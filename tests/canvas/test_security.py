"""Who may open the canvas socket: same-origin pages on an allowed host, with the token when one is set."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from leonardo_realtime_client import ConfigurationError

from .conftest import ORIGIN, Canvas, Page, connect, make_canvas

TOKEN = "t0k3n-for-the-canvas-tests-only"


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",  # another site open in the same browser
        "http://127.0.0.1:9999",  # another local port (another app)
        "null",  # a sandboxed iframe or a file:// page
        None,  # no Origin at all (not a browser page)
    ],
)
def test_a_foreign_origin_is_refused(canvas: Canvas, client: TestClient, origin: str | None) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, connect(client, origin=origin):
        pass
    assert refused.value.code == 1008
    assert canvas.hub.refused == 1
    assert canvas.clients == []  # refused before any session or client was made


def test_dns_rebinding_is_refused(canvas: Canvas, client: TestClient) -> None:
    """A page on evil.example that resolves to 127.0.0.1: Host and Origin agree, but the name is not allowed."""
    rebound = "evil.example:8765"
    assert client.get("http://evil.example:8765/").status_code == 400
    with (
        pytest.raises((WebSocketDisconnect, WebSocketDenialResponse)),
        connect(client, origin=f"http://{rebound}", host=rebound),
    ):
        pass
    assert canvas.clients == []


def test_localhost_by_name_is_a_page_too(canvas: Canvas, client: TestClient) -> None:
    with connect(client, origin="http://localhost:8765", host="localhost:8765") as ws:
        assert Page(ws).until_type("hello")["type"] == "hello"


def test_the_access_token_is_required_when_set() -> None:
    canvas = make_canvas(access_token=TOKEN)
    with TestClient(canvas.app, base_url=ORIGIN) as client:
        with pytest.raises(WebSocketDisconnect), connect(client):
            pass
        with pytest.raises(WebSocketDisconnect), connect(client, path="/ws?token=" + TOKEN[:-1] + "X"):
            pass
        with connect(client, path="/ws?token=" + TOKEN) as ws:
            assert Page(ws).until_type("hello")["type"] == "hello"
    assert canvas.hub.refused == 2


def test_any_host_needs_a_token() -> None:
    with pytest.raises(ConfigurationError, match="access_token"):
        make_canvas(allowed_hosts=("*",))
    with pytest.raises(ConfigurationError, match="16 characters"):
        make_canvas(access_token="short")
    canvas = make_canvas(allowed_hosts=("*",), access_token=TOKEN)
    with TestClient(canvas.app, base_url="http://192.168.1.5:8765") as client:
        page = f"http://192.168.1.5:8765/ws?token={TOKEN}"
        with client.websocket_connect(page.replace("http", "ws"), headers={"origin": "http://192.168.1.5:8765"}) as ws:
            assert Page(ws).until_type("hello")["type"] == "hello"


def test_the_page_is_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    for asset in ("/static/canvas.js", "/static/canvas.css"):
        assert client.get(asset).status_code == 200
    # No third-party script, style or font: the page works offline.
    assert "http://" not in page.text
    assert "https://" not in page.text


def test_one_tab_too_many_is_refused_and_its_place_comes_back() -> None:
    canvas = make_canvas(max_connections=1)
    with TestClient(canvas.app, base_url=ORIGIN) as client:
        with connect(client) as first:
            Page(first).until_type("hello")
            with connect(client) as second:
                refused = second.receive()
        with connect(client) as again:  # the first tab closed: its place is free
            assert Page(again).until_type("hello")["type"] == "hello"
    assert refused == {"type": "websocket.close", "code": 1013, "reason": "at most 1 tab at once"}
    assert canvas.hub.refused == 1
    assert len(canvas.clients) == 2  # no client was made for the refused tab
