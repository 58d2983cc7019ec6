"""The wrong-user matrix: every route that opens someone's object, with every verb it takes, tried by
the wrong person — another citizen for a citizen's objects, an officer of another mission for a
mission's — answers 404, while the right person opens the same address. A route added with an
object in its address and no place here fails the coverage test: a new kind brings its objects."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from portal.core.workdays import TAIPEI
from tests.fixtures.accounts import signed_in_client
from tests.fixtures.mobile import book, bookings

pytestmark = pytest.mark.usefixtures("headquarters")


@dataclass
class World:
    """One of each object, all the owner's and at Tokyo (the mailbox message at headquarters)."""

    draft_token: str
    photo_id: str
    passport: str
    documents: str
    scan_id: str
    sticker_code: str
    mailbox: str
    attachment_id: str
    booking: str
    day_id: int
    ticket_id: int
    hotline: str


#: who opens an object rightly and who must not, per route (citizen routes: the owner and another
#: citizen; staff routes: an officer of the object's mission and one of another mission)
ROUTES: dict[str, tuple[str, dict]] = {
    "/account/cases/<reference>": ("citizen", {"reference": "passport"}),
    "/documents/files/<upload_id>": ("citizen", {"upload_id": "scan_id"}),
    "/documents/requests/<reference>/scans": ("citizen", {"reference": "documents"}),
    "/mobile-services/bookings/<reference>": ("citizen", {"reference": "booking"}),
    "/mobile-services/bookings/<reference>/cancel": ("citizen", {"reference": "booking"}),
    "/mobile-services/bookings/<reference>/confirm": ("citizen", {"reference": "booking"}),
    "/mobile-services/bookings/<reference>/invitation.ics": ("citizen", {"reference": "booking"}),
    "/mobile-services/bookings/<reference>/move": ("citizen", {"reference": "booking"}),
    "/passports/applications/<token>/<step>": ("citizen", {"token": "draft_token", "step": "=identity"}),
    "/passports/applications/<token>/check": ("citizen", {"token": "draft_token"}),
    "/passports/photos/<upload_id>": ("citizen", {"upload_id": "photo_id"}),
    "/staff/cases/<reference>": ("staff", {"reference": "passport"}),
    "/staff/cases/<reference>/act": ("staff", {"reference": "passport"}),
    "/staff/cases/<reference>/claim": ("staff", {"reference": "passport"}),
    "/staff/cases/<reference>/notes": ("staff", {"reference": "passport"}),
    "/staff/cases/<reference>/release": ("staff", {"reference": "passport"}),
    "/staff/passports/<reference>/national-id": ("staff", {"reference": "passport"}),
    "/staff/documents/<reference>/revoke": ("supervisor", {"reference": "documents"}),
    "/staff/documents/<reference>/stickers": ("staff", {"reference": "documents"}),
    "/staff/documents/stickers/<code>": ("staff", {"code": "sticker_code"}),
    "/staff/hotline/<reference>": ("staff", {"reference": "hotline"}),
    "/staff/hotline/<reference>/case": ("staff", {"reference": "hotline"}),
    "/staff/mailbox/<reference>/assign": ("mailbox", {"reference": "mailbox"}),
    "/staff/mailbox/<reference>/files/<upload_id>": ("mailbox", {"reference": "mailbox",
                                                                 "upload_id": "attachment_id"}),
    "/staff/mailbox/<reference>/reply": ("mailbox", {"reference": "mailbox"}),
    "/staff/mailbox/<reference>/send": ("mailbox", {"reference": "mailbox"}),
    "/staff/mobile-services/<int:day_id>": ("staff", {"day_id": "day_id"}),
    "/staff/mobile-services/<int:day_id>/bookings/<reference>/<any(arrived, absent, served):action>": (
        "staff", {"day_id": "day_id", "reference": "booking", "action": "=arrived"}),
    "/staff/mobile-services/<int:day_id>/cancel": ("staff", {"day_id": "day_id"}),
    "/staff/mobile-services/<int:day_id>/check-in": ("staff", {"day_id": "day_id"}),
    "/staff/mobile-services/<int:day_id>/edit": ("staff", {"day_id": "day_id"}),
    "/staff/mobile-services/<int:day_id>/held": ("staff", {"day_id": "day_id"}),
    "/staff/mobile-services/<int:day_id>/list.csv": ("staff", {"day_id": "day_id"}),
    "/staff/mobile-services/<int:day_id>/publish": ("staff", {"day_id": "day_id"}),
    "/staff/mobile-services/<int:day_id>/report": ("staff", {"day_id": "day_id"}),
    "/staff/mobile-services/<int:day_id>/tickets": ("staff", {"day_id": "day_id"}),
    "/staff/mobile-services/<int:day_id>/tickets/<int:ticket_id>/served": (
        "staff", {"day_id": "day_id", "ticket_id": "ticket_id"}),
}

