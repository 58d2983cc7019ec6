"""Email leaves through the outbox: only when the change was saved, delivered by the worker over real SMTP."""

import pytest
import sqlalchemy as sa

from portal.core.jobs import job_handler

from tests.fixtures.infra import free_port, side_by_side


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


def test_while_the_mail_server_is_down_mail_is_retried_later_each_time_then_sent_once(app, monkeypatch):
    from datetime import UTC, datetime, timedelta

    import time_machine
    from aiosmtpd.controller import Controller

    from portal.core.db import unit_of_work
    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db
    from tests.fixtures.infra import Inbox

    port = free_port()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        with app.app_context(), unit_of_work() as session:
            session.add(OutboxMessage(to_address="amy@example.tw", subject="Your trip", body="Take care."))
        waits = []
        for _ in range(3):
            with app.app_context():
                assert deliver_pending(db.session) == (0, 1)
                assert deliver_pending(db.session) == (0, 0)  # not due again at once
                message = db.session.scalar(sa.select(OutboxMessage))
                waits.append(message.next_attempt_at - datetime.now(UTC))
                clock.move_to(message.next_attempt_at)
        assert waits == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
        inbox = Inbox()
        server = Controller(inbox, hostname="127.0.0.1", port=port)
        server.start()
        try:
            with app.app_context():
                assert deliver_pending(db.session) == (1, 0)
                clock.shift(timedelta(days=1))
                assert deliver_pending(db.session) == (0, 0)
        finally:
            server.stop()
    assert [m["Subject"] for m in inbox.messages] == ["Your trip"]
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        assert (message.status, message.attempts) == ("sent", 4)


def test_mail_that_cannot_be_sent_after_eight_attempts_is_marked_failed_not_retried_forever(app, monkeypatch):
    from datetime import UTC, datetime

    import time_machine

    from portal.core.db import unit_of_work
    from portal.core.outbox import MAX_ATTEMPTS, OutboxMessage, deliver_pending
    from portal.extensions import db

    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        with app.app_context(), unit_of_work() as session:
            session.add(OutboxMessage(to_address="amy@example.tw", subject="Your trip", body="Take care."))
        for _ in range(MAX_ATTEMPTS):
            with app.app_context():
                assert deliver_pending(db.session) == (0, 1)
                clock.move_to(db.session.scalar(sa.select(OutboxMessage.next_attempt_at)))
        with app.app_context():
            message = db.session.scalar(sa.select(OutboxMessage))
            assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
            assert message.last_error  # what went wrong, for whoever looks
            assert deliver_pending(db.session) == (0, 0)


