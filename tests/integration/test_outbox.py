"""Email leaves through the outbox: only when the change was saved, delivered by the worker over real SMTP."""

import pytest
import sqlalchemy as sa

from tests.fixtures.infra import free_port


def test_the_worker_delivers_queued_mail_over_smtp(app, client, smtp_server, outbox):
    client.post("/account/register", data={"name": "Amy", "email": "amy@example.tw",
                                           "password": "correct horse battery staple",
                                           "password_confirm": "correct horse battery staple"})
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert len(smtp_server.messages) == 1
    delivered = smtp_server.messages[0]
    assert delivered["To"] == "amy@example.tw" and delivered["Subject"] == "Confirm your email address"
    assert "/account/confirm/" in delivered.get_payload(decode=True).decode()
    assert [m.status for m in outbox()] == ["sent"]


def test_a_mail_server_that_is_down_delays_mail_but_loses_nothing(monkeypatch, app, client, outbox):
    client.post("/account/reset", data={"email": "nobody@example.tw"})  # nothing queued for an unknown address
    client.post("/account/register", data={"name": "Amy", "email": "amy@example.tw",
                                           "password": "correct horse battery staple",
                                           "password_confirm": "correct horse battery staple"})
    monkeypatch.setitem(app.config, 'SMTP_HOST', "127.0.0.1")
    monkeypatch.setitem(app.config, 'SMTP_PORT', free_port())
    from portal.core.outbox import deliver_pending
    from portal.extensions import db

    with app.app_context():
        sent, failed = deliver_pending(db.session)
    assert (sent, failed) == (0, 1)
    [message] = outbox()
    assert message.status == "queued" and message.attempts == 1 and message.last_error


def test_no_mail_is_queued_when_the_change_is_not_saved(app):
    from portal.accounts.models import User
    from portal.core.outbox import OutboxMessage, queue_email
    from portal.extensions import db

    with app.test_request_context():
        user = User(name="Ghost", email="ghost@example.tw", password_hash="!")
        db.session.add(user)
        db.session.flush()
        queue_email(db.session, to=user.email, template="reset_password", user=user, token="t")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_without_smtp_the_worker_does_its_other_work_and_mail_waits(app, client, outbox):
    client.post("/account/register", data={"name": "Amy", "email": "amy@example.tw",
                                           "password": "correct horse battery staple",
                                           "password_confirm": "correct horse battery staple"})
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0
    assert [m.status for m in outbox()] == ["queued"]


def test_a_message_sent_again_after_its_lease_ran_out_keeps_its_message_id(app, smtp_server):
    """A worker killed after the mail server took a message, before the outbox recorded it, leaves the
    message leased; when the lease has run out another worker sends it again, as the same mail."""
    from datetime import UTC, datetime, timedelta

    import time_machine

    from portal.core.db import unit_of_work
    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db

    with app.app_context(), unit_of_work() as session:
        session.add(OutboxMessage(to_address="twice@example.tw", subject="An alert", body="Take care."))
    with app.app_context():
        assert deliver_pending(db.session) == (1, 0)
        # What the killed worker never wrote: the message is still queued, its lease taken.
        message = db.session.scalar(sa.select(OutboxMessage))
        message.status, message.sent_at = "queued", None
        db.session.commit()
        assert deliver_pending(db.session) == (0, 0)  # leased: nobody sends it meanwhile
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6)), app.app_context():
        assert deliver_pending(db.session) == (1, 0)
    first, again = smtp_server.messages
    assert first["Message-ID"] == again["Message-ID"] and first["Message-ID"].startswith("<outbox-")
    assert first["Message-ID"].endswith("@consular.example.tw>")


@pytest.mark.parametrize("crafted, subject", [
    ("Passports\rBcc: evil@example.com\u2028X-Injected: yes\x85Cc: evil@example.com",
     "Passports Bcc: evil@example.com X-Injected: yes Cc: evil@example.com"),
    # a line feed ends the subject line of the template: the rest falls into the body, never the headers
    ("Passports\r\nBcc: evil@example.com\nX-Injected: yes", "Passports"),
])
def test_line_breaks_in_the_facts_of_a_subject_add_no_header(app, smtp_server, crafted, subject):
    """Whatever a subject's facts hold (a city or a service typed by someone), the mail has one Subject
    line and goes to its one recipient."""
    from datetime import date

    from portal.core.db import unit_of_work
    from portal.core.outbox import deliver_pending, queue_email
    from portal.extensions import db

    with app.app_context(), unit_of_work() as session:
        queue_email(session, to="amy@example.tw", template="survey_invitation", locale="en", service=crafted,
                    reference="PAS-1", token="t", expires_at=date(2026, 12, 31), has_account=False)
    with app.app_context():
        assert deliver_pending(db.session) == (1, 0)
    [delivered] = smtp_server.messages
    unfolded = [" ".join(line.split()) for line in delivered.get_all("Subject")]
    assert unfolded == [f"How was the service? Two questions about {subject}"]
    assert delivered["Bcc"] is None and delivered["Cc"] is None and delivered["X-Injected"] is None
    assert delivered["X-RcptTo"] == "amy@example.tw"
