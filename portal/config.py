"""Configuration.

Everything comes from environment variables with documented defaults (README,
"Configuration"), so the same code runs in development, tests and production.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def normalize_database_url(url: str) -> str:
    """Route bare ``postgresql://`` URLs to psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_or_create_secret_key(instance_path: str) -> str:
    """Read the key from ``instance/secret_key``, creating it once.

    A key generated per process would sign people out on every restart and
    break sessions across gunicorn workers, so it is persisted, outside git.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting together must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    #: "production" (default: safe settings), "development" (make run) or "testing".
    PORTAL_ENV = os.environ.get("PORTAL_ENV", "production")

    SQLALCHEMY_DATABASE_URI = normalize_database_url(os.environ.get("DATABASE_URL", ""))
    #: No pool_pre_ping: portal.roundtrips pings a pooled connection only after it idled.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    #: The address people reach the portal at; every link in an email is built
    #: from it, never from the request's Host header (which a client controls).
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    #: Number of reverse proxies in front of the app whose X-Forwarded-* we trust.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    #: The proxies' own addresses (IPs or networks, comma-separated): forwarded headers are
    #: believed only on connections from these, so a client reaching the app directly
    #: cannot choose its own address (portal/security/proxies.py).
    TRUSTED_PROXY_ADDRESSES = os.environ.get("TRUSTED_PROXY_ADDRESSES", "")

    SESSION_COOKIE_NAME = "sep_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    #: Sessions end after this much inactivity (NIST SP 800-63B-4, AAL2: 30 min max).
    IDLE_TIMEOUT = timedelta(minutes=_env_int("IDLE_TIMEOUT_MINUTES", 15))
    #: ...and this long after sign-in, active or not.
    ABSOLUTE_TIMEOUT = timedelta(hours=_env_int("ABSOLUTE_TIMEOUT_HOURS", 12))
    #: The page warns this long before the idle timeout.
    IDLE_WARNING = timedelta(minutes=2)

    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token
    # Checked by portal.security.form_tokens.check_unsafe_methods instead of Flask-WTF's
    # own hook, which looked for exemptions on every GET first.
    WTF_CSRF_CHECK_DEFAULT = False
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
    #: The import upload pages only, for FDA staff: a 100,000-row export is about 15 MB.
    IMPORT_MAX_BYTES = _env_int("IMPORT_MAX_BYTES", 64 * 1024 * 1024)
    #: Files with more rows are imported by the background worker (`flask jobs work`).
    IMPORT_INLINE_ROWS = _env_int("IMPORT_INLINE_ROWS", 5000)
    #: Rows the worker imports per committed step (progress moves by this much).
    IMPORT_STEP_ROWS = _env_int("IMPORT_STEP_ROWS", 2000)
    #: A worker that stops without handing its job back loses it after this long.
    JOBS_CLAIM_SECONDS = _env_int("JOBS_CLAIM_SECONDS", 120)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    #: Failed sign-ins per account from one client address (the account-and-address pair).
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    #: Consecutive failures on one account, from any address, that stop its sign-in until a
    #: success, a password reset or the window's end (NIST SP 800-63B-4: at most 100).
    LOGIN_FAILURE_CEILING = _env_int("LOGIN_FAILURE_CEILING", 100)
    LOGIN_FAILURE_WINDOW = timedelta(hours=_env_int("LOGIN_FAILURE_WINDOW_HOURS", 24))
    #: Wrong addresses typed at an invitation link's gate, per link and per client address.
    INVITATION_GATE_LIMIT_PER_LINK = os.environ.get(
        "INVITATION_GATE_LIMIT_PER_LINK", "5 per 15 minutes"
    )
    INVITATION_GATE_LIMIT_PER_ADDRESS = os.environ.get(
        "INVITATION_GATE_LIMIT_PER_ADDRESS", "20 per 15 minutes"
    )
    EMAIL_LINK_LIMIT_PER_ADDRESS = os.environ.get("EMAIL_LINK_LIMIT_PER_ADDRESS", "10 per hour")
    #: Calendar programs poll a feed every 15 minutes to a few hours: a feed fetched more
    #: often than this is being scraped or its address guessed at (SPEC 7).
    CALENDAR_FEED_LIMIT_PER_FEED = os.environ.get("CALENDAR_FEED_LIMIT_PER_FEED", "30 per hour")
    CALENDAR_FEED_LIMIT_PER_ADDRESS = os.environ.get(
        "CALENDAR_FEED_LIMIT_PER_ADDRESS", "300 per hour"
    )

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "FDA Site Engagement Program <sep-portal@fda.example.gov>"
    )
    #: Where the program can be reached; printed at the foot of every email.
    PROGRAM_CONTACT_EMAIL = os.environ.get("PROGRAM_CONTACT_EMAIL", "sep@fda.example.gov")
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)
    #: Seconds to wait for the mail server to connect or answer any one command; a
    #: silent server then ends `flask mail send` instead of hanging it (SPEC "Email").
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT") or 30)
    #: "smtp" sends through MAIL_SERVER; "outbox" (development) only keeps each
    #: message in the outbox, marked delivered there, so it can be read and clicked.
    MAIL_TRANSPORT = "smtp"
    #: Flask-Mail would otherwise stop sending whenever TESTING is set; tests use a real server.
    MAIL_SUPPRESS_SEND = False
    #: Shows message bodies and links on the outbox page (development only).
    MAIL_DEV_VIEWER = False
    #: Keep a message's text after delivery. Off in production: bodies hold personal
    #: links (invitation, activation, reset) that are stored nowhere else unhashed.
    MAIL_KEEP_BODIES = _env_bool("MAIL_KEEP_BODIES", False)

    #: argon2id cost (RFC 9106 second recommended option, memory-constrained).
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 64 * 1024)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 4)

    ACTIVATION_LINK_LIFETIME = timedelta(days=7)
    RESET_LINK_LIFETIME = timedelta(hours=1)

    TOTP_ISSUER = "FDA SEP Portal"


class DevelopmentConfig(Config):
    PORTAL_ENV = "development"
    #: `make run PORT=5101` serves on that port, so the links in the emails a newcomer
    #: clicks in the outbox must point there too, unless PORTAL_BASE_URL says otherwise.
    PORTAL_BASE_URL = (
        os.environ.get("PORTAL_BASE_URL") or f"http://127.0.0.1:{_env_int('PORT', 5000)}"
    ).rstrip("/")
    SESSION_COOKIE_SECURE = False
    MAIL_DEV_VIEWER = True
    MAIL_KEEP_BODIES = True
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "outbox")


class TestConfig(Config):
    PORTAL_ENV = "testing"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    MAIL_DEV_VIEWER = True
    MAIL_KEEP_BODIES = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    RATELIMIT_STORAGE_URI = "memory://"
    # Cheap hashes: the suite hashes hundreds of passwords.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    PORTAL_BASE_URL = "http://portal.test"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 1  # nothing listens; tests that deliver mail point it at aiosmtpd


CONFIGS = {"production": Config, "development": DevelopmentConfig, "testing": TestConfig}
