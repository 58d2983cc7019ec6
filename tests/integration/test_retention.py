"""What is kept no longer than it serves: the worker erases passport drafts never sent (with their
photos) after PORTAL_PASSPORT_DRAFT_RETENTION_DAYS, and accounts, alert subscriptions and trip
registrations never confirmed after PORTAL_UNCONFIRMED_RETENTION_DAYS."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

START = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)


def count(app, model, *where):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def worker_round(app):
    from portal.cli import maintenance_round
    from portal.extensions import db

    with app.app_context():
        return maintenance_round(db.session)


def test_drafts_never_sent_are_erased_with_their_photos_and_sent_ones_stay(
        app, citizen, make_passport_draft, make_passport_application):
    from portal.core.uploads import Upload
    from portal.passports.models import PassportApplication

    with time_machine.travel(START):
        make_passport_draft(citizen)
        sent = make_passport_application(citizen)
    with time_machine.travel(START + timedelta(days=60)):
        make_passport_draft(citizen)  # a newer draft
    assert count(app, PassportApplication) == 3 and count(app, Upload) == 3
    with time_machine.travel(START + timedelta(days=91)):
        worker_round(app)
    from portal.core.cases.models import Case

    assert count(app, PassportApplication) == 2 and count(app, Upload) == 2
    assert count(app, PassportApplication, PassportApplication.case_id.is_not(None)) == 1
    assert count(app, Case, Case.reference == sent) == 1


def test_unconfirmed_accounts_subscriptions_and_trips_are_erased_after_a_week(app, make_user):
    from portal.accounts.models import User
    from portal.advisories import alerts, travel
    from portal.advisories.models import Subscription, TravelRegistration
    from portal.core.db import unit_of_work

    with time_machine.travel(START):
        stranger = make_user("citizen", confirmed=False)
        kept = make_user("citizen")
        with app.app_context(), unit_of_work() as session:
            alerts.subscribe(session, email="never@example.tw", country_code="JP", locale="en")
            confirmed = alerts.subscribe(session, email="yes@example.tw", country_code="JP", locale="en")
            alerts.confirm(session, confirmed.token)
            for email in ("never@example.tw", "yes@example.tw"):
                trip = travel.register_trip(session, user=None, email=email, locale="en", country_code="JP",
                                            regions=[], starts_on=START.date() + timedelta(days=30),
                                            ends_on=START.date() + timedelta(days=40),
                                            phone_abroad="+81 90 1234 5678", email_abroad="", contact_name="Lin",
                                            contact_phone="+886 912 345 678", today=START.date())
                if email == "yes@example.tw":
                    travel.confirm_trip(session, trip.token)
    with time_machine.travel(START + timedelta(days=6)):
        worker_round(app)
    assert count(app, User, User.id == stranger.id) == 1
    with time_machine.travel(START + timedelta(days=8)):
        worker_round(app)
    assert count(app, User, User.id == stranger.id) == 0 and count(app, User, User.id == kept.id) == 1
    assert [row[0] for row in _emails(app, Subscription)] == ["yes@example.tw"]
    assert [row[0] for row in _emails(app, TravelRegistration)] == ["yes@example.tw"]


def _emails(app, model):
    from portal.extensions import db

    with app.app_context():
        return db.session.execute(sa.select(model.email)).all()