#: routes with an address parameter that opens nobody's object, and why
NOT_OWNED = {
    "/admin/users/<int:user_id>/<any(disable, enable):change>": "staff accounts: administrators see all",
    "/mobile-services/<uid>/book": "a published day, open to every citizen",
    "/staff/advisories/<code>": "travel advice is one text per country for all staff",
    "/staff/advisories/<code>/draft": "travel advice is one text per country for all staff",
    "/staff/advisories/<code>/review": "travel advice is one text per country for all staff",
    "/staff/advisories/editions/<int:edition_id>": "travel advice is one text per country for all staff",
    "/staff/advisories/editions/<int:edition_id>/edit": "travel advice is one text per country for all staff",
    "/staff/advisories/editions/<int:edition_id>/publish": "travel advice is one text per country for all staff",
    "/staff/advisories/editions/<int:edition_id>/unschedule": "travel advice is one text per country for all staff",
    "/staff/surveys/<kind>/questions": "survey questions are the ministry's, for supervisors",
    "/staff/surveys/comments/<answer_id>/hide": "survey answers are anonymous and ministry-wide, for supervisors",
    "/staff/visas/<direction>/<code>": "visa requirements are national policy, for headquarters and supervisors "
                                       "(test_visa_rules)",
    "/staff/visas/<direction>/<code>/<purpose>/change": "visa requirements are national policy (test_visa_rules)",
    "/staff/visas/changes/<int:rule_id>": "visa requirements are national policy (test_visa_rules)",
    "/staff/visas/changes/<int:rule_id>/cancel": "visa requirements are national policy (test_visa_rules)",
    "/staff/visas/changes/<int:rule_id>/publish": "visa requirements are national policy (test_visa_rules)",
    "/visas/applications/<reference>/scans": "a visa applicant's own: another citizen and another mission are "
                                             "refused in test_visa_applications",
    "/visas/files/<upload_id>": "a visa applicant's own: tested in test_visa_applications",
    "/staff/stats/<key>.csv": "a table of the ministry-wide KPIs, for supervisors (tested in test_stats)",
    "/staff/stats/white-paper/<int:roc_year>": "the ministry's white paper, for supervisors (test_white_paper)",
    "/staff/stats/white-paper/<int:roc_year>/preview": "the ministry's white paper, for supervisors (test_white_paper)",
}


def _object_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "<" not in rule.rule:
            continue
        if app.view_functions[rule.endpoint].access_rule != "public":
            yield rule


def test_every_route_that_opens_an_object_is_in_the_matrix(app):
    unplaced = sorted(rule.rule for rule in _object_rules(app) if rule.rule not in ROUTES | NOT_OWNED)
    assert unplaced == [], "add these routes' objects to ROUTES (or say in NOT_OWNED why they have no owner)"
    gone = sorted(set(ROUTES) - {rule.rule for rule in _object_rules(app)})
    assert gone == []


