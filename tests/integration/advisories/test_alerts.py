"""Subscriptions with double opt-in, alerts fanned out by the worker with a delivery record per
recipient, one-click unsubscribe, and the publish request staying light with 10,000 subscribers."""

import time

import sqlalchemy as sa

from tests.fixtures.accounts import sign_in


def subscribe(client, email, country="JP"):
    return client.post("/advisories/subscribe", data={"email": email, "country_code": country})


def count(app, model, *where):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_double_opt_in_then_a_major_update_reaches_the_subscriber(app, client, outbox, publish_advice, run_worker):
    publish_advice("JP", "grey")
    assert "Check your email" in subscribe(client, "amy@example.tw").get_data(as_text=True)
    subscribe(client, "bob@example.tw")  # never confirms
    subscribe(client, "all@example.tw", country="")  # every country
    client.get(outbox.link("amy@example.tw"))
    client.get(outbox.link("all@example.tw"))
    publish_advice("JP", "yellow", note="Heavy snow in Hokkaido.")
    run_worker()
    alerts = [m for m in outbox() if m.subject.startswith("Travel advice changed")]
    assert sorted(m.to_address for m in alerts) == ["all@example.tw", "amy@example.tw"]
    message = next(m for m in alerts if m.to_address == "amy@example.tw")
    assert "Heavy snow in Hokkaido." in message.body and "/advisories/unsubscribe/" in message.body
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.headers["List-Unsubscribe"].startswith("<http") and message.headers["X-Alert-ID"]


def test_a_minor_update_tells_nobody(app, client, outbox, publish_advice, run_worker):
    publish_advice("KR", "grey")
    subscribe(client, "amy@example.tw", country="KR")
    client.get(outbox.link("amy@example.tw"))
    publish_advice("KR", "grey", update_type="minor")
    run_worker()
    assert not [m for m in outbox() if m.subject.startswith("Travel advice changed")]


def test_one_click_unsubscribe_needs_no_form_token_and_keeps_the_reason(monkeypatch, app, client, outbox,
                                                                          publish_advice, run_worker):
    from portal.advisories.models import Subscription

    publish_advice("TH", "grey")
    subscribe(client, "amy@example.tw", country="TH")
    client.get(outbox.link("amy@example.tw"))
    with app.app_context():
        from portal.extensions import db

        token = db.session.scalar(sa.select(Subscription.token))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get(f"/advisories/unsubscribe/{token}")
    assert page.status_code == 200
    one_click = client.post(f"/advisories/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    client.post(f"/advisories/unsubscribe/{token}", data={"reason": "Too many emails"})
    assert count(app, Subscription, Subscription.unsubscribed_at.is_not(None)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(Subscription.unsubscribe_reason)) == "Too many emails"
    publish_advice("TH", "yellow")
    run_worker()
    assert not [m for m in outbox() if m.subject.startswith("Travel advice changed")]
    assert client.post("/advisories/unsubscribe/not-a-token").status_code == 404


def test_bad_subscriptions_get_clear_messages(client, outbox):
    body = client.post("/advisories/subscribe", data={"email": "nope", "country_code": "XX"}).get_data(as_text=True)
    assert "right format" in body
    body = client.post("/advisories/subscribe", data={"email": "a@example.tw", "country_code": "XX"}).get_data(
        as_text=True)
    assert "Choose a country from the list." in body
    assert outbox() == []


def test_publishing_with_10000_subscribers_stays_light_and_the_worker_delivers_to_each(app, publish_advice,
                                                                                       run_worker, editors):
    from portal.advisories.models import AlertDelivery, Subscription
    from portal.core.db import utcnow
    from portal.core.jobs import Job
    from portal.core.outbox import OutboxMessage
    from portal.extensions import db

    publish_advice("VN", "grey")
    with app.app_context():
        now = utcnow()
        db.session.execute(sa.insert(Subscription), [
            {"email": f"traveller{i}@example.tw", "country_code": "VN", "token": f"t{i}", "locale": "zh_Hant_TW"
             if i % 2 else "en", "confirmed_at": now, "created_at": now, "unsubscribe_reason": ""}
            for i in range(10_000)])
        db.session.commit()
    messages_before, jobs_before = count(app, OutboxMessage), count(app, Job)
    started = time.perf_counter()
    publish_advice("VN", "yellow", note="Flooding in the Mekong delta.")
    publish_seconds = time.perf_counter() - started
    # The publishing transaction itself writes one job, not 10,000 messages.
    assert count(app, OutboxMessage) == messages_before and count(app, Job) == jobs_before + 1
    run_worker()
    assert count(app, AlertDelivery) == 10_000
    assert count(app, OutboxMessage, OutboxMessage.subject.like("%Vietnam%")) == 5_000
    staff = app.test_client()
    sign_in(staff, editors[0])
    overview = staff.get("/staff/advisories").get_data(as_text=True)
    assert "<td>10000</td>" in overview  # queued, shown per alert
    print(f"publish request work: {publish_seconds:.3f}s for 10,000 subscribers")


def test_the_worker_runs_the_fan_out_once_even_if_asked_twice(app, client, outbox, publish_advice, run_worker):
    from portal.advisories.alerts import fan_out
    from portal.advisories.models import Alert, AlertDelivery
    from portal.extensions import db

    publish_advice("DE", "grey")
    subscribe(client, "amy@example.tw", country="DE")
    client.get(outbox.link("amy@example.tw"))
    publish_advice("DE", "yellow")
    run_worker()
    with app.test_request_context():
        alert_id = db.session.scalar(sa.select(Alert.id).where(Alert.audience == "subscribers"))
        assert fan_out(db.session, alert_id) == 0
        db.session.commit()
    assert count(app, AlertDelivery) == 1


def test_staff_see_queued_sent_failed_and_retried_per_alert(monkeypatch, app, client, outbox, publish_advice,
                                                            run_worker, editors):
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    from portal.advisories.alerts import delivery_counts
    from portal.advisories.models import Alert
    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db

    publish_advice("PH", "grey")
    for name in ("amy", "bob"):
        subscribe(client, f"{name}@example.tw", country="PH")
        client.get(outbox.link(f"{name}@example.tw"))
    publish_advice("PH", "yellow")
    run_worker()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setitem(app.config, 'SMTP_HOST', "127.0.0.1")
    monkeypatch.setitem(app.config, 'SMTP_PORT', port)
    with app.app_context():
        # nobody listens: a round that cannot reach the mail server tries one message and gives the rest back
        rounds = [deliver_pending(db.session) for _ in range(6)]
        waiting = db.session.scalars(sa.select(OutboxMessage.attempts)).all()
        assert rounds == [(0, 1)] * len(waiting) + [(0, 0)] * (6 - len(waiting))
        assert waiting == [1] * len(waiting)  # each tried once, then waits for its retry
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
        # bob's message gives up (as after its last attempt); amy's is retried
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.to_address == "bob@example.tw")
                           .values(status="failed"))
        db.session.commit()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with app.app_context():
            deliver_pending(db.session)
    finally:
        smtp.stop()
    with app.app_context():
        alert_id = db.session.scalar(sa.select(Alert.id).where(Alert.audience == "subscribers")
                                     .order_by(Alert.created_at.desc()).limit(1))
        counts = delivery_counts(db.session, [alert_id])[alert_id]
    assert counts == {"queued": 0, "sent": 1, "failed": 1, "retried": 1, "total": 2}  # amy: sent on the 2nd try


