"""The header's navigation: each role sees the pages it may open, nothing else.

Items whose endpoint is not (yet) registered are left out, so a domain's menu
entry appears when its blueprint does.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_login import current_user

from portal.auth.models import FDA_ROLES, FIRM_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[Role]
    #: Endpoint prefix that marks the item as the current section.
    section: str


FDA_ADMIN_ONLY = frozenset({Role.FDA_ADMIN})
#: Blueprints reached from the Administration page; its menu item stays current there.
ADMIN_SECTIONS = frozenset({"admin", "audit", "outbox", "api_tokens", "sign_in_recovery"})

ITEMS: tuple[NavItem, ...] = (
    NavItem("Work list", "home.index", FDA_ROLES, "worklist."),
    NavItem("Sites", "sites.index", FDA_ROLES, "sites."),
    NavItem("Imports", "imports.index", FDA_ROLES, "imports."),
    NavItem("Engagements", "engagements.index", FDA_ROLES, "engagements."),
    NavItem("Meetings", "meetings.index", FDA_ROLES, "meetings."),
    NavItem("Questions", "questions.index", FDA_ROLES, "questions."),
    NavItem("Quality actions", "quality.index", FDA_ROLES, "quality."),
    NavItem("Messages", "messages.index", FDA_ROLES, "messages."),
    NavItem("Search", "search.index", FDA_ROLES, "search."),
    NavItem("Feedback", "feedback.results", FDA_ROLES, "feedback."),
    NavItem("Success measures", "metrics.dashboard", FDA_ROLES, "metrics."),
    NavItem("Administration", "admin.index", FDA_ADMIN_ONLY, "admin."),
    NavItem("Our engagement", "home.index", FIRM_ROLES, "firm.home"),
    NavItem("Meetings", "firm_meetings.index", FIRM_ROLES, "firm_meetings."),
    NavItem("Our questions", "firm_questions.index", FIRM_ROLES, "firm_questions."),
    NavItem("Quality actions", "firm_quality.index", FIRM_ROLES, "firm_quality."),
    NavItem("Messages", "firm_messages.index", FIRM_ROLES, "firm_messages."),
    NavItem("Search", "firm_search.index", FIRM_ROLES, "firm_search."),
    NavItem("Feedback", "firm_feedback.index", FIRM_ROLES, "firm_feedback."),
    NavItem("Colleagues", "firm.team", frozenset({Role.FIRM_ADMIN}), "firm.team"),
)


def navigation() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    endpoint = request.endpoint or ""
    items = []
    for item in ITEMS:
        if current_user.role not in item.roles or item.endpoint not in current_app.view_functions:
            continue
        current = endpoint == item.endpoint or endpoint.startswith(item.section)
        if item.section == "admin." and endpoint.split(".")[0] in ADMIN_SECTIONS:
            current = True
        items.append({"label": item.label, "url": url_for(item.endpoint), "current": current})
    return items
