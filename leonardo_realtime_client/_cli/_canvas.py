"""``leonardo-realtime canvas``: the browser canvas on 127.0.0.1, backed by the stand-in unless told otherwise."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from .._click import CONTEXT_SETTINGS, LogLevelOption, host_option
from .._defaults import ENV_API_KEY as API_KEY_ENV
from .._defaults import is_loopback_host
from .._key_file import KeyFileOption
from ._env import CliEnv, Connection, make_client, read_api_key

if TYPE_CHECKING:
    from decimal import Decimal

    from ..canvas import CanvasBackend

__all__ = ["canvas_command"]

_NEEDS = ("starlette", "uvicorn", "wsproto", "PIL")  # the 'canvas' extra
_WITHOUT_KEY = "leave out --real-api: the local stand-in needs none"
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104 - names, not a bind: every interface → loopback


def _env() -> CliEnv:
    found = click.get_current_context().find_object(CliEnv)
    return found if found is not None else CliEnv()


def _budget(ctx: click.Context, param: click.Parameter, value: str) -> Decimal | None:
    if value.strip().lower() == "none":
        return None
    from decimal import Decimal, InvalidOperation  # here: `--help` does not need decimal

    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise click.BadParameter(f"{value[:40]!r}: an amount ≥ 0 (the API's cost unit), or 'none' for no limit")
    return amount


@click.command("canvas", context_settings=CONTEXT_SETTINGS)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free).")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser; just print its address.")
@click.option(
    "--real-api",
    is_flag=True,
    help=f"Use Leonardo.AI (paid) with the key from ${API_KEY_ENV} or --api-key-file; the key stays in this process.",
)
@click.option("--api-key-file", cls=KeyFileOption, help="Read the key from this file.")
@click.option(
    "--base-url",
    metavar="URL",
    help="Any Realtime Canvas API, e.g. a 'leonardo-realtime serve' with latency and faults (key optional).",
)
@click.option(
    "--budget",
    default="1.00",
    show_default=True,
    callback=_budget,
    help="Spend allowed per open tab, in the API's cost unit; 'none' for no limit.",
)
@click.option(
    "--max-fps",
    type=click.FloatRange(min=0, min_open=True, max=60),
    default=8.0,
    show_default=True,
    help="Requests per second at most, per tab.",
)
@click.option(
    "--max-tabs",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Tabs open at once (each has its own budget).",
)
@click.option(
    "--latency", type=click.FloatRange(min=0), default=0.0, metavar="SECONDS", help="Stand-in: delay per response."
)
@click.option(
    "--rate-limit", type=click.FloatRange(0, 1), default=0.0, metavar="P", help="Stand-in: share of 429 answers."
)
@host_option
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Needed for a --host other than loopback: anyone who can reach it and has the printed token can use it.",
)
@click.option("--allow-insecure-http", is_flag=True, help="Allow the key over plain http to a host not this machine.")
@click.option("--log-level", cls=LogLevelOption, default="warning")
def canvas_command(
    port: int,
    no_browser: bool,
    real_api: bool,
    api_key_file: Path | None,
    base_url: str | None,
    budget: Decimal | None,
    max_fps: float,
    max_tabs: int,
    latency: float,
    rate_limit: float,
    host: str,
    allow_remote: bool,
    allow_insecure_http: bool,
    log_level: str,
) -> None:
    """Draw in the browser and watch the picture follow: generate, refine or inpaint live, upscale on a button,
    with latency, staleness, requests and spend shown beside it.

    By default the local stand-in answers, in this process: no key, no network, no cost. Ctrl-C stops it.
    """
    missing = [name for name in _NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise click.UsageError(
            f"the canvas needs the 'canvas' extra ({', '.join(missing)} missing): "
            "pip install 'leonardo-realtime-client[canvas]'"
        )
    from ..canvas import LOOPBACK_HOSTS, CanvasConfig
    from ..server import Faults, Latency, ServerConfig

    remote = not is_loopback_host(host)
    if remote and not allow_remote:
        raise click.UsageError(
            f"--host {host} is not a loopback address: add --allow-remote (a token is then required)"
        )
    local = not real_api and base_url is None
    if local and (api_key_file is not None):
        raise click.UsageError("--api-key-file needs --real-api or --base-url (the stand-in needs no key)")
    if not local and (latency or rate_limit):
        raise click.UsageError("--latency and --rate-limit shape the stand-in; with --base-url use 'serve --latency …'")
    key = None if local else read_api_key(api_key_file, required=real_api, without_key=_WITHOUT_KEY)
    conn = Connection(
        api_key=key,
        base_url=base_url,
        local=local,
        timeout=None,
        max_retries=0,  # the session handles a 429 itself: it pauses and the page shows the countdown
        allow_insecure_http=allow_insecure_http,
    )
    local_config = ServerConfig(latency=Latency(fixed=latency), faults=Faults(rate_limit=rate_limit)) if local else None

    def client_factory() -> CanvasBackend:
        return cast("CanvasBackend", make_client(conn, local_config))

    # A token whenever someone else could reach the page or spend the key's money through it.
    import secrets  # here, as webbrowser below: `--help` loads neither (~5 ms with what they import)

    token = secrets.token_urlsafe(24) if remote or key is not None else None
    backend = "local stand-in" if local else ("Leonardo API" if base_url is None else f"API at {base_url}")
    config = CanvasConfig(
        client_factory=client_factory,
        backend=backend,
        budget=budget,
        max_fps=max_fps,
        max_connections=max_tabs,
        allowed_hosts=("*",) if remote else LOOPBACK_HOSTS,
        access_token=token,
        secret=key,
    )
    from ..canvas._running import bind

    try:
        sock = bind(host, port)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    port = sock.getsockname()[1]
    # A wildcard address is no place to browse to: the page opens on this machine's loopback address.
    shown_host = _WILDCARDS.get(host, host) if remote else "127.0.0.1"
    query = f"?token={token}" if token else ""
    url = f"http://{f'[{shown_host}]' if ':' in shown_host else shown_host}:{port}/{query}"
    err = sys.stderr
    spend = "no limit" if budget is None else f"budget {budget} per tab, at most {max_tabs} tabs"
    click.echo(f"Realtime canvas on {backend} ({spend}, at most {max_fps:g} requests/s)", file=err)
    click.echo(f"  open {url}", file=err)
    if host in _WILDCARDS:
        click.echo(f"  from another machine: http://<this machine's address>:{port}/{query}", file=err)
    if remote:
        click.echo(
            click.style("warning: ", fg="yellow", bold=True)
            + f"listening on {host}: anyone who can reach it with the token above can use the canvas",
            file=err,
        )
    click.echo("  Ctrl-C stops it", file=err)

    def on_ready() -> None:
        if not no_browser:
            import webbrowser  # ~14 ms (subprocess, shlex): only when a page is opened

            webbrowser.open(url)

    try:
        _env().canvas(config, sock, log_level, on_ready)
    except KeyboardInterrupt:
        click.echo("stopped", file=err)
