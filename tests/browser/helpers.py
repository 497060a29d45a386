"""Helpers for browser tests: sign in through the real forms, check accessibility."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db

#: WCAG 2.1 level A and AA rules (axe-core tags).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def assert_accessible(page, label: str = "") -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    where = label or page.url
    assert results.violations_count == 0, f"axe on {where}:\n{results.generate_report()}"


def next_totp_code(user: User) -> str:
    """A code the portal will accept now: never a time step already used (replay guard).

    The current step comes first: the portal accepts one step either side, so it still
    passes if the clock crosses a step boundary before the form arrives, where the
    previous step would then be two behind and refused.
    """
    db.session.expire_all()
    fresh = db.session.scalars(select(User).where(User.id == user.id)).one()
    totp = pyotp.TOTP(fresh.totp_secret)
    current = int(time.time() // totp.interval)
    last = fresh.totp_last_step if fresh.totp_last_step is not None else -1
    for step in (current, current + 1, current - 1):
        if step > last:
            return totp.generate_otp(step)
    raise AssertionError("no unused TOTP step within the accepted window; wait 30 seconds")


def sign_in(page, user: User, password: str) -> None:
    """Through the real forms, second factor included."""
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if user.totp_secret:
        page.get_by_label("Code from your authenticator app").fill(next_totp_code(user))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in failed for {user.email}: {page.url}"


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
