"""The access policies. Every view carries exactly one of these decorators.

A view without one is refused at request time (`enforce_policy_declared`) and
fails tests/test_isolation.py, so forgetting a policy cannot open a page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, jsonify, redirect, request, url_for
from flask_login import current_user

from portal.auth.models import FDA_ROLES, FIRM_ROLES, Role

POLICY_ATTRIBUTE = "access_policy"

#: Policies under which a page may be shown to someone not signed in.
ANONYMOUS_POLICIES = frozenset({"public"})


def policy_of(view: Callable[..., Any]) -> str | None:
    return getattr(view, POLICY_ATTRIBUTE, None)


def _mark(view: Callable[..., Any], name: str) -> Callable[..., Any]:
    if policy_of(view) is not None:
        raise RuntimeError(f"{view.__name__} already has policy {policy_of(view)}")
    setattr(view, POLICY_ATTRIBUTE, name)
    return view


def login_url_for_here() -> str:
    target = request.full_path if request.query_string else request.path
    return url_for("auth.login", next=target)


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Anyone, signed in or not. No such page may name a site, firm or product."""
    return _mark(view, "public")


def _require(name: str, allowed: frozenset[Role], refusal: Callable[[], Any]):
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user._get_current_object()
            if not user.is_authenticated:
                return redirect(login_url_for_here())
            if user.role not in allowed:
                return refusal()
            return view(*args, **kwargs)

        return _mark(wrapper, name)

    return decorator


def _not_found() -> Any:
    # Across the line between FDA and firms a page answers as if it did not exist.
    abort(404)


def _forbidden() -> Any:
    abort(403)


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Anyone signed in: their own account pages."""
    return _require("signed_in", frozenset(Role), _forbidden)(view)


def fda_staff(view: Callable[..., Any]) -> Callable[..., Any]:
    """FDA staff and the program manager."""
    return _require("fda_staff", FDA_ROLES, _not_found)(view)


def fda_admin(view: Callable[..., Any]) -> Callable[..., Any]:
    """The SEP program manager only."""

    def refuse() -> Any:
        abort(403 if current_user.is_fda else 404)

    return _require("fda_admin", frozenset({Role.FDA_ADMIN}), refuse)(view)


def firm_user(view: Callable[..., Any]) -> Callable[..., Any]:
    """A firm's quality staff; the firm is always current_user.firm, never a URL part."""
    return _require("firm_user", FIRM_ROLES, _not_found)(view)


def firm_admin(view: Callable[..., Any]) -> Callable[..., Any]:
    """The firm's quality lead."""

    def refuse() -> Any:
        abort(403 if current_user.is_firm_user else 404)

    return _require("firm_admin", frozenset({Role.FIRM_ADMIN}), refuse)(view)


def api_token(view: Callable[..., Any]) -> Callable[..., Any]:
    """FDA information systems, by bearer token (``Authorization: Bearer <token>``).

    Sessions do not count: a signed-in person, FDA or firm, gets 401 here too.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from portal.api.tokens import token_from_request
        from portal.extensions import db

        token = token_from_request()
        # The start of an API request, before its view runs: the last use is saved now.
        db.session.commit()
        if token is None:
            response = jsonify(
                error="unauthorized",
                message="Send a valid API token: Authorization: Bearer <token>.",
            )
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="sep-portal"'
            return response
        g.api_token = token
        # FDA information systems read across firms, on purpose and declared.
        from portal.security import tenancy

        tenancy.declare(db.session, tenancy.PROGRAM)
        return view(*args, **kwargs)

    return _mark(wrapper, "api_token")
