"""Passwords per NIST SP 800-63B-4: length over composition, a blocklist, argon2id."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

#: Without a second factor (SP 800-63B-4 3.1.1.2).
MIN_LENGTH_SINGLE_FACTOR = 15
#: As one factor of two.
MIN_LENGTH_WITH_SECOND_FACTOR = 8
#: Well above the 64 the guideline asks us to accept.
MAX_LENGTH = 128

_LEET = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "+": "t",
    }
)


@cache
def _blocklist() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(line)
    return frozenset(words)


def normalize(password: str) -> str:
    """NFKC, as the guideline recommends, so the same password typed on any keyboard matches."""
    return unicodedata.normalize("NFKC", password)


def _is_blocklisted_word_run(letters: str, words: frozenset[str], max_words: int = 2) -> bool:
    """True if ``letters`` is one or two blocklisted words (e.g. 'passwordpassword')."""
    if letters in words:
        return True
    if max_words < 2:
        return False
    return any(
        letters[:cut] in words and letters[cut:] in words for cut in range(3, len(letters) - 2)
    )


def weakness(password: str, *, context_words: tuple[str, ...] = ()) -> str | None:
    """Why this password is easy to guess, or None. The message speaks to the person."""
    words = _blocklist()
    lowered = normalize(password).lower()
    compact = "".join(lowered.split())
    if compact in words:
        return "This password is on a list of commonly used passwords. Choose another."
    if len(set(compact)) < 4:
        return "This password repeats too few different characters. Choose another."
    if _is_sequence(compact):
        return "This password is a simple sequence. Choose another."
    stem = compact.strip("0123456789!@#$%^&*()-_=+.,?~ ")
    for candidate in {stem, stem.translate(_LEET), compact.translate(_LEET)}:
        letters = "".join(ch for ch in candidate if ch.isalpha())
        if (
            letters
            and len(letters) * 2 >= len(compact)
            and _is_blocklisted_word_run(letters, words)
        ):
            return "This password is a commonly used password with small changes. Choose another."
    for word in context_words:
        word = word.lower().strip()
        if len(word) >= 4 and word in compact and len(word) * 2 >= len(compact):
            return "This password is built from your name or email address. Choose another."
    return None


def _is_sequence(text: str) -> bool:
    if len(text) < 6:
        return False
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return steps <= {1} or steps <= {-1}


def minimum_length(*, has_second_factor: bool) -> int:
    return MIN_LENGTH_WITH_SECOND_FACTOR if has_second_factor else MIN_LENGTH_SINGLE_FACTOR


def check_new_password(
    password: str, *, has_second_factor: bool, context_words: tuple[str, ...] = ()
) -> str | None:
    """The one message to show for an unacceptable new password, or None if it is fine."""
    normalized = normalize(password)
    minimum = minimum_length(has_second_factor=has_second_factor)
    if len(normalized) < minimum:
        if has_second_factor:
            return f"Use at least {minimum} characters."
        return (
            f"Use at least {minimum} characters. A few unrelated words with spaces make a "
            "long password that is easy to remember."
        )
    if len(normalized) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    return weakness(normalized, context_words=context_words)


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(normalize(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same effort as a real check, so timing does not tell
        # whether an account exists.
        _hasher().hash("timing-equalizer")
        return False
    try:
        return _hasher().verify(password_hash, normalize(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
