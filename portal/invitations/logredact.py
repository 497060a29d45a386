"""Keep invitation link tokens out of log files (issue 3: "no token is ever written to a log").

A link token is as good as the letter's decision: anyone who reads it in a log
could accept for the site. The request line (werkzeug) and the error log
(portal.errors) both carry the path, so a filter rewrites
``/invitation/<token>`` (also URL-encoded, as in ``?next=``) before a record
is written. The invitations blueprint installs it when it is registered.
"""

from __future__ import annotations

import logging
import re

#: The path segment after /invitation/ or /calendar/ (a personal calendar feed's secret
#: address, SPEC 7), plain or percent-encoded (%2F).
_TOKEN_IN_PATH = re.compile(r"(/|%2[fF])(invitation|calendar)(/|%2[fF])[A-Za-z0-9_\-]+")
REDACTED = r"\1\2\3[token removed]"

#: Loggers that write request paths.
LOGGERS = ("werkzeug", "portal.errors", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(REDACTED, text)


class TokenRedactingFilter(logging.Filter):
    """Rewrites the message and its arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def install() -> None:
    """Add the filter to every logger that writes paths, once."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenRedactingFilter) for f in logger.filters):
            logger.addFilter(TokenRedactingFilter())
