"""Program settings: the values FDA's program manager tunes without a release.

Read with `get_setting("invitation_expiry_days")`; the first read in a request
loads all of them in one query.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import select

from portal.audit import services as audit
from portal.extensions import db
from portal.program.models import ProgramSetting
from portal.timeutil import utcnow


@dataclass(frozen=True)
class SettingDefinition:
    key: str
    label: str
    hint: str
    default: int
    minimum: int
    maximum: int


DEFINITIONS: tuple[SettingDefinition, ...] = (
    SettingDefinition(
        "inspection_window_start_fy",
        "Inspection window: first fiscal year",
        "Sites qualify if an inspection ended in this fiscal year or later (FY N starts "
        "1 October of N-1). The program began with FY2017.",
        2017,
        2000,
        2100,
    ),
    SettingDefinition(
        "inspection_window_end_fy",
        "Inspection window: last fiscal year",
        "...and no later than this fiscal year (FY N ends 30 September of N).",
        2018,
        2000,
        2100,
    ),
    SettingDefinition(
        "invitation_expiry_days",
        "Days an invitation link stays valid",
        "After this many days the accept and decline links stop working.",
        30,
        1,
        365,
    ),
    SettingDefinition(
        "question_deadline_days",
        "Days before a meeting that questions close",
        "Firms submit questions until the same clock time this many calendar days before "
        "the meeting, in the meeting's time zone.",
        14,
        1,
        60,
    ),
    SettingDefinition(
        "survey_close_days",
        "Days a feedback survey stays open",
        "Counted from the meeting; afterwards answers can no longer be given or changed.",
        30,
        1,
        365,
    ),
    SettingDefinition(
        "open_action_review_years",
        "Years after which an open regulatory action is listed for review",
        "Actions without a recorded closure stay open and keep a site ineligible; those "
        "older than this are listed on the Sites pages for FDA to close with a reason.",
        5,
        1,
        50,
    ),
    SettingDefinition(
        "feedback_reminder_days",
        "Days before reminding about unanswered feedback",
        "One reminder goes to each firm user who has not answered by then.",
        7,
        1,
        60,
    ),
    SettingDefinition(
        "document_max_megabytes",
        "Largest document, in MB",
        "A file attached to a question, an answer or a message may be at most this large.",
        25,
        1,
        100,
    ),
    SettingDefinition(
        "documents_per_record",
        "Documents per record",
        "How many documents one question, answer or message may carry (withdrawn ones included).",
        10,
        1,
        50,
    ),
)


@dataclass(frozen=True)
class TextSettingDefinition:
    """A setting holding a list of words, written comma-separated."""

    key: str
    label: str
    hint: str
    default: str
    max_length: int = 200


TEXT_DEFINITIONS: tuple[TextSettingDefinition, ...] = (
    TextSettingDefinition(
        "site_creating_product_types",
        "Product types whose compliance actions create sites",
        "Comma-separated Product Type values of the Data Dashboard compliance-actions export. "
        "Rows of these types add sites the portal does not know; rows of other types (Devices, "
        "Biologics, ...) are attached to known sites only and reported as skipped.",
        "Drugs",
    ),
)
BY_KEY = {d.key: d for d in DEFINITIONS}
TEXT_BY_KEY = {d.key: d for d in TEXT_DEFINITIONS}


def _loaded() -> dict[str, int | str]:
    cache = g.get("_program_settings") if has_app_context() else None
    if cache is None:
        cache = {d.key: d.default for d in (*DEFINITIONS, *TEXT_DEFINITIONS)}
        for row in db.session.scalars(select(ProgramSetting)):
            if row.key in BY_KEY:
                cache[row.key] = int(row.value)
            elif row.key in TEXT_BY_KEY:
                cache[row.key] = row.value
        if has_app_context():
            g._program_settings = cache
    return cache


def get_setting(key: str) -> int:
    return _loaded()[BY_KEY[key].key]


def get_text_setting(key: str) -> str:
    return _loaded()[TEXT_BY_KEY[key].key]


def split_list(value: str) -> tuple[str, ...]:
    """The words of a list setting: comma-separated, spaces trimmed, blanks dropped."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def site_creating_product_types() -> frozenset[str]:
    """Product types (casefolded) whose compliance actions may add a site (SPEC 1)."""
    return frozenset(
        t.casefold() for t in split_list(get_text_setting("site_creating_product_types"))
    )


def all_settings() -> dict[str, int | str]:
    return dict(_loaded())


class SettingError(ValueError):
    pass


def _checked_text(definition: TextSettingDefinition, value: str) -> str:
    words = split_list(value or "")
    if not words:
        raise SettingError(f"{definition.label}: enter at least one, for example Drugs.")
    joined = ", ".join(words)
    if len(joined) > definition.max_length:
        raise SettingError(f"{definition.label}: keep it under {definition.max_length} characters.")
    return joined


def update_settings(values: dict[str, int | str], *, by_user) -> list[str]:
    """Store changed values; returns the keys changed. Validates the window order."""
    current = all_settings()
    values = {
        key: _checked_text(TEXT_BY_KEY[key], value) if key in TEXT_BY_KEY else value
        for key, value in values.items()
    }
    merged = {**current, **values}
    if merged["inspection_window_start_fy"] > merged["inspection_window_end_fy"]:
        raise SettingError("The inspection window's first fiscal year must not be after its last.")
    changed = []
    for key, value in values.items():
        definition = BY_KEY.get(key)
        if definition is not None and not definition.minimum <= value <= definition.maximum:
            raise SettingError(
                f"{definition.label} must be between {definition.minimum} and {definition.maximum}."
            )
        if current[key] == value:
            continue
        row = db.session.get(ProgramSetting, key)
        if row is None:
            row = ProgramSetting(key=key)
            db.session.add(row)
        row.value = str(value)
        row.updated_at = utcnow()
        row.updated_by_id = by_user.id
        audit.record("settings.update", detail=f"{key}: {current[key]} -> {value}")
        changed.append(key)
    if has_app_context():
        g.pop("_program_settings", None)
    return changed