@pytest.fixture
def world(app, people, citizen, officer, make_passport_draft, make_passport_application, make_document_request,
          advance_document, make_day):
    from portal.core.db import unit_of_work
    from portal.documents.models import DocumentRequest
    from portal.feedback import service as mailbox
    from portal.mobile.models import ServiceDay, SessionQuota
    from portal.mobile.on_the_day import issue_ticket
    from portal.passports.models import PassportApplication
    from tests.fixtures.documents import records_of
    from tests.fixtures.files import pdf_bytes
    from tests.integration.test_hotline import CALL

    draft_token = make_passport_draft(citizen)
    passport = make_passport_application(citizen)
    documents = make_document_request(citizen)
    advance_document(documents, "verify", "authenticate", "issue", by=officer)
    day_id, uid, quotas = make_day(3, by=officer)
    owner, staff = people["citizen"][0], people["staff"][0]
    assert book(owner, uid, quotas[(0, "passport_renewal")]).status_code == 303
    called = datetime.now(TAIPEI) - timedelta(hours=1)
    assert staff.post("/staff/hotline/new", data={**CALL, "called_on": called.date().isoformat(),
                                                  "called_time": f"{called:%H:%M}",
                                                  "submission_token": "call-matrix"}).status_code == 303
    from portal.accounts.models import User
    from portal.core.cases.models import Case
    from portal.feedback.models import HotlineCall

    with app.test_request_context("/"), unit_of_work() as session:
        photo_id = session.scalar(sa.select(PassportApplication.photo_id).where(
            PassportApplication.token == draft_token))
        scan_id = session.scalar(sa.select(DocumentRequest).join(Case).where(
            Case.reference == documents)).files[0].upload_id
        # a mailbox message with a file, as the writer attached it
        sent = mailbox.submit_message(
            session, applicant=session.get(User, citizen.id), category="service", subject="With a letter",
            message="The letter is attached.", name="Owner", email=citizen.email, phone=None,
            related_reference=None, files=[_file(pdf_bytes(), "letter.pdf")], locale="en", submission_token="matrix-attachment")
        attachment_id = mailbox.detail_for(session, sent.case).attachments[0].upload_id
        quota = session.get(SessionQuota, quotas[(0, "passport_renewal")])
        service_day = session.get(ServiceDay, day_id)
        with time_machine.travel(datetime.combine(service_day.day, time(10, 0), ZoneInfo(service_day.timezone))):
            ticket_id = issue_ticket(session, quota, by=session.get(User, officer.id)).id
        hotline = session.scalar(sa.select(HotlineCall.reference))
    return World(draft_token=draft_token, photo_id=photo_id, passport=passport, documents=documents,
                 scan_id=scan_id, sticker_code=records_of(app, documents)[0][0], mailbox=sent_reference(app, "mailbox"),
                 attachment_id=attachment_id, booking=bookings(app)[0].reference, day_id=day_id,
                 ticket_id=ticket_id, hotline=hotline)


def sent_reference(app, kind):
    """The reference of the newest case of a kind."""
    from portal.core.cases.models import Case
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(Case.reference).where(Case.kind == kind).order_by(Case.id.desc()))


def _file(content: bytes, name: str):
    import io

    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(content), filename=name)


def _path(rule: str, values: dict, world: World) -> str:
    import re

    def value(match):
        name = match.group(1)
        source = values[name]
        return source[1:] if source.startswith("=") else str(getattr(world, source))

    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", value, rule)


@pytest.fixture
def people(app, citizen, officer, hq_officer, supervisor, make_user):
    """(right, wrong) signed-in clients for each audience of ROUTES."""
    stranger = make_user("citizen", email="stranger@example.tw")
    return {
        "citizen": (signed_in_client(app, citizen), signed_in_client(app, stranger)),
        "staff": (signed_in_client(app, officer), signed_in_client(app, make_user("staff", mission="osaka"))),
        "supervisor": (signed_in_client(app, supervisor), signed_in_client(app, make_user("staff", mission="tokyo"))),
        "mailbox": (signed_in_client(app, hq_officer), signed_in_client(app, make_user("staff", mission="osaka"))),
    }


def test_the_wrong_person_gets_404_on_every_object_route_and_verb_while_the_right_one_opens_it(
        app, world, people):
    """Supervisors see every mission's cases and days, so for their routes the matrix checks that the
    right one gets in and that an officer (below them) does not."""
    from tests.fixtures.cases import load_case

    wrong_answers, refused_to_the_right_person = [], []
    for rule, (audience, values) in sorted(ROUTES.items()):
        path = _path(rule, values, world)
        right, wrong = people[audience]
        methods = sorted(_methods(app, rule))
        if "GET" in methods:
            opened = right.get(path)  # the page, or (for a step the object is past) a way on to it
            if opened.status_code not in (200, 303) or "/account/login" in opened.headers.get("Location", ""):
                refused_to_the_right_person.append((rule, opened.status_code))
        for method in methods:
            answer = wrong.open(path, method=method, data={"version": "1", "action": "approve", "note": "x",
                                                            "confirm": "1", "reason": "x"})
            if answer.status_code != (403 if audience == "supervisor" else 404):
                wrong_answers.append((method, rule, answer.status_code))
    assert wrong_answers == [] and refused_to_the_right_person == []
    # nothing the wrong people sent changed anything
    case, *_ = load_case(app, world.passport)
    assert case.assignee_id is None and case.status == "submitted"


def _methods(app, rule_text):
    [rule] = [r for r in app.url_map.iter_rules() if r.rule == rule_text]
    return rule.methods - {"HEAD", "OPTIONS"}
