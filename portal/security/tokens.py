"""Secrets that travel in links: generated with `secrets`, stored only as hashes."""

from __future__ import annotations

import hashlib
import re
import secrets

#: 32 bytes = 256 bits of randomness, comfortably above the 128 the program requires.
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 hex digest; link tokens carry enough entropy that no slow hash is needed."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


#: What ``new_token`` makes: URL-safe base64, 43 characters (a shorter or longer one
#: from an older link or a foreign system is still looked up).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def looks_like_token(token: str) -> bool:
    """Cheap shape check before touching the database with a visitor's string."""
    return _TOKEN_SHAPE.fullmatch(token) is not None
