"""The ``serve`` command: run the local server over HTTP, as ``leonardo-realtime serve`` and as
``python -m leonardo_realtime_client.server`` (one definition of its options, below the CLI that adds it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._click import CONTEXT_SETTINGS, LogLevelOption, host_option
from .._defaults import ENV_API_KEY, ENV_BASE_URL, is_loopback_host
from .._errors import ConfigurationError
from .._extras import OVER_HTTP, require_server_extra
from .._key_file import KeyFileOption, read_api_key

if TYPE_CHECKING:
    from ._config import ServerConfig

__all__ = ["serve_command"]


def _serve_function() -> Callable[[str, int, ServerConfig, str], None]:
    """The function that runs the server: the ``serve`` of click's ``obj`` when it has one (the CLI's seam,
    which tests swap), else :func:`~leonardo_realtime_client.server.serve`."""
    context = click.get_current_context(silent=True)
    seam = getattr(context.obj, "serve", None) if context is not None else None
    if callable(seam):
        return seam  # type: ignore[no-any-return]

    def serve(host: str, port: int, config: ServerConfig, log_level: str) -> None:
        from ._running import serve as run

        run(host, port, config, log_level=log_level)

    return serve


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@host_option
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--latency", type=float, default=0.0, metavar="SECONDS", help="Fixed delay added to every response.")
@click.option("--jitter", type=float, default=0.0, metavar="SECONDS", help="Plus a random delay in [0, SECONDS).")
@click.option("--rate-limit", type=float, default=0.0, metavar="P", help="Share of requests answered 429.")
@click.option("--server-error", type=float, default=0.0, metavar="P", help="Share of requests answered 500.")
@click.option("--unavailable", type=float, default=0.0, metavar="P", help="Share of requests answered 503.")
@click.option("--drop", type=float, default=0.0, metavar="P", help="Share of connections dropped without a response.")
@click.option("--slow", type=float, default=0.0, metavar="P", help="Share of responses delayed by --slow-delay.")
@click.option(
    "--slow-delay", type=float, default=30.0, show_default=True, metavar="SECONDS", help="Delay of a slow one."
)
@click.option("--retry-after", type=float, default=1.0, show_default=True, metavar="SECONDS", help="Sent with 429/503.")
@click.option(
    "--fault-script",
    metavar="LIST",
    help="Faults for the first requests, in order, comma-separated: none, rate_limit, server_error, "
    "unavailable, drop, slow (e.g. 'rate_limit,none,server_error').",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random draw (repeatable runs).")
@click.option(
    "--require-key",
    is_flag=True,
    help=f"Accept only the key from ${ENV_API_KEY} or --api-key-file (default: any non-empty key).",
)
@click.option("--api-key-file", cls=KeyFileOption, help="See --require-key.")
@click.option("--log-level", cls=LogLevelOption, default="info")
def serve_command(
    host: str,
    port: int,
    latency: float,
    jitter: float,
    rate_limit: float,
    server_error: float,
    unavailable: float,
    drop: float,
    slow: float,
    slow_delay: float,
    retry_after: float,
    fault_script: str | None,
    seed: int,
    require_key: bool,
    api_key_file: Path | None,
    log_level: str,
) -> None:
    """Run the local Realtime Canvas server (same routes, validation and errors as the API; images are drawn
    locally, deterministically). Point a client at the printed base URL. Ctrl-C stops it (exit status 0).
    """
    try:
        from . import Faults, Latency, ServerConfig
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise click.UsageError(
            f"the local server needs the 'server' extra: pip install 'leonardo-realtime-client[server]' ({exc})"
        ) from None
    try:  # before the banner: a server that cannot start must not say it is running
        require_server_extra("the local server", OVER_HTTP)
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from None
    anyone = "leave out --require-key: any non-empty key is then accepted"
    token = read_api_key(api_key_file, required=True, without_key=anyone) if require_key else None
    if api_key_file is not None and not require_key:
        raise click.UsageError("--api-key-file only matters with --require-key")
    script = tuple(s.strip() for s in fault_script.split(",") if s.strip()) if fault_script else ()
    try:
        config = ServerConfig(
            require_token=token,
            latency=Latency(fixed=latency, jitter=jitter),
            faults=Faults(
                rate_limit=rate_limit,
                server_error=server_error,
                unavailable=unavailable,
                drop=drop,
                slow=slow,
                slow_delay=slow_delay,
                retry_after=retry_after,
                script=script,
            ),
            seed=seed,
        )
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from None
    err = sys.stderr
    # Listening on every address (0.0.0.0, ::): this machine reaches it on loopback, where no environment proxy
    # applies and plain http is allowed; "http://0.0.0.0:…" would be refused by the client as insecure http.
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104 - compared, not bound
    base_url = f"http://{shown if ':' not in shown else f'[{shown}]'}:{port}/api/rest/v1"
    if not is_loopback_host(host):
        click.echo(
            click.style("warning: ", fg="yellow", bold=True)
            + f"{host} is not a loopback address: other machines can reach this server",
            file=err,
        )
    click.echo(f"Local Realtime Canvas API at {base_url}", file=err)
    click.echo(f"  use it with: --base-url {base_url}   (or export {ENV_BASE_URL}={base_url})", file=err)
    if token is None:  # a client still needs some key to send: say so, or the first call stops at "no API key"
        click.echo(f"  and any API key: export {ENV_API_KEY}=anything", file=err)
    else:
        click.echo("  and only the API key it was started with (--require-key)", file=err)
    click.echo("  Ctrl-C stops it", file=err)
    try:
        _serve_function()(host, port, config, log_level)
    except KeyboardInterrupt:  # Ctrl-C is how a server is meant to stop: not a failure
        click.echo("stopped", file=err)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
