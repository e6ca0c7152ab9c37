"""``python -m leonardo_realtime_client.server``: the local server over HTTP (``leonardo-realtime serve`` wraps it)."""

from __future__ import annotations

import click

from ._config import LOCAL_BASE_PATH, Faults, Latency, ServerConfig

__all__ = ["serve_command"]


@click.command(name="serve", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (keep it loopback).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option(
    "--require-token",
    envvar="LEONARDO_LOCAL_TOKEN",
    default=None,
    help="Accept only this bearer token [env LEONARDO_LOCAL_TOKEN]; default: any non-empty token.",
)
@click.option("--latency", default=0.0, type=click.FloatRange(min=0), help="Seconds added to every response.")
@click.option("--jitter", default=0.0, type=click.FloatRange(min=0), help="Plus up to this many seconds, seeded.")
@click.option("--rate-limit", default=0.0, type=click.FloatRange(0, 1), help="Share of requests answered 429.")
@click.option("--server-error", default=0.0, type=click.FloatRange(0, 1), help="Share answered 500.")
@click.option("--unavailable", default=0.0, type=click.FloatRange(0, 1), help="Share answered 503.")
@click.option("--drop", default=0.0, type=click.FloatRange(0, 1), help="Share of connections dropped.")
@click.option("--slow", default=0.0, type=click.FloatRange(0, 1), help="Share answered --slow-delay late.")
@click.option("--slow-delay", default=30.0, show_default=True, type=click.FloatRange(min=0), help="Seconds.")
@click.option("--retry-after", default=1.0, show_default=True, type=click.FloatRange(min=0), help="Retry-After.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of latency and fault draws.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="uvicorn's log level (debug also logs each request).",
)
def serve_command(
    host: str,
    port: int,
    require_token: str | None,
    latency: float,
    jitter: float,
    rate_limit: float,
    server_error: float,
    unavailable: float,
    drop: float,
    slow: float,
    slow_delay: float,
    retry_after: float,
    seed: int,
    log_level: str,
) -> None:
    """Serve a local stand-in of the Realtime Canvas API (no model: deterministic Pillow images).

    The four POST routes live under http://HOST:PORT/api/rest/v1, e.g. /api/rest/v1/generations-lcm.
    """
    from .._errors import ConfigurationError
    from ._running import serve

    try:
        config = ServerConfig(
            require_token=require_token or None,
            latency=Latency(fixed=latency, jitter=jitter),
            faults=Faults(
                rate_limit=rate_limit,
                server_error=server_error,
                unavailable=unavailable,
                drop=drop,
                slow=slow,
                slow_delay=slow_delay,
                retry_after=retry_after,
            ),
            seed=seed,
        )
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Local Realtime Canvas API at http://{host}:{port}{LOCAL_BASE_PATH} (Ctrl-C stops it)", err=True)
    serve(host, port, config, log_level=log_level)
