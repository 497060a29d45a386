"""gunicorn settings for SEP Portal, read automatically when gunicorn starts in this folder.

Safe by default: nothing a client sends about where it comes from is believed
unless the operator names the proxy that adds it (README, "Behind a reverse
proxy"). Command-line options still override anything here.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
graceful_timeout = 20

# gunicorn itself would believe X-Forwarded-Proto (and so mark a request https) from
# 127.0.0.1 by default. The portal reads forwarded headers in one place only, the
# TrustedProxies middleware (portal/security/proxies.py), from TRUSTED_PROXY_ADDRESSES.
forwarded_allow_ips = ""
proxy_allow_ips = ""
proxy_protocol = False

# Requests larger than these are refused before the app sees them.
limit_request_line = 8190
limit_request_fields = 100


def when_ready(server):
    """Warn when sign-in limits would be counted per worker (memory://) instead of shared."""
    from portal import create_app
    from portal.security.limits import per_process_store_warning

    app = create_app()
    warning = per_process_store_warning(app.config, server.cfg.workers)
    if warning:
        server.log.warning(warning)
