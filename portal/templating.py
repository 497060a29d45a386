"""Jinja filters and globals: dates in the viewer's zone, navigation, session timing."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app
from flask_login import current_user
from markupsafe import Markup, escape

from portal.navigation import navigation
from portal.sanitize import clean_html, formatted_words, link_https
from portal.timeutil import DEFAULT_TIMEZONE, format_date, format_local, to_local
from portal.wording import full_stop, join_names, lower_first


def viewer_zone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.timezone or DEFAULT_TIMEZONE
    return DEFAULT_TIMEZONE


def local_datetime(moment: datetime | None, zone_name: str | None = None) -> str:
    """A moment in the viewer's zone (or the zone given), zone always named."""
    return format_local(moment, zone_name or viewer_zone())


def local_time_element(moment: datetime | None, zone_name: str | None = None) -> Markup:
    """``<time datetime="...Z">`` around the local text, for machines and screen readers."""
    if moment is None:
        return Markup("")
    iso = to_local(moment, "UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    # Plain concatenation: Markup.format's escaping formatter cost more than the date
    # itself on list pages with many times. The ISO text is digits and punctuation.
    return Markup(f'<time datetime="{iso}">{escape(local_datetime(moment, zone_name))}</time>')  # noqa: S704


def short_date(day: date | datetime | None) -> str:
    return format_date(day)


def formatted(text: str | None) -> Markup:
    """A long text as people wrote it (Markdown-style marks), shown through the one sanitizer.

    The source is what is stored, emailed and exported; only pages render it, so a
    ``<script>`` or a ``javascript:`` link in it reads as typed and never runs (issue 16).
    """
    # clean_html remembers recent texts (pages show the same ones on every request).
    return Markup(clean_html(text or ""))  # noqa: S704 - clean_html's output is safe


def register(app: Flask) -> None:
    app.jinja_env.filters["local"] = local_datetime
    app.jinja_env.filters["local_time"] = local_time_element
    app.jinja_env.filters["date"] = short_date
    app.jinja_env.filters["full_stop"] = full_stop
    app.jinja_env.filters["join_names"] = join_names
    app.jinja_env.filters["lower_first"] = lower_first
    # link_https escapes every character it does not write itself (portal/sanitize.py).
    app.jinja_env.filters["link_https"] = lambda text: Markup(link_https(text))  # noqa: S704
    app.jinja_env.filters["formatted"] = formatted
    app.jinja_env.filters["formatted_words"] = formatted_words
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def portal_globals():
        config = current_app.config
        return {
            "navigation": navigation,
            "viewer_zone": viewer_zone,
            "idle_timeout_seconds": int(config["IDLE_TIMEOUT"].total_seconds()),
            "idle_warning_seconds": int(config["IDLE_WARNING"].total_seconds()),
            "portal_env": config["PORTAL_ENV"],
            "contact_email": config["PROGRAM_CONTACT_EMAIL"],
        }
