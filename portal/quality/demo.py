"""Demo quality actions for `flask seed-demo`: one in each state worth showing.

For the first firm's engagement: an action completed by the firm and waiting
for FDA (on the work list), one in progress and overdue, one verified, one
planned; for the second firm's, one closed without completion. They are made
through the services, so their history and audit trail read as in real use;
the history is then spread over the past weeks. Skipped if an engagement is missing.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import Firm, Role, User
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingStatus
from portal.quality import services
from portal.quality.models import ActionStatus, QualityAction
from portal.timeutil import utcnow

STAFF = "staff@fda.example.gov"
S = ActionStatus

#: (kind, description, owner, days to target, steps: (status, by "firm"/"fda", note)).
FIRST_FIRM = (
    (
        "corrective",
        "Revise cleaning validation for the shared granulator: add worst-case product "
        "and swab locations discussed at the meeting.",
        "Luis Ortega, QA Specialist",
        40,
        [
            (S.IN_PROGRESS, "firm", "Protocol VP-0231 drafted."),
            (S.COMPLETED, "firm", "VP-0231 executed; report VR-0231 approved."),
        ],
    ),
    (
        "corrective",
        "Close the gap in environmental monitoring trending for Grade C rooms.",
        "Dana Whitfield, Head of Quality",
        -10,
        [(S.IN_PROGRESS, "firm", "Trending template under review.")],
    ),
    (
        "preventive",
        "Add a second-person check to manual batch record entries at packaging.",
        "Luis Ortega, QA Specialist",
        20,
        [
            (S.IN_PROGRESS, "firm", ""),
            (S.COMPLETED, "firm", "SOP-114 revision 3 effective; 14 operators trained."),
            (S.VERIFIED, "fda", "Training records and SOP reviewed."),
        ],
    ),
    (
        "preventive",
        "Qualify a second supplier for the stopper used on the 10 mL vial line.",
        "Dana Whitfield, Head of Quality",
        90,
        [],
    ),
)
SECOND_FIRM = (
    (
        "corrective",
        "Replace the water-for-injection loop's sampling valves.",
        "Tomasz Nowak, Validation Lead",
        30,
        [(S.CLOSED, "firm", "The loop is being replaced in full under change control CC-88.")],
    ),
)


def _engagement_of(firm: Firm) -> Engagement | None:
    return db.session.scalars(
        select(Engagement).where(
            Engagement.firm_id == firm.id, Engagement.status == EngagementStatus.ACTIVE
        )
    ).first()


def _firm_user(firm: Firm, people: dict[str, User]) -> User | None:
    return next(
        (p for p in people.values() if p.firm_id == firm.id and p.role == Role.FIRM_ADMIN), None
    )


def _make(engagement: Engagement, spec, firm_user: User, fda: User) -> QualityAction:
    kind, description, owner, days, steps = spec
    held = db.session.scalars(
        select(Meeting).where(
            Meeting.engagement_id == engagement.id, Meeting.status == MeetingStatus.HELD
        )
    ).first()
    details = services.ActionDetails(
        kind=kind,
        description=description,
        owner_name=owner,
        target_date=date.today() + timedelta(days=max(days, 1)),
        meeting=str(held.public_id) if held else "",
    )
    action = services.create_action(engagement, details, by=firm_user)
    for status, side, note in steps:
        services.change_status(action, status, by=firm_user if side == "firm" else fda, note=note)
    if days < 0:
        action.target_date = date.today() + timedelta(days=days)  # to show an overdue one
    db.session.flush()
    # Spread the history over the past weeks, oldest first.
    for back, event in enumerate(sorted(action.events, key=lambda e: e.id, reverse=True), 1):
        event.occurred_at = utcnow() - timedelta(days=6 * back)
    return action


def seed(people: dict[str, User], firms: list[Firm]) -> None:
    fda = people.get(STAFF)
    if fda is None:
        return
    for firm, specs in zip(firms, (FIRST_FIRM, SECOND_FIRM), strict=False):
        engagement = _engagement_of(firm)
        firm_user = _firm_user(firm, people)
        if engagement is None or firm_user is None:
            continue
        for spec in specs:
            _make(engagement, spec, firm_user, fda)