def test_links_in_the_development_mailbox_lead_to_the_port_the_portal_is_served_on(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    client.post("/account/register", data={"name": "Amy", "email": "amy@example.tw",
                                           "password": "correct horse battery staple",
                                           "password_confirm": "correct horse battery staple"})
    page = client.get("/dev/mailbox", base_url="http://127.0.0.1:8123").get_data(as_text=True)
    assert 'href="http://127.0.0.1:8123/account/confirm/' in page
    assert "127.0.0.1:5000" not in page


def _queue_plain(app, count: int) -> None:
    from portal.core.db import unit_of_work
    from portal.core.outbox import OutboxMessage

    with app.app_context(), unit_of_work() as session:
        session.add_all(OutboxMessage(to_address=f"reader{n}@example.tw", subject=f"Alert {n}", body="Take care.")
                        for n in range(count))


def test_one_round_sends_the_whole_backlog_over_one_connection(app, smtp_server):
    """More mail than a batch: the worker keeps going while mail is waiting, on the connection it opened."""
    from portal.core.outbox import BATCH, deliver_pending
    from portal.extensions import db

    _queue_plain(app, BATCH * 2 + 7)
    with app.app_context():
        assert deliver_pending(db.session) == (BATCH * 2 + 7, 0)
        assert deliver_pending(db.session) == (0, 0)
    assert len(smtp_server.messages) == BATCH * 2 + 7
    assert len({m["X-Peer"] for m in smtp_server.messages}) == 1  # one SMTP connection (one client port)


def test_four_workers_on_one_backlog_send_each_message_exactly_once(app, smtp_server):
    """Workers started side by side take different messages (on PostgreSQL without waiting for each
    other): every message reaches the mail server once, none is left behind."""
    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db

    _queue_plain(app, 300)
    results = side_by_side(app, 4, lambda: deliver_pending(db.session, batch=20))
    assert sum(sent for sent, _ in results) == 300 and all(failed == 0 for _, failed in results)
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 300 and len(set(ids)) == 300
    with app.app_context():
        assert set(db.session.scalars(sa.select(OutboxMessage.status))) == {"sent"}
        assert set(db.session.scalars(sa.select(OutboxMessage.attempts))) == {1}


def test_a_mail_server_refusing_one_message_does_not_hold_up_the_rest(app, monkeypatch):
    """A recipient the server refuses costs that message an attempt; the others go on the same round."""
    from aiosmtpd.controller import Controller

    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db
    from tests.fixtures.infra import Inbox

    class RefusesOne(Inbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == "reader3@example.tw":
                return "550 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    inbox = RefusesOne()
    server = Controller(inbox, hostname="127.0.0.1", port=free_port())
    server.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    _queue_plain(app, 6)
    try:
        with app.app_context():
            assert deliver_pending(db.session) == (5, 1)
            refused = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.status == "queued"))
    finally:
        server.stop()
    assert refused.to_address == "reader3@example.tw" and "No such mailbox" in refused.last_error
    assert sorted(m["To"] for m in inbox.messages) == [f"reader{n}@example.tw" for n in (0, 1, 2, 4, 5)]


_jobs_run: list[str] = []


@job_handler("tests.note")
def _note(session, text: str) -> None:
    _jobs_run.append(text)


def test_housekeeping_is_done_by_one_worker_at_a_time_and_jobs_by_all(app):
    """While one worker does the housekeeping (scheduled publishing, time limits, erasure), a second
    worker's round skips it instead of doing it twice, and still runs queued jobs."""
    import threading

    from portal.cli import maintenance_round
    from portal.core.db import alone, unit_of_work
    from portal.core.jobs import enqueue
    from portal.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("several workers share one database server: runs on PostgreSQL")
        with unit_of_work() as session:
            enqueue(session, "tests.note", text="while another keeps house")

    holding, done = threading.Event(), threading.Event()

    def first_worker():
        with app.app_context(), alone("housekeeping") as housekeeper:
            assert housekeeper
            holding.set()
            done.wait(10)

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert holding.wait(10)
        with app.app_context():
            with alone("housekeeping") as housekeeper:
                assert not housekeeper
            with alone("something else") as other:
                assert other
            _jobs_run.clear()
            assert maintenance_round(db.session)["jobs"] == 1
            assert _jobs_run == ["while another keeps house"]
    finally:
        done.set()
        thread.join()
    with app.app_context(), alone("housekeeping") as housekeeper:
        assert housekeeper  # let go when the first worker finished