def test_a_bad_confirmation_link_offers_to_subscribe_again(client):
    response = client.get("/advisories/subscribe/confirm/not-a-token")
    assert response.status_code == 400 and "Subscribe again" in response.get_data(as_text=True)


def _confirm_last_link(client, outbox, email):
    client.get(outbox.link(email))


def test_asking_again_never_unconfirms_a_subscription_and_writes_at_most_once_a_day(app, client, outbox):
    from datetime import UTC, datetime, timedelta

    import time_machine

    from portal.advisories.models import Subscription
    from portal.extensions import db

    start = datetime(2027, 5, 3, 2, 0, tzinfo=UTC)
    with time_machine.travel(start):
        subscribe(client, "owner@example.tw")
        _confirm_last_link(client, outbox, "owner@example.tw")
        for _ in range(4):  # a stranger types the owner's address again and again
            assert "Check your email" in subscribe(app.test_client(), "owner@example.tw").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(sa.select(Subscription).where(Subscription.email == "owner@example.tw"))
        assert row.confirmed_at is not None and row.unsubscribed_at is None
    assert [m.subject for m in outbox("owner@example.tw")] == ["Confirm your travel advice alerts"]
    with time_machine.travel(start + timedelta(days=1, minutes=1)):
        for _ in range(4):
            subscribe(app.test_client(), "owner@example.tw")
    mails = outbox("owner@example.tw")
    assert [m.subject for m in mails] == ["Confirm your travel advice alerts", "You already receive travel advice alerts"]
    assert "/advisories/unsubscribe/" in mails[1].body and "/confirm/" not in mails[1].body
    with time_machine.travel(start + timedelta(days=2, minutes=2)):
        subscribe(app.test_client(), "owner@example.tw")
    assert len(outbox("owner@example.tw")) == 3
    with app.app_context():
        row = db.session.scalar(sa.select(Subscription).where(Subscription.email == "owner@example.tw"))
        assert row.confirmed_at is not None and row.unsubscribed_at is None


def test_an_unconfirmed_address_is_sent_one_link_a_day_however_often_it_is_asked_for(app, outbox):
    for _ in range(4):
        subscribe(app.test_client(), "victim@example.tw")
    assert len(outbox("victim@example.tw")) == 1


