"""The httpx client a client object makes for itself: its pool, or the environment proxy, and one TLS context.

One reason to change: how the package's own httpx client is put together. With a ``transport`` (the local
server's, a mock), that transport and no proxy. Else our pool (``_pool``: httpx's own closes every idle
connection once more than 20 are open), or the environment proxy that applies to the base URL (``_proxies``:
never one for a loopback base URL), decided here so that what an error says about the proxy is what was used.
"""

from __future__ import annotations

import ssl
from typing import TypeVar

import httpx

from ._config import is_loopback_host
from ._errors import ConfigurationError
from ._pool import AsyncShardedTransport, ShardedTransport, ssl_context_for
from ._proxies import EnvironmentProxy, any_proxy_variable, environment_proxy

__all__ = ["make_http_client"]

HttpClientT = TypeVar("HttpClientT", httpx.Client, httpx.AsyncClient)


def make_http_client(
    make: type[HttpClientT],
    base_url: str,
    timeout: httpx.Timeout,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
) -> tuple[HttpClientT, EnvironmentProxy | None]:
    """``(the httpx client, the environment proxy it sends through or None)``.

    Raises:
        ConfigurationError: The proxy variable that applies is no usable proxy URL (or SOCKS without socksio),
            or ``SSL_CERT_FILE`` names a missing or unusable file.
    """
    if transport is not None:
        return make(transport=transport, timeout=timeout), None  # type: ignore[arg-type]
    proxy = environment_proxy(base_url)
    tls = ssl_context_for(base_url)  # one per process; a stale SSL_CERT_FILE: ConfigurationError
    if proxy is not None:
        mount = _proxy_transport(make, proxy, httpx.URL(base_url).host, tls)
        via = {"all://": mount}
        return make(timeout=timeout, mounts=via, trust_env=False, verify=tls), proxy  # type: ignore[arg-type]
    # No environment proxy applies. httpx may still find one in the system settings (macOS, Windows), which
    # it does only with trust_env, and only when no proxy variable is set (they come first) and not loopback.
    system = not is_loopback_host(httpx.URL(base_url).host) and not any_proxy_variable()
    # One TLS context per process for all of this client's transports (the CA bundle load costs ~15 ms).
    pool = {"all://": _pool_for(make, tls)}
    return make(timeout=timeout, mounts=pool, trust_env=system, verify=tls), None  # type: ignore[arg-type]


def _pool_for(
    client_type: type[httpx.Client] | type[httpx.AsyncClient], tls: ssl.SSLContext
) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
    return AsyncShardedTransport(tls) if client_type is httpx.AsyncClient else ShardedTransport(tls)


def _proxy_transport(
    client_type: type[httpx.Client] | type[httpx.AsyncClient], proxy: EnvironmentProxy, host: str, tls: ssl.SSLContext
) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
    url = proxy.url if "://" in proxy.url else f"http://{proxy.url}"
    problem = proxy.problem()
    if problem is not None:  # said now, not as a DNS error naming neither the variable nor the cause
        raise ConfigurationError(
            f"${proxy.variable}={proxy.as_set} is not a proxy URL: {problem} (or unset {proxy.variable}, or add "
            f"{host} to NO_PROXY)"
        )
    try:
        if client_type is httpx.AsyncClient:
            return httpx.AsyncHTTPTransport(proxy=url, verify=tls)
        return httpx.HTTPTransport(proxy=url, verify=tls)
    except ImportError:  # httpx: "Using SOCKS proxy, but the 'socksio' package is not installed"
        raise ConfigurationError(
            f"${proxy.variable}={proxy.shown} sends requests through a SOCKS proxy, which needs the socksio "
            f"package: pip install 'httpx[socks]' (or unset {proxy.variable}, or add {host} to NO_PROXY)"
        ) from None
    except ValueError as exc:  # an unknown proxy scheme
        raise ConfigurationError(f"${proxy.variable}={proxy.shown} is not a proxy httpx can use: {exc}") from None
