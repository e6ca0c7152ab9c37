"""Environment proxies: which one a request to the base URL would go through, and what to say about it.

One reason to change: how ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` (and their lower-case forms) and
``NO_PROXY`` are read. The rules, as httpx and curl apply them:

- the scheme's own variable (``https_proxy``/``HTTPS_PROXY`` for an https base URL, ``http_proxy``/
  ``HTTP_PROXY`` for http) wins over ``all_proxy``/``ALL_PROXY``; the lower-case form wins over the upper-case
  one; an empty value means none; in a CGI script (``REQUEST_METHOD`` set) ``HTTP_PROXY`` is ignored, as
  urllib does (it is the request's ``Proxy:`` header there: "httpoxy");
- ``NO_PROXY`` (or ``no_proxy``) lists hosts that bypass the proxy: ``*`` for all, a name (``example.com``
  also covers ``api.example.com``; ``.example.com`` only the subdomains), an IP address, a CIDR network
  (``10.0.0.0/8``), each optionally with ``:port``; a ``scheme://host`` entry bypasses for that scheme only;
- **a loopback base URL** (``localhost``, ``*.localhost``, ``127.0.0.0/8``, ``::1``) **never goes through an
  environment proxy**: the local server is on this machine, and a dead ``HTTP_PROXY`` (as on many CI machines)
  must not turn every local call into "connection refused".
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from typing import Final

import httpx

from ._config import is_loopback_host

__all__ = ["PROXY_VARIABLES", "EnvironmentProxy", "any_proxy_variable", "environment_proxy"]

_NO_PROXY: Final = ("no_proxy", "NO_PROXY")
_PROXY_SCHEMES: Final = ("http", "https", "socks5", "socks5h")
"""What httpx can send through (SOCKS with the socksio package)."""
PROXY_VARIABLES: Final = tuple(
    name for scheme in ("http", "https", "all") for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY")
)


def any_proxy_variable() -> bool:
    """Whether any proxy variable is set (then the environment, not the system settings, decides)."""
    return any(os.environ.get(name) is not None for name in PROXY_VARIABLES)


@dataclasses.dataclass(frozen=True, slots=True)  # not attrs: the clients' import does not load attrs
class EnvironmentProxy:
    """The proxy a request goes through: the variable it comes from and its URL (``shown`` hides a password)."""

    variable: str
    url: str

    @property
    def shown(self) -> str:
        parsed = httpx.URL(self.url if "://" in self.url else f"http://{self.url}")
        return str(parsed.copy_with(userinfo=b"***")) if parsed.userinfo else str(parsed)

    @property
    def is_socks(self) -> bool:
        return self.url.lower().startswith(("socks4://", "socks4a://", "socks5://", "socks5h://"))

    @property
    def as_set(self) -> str:
        """The variable's value as the user wrote it, a password hidden (``shown`` is httpx's normalised form)."""
        scheme, sep, rest = self.url.rpartition("://")
        if "@" in rest:
            rest = "***@" + rest.rpartition("@")[2]
        return f"{scheme}{sep}{rest}"

    def describe(self) -> str:
        return f"the proxy {self.shown} from ${self.variable}"

    def problem(self) -> str | None:
        """Why this is no proxy URL (``None`` when it is one): httpx takes ``http://[bad``, ``http://:3128`` or
        a port of 99999 and fails at the first request with a DNS or connection error that hides the cause."""
        url = httpx.URL(self.url if "://" in self.url else f"http://{self.url}")
        scheme = url.scheme.lower()
        if scheme not in _PROXY_SCHEMES:
            return f"the scheme {scheme or '(none)'}:// is not a proxy scheme ({', '.join(_PROXY_SCHEMES)} are)"
        host = url.host
        if not host or "%" in host or any(c.isspace() for c in host):
            return "it names no valid host (expected scheme://host:port, e.g. http://proxy.example:3128)"
        if url.port is not None and not 0 < url.port < 65536:
            return f"port {url.port} is not a TCP port (1-65535)"
        return None


def _variable(*names: str) -> tuple[str, str] | None:
    for name in names:
        value = os.environ.get(name)
        if value is not None:
            return (name, value.strip()) if value.strip() else None  # set but empty: explicitly none
    return None


def environment_proxy(base_url: str) -> EnvironmentProxy | None:
    """The environment proxy a request to ``base_url`` goes through, or ``None`` (loopback: always ``None``)."""
    url = httpx.URL(base_url)
    if is_loopback_host(url.host):
        return None
    scheme = url.scheme.lower()
    names = [f"{scheme}_proxy", f"{scheme.upper()}_PROXY"]
    if scheme == "http" and "REQUEST_METHOD" in os.environ:
        names.remove("HTTP_PROXY")  # in a CGI script HTTP_PROXY is the client's "Proxy:" header (httpoxy)
    found = _variable(*names) or _variable("all_proxy", "ALL_PROXY")
    if found is None or _bypassed(url):
        return None
    return EnvironmentProxy(*found)


def _bypassed(url: httpx.URL) -> bool:
    """Whether ``NO_PROXY`` names the host of ``url``."""
    entries = _variable(*_NO_PROXY)
    if entries is None:
        return False
    host = url.host.strip("[]").rstrip(".").lower()
    port = url.port or (443 if url.scheme == "https" else 80)
    for raw in entries[1].split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        if "://" in entry:
            scheme, _, entry = entry.partition("://")
            if scheme not in (url.scheme, "all"):
                continue
        if _matches(entry, host, port):
            return True
    return False


def _matches(entry: str, host: str, port: int) -> bool:
    name, wanted_port = entry, None
    if entry.startswith("["):  # [::1]:8080
        name, _, rest = entry[1:].partition("]")
        wanted_port = rest[1:] if rest.startswith(":") else None
    elif entry.count(":") == 1:  # host:port (an IPv6 address has more colons)
        name, _, wanted_port = entry.partition(":")
    if wanted_port and wanted_port != str(port):
        return False
    name = name.rstrip(".")
    try:
        network = ipaddress.ip_network(name, strict=False)
    except ValueError:
        pass
    else:
        try:
            return ipaddress.ip_address(host) in network
        except ValueError:
            return False
    if name.startswith("*."):
        name = name[1:]
    if name.startswith("."):
        return host.endswith(name)
    return host == name or host.endswith("." + name)
