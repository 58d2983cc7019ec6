"""Email leaves through the outbox: only when the change was saved, delivered by the worker over real SMTP."""

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