def test_requests_are_limited_per_address_and_per_email(app, client, outbox):
    answers = [subscribe(client, f"person{n}@example.tw").status_code for n in range(11)]
    assert answers[:10] == [200] * 10 and answers[10] == 429
    assert "Try again later" in client.post("/advisories/subscribe", data={"email": "x@example.tw"}).get_data(as_text=True)
    assert len(outbox()) == 10

    # Fifteen requests for one email from fifteen addresses: five get through, in any country.
    statuses = []
    for n in range(15):
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        statuses.append(other.post("/advisories/subscribe", data={"email": "target@example.tw",
                                                                   "country_code": ["JP", "KR", "TH", "US", "FR",
                                                                                    "DE", "GB", "IT", "ES", "CA",
                                                                                    "AU", "NZ", "SG", "MY", "VN"][n]}
                                   ).status_code)
    assert statuses.count(200) == 5 and statuses.count(429) == 10
    assert len(outbox("target@example.tw")) == 5


def test_coming_back_after_unsubscribing_needs_the_new_link(app, client, outbox):
    from portal.advisories.models import Subscription
    from portal.extensions import db

    subscribe(client, "back@example.tw")
    _confirm_last_link(client, outbox, "back@example.tw")
    with app.app_context():
        token = db.session.scalar(sa.select(Subscription.token).where(Subscription.email == "back@example.tw"))
    client.post(f"/advisories/unsubscribe/{token}", data={})
    import time_machine
    from datetime import UTC, datetime, timedelta

    with time_machine.travel(datetime.now(UTC) + timedelta(days=2)):
        subscribe(app.test_client(), "back@example.tw")
    with app.app_context():
        row = db.session.scalar(sa.select(Subscription).where(Subscription.email == "back@example.tw"))
        assert row.confirmed_at is None and row.unsubscribed_at is None
    assert outbox("back@example.tw")[-1].subject == "Confirm your travel advice alerts"


def test_a_large_fan_out_runs_in_parts_that_reach_each_address_once(app, monkeypatch, publish_advice, run_worker):
    """Parts of PART subscribers, run as jobs of their own (by any worker): an address subscribed to the
    country and to every country gets one message; a part run again writes nothing."""
    from portal.advisories import alerts
    from portal.advisories.models import Alert, AlertDelivery, Subscription
    from portal.core.db import utcnow
    from portal.core.jobs import Job
    from portal.core.outbox import OutboxMessage
    from portal.extensions import db

    monkeypatch.setattr(alerts, "PART", 4)
    publish_advice("KR", "grey")
    with app.app_context():
        now = utcnow()
        # 10 addresses; the even ones also subscribed to every country (a later, separate subscription)
        db.session.execute(sa.insert(Subscription), [
            {"email": f"reader{i}@example.tw", "country_code": country, "token": f"t{i}-{country}", "locale": "en",
             "confirmed_at": now, "created_at": now, "unsubscribe_reason": ""}
            for country in ("KR", None) for i in range(10) if country or i % 2 == 0])
        db.session.commit()
    publish_advice("KR", "yellow")
    run_worker()
    with app.app_context():
        alert = db.session.scalar(sa.select(Alert).where(Alert.audience == "subscribers")
                                  .order_by(Alert.created_at.desc()).limit(1))
        parts = [(payload, status) for payload, status in db.session.execute(
            sa.select(Job.payload, Job.status).where(Job.kind == "advisories.fan_out_part"))
            if payload["alert_id"] == alert.id]
        assert len(parts) == 4 and {status for _, status in parts} == {"done"}  # 15 subscriptions, 4 a part
        assert alerts.fan_out_part(db.session, **parts[0][0]) == 0  # again: nothing new
        db.session.commit()
        delivered = db.session.scalars(sa.select(AlertDelivery.email).where(AlertDelivery.alert_id == alert.id)).all()
        bodies = db.session.scalars(sa.select(OutboxMessage.body).join(
            AlertDelivery, AlertDelivery.outbox_message_id == OutboxMessage.id)
            .where(AlertDelivery.email == "reader4@example.tw")).all()
    assert sorted(delivered) == sorted(f"reader{i}@example.tw" for i in range(10))
    # reached through the country subscription, the first it made: that one's unsubscribe link
    [body] = bodies
    assert "/advisories/unsubscribe/t4-KR" in body and "t4-None" not in body


def test_a_fan_out_with_no_subscribers_queues_no_part(app, publish_advice, run_worker):
    from portal.core.jobs import Job
    from portal.core.outbox import OutboxMessage

    publish_advice("NZ", "grey")
    publish_advice("NZ", "yellow")
    run_worker()
    from portal.extensions import db

    with app.app_context():
        payloads = db.session.scalars(sa.select(Job.payload).where(Job.kind == "advisories.fan_out_part")).all()
    assert [p for p in payloads if p["first_id"] is not None] == []  # travellers' one part only
    assert count(app, OutboxMessage) == 0
