"""The program manager finds a refused recipient on the outbox and sends again (SPEC "Email")."""

from __future__ import annotations

from portal.extensions import db
from portal.mail import deliver_outbox, queue_email
from portal.outbox.models import DeliveryStatus
from portal.timeutil import utcnow
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in
from tests.conftest import outbox
from tests.e2e.smtp_servers import SmtpServer


def test_a_refused_recipient_is_shown_and_sent_again_to_that_recipient_only(page, app, fda_admin):
    queue_email(
        ["ada@fda.example.gov", "typo@fda.example.gov"],
        "password_reset",
        "Invitation decided",
        user=fda_admin,
        link="http://portal.test/x",
        expires_at=utcnow(),
    )
    db.session.commit()
    with SmtpServer(refuse={"typo@fda.example.gov": 550}) as refusing:
        app.config["MAIL_PORT"] = refusing.port
        assert deliver_outbox().failed == 1
    page.set_default_timeout(30_000)  # a loaded CI machine signs in slowly (argon2, TOTP)
    sign_in(page, fda_admin, factories.PASSWORD)

    page.goto("/admin/outbox")
    alert = page.locator(".usa-alert--error")
    assert "1 message was not delivered to every recipient" in alert.inner_text()
    row = page.get_by_role("row", name="Invitation decided")
    assert "typo@fda.example.gov: not delivered (550 5.1.1 No such user here)" in row.inner_text()
    assert_accessible(page, "outbox with a refused recipient")

    page.get_by_role("link", name="Invitation decided").click()
    recipients = page.get_by_role("table", name="Recipients")
    assert "Delivered" in recipients.get_by_role("row", name="ada@fda.example.gov").inner_text()
    refused = recipients.get_by_role("row", name="typo@fda.example.gov").inner_text()
    assert "Not delivered" in refused and "550 5.1.1 No such user here" in refused
    assert_accessible(page, "outbox message with a refused recipient")

    page.get_by_role("button", name="Try sending again").click()
    page.wait_for_load_state()
    assert "queued again for the recipients it was not delivered to" in page.content()
    with SmtpServer() as fixed:
        app.config["MAIL_PORT"] = fixed.port
        db.session.expire_all()
        assert deliver_outbox().sent == 1
        assert [item.recipients for item in fixed.received] == [["typo@fda.example.gov"]]
    (message,) = outbox()
    assert {d.status for d in message.deliveries} == {DeliveryStatus.ACCEPTED}
