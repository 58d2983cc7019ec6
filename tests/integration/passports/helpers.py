"""Posting the passport form's steps as a browser does."""

import re

import sqlalchemy as sa

from tests.fixtures.documents import post_multipart
from tests.fixtures.passports import contact_fields, eligibility_fields, identity_fields, photo_upload


def start(client, application_type="first", **answers):
    """The eligibility page; returns the draft's token."""
    response = client.post("/passports/apply", data=eligibility_fields(application_type, **answers))
    assert response.status_code == 303, response.get_data(as_text=True)
    return re.search(r"/passports/applications/([0-9a-f]{32})/identity", response.headers["Location"]).group(1)


def post_step(client, token, step, data, *, status=303):
    response = client.post(f"/passports/applications/{token}/{step}", data=data)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response


def fill_in(client, token, application_type="first", *, extra_steps=()):
    """Every step with good answers (and a photo), ready for "check your answers"."""
    post_step(client, token, "identity", identity_fields(
        birth_date="2015-03-01" if application_type == "minor" else "1990-05-31"))
    post_step(client, token, "contact", contact_fields())
    for step, data in extra_steps:
        post_step(client, token, step, data)
    post_step(client, token, "pickup", {"pickup": "mission:tokyo"})
    response = post_multipart(client, f"/passports/applications/{token}/photo", photo_upload())
    assert response.status_code == 303


def send(client, token, *, status=303):
    response = client.post(f"/passports/applications/{token}/check", data={"declaration": "y"})
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response


def apply_online(client, application_type="first", extra_steps=()):
    """The whole journey; returns the reference."""
    token = start(client, application_type)
    fill_in(client, token, application_type, extra_steps=extra_steps)
    location = send(client, token).headers["Location"]
    return location.split("/account/cases/")[1].split("?")[0]


def draft_row(app, token):
    from portal.extensions import db
    from portal.passports.models import PassportApplication

    with app.app_context():
        row = db.session.scalar(sa.select(PassportApplication).where(PassportApplication.token == token))
        db.session.expunge_all()
        return row


def count(app, model):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))
