"""The personal calendar feed (SPEC 7): fetched by calendar programs, managed on the account page.

Two blueprints, one audience each: the feed itself is fetched without a session (a
calendar program has none), so it is a public route whose secret token says whose
feed it is; issuing and revoking the address are the signed-in person's own account
actions.
"""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.audit import services as audit
from portal.extensions import db, limiter
from portal.forms import ConfirmForm
from portal.meetings import calendar, feed
from portal.security import access, tenancy
from portal.security.limits import (
    calendar_feed_address_limit,
    calendar_feed_key,
    calendar_feed_limit,
)

bp = audience_blueprint("calendar_feed", __name__, audience=Audience.PUBLIC)
account_bp = audience_blueprint("calendar_feed_account", __name__, audience=Audience.ACCOUNT)


@bp.route("/calendar/<token>.ics")
@access.public
@limiter.limit(calendar_feed_limit, key_func=calendar_feed_key, scope="calendar-feed")
@limiter.limit(calendar_feed_address_limit, scope="calendar-feed-address")
def feed_file(token: str):
    """Unknown, revoked and deactivated owners' addresses all answer the same 404."""
    found = feed.resolve(token)
    if found is None:
        abort(404)
    owner = found.user
    # The token, not a session, says whose records this request reads: the owner's firm,
    # or the whole program for FDA staff (security.tenancy).
    if owner.is_fda:
        tenancy.declare(db.session, tenancy.PROGRAM)
    else:
        tenancy.firm_scope(db.session, owner.firm_id)
    meetings = feed.feed_meetings(owner)
    body = feed.feed_calendar(owner, meetings)
    # Audited like any view, in the owner's name (SPEC "Confidentiality").
    g.view_actor = owner
    audit.note_view(
        "calendar_feed.view",
        found,
        firm_id=owner.firm_id,
        detail=f"calendar feed of {owner.email}: {len(meetings)} meetings",
    )
    return Response(
        body,
        mimetype=calendar.CONTENT_TYPE,
        headers={"Content-Disposition": 'inline; filename="sep-calendar.ics"'},
    )


@account_bp.route("/account/calendar-feed", methods=["POST"])
@access.signed_in
def issue():
    """A new address, shown this once (only its hash is kept); any earlier one stops."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("The form had expired. Please try again.", "error")
        return redirect(url_for("account.account", _anchor="calendar-feed"))
    token = feed.issue_feed(current_user._get_current_object())
    db.session.commit()
    return render_template(
        "meetings/feed_issued.html",
        address=feed.feed_address(token),
        webcal=feed.webcal_address(token),
    )


@account_bp.route("/account/calendar-feed/revoke", methods=["POST"])
@access.signed_in
def revoke():
    form = ConfirmForm()
    if form.validate_on_submit():
        if feed.revoke_feed(current_user._get_current_object()):
            db.session.commit()
            flash("Your calendar feed address no longer works.", "success")
        else:
            flash("You had no calendar feed address.", "info")
    return redirect(url_for("account.account", _anchor="calendar-feed"))
