"""FDA's public Warning Letters list: close-outs close the open warning-letter actions (SPEC 1-2).

Layout (the list's CSV download)::

    Posted Date, Letter Issue Date, Company Name, Issuing Office, Subject,
    Response Letter, Closeout Letter

An action stays open until FDA records it closed, and the compliance-actions
export never says so: without this import every warning letter since 2008 keeps
its site ineligible. A row with a close-out date is looked up among the
warning-letter actions issued within a week of its Letter Issue Date, at sites
whose legal name matches its Company Name (portal.sites.names):

* exactly one open action of that very date at a site of the same legal entity:
  it is closed on the close-out date, with a note naming the list (audited);
* any other match (a group name only, a date a few days off, several letters):
  proposed, and FDA staff confirm or reject it, as for shortage matches;
* none: the row is skipped and counted ("no open warning letter matches").

Rows without a close-out are skipped (nothing to close). Re-running changes
nothing: a closed action stays closed, a proposal is made once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.extensions import db
from portal.imports.models import MatchStatus, WarningLetterMatch
from portal.imports.outcome import ImportOutcome
from portal.imports.reading import DateProblem, Row, read_date, too_long
from portal.sites.models import RegulatoryAction, Site
from portal.sites.names import NameMatch, Strength, compare_names
from portal.sites.record_services import close_regulatory_action
from portal.sites.services import SiteError
from portal.timeutil import format_date, utcnow

COLUMNS = (
    "Posted Date",
    "Letter Issue Date",
    "Company Name",
    "Issuing Office",
    "Subject",
    "Response Letter",
    "Closeout Letter",
)
WHAT = "FDA's Warning Letters list"
LIMITS = {"Company Name": 300, "Issuing Office": 200, "Subject": 500}
WARNING_LETTER = "Warning Letter"
#: The list's issue date and the compliance export's action date may differ by a few days.
DATE_SLACK = timedelta(days=7)
NOTE_MAX = 2000


class LetterMatchError(ValueError):
    """A decision refused, with the message for the person."""


@dataclass
class Letter:
    line: int
    company: str
    issued: date
    closed: date
    office: str
    subject: str


def _parse(row: Row, today: date, outcome: ImportOutcome) -> tuple[Letter | None, str | None]:
    if row.problem:
        return None, row.problem
    if not row["Company Name"]:
        return None, "Company Name is missing."
    if problem := too_long(row, LIMITS):
        return None, problem
    if not row["Letter Issue Date"]:
        return None, "Letter Issue Date is missing."
    try:
        issued = read_date(row["Letter Issue Date"], "Letter Issue Date")
    except DateProblem as problem:
        return None, str(problem)
    if raw := row["Posted Date"]:
        try:
            read_date(raw, "Posted Date")
        except DateProblem as problem:
            outcome.note(row.line, f"{problem} It is not needed to close the letter.")
    raw = row["Closeout Letter"]
    if not raw:
        outcome.skip(row.line, "no close-out letter yet.", category="no close-out letter")
        return None, None
    try:
        closed = read_date(raw, "Closeout Letter")
    except DateProblem as problem:
        return None, str(problem)
    if closed < issued:
        return None, (
            f"Closeout Letter {format_date(closed)} is before the Letter Issue Date "
            f"{format_date(issued)}."
        )
    if closed > today:
        return None, f'Closeout Letter "{raw}" is in the future.'
    return Letter(
        row.line, row["Company Name"], issued, closed, row["Issuing Office"], row["Subject"]
    ), None


def _note(letter: Letter) -> str:
    about = ", ".join(part for part in (letter.office, letter.subject) if part)
    return (
        f"Close-out letter of {format_date(letter.closed)} on FDA's Warning Letters list "
        f"(letter to {letter.company} of {format_date(letter.issued)}"
        + (f"; {about}" if about else "")
        + ")."
    )[:NOTE_MAX]


def _candidates(letters: list[Letter]) -> list[RegulatoryAction]:
    if not letters:
        return []
    first = min(letter.issued for letter in letters) - DATE_SLACK
    last = max(letter.issued for letter in letters) + DATE_SLACK
    stmt = (
        select(RegulatoryAction)
        .options(joinedload(RegulatoryAction.site))
        .join(Site, RegulatoryAction.site_id == Site.id)
        .where(
            RegulatoryAction.action_type == WARNING_LETTER,
            RegulatoryAction.action_date.between(first, last),
            Site.archived_at.is_(None),
        )
    )
    return list(db.session.scalars(stmt))


def import_warning_letters(text: str) -> ImportOutcome:
    outcome = ImportOutcome()
    today = utcnow().date()
    letters: list[Letter] = []
    seen: dict[tuple, int] = {}
    for row in outcome.rows(text, COLUMNS, what=WHAT):
        letter, reason = _parse(row, today, outcome)
        if reason:
            outcome.reject(row.line, reason)
        elif letter is not None:
            key = (letter.company.casefold(), letter.issued, letter.closed)
            if key in seen:
                outcome.skip(
                    row.line, f"exact duplicate of line {seen[key]}.", category="exact duplicate"
                )
                continue
            seen[key] = row.line
            letters.append(letter)

    actions = _candidates(letters)
    by_day: dict[date, list[RegulatoryAction]] = {}
    for action in actions:
        by_day.setdefault(action.action_date, []).append(action)
    proposed = {
        (m.regulatory_action_id, m.company_name, m.letter_issue_date)
        for m in db.session.scalars(select(WarningLetterMatch))
    }
    names: dict[tuple[str, str], NameMatch | None] = {}
    for letter in letters:
        found: list[tuple[RegulatoryAction, NameMatch]] = []
        for offset in range(-DATE_SLACK.days, DATE_SLACK.days + 1):
            for action in by_day.get(letter.issued + timedelta(days=offset), []):
                pair = (letter.company, action.site.legal_name)
                if pair not in names:
                    names[pair] = compare_names(*pair)
                if names[pair] is not None:
                    found.append((action, names[pair]))
        open_found = [(a, m) for a, m in found if a.is_open]
        sure = [
            (a, m)
            for a, m in open_found
            if m.strength == Strength.SAME_ENTITY and a.action_date == letter.issued
        ]
        if not open_found:
            if found:
                outcome.count(created=False, changed=False)  # closed already
            else:
                outcome.skip(
                    letter.line,
                    f"no open warning letter of {format_date(letter.issued)} (within a week) "
                    f'is recorded for a site named like "{letter.company}".',
                    category="no matching open action",
                )
            continue
        if len(sure) == 1 and len(open_found) == 1:
            action = sure[0][0]
            action.closed_on = letter.closed
            action.closed_note = _note(letter)
            action.closed_by_id = None
            audit.record(
                "regulatory_action.close",
                action,
                firm_id=action.site.firm_id,
                detail=f"Closed {letter.closed.isoformat()} by the warning letters import: "
                + _note(letter),
            )
            outcome.count(created=False, changed=True)
            continue
        for action, match in open_found:
            key = (action.id, letter.company[:300], letter.issued)
            if key in proposed:
                continue
            proposed.add(key)
            doubts = [match.reason]
            if action.action_date != letter.issued:
                doubts.append(
                    f"The list's letter is dated {format_date(letter.issued)}; the recorded "
                    f"action {format_date(action.action_date)}."
                )
            if len(open_found) > 1:
                doubts.append(f"{len(open_found)} open warning letters match this row.")
            db.session.add(
                WarningLetterMatch(
                    regulatory_action_id=action.id,
                    company_name=letter.company[:300],
                    letter_issue_date=letter.issued,
                    closeout_date=letter.closed,
                    issuing_office=letter.office,
                    subject=letter.subject,
                    evidence=" ".join(doubts),
                    strength=match.strength.value,
                )
            )
            outcome.proposed += 1
        outcome.note(
            letter.line,
            "the match is uncertain: proposed for FDA staff to confirm on the warning letter "
            "matches page.",
        )
        outcome.count(created=False, changed=False)
    outcome.rejections.sort(key=lambda r: r.line)
    db.session.flush()
    return outcome


def _decide(match: WarningLetterMatch, status: MatchStatus, by) -> None:
    if match.status != MatchStatus.PROPOSED:
        raise LetterMatchError(
            f"This match was already {match.status.value} on {format_date(match.decided_at)}; "
            "nothing was changed."
        )
    match.status = status
    match.decided_by_id = by.id
    match.decided_at = utcnow()


def confirm_letter_match(match: WarningLetterMatch, *, by) -> None:
    """FDA agrees: the close-out closes the action (on the close-out date, audited)."""
    _decide(match, MatchStatus.CONFIRMED, by)
    letter = Letter(
        0,
        match.company_name,
        match.letter_issue_date,
        match.closeout_date,
        match.issuing_office,
        match.subject,
    )
    try:
        close_regulatory_action(
            match.action, closed_on=match.closeout_date, note=_note(letter), by=by
        )
    except SiteError as error:
        raise LetterMatchError(f"{error} Nothing was changed.") from error
    audit.record(
        "warning_letter_match.confirm",
        match,
        firm_id=match.action.site.firm_id,
        detail=f"{match.company_name} close-out closes the action at FEI "
        f"{match.action.site.fei_number}",
    )


def reject_letter_match(match: WarningLetterMatch, *, by) -> None:
    _decide(match, MatchStatus.REJECTED, by)
    audit.record(
        "warning_letter_match.reject",
        match,
        firm_id=match.action.site.firm_id,
        detail=f"{match.company_name}'s close-out is not the action at FEI "
        f"{match.action.site.fei_number}",
    )
