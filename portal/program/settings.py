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
        "feedback_reminder_days",
        "Days before reminding about unanswered feedback",
        "One reminder goes to each firm user who has not answered by then.",
        7,
        1,
        60,
    ),
)
BY_KEY = {d.key: d for d in DEFINITIONS}


def _loaded() -> dict[str, int]:
    cache = g.get("_program_settings") if has_app_context() else None
    if cache is None:
        cache = {d.key: d.default for d in DEFINITIONS}
        for row in db.session.scalars(select(ProgramSetting)):
            if row.key in BY_KEY:
                cache[row.key] = int(row.value)
        if has_app_context():
            g._program_settings = cache
    return cache


def get_setting(key: str) -> int:
    return _loaded()[BY_KEY[key].key]


def all_settings() -> dict[str, int]:
    return dict(_loaded())


class SettingError(ValueError):
    pass


def update_settings(values: dict[str, int], *, by_user) -> list[str]:
    """Store changed values; returns the keys changed. Validates the window order."""
    current = all_settings()
    merged = {**current, **values}
    if merged["inspection_window_start_fy"] > merged["inspection_window_end_fy"]:
        raise SettingError("The inspection window's first fiscal year must not be after its last.")
    changed = []
    for key, value in values.items():
        definition = BY_KEY[key]
        if not definition.minimum <= value <= definition.maximum:
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
