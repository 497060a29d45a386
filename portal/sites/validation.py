"""What is wrong with a value typed or imported for a site: shared by the forms, the
services and the imports, so an FEI number means the same everywhere (SPEC 1)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

#: The longest FEI number FDA issues is 10 digits; the column allows 15.
FEI_MAX_DIGITS = 15


def fei_problem(value: str) -> str | None:
    """What is wrong with an FEI number as typed, or None."""
    if not value:
        return "Enter the FEI number."
    if not value.isascii() or not value.isdigit():
        return "An FEI number is digits only, for example 3004561553 (no spaces or letters)."
    if len(value) > FEI_MAX_DIGITS:
        return f"An FEI number has at most {FEI_MAX_DIGITS} digits."
    return None


def email_problem(value: str) -> str | None:
    """Syntax only: a site's address may be on a server we cannot reach from here."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return "Enter an email address like name@example.com."
    return None


def clean(value: str | None) -> str:
    """Typed text without surrounding spaces (None counts as empty)."""
    return (value or "").strip()
