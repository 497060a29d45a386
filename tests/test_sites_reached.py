""""Has the site been reached by phone" is one definition (issue 11), in Python and SQL alike:
the site page's letter guard, the service's guard, the work list and the dashboard agree."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.sites import services as sites
from portal.sites.models import ContactLog, ContactOutcome, Site
from tests import factories


def test_python_and_sql_agree_call_by_call(app, fda_staff):
    voicemail = factories.site(legal_name="Voicemail Only Inc")
    factories.contact_log(
        voicemail, fda_staff, outcome=ContactOutcome.LEFT_MESSAGE, person_reached=""
    )
    spoken = factories.site(legal_name="Spoken With Inc")
    factories.contact_log(spoken, fda_staff, outcome=ContactOutcome.NO_ANSWER, person_reached="")
    factories.contact_log(spoken, fda_staff)
    never = factories.site(legal_name="Never Called Inc")
    db.session.commit()
    db.session.expire_all()

    in_python = {s.legal_name: s.reached_by_phone for s in (voicemail, spoken, never)}
    in_sql = dict(db.session.execute(select(Site.legal_name, Site.reached_by_phone)).all())
    assert in_python == in_sql == {
        "Voicemail Only Inc": False,
        "Spoken With Inc": True,
        "Never Called Inc": False,
    }
    assert sites.letter_blocker(voicemail) == sites.LETTER_NEEDS_CALL
    assert sites.letter_blocker(spoken) is None
    reached_calls = db.session.scalars(select(ContactLog).where(ContactLog.reached_site)).all()
    assert [log.site_id for log in reached_calls] == [spoken.id]
    assert all(log.reached_site == (log in reached_calls) for log in spoken.contact_logs)
