"""Who a blueprint's pages are for. Every blueprint has exactly one audience.

FDA pages, firm pages, public pages, a person's own account pages and the API live
apart (docs/LAYOUT.md, "Audiences live apart"): a page never asks who is looking to
decide what to show. A blueprint is created with its audience, and `check_audiences`
refuses, when the app is created, any view whose policy decorator belongs to another
audience, so a firm page cannot slip into an FDA blueprint (or the reverse) unnoticed.
"""

from __future__ import annotations

import enum
from typing import Any

from flask import Blueprint, Flask

from portal.security.access import policy_of


class Audience(enum.StrEnum):
    #: FDA staff and the program manager.
    FDA = "fda"
    #: A firm's quality staff, on their own firm's records.
    FIRM = "firm"
    #: Anyone, signed in or not: sign-in, password and invitation links.
    PUBLIC = "public"
    #: The signed-in person's own account, whatever their role; never a firm record.
    ACCOUNT = "account"
    #: FDA information systems with a bearer token.
    API = "api"


#: The policy decorators (portal.security.access) a view of each audience may carry.
POLICIES: dict[Audience, frozenset[str]] = {
    Audience.FDA: frozenset({"fda_staff", "fda_admin"}),
    Audience.FIRM: frozenset({"firm_user", "firm_admin"}),
    Audience.PUBLIC: frozenset({"public"}),
    Audience.ACCOUNT: frozenset({"signed_in"}),
    Audience.API: frozenset({"api_token"}),
}

AUDIENCE_ATTRIBUTE = "audience"


def audience_blueprint(name: str, import_name: str, *, audience: Audience, **options: Any):
    """A Blueprint that knows whom its pages are for (checked by `check_audiences`)."""
    blueprint = Blueprint(name, import_name, **options)
    setattr(blueprint, AUDIENCE_ATTRIBUTE, Audience(audience))
    return blueprint


def audience_of(blueprint: Blueprint) -> Audience | None:
    return getattr(blueprint, AUDIENCE_ATTRIBUTE, None)


class AudienceMismatch(RuntimeError):
    """A view sits in a blueprint of another audience, or in a blueprint without one."""


def check_audiences(app: Flask) -> None:
    """Refuse to start when a view's policy does not belong to its blueprint's audience."""
    problems = []
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        blueprint_name, _, _ = endpoint.rpartition(".")
        blueprint = app.blueprints.get(blueprint_name)
        audience = audience_of(blueprint) if blueprint is not None else None
        if audience is None:
            problems.append(f"{endpoint}: its blueprint has no audience")
        elif policy_of(view) not in POLICIES[audience]:
            problems.append(
                f"{endpoint}: policy {policy_of(view)!r} is not for the {audience.value} audience"
            )
    if problems:
        raise AudienceMismatch("; ".join(sorted(problems)))