def test_chinese_text_and_a_calendar_invitation_arrive_as_written(app, smtp_server, monkeypatch):
    """What a mail program shows: the subject, sender and body decoded as written, and the invitation
    as a calendar file it can add (read back with icalendar)."""
    import email
    from email import policy

    import icalendar

    from portal.core.db import unit_of_work
    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db

    invitation = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//portal//test//\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
                  "UID:booking-1@example.tw\r\nDTSTAMP:20261202T010000Z\r\nDTSTART:20261210T010000Z\r\n"
                  "SUMMARY:行動領務\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    monkeypatch.setitem(app.config, "MAIL_FROM", "外交部領事事務局 <no-reply@consular.example.tw>")
    with app.app_context(), unit_of_work() as session:
        session.add(OutboxMessage(to_address="amy@example.tw", subject="您的預約已確認：行動領務", body="請準時到場。\n",
                                  attachments=[{"filename": "invitation.ics", "content": invitation,
                                                "content_type": "text/calendar; method=REQUEST"}]))
    with app.app_context():
        assert deliver_pending(db.session) == (1, 0)
    [received] = smtp_server.messages
    read = email.message_from_bytes(received.as_bytes(), policy=policy.default)
    assert read["Subject"] == "您的預約已確認：行動領務"
    assert read["From"].addresses[0].display_name == "外交部領事事務局" and read["Date"] is not None
    body, calendar = read.get_body(("plain",)), next(read.iter_attachments())
    assert body.get_content() == "請準時到場。\n"
    assert calendar.get_content_type() == "text/calendar" and calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "invitation.ics"
    event = icalendar.Calendar.from_ical(calendar.get_content()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "行動領務"


def test_a_message_that_cannot_be_written_as_mail_fails_alone_and_the_round_goes_on(app, smtp_server):
    """A line break in a header value (which would end the headers early) or an address the mail
    server's protocol cannot carry: that message is refused, the others are sent."""
    from portal.core.db import unit_of_work
    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db

    with app.app_context(), unit_of_work() as session:
        session.add(OutboxMessage(to_address="first@example.tw", subject="First", body="One."))
        session.add(OutboxMessage(to_address="crafted@example.tw", subject="Crafted", body="Two.",
                                  headers={"X-Alert-ID": "a\r\nBcc: evil@example.com"}))
        session.add(OutboxMessage(to_address="last@example.tw", subject="Last", body="Three."))
    with app.app_context():
        assert deliver_pending(db.session) == (2, 1)
        crafted = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.subject == "Crafted"))
        assert crafted.status == "queued" and "line break" in crafted.last_error
    assert sorted(m["Subject"] for m in smtp_server.messages) == ["First", "Last"]


def test_mail_taken_by_workers_that_all_died_is_given_up_after_eight_takings(app):
    from datetime import UTC, datetime, timedelta

    import time_machine

    from portal.cli import maintenance_round
    from portal.core.db import unit_of_work
    from portal.core.outbox import MAX_ATTEMPTS, OutboxMessage
    from portal.extensions import db

    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        with app.app_context(), unit_of_work() as session:
            session.add(OutboxMessage(to_address="cursed@example.tw", subject="Cursed", body="Kills workers.",
                                      attempts=MAX_ATTEMPTS, next_attempt_at=start - timedelta(minutes=5)))
        with app.app_context():
            maintenance_round(db.session)
            message = db.session.scalar(sa.select(OutboxMessage))
            assert message.status == "failed" and "Given up" in message.last_error


def test_a_slow_mail_server_makes_the_worker_take_its_batch_afresh_before_the_lease_ends(app, monkeypatch):
    """Half the lease gone on a slow server: the untried rest of the batch is given back and taken again
    with a new lease, so none is still being sent here when another worker could take it."""
    import time

    from aiosmtpd.controller import Controller

    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db
    from tests.fixtures.infra import Inbox

    class Slow(Inbox):
        def handle_message(self, message):
            time.sleep(0.7)
            super().handle_message(message)

    inbox = Slow()
    server = Controller(inbox, hostname="127.0.0.1", port=free_port())
    server.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    monkeypatch.setitem(app.config, "OUTBOX_LEASE_SECONDS", 2)
    _queue_plain(app, 4)
    claims = []
    from portal.core import outbox

    real_claim = outbox._claim
    monkeypatch.setattr(outbox, "_claim", lambda *a, **k: claims.append(real_claim(*a, **k)) or claims[-1])
    try:
        with app.app_context():
            assert deliver_pending(db.session, batch=4) == (4, 0)
            attempts = db.session.scalars(sa.select(OutboxMessage.attempts)).all()
    finally:
        server.stop()
    assert len(claims[0]) == 4 and len(claims) >= 2 and claims[1]  # the rest taken again
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"reader{n}@example.tw" for n in range(4))
    assert attempts == [1, 1, 1, 1]  # given back without spending an attempt
