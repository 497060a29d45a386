"""Which X-Forwarded-* headers to believe (issue 9, item 9).

A client can send any header it likes. The headers mean something only when a
reverse proxy of ours added them, so they are read only on connections that
come from a configured proxy address (TRUSTED_PROXY_ADDRESSES), and then only
as many hops as TRUSTED_PROXY_COUNT says. Anyone reaching the app directly is
known by the socket's address, however often they change X-Forwarded-For:
otherwise every guess would look like a new client and escape the per-address
sign-in limits.
"""

from __future__ import annotations

import ipaddress
import logging

from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_FORWARDED",
)


def parse_networks(raw: str | list | tuple | None) -> tuple[Network, ...]:
    """Parse "10.0.0.5, 10.1.0.0/16"; a bad entry stops start-up rather than trust more."""
    if not raw:
        return ()
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


def _is_trusted(address: str | None, networks: tuple[Network, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxies:
    """ProxyFix for connections from our proxies; for everyone else, forwarded headers dropped."""

    def __init__(self, app, *, count: int, networks: tuple[Network, ...]):
        self.app = app
        self.networks = networks
        self.proxied = ProxyFix(app, x_for=count, x_proto=count, x_host=count)

    def __call__(self, environ, start_response):
        if _is_trusted(environ.get("REMOTE_ADDR"), self.networks):
            return self.proxied(environ, start_response)
        for header in FORWARDED_HEADERS:
            environ.pop(header, None)
        return self.app(environ, start_response)


def install(app) -> None:
    """Wrap the app when TRUSTED_PROXY_COUNT is set; warn when no proxy address is configured."""
    count = app.config["TRUSTED_PROXY_COUNT"]
    if not count:
        return
    networks = parse_networks(app.config.get("TRUSTED_PROXY_ADDRESSES"))
    if not networks:
        log.warning(
            "TRUSTED_PROXY_COUNT=%s but TRUSTED_PROXY_ADDRESSES is empty: X-Forwarded-* headers "
            "are ignored. Set TRUSTED_PROXY_ADDRESSES to your proxy's address (README, "
            "'Behind a reverse proxy').",
            count,
        )
    app.wsgi_app = TrustedProxies(app.wsgi_app, count=count, networks=networks)
