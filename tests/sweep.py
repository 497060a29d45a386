"""Helpers for the tests that sweep every route: resolving URLs, parsing forms, snapshots."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.security.access import policy_of

ROLE_POLICIES = {
    "fda_admin": {"signed_in", "fda_staff", "fda_admin"},
    "fda_staff": {"signed_in", "fda_staff"},
    "firm_admin": {"signed_in", "firm_user", "firm_admin"},
    "firm_staff": {"signed_in", "firm_user"},
    "anonymous": {"public"},
}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def people(world) -> dict:
    return {
        "fda_admin": world.fda_admin,
        "fda_staff": world.fda_staff,
        "firm_admin": world.by_firm["a"].admin,
        "firm_staff": world.by_firm["a"].staff,
    }


def url_for_rule(app, rule, world) -> str | None:
    values = {}
    for argument in rule.arguments:
        if not argument.endswith("_id"):
            return None
        wanted = argument[: -len("_id")]
        record = next((r for m, r in world.records.items() if snake(m.__name__) == wanted), None)
        if record is None:
            return None
        values[argument] = record.public_id
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def get_pages(app, world, role: str) -> list[str]:
    """Every GET page the role may open, with firm A's records for ids."""
    allowed = ROLE_POLICIES[role]
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        if policy_of(app.view_functions[rule.endpoint]) not in allowed:
            continue
        url = url_for_rule(app, rule, world)
        if url is not None:
            urls.append(url)
    return sorted(set(urls))


#: Bookkeeping that every request writes: the audit trail, each signed-in
#: session's "last seen" time (portal.auth.sessions), how far a person has
#: read an engagement's messages (their unread marker, SPEC 14), and the firm's
#: page version, which that marker moves because the firm's home counts unread
#: threads (portal.firm.freshness).
ACTIVITY_TABLES = frozenset(
    {"audit_event", "user_session", "message_read_marker", "firm_version"}
)


def snapshot(exclude: frozenset[str] = ACTIVITY_TABLES) -> dict[str, str]:
    """A digest of every table's rows, to prove a request changed nothing."""
    digests = {}
    for table in db.metadata.sorted_tables:
        if table.name in exclude:
            continue
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    db.session.rollback()
    return digests


@dataclass
class Form:
    action: str
    method: str
    fields: list[dict] = field(default_factory=list)

    def baseline(self) -> dict[str, str]:
        data: dict[str, str] = {}
        for item in self.fields:
            kind = item["type"]
            if kind in ("checkbox", "radio"):
                if item.get("checked"):
                    data[item["name"]] = item.get("value", "y")
            elif kind == "select":
                options = item["options"]
                chosen = next((o for o in options if o[1]), options[0] if options else ("", False))
                data[item["name"]] = chosen[0]
            elif kind not in ("submit", "button", "reset", "file", "image"):
                data[item["name"]] = item.get("value", "")
        return data

    def text_fields(self) -> list[dict]:
        return [
            f
            for f in self.fields
            if f["type"] in TEXT_TYPES and f.get("id") and f.get("name") != "csrf_token"
        ]


TEXT_TYPES = {
    "text",
    "email",
    "password",
    "search",
    "tel",
    "url",
    "number",
    "date",
    "datetime-local",
    "time",
    "textarea",
}


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = Form(
                attributes.get("action") or "", (attributes.get("method") or "get").lower()
            )
            self.forms.append(self._form)
        elif (
            self._form is None
            or "name" not in attributes
            and tag in ("input", "select", "textarea")
        ):
            return
        elif tag == "input":
            self._form.fields.append(
                {
                    "type": (attributes.get("type") or "text").lower(),
                    "name": attributes["name"],
                    "value": attributes.get("value") or "",
                    "id": attributes.get("id"),
                    "checked": "checked" in attributes,
                }
            )
        elif tag == "select":
            self._select = {
                "type": "select",
                "name": attributes["name"],
                "options": [],
                "id": attributes.get("id"),
            }
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append((attributes.get("value", ""), "selected" in attributes))
        elif tag == "textarea":
            self._textarea = {
                "type": "textarea",
                "name": attributes["name"],
                "value": "",
                "id": attributes.get("id"),
            }
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def is_a_page(url: str) -> bool:
    """Whether a browser sweep should open ``url`` as a page: files (CSV, calendars, JSON,
    document downloads) and the sign-out and session actions are not pages."""
    if url.endswith((".csv", ".ics", ".json")) or "/session/" in url or "/logout" in url:
        return False
    # A document's URL answers with an attachment, which Chromium saves instead of showing.
    return "/documents/" not in url or url.endswith("/withdraw")
