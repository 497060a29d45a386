"""Error pages in the site's layout; never a stack trace."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, flash, redirect, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from portal.extensions import db

log = logging.getLogger(__name__)

TITLES = {
    400: "The request could not be understood",
    401: "Please sign in again",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not available here",
    413: "The file is too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def _render(status: int, message: str | None = None):
    return render_template(
        "errors/error.html", status=status, title=TITLES.get(status, "Error"), message=message
    ), status


def _same_site(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return parts.netloc == request.host


def _is_public_endpoint() -> bool:
    """Public pages (invitation links, password links) carry secrets in their paths:
    no draft is kept for them, so no token is written to the database."""
    from flask import current_app

    from portal.security.access import policy_of

    view = current_app.view_functions.get(request.endpoint or "")
    return view is None or policy_of(view) == "public"


def handle_csrf_error(error: CSRFError):
    db.session.rollback()
    if request.endpoint == "auth.login":
        from portal.auth.forms import LoginForm

        form = LoginForm(formdata=MultiDict({"email": request.form.get("email", "")[:254]}))
        form.password.errors = ["The sign-in page had expired. Enter your password again."]
        return render_template("auth/login.html", form=form), 400
    if current_user.is_authenticated and request.form and not _is_public_endpoint():
        from portal.auth.drafts import save_draft

        save_draft(current_user, request.path, request.form)
        db.session.commit()  # the request's own work was rolled back above; only the draft
        flash(
            "This page had been open too long, so what you sent was not saved yet. "
            "Your text is below: check it and send it again.",
            "warning",
        )
        rule = request.url_rule
        if rule is not None and "GET" in (rule.methods or ()):
            return redirect(request.path)
        if _same_site(request.referrer):
            return redirect(request.referrer)
    return _render(
        400,
        "The form had expired or did not come from this site, so nothing was changed. "
        "Go back, reload the page and try again.",
    )


def handle_http_error(error: HTTPException):
    if error.code == 429 and request.endpoint in {
        "auth.login",
        "auth.second_factor",
        "auth.enrol_at_login",
    }:
        return render_template("auth/too_many_attempts.html"), 429
    if error.code == 413:
        limit = request.max_content_length
        size = f" ({limit // (1024 * 1024)} MB in one sending)" if limit else ""
        return _render(
            413,
            f"That upload is larger than the portal accepts{size}. Nothing was saved. Go back "
            "and send fewer or smaller files. Split the file and upload the parts if one file "
            "is too large.",
        )
    if error.code == 401:
        return _render(401, "Your session has ended. Sign in again to continue.")
    return _render(error.code or 500)


def handle_unexpected_error(error: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _render(
        500,
        "The error has been logged. Nothing you sent was saved. Try again in a few minutes.",
    )


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
