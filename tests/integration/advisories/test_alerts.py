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
        deliver_pending(db.session)  # nobody listens: every message fails once
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
