"""Overseas travel registration: register, confirm, change, cancel, targeted alerts, mission
counts, erasure, bad input and other people's trips."""

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from portal.core.workdays import taipei_today
from tests.fixtures.accounts import sign_in

TODAY = taipei_today()  # the portal's day, whatever the hour in UTC


_forms = iter(range(1, 100_000))


def trip(country="TH", start=None, end=None, **extra):
    """A trip as the form sends it once the country's own areas have been shown (regions_for)."""
    start = start or TODAY
    end = end or start + timedelta(days=10)
    return {"country_code": country, "regions_for": country, "starts_on": start.isoformat(),
            "ends_on": end.isoformat(), "phone_abroad": "+66 81 234 5678", "contact_name": "Lin Mei",
            "contact_phone": "+886 912 345 678", "submission_token": f"trip-{next(_forms)}", **extra}


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
    response = client.post("/travel-registration", data=trip(), follow_redirects=True)
    assert "Your trip is registered" in response.get_data(as_text=True)
    [registered] = registrations(app)
    assert registered.user_id == citizen.id and registered.confirmed_at is not None
    assert "Your trip to Thailand" in outbox(citizen.email)[-1].subject
    assert "Thailand" in client.get("/travel-registration").get_data(as_text=True)


def test_without_an_account_the_email_must_be_confirmed(app, client, outbox, publish_advice):
    publish_advice("TH", "grey")
    no_email = client.post("/travel-registration", data=trip(), follow_redirects=True)
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
        ({**trip(), "contact_name": "x" * 121}, "Write 120 characters or fewer in “Emergency contact at home: name”."),
    ]
    for data, message in cases:
        body = client.post("/travel-registration", data=data).get_data(as_text=True)
        assert message in body, message
    assert registrations(app) == []


def test_a_traveller_changes_and_cancels_a_trip_and_nobody_else_can(app, citizen, make_user, publish_advice):
    publish_advice("TH", "grey")
    client = app.test_client()
    sign_in(client, citizen)
    client.post("/travel-registration", data=trip(), follow_redirects=True)
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
        response = client.post("/travel-registration", data=trip(country=country, start=start, regions=regions),
                               follow_redirects=True)
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


def test_reloading_the_page_after_registering_registers_nothing_again(app, client, outbox, publish_advice):
    publish_advice("JP", "grey")
    form = trip(country="JP", email="walker@example.tw")
    first = client.post("/travel-registration", data=form)
    assert first.status_code == 303 and first.headers["Location"] == "/travel-registration/registered"
    for _ in range(2):  # the page, then the page reloaded
        page = client.get("/travel-registration/registered")
        assert "We have sent a link to walker@example.tw" in page.get_data(as_text=True)
        assert page.headers["Cache-Control"] == "no-store"
    again = client.post("/travel-registration", data=form)  # the form itself sent again
    assert again.headers["Location"] == "/travel-registration/registered"
    assert len(registrations(app)) == 1 and len(outbox("walker@example.tw")) == 1
    assert app.test_client().get("/travel-registration/registered").headers["Location"] == "/travel-registration"


def test_the_same_form_sent_ten_times_at_once_registers_one_trip(app, citizen, publish_advice, outbox):
    import threading

    from tests.fixtures.accounts import signed_in_client

    publish_advice("JP", "grey")
    form = trip(country="JP")
    clients = [signed_in_client(app, citizen)] + [None] * 9
    for index in range(1, 10):
        clients[index] = app.test_client()
        clients[index].set_cookie(app.config["SESSION_COOKIE_NAME"],
                                  clients[0].get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    start, statuses = threading.Barrier(10), []

    def send(client):
        start.wait()
        statuses.append(client.post("/travel-registration", data=form).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 10
    assert len(registrations(app)) == 1 and len(outbox(citizen.email)) == 1


def test_a_country_with_areas_of_its_own_asks_about_them_before_saving_without_javascript(
        app, citizen, publish_advice, get_page):
    from tests.fixtures.pages import text_of

    publish_advice("TH", "grey", regions=[("南部", "Southern provinces", "orange"), ("北部", "North", "grey")])
    publish_advice("JP", "grey")
    client = app.test_client()
    sign_in(client, citizen)
    # chosen on the plain form (not arriving from Thailand's advice), so no areas were shown yet
    asked = client.post("/travel-registration", data=trip(country="TH", regions_for=""))
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and registrations(app) == []
    assert "Parts of Thailand have a travel level of their own." in page
    assert 'type="checkbox" value="Southern provinces"' in page and 'name="regions_for" type="hidden" value="TH"' in page
    done = client.post("/travel-registration", data=trip(country="TH", regions=["Southern provinces"]))
    assert done.status_code == 303
    assert registrations(app)[0].regions == ["Southern provinces"]


def test_another_countrys_areas_are_never_kept_when_the_country_changes(app, citizen, publish_advice):
    publish_advice("TH", "grey", regions=[("南部", "Southern provinces", "orange")])
    publish_advice("JP", "grey")
    client = app.test_client()
    sign_in(client, citizen)
    # the form showed Thailand's areas, then the traveller chose Japan instead
    changed = client.post("/travel-registration", data=trip(country="JP", regions_for="TH",
                                                            regions=["Southern provinces"]))
    assert changed.status_code == 303
    assert registrations(app)[0].country_code == "JP" and registrations(app)[0].regions == []
