"""Overseas travel registration: register, confirm, change, cancel, targeted alerts, mission
counts, erasure, bad input and other people's trips."""

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from portal.core.workdays import taipei_today
from tests.fixtures.accounts import sign_in

TODAY = taipei_today()  # the portal's day, whatever the hour in UTC


def trip(country="TH", start=None, end=None, **extra):
    start = start or TODAY
    end = end or start + timedelta(days=10)
    return {"country_code": country, "starts_on": start.isoformat(), "ends_on": end.isoformat(),
            "phone_abroad": "+66 81 234 5678", "contact_name": "Lin Mei", "contact_phone": "+886 912 345 678",
            **extra}


def registrations(app):
    from portal.advisories.models import TravelRegistration
    from portal.extensions import db

    with app.app_context():
        rows = db.session.scalars(sa.select(TravelRegistration).order_by(TravelRegistration.id)).all()
        db.session.expunge_all()
        return rows


def test_a_signed_in_citizen_registers_a_trip_at_once(app, citizen, publish_advice, outbox):
    publish_advice("TH", "grey")
    client = app.test_client()
    sign_in(client, citizen)
    page = client.get("/travel-registration").get_data(as_text=True)
    assert "We erase your registration 30 days after the trip ends." in page
    response = client.post("/travel-registration", data=trip())
    assert "Your trip is registered" in response.get_data(as_text=True)
    [registered] = registrations(app)
    assert registered.user_id == citizen.id and registered.confirmed_at is not None
    assert "Your trip to Thailand" in outbox(citizen.email)[-1].subject
    assert "Thailand" in client.get("/travel-registration").get_data(as_text=True)


def test_without_an_account_the_email_must_be_confirmed(app, client, outbox, publish_advice):
    publish_advice("TH", "grey")
    no_email = client.post("/travel-registration", data=trip())
    assert "Enter your email address." in no_email.get_data(as_text=True) and registrations(app) == []
    client.post("/travel-registration", data=trip(email="walker@example.tw"))
    assert registrations(app)[0].confirmed_at is None
    link = outbox.link("walker@example.tw")
    assert client.get(link).status_code == 302
    assert registrations(app)[0].confirmed_at is not None


def test_bad_trips_get_clear_messages_and_save_nothing(app, citizen, publish_advice):
    publish_advice("TH", "grey", regions=[("南部", "Southern provinces", "orange")])
    client = app.test_client()
    sign_in(client, citizen)
    cases = [
        (trip(end=TODAY - timedelta(days=1)), "The trip must end on or after the day it starts."),
        (trip(start=TODAY - timedelta(days=20), end=TODAY - timedelta(days=10)), "The trip has already ended."),
        ({**trip(), "starts_on": "2026-02-30"}, "Not a valid date value."),
        (trip(country="XX"), "Choose the country you are going to from the list."),
        (trip(regions=["Atlantis"]), "Choose regions from the list for that country."),
        (trip(end=TODAY + timedelta(days=400)), "A registration covers at most one year."),
        ({**trip(), "phone_abroad": "call me maybe"}, "Enter a phone number using digits"),
        ({**trip(), "contact_name": "x" * 121}, "Write 120 characters or fewer."),
    ]
    for data, message in cases:
        body = client.post("/travel-registration", data=data).get_data(as_text=True)
        assert message in body, message
    assert registrations(app) == []


def test_a_traveller_changes_and_cancels_a_trip_and_nobody_else_can(app, citizen, make_user, publish_advice):
    publish_advice("TH", "grey")
    client = app.test_client()
    sign_in(client, citizen)
    client.post("/travel-registration", data=trip())
    token = registrations(app)[0].token
    changed = client.post(f"/travel-registration/{token}", data={**trip(end=TODAY + timedelta(days=3))})
    assert changed.status_code == 303 and registrations(app)[0].ends_on == TODAY + timedelta(days=3)
    stranger = app.test_client()
    sign_in(stranger, make_user("citizen"))
    assert stranger.get(f"/travel-registration/{token}").status_code == 404
    assert stranger.post(f"/travel-registration/{token}/cancel").status_code == 404
    assert app.test_client().get(f"/travel-registration/{token}").status_code == 404  # signed out
    assert client.post(f"/travel-registration/{token}/cancel").status_code == 303
    assert registrations(app)[0].cancelled_at is not None
    assert client.get(f"/travel-registration/{token}").status_code == 404


def test_a_rise_to_orange_or_red_alerts_travellers_there_at_once(app, citizen, make_user, publish_advice,
                                                                 run_worker, outbox, editors):
    publish_advice("TH", "grey", regions=[("南部", "Southern provinces", "yellow"), ("北部", "North", "grey")])
    people = {}
    for name, regions, country, start in (("south", ["Southern provinces"], "TH", TODAY),
                                          ("north", ["North"], "TH", TODAY),
                                          ("whole", [], "TH", TODAY + timedelta(days=5)),
                                          ("elsewhere", [], "JP", TODAY)):
        user = make_user("citizen", email=f"{name}@example.tw")
        client = app.test_client()
        sign_in(client, user)
        if country == "JP":
            publish_advice("JP", "grey")
        response = client.post("/travel-registration", data=trip(country=country, start=start, regions=regions))
        assert "Your trip is registered" in response.get_data(as_text=True), name
        people[name] = user
    run_worker()
    staff = app.test_client()
    sign_in(staff, editors[0])
    page = staff.get("/staff/advisories/TH").get_data(as_text=True)
    assert "Whole country: <strong>2</strong>" in page  # the trip starting in 5 days is not there yet
    assert "Southern provinces: <strong>1</strong>" in page

    publish_advice("TH", "grey", regions=[("南部", "Southern provinces", "orange"), ("北部", "North", "grey")],
                   note="Bombings in the south.")
    run_worker()
    alerted = {m.to_address for m in outbox() if m.subject.startswith("Important: the travel level")}
    assert alerted == {"south@example.tw", "whole@example.tw"}
    message = next(m for m in outbox("south@example.tw") if m.subject.startswith("Important"))
    assert "Bombings in the south." in message.body and "Southern provinces: Orange" in message.body


def test_registrations_are_erased_after_the_retention_period(app, citizen, publish_advice, run_worker):
    publish_advice("TH", "grey")
    client = app.test_client()
    sign_in(client, citizen)
    client.post("/travel-registration", data=trip(end=TODAY + timedelta(days=2)))
    with time_machine.travel(TODAY + timedelta(days=31)):
        run_worker()
    assert len(registrations(app)) == 1
    with time_machine.travel(TODAY + timedelta(days=33)):
        run_worker()
    assert registrations(app) == []
