"""Visa requirements: the public look-up, a nationality's rules with their history, the treatment of
Taiwan passport holders (on its own page and each advisory page), the API, and changes proposed by
one person, published by another from a later day, or stopped before they apply."""

import threading
from datetime import date

import jsonschema
import pytest
import sqlalchemy as sa
import time_machine
from openapi_spec_validator import validate

from tests.fixtures.accounts import signed_in_client
from tests.fixtures.pages import page_text
from tests.fixtures.visas import change_form

pytestmark = pytest.mark.usefixtures("headquarters", "visa_rules")

#: a Wednesday; the trial below applies from the next month
TODAY = "2026-12-02 10:00 +08:00"
FROM = date(2027, 1, 1)


@pytest.fixture(autouse=True)
def wednesday_2_december_2026():
    """Every test on one day: the rules shown, the days that have passed and the API's as_of depend on it."""
    with time_machine.travel(TODAY, tick=False):
        yield


def rules(app, **where):
    """Foreigners' rules (inbound) matching `where`, oldest first."""
    from portal.extensions import db
    from portal.visas.models import VisaRule

    with app.app_context():
        found = db.session.scalars(sa.select(VisaRule).filter_by(direction="inbound", **where)
                                   .order_by(VisaRule.id)).all()
        db.session.expunge_all()
        return found


def test_a_visitor_looks_up_whether_they_need_a_visa(client):
    visa_free = page_text(client.get("/visas?nationality=JP&purpose=tourism"))
    assert "Japan: Tourism" in visa_free and "Visa-free · up to 90 days" in visa_free
    assert "return or onward ticket" in visa_free and "Apply for a visitor visa online" not in visa_free
    needs_one = client.get("/visas?nationality=NG&purpose=business").get_data(as_text=True)
    assert "Visa required before travel" in needs_one and "/visas/apply?nationality=NG" in needs_one
    study = page_text(client.get("/visas?nationality=JP&purpose=study"))
    assert "Visa required before travel" in study and "resident visa" in study
    assert "Apply for a visitor visa online" not in study  # a resident visa is not taken online
    assert "demonstration data" in study


def test_a_bad_look_up_says_what_to_choose(client):
    text = page_text(client.get("/visas?nationality=ZZ&purpose=holiday"))
    assert "Choose your nationality from the list." in text and "Choose why you are coming from the list." in text
    assert "up to" not in text
    assert "Choose your nationality" in page_text(client.get("/visas?nationality=TW&purpose=tourism"))
    assert client.get("/visas/TW").status_code == 404 and client.get("/visas/AQ").status_code == 404
    assert client.get("/visas/jp").headers["Location"].endswith("/visas/JP")


def test_the_look_up_reads_in_chinese(client):
    text = page_text(client.get("/visas?nationality=JP&purpose=tourism", headers={"Accept-Language": "zh-TW"}))
    assert "免簽證" in text and "最多停留 90 天" in text and "護照效期須有六個月以上" in text


def test_taiwan_passport_holders_see_their_treatment_by_country_and_on_the_advice(client, publish_advice):
    everything = page_text(client.get("/visas/for-citizens"))
    assert "Japan Visa-free · up to 90 days" in everything and "United States eVisa or online travel" in everything
    only = page_text(client.get("/visas/for-citizens?treatment=landing"))
    assert "Indonesia" in only and "Japan" not in only
    publish_advice("JP", "yellow")
    advice = page_text(client.get("/advisories/JP"))
    assert "Visa for Taiwan passport holders" in advice and "Visa-free · up to 90 days" in advice


def _propose(app, proposer, **fields):
    client = signed_in_client(app, proposer)
    response = client.post("/staff/visas/inbound/PH/tourism/change", data=change_form(FROM, **fields))
    return client, response


def test_a_change_is_proposed_published_by_another_and_applies_from_its_day(app, client, hq_officer, supervisor):
    before = page_text(client.get("/visas?nationality=PH&purpose=tourism"))
    assert "up to 14 days" in before
    proposer, response = _propose(app, hq_officer)
    assert response.status_code == 303
    change_url = response.headers["Location"]
    page = page_text(proposer.get(change_url))
    assert "Waiting for a second person" in page and "up to 14 days" in page  # beside the rule it replaces
    assert "Publish" not in page.split("must publish a change")[-1]
    proposer.post(change_url + "/publish")  # an officer, not a supervisor
    assert "must publish a change" in page_text(proposer.get(change_url))
    assert rules(app, country_code="PH", purpose="tourism")[-1].status.value == "draft"
    assert "up to 30 days" not in page_text(client.get("/visas?nationality=PH&purpose=tourism"))  # a draft never

    boss = signed_in_client(app, supervisor)
    assert boss.post(change_url + "/publish").status_code == 303
    scheduled = page_text(client.get("/visas?nationality=PH&purpose=tourism"))
    assert "up to 14 days" in scheduled.split("Changes on")[0]
    assert "Changes on 1 January 2027" in scheduled and "Visa exemption on trial." in scheduled
    listed = client.get("/api/v1/visa-requirements/PH").get_json()["purposes"][0]
    assert listed["current"]["stay_days"] == 14 and listed["upcoming"][0]["stay_days"] == 30

    with time_machine.travel("2027-01-01 00:00:30 +08:00", tick=False):
        now = page_text(client.get("/visas/PH"))
        assert "Visa-free · up to 30 days" in now.split("Earlier rules")[0]
        assert "From 1 January 2025" in now.split("Earlier rules")[1]
        listed = client.get("/api/v1/visa-requirements/PH").get_json()["purposes"][0]
        assert listed["current"]["stay_days"] == 30 and listed["history"][0]["stay_days"] == 14


def test_the_proposer_cannot_publish_their_own_change(app, supervisor):
    client, response = _propose(app, supervisor)
    change_url = response.headers["Location"]
    assert "must publish a change" in page_text(client.get(change_url))
    client.post(change_url + "/publish")
    assert [r.status.value for r in rules(app, country_code="PH", purpose="tourism")] == ["published", "draft"]


def test_a_bad_change_says_what_is_wrong_and_saves_nothing(app, hq_officer):
    client = signed_in_client(app, hq_officer)
    url = "/staff/visas/inbound/PH/tourism/change"
    cases = [({"stay_days": ""}, "Enter the longest stay"), ({"stay_days": "abc"}, "as a number of days"),
             ({"conditions_en": ""}, "Write the conditions in both languages."),
             ({"change_note_zh": ""}, "Say what changes and why"),
             ({"treatment": "maybe"}, "Choose the treatment from the list."),
             ({"effective_from-day": "1", "effective_from-month": "12", "effective_from-year": "2026"},
              "cannot start on a day that has passed")]
    for fields, message in cases:
        response = client.post(url, data=change_form(FROM, **fields))
        assert response.status_code == 400 and message in page_text(response), fields
    assert client.get("/staff/visas/inbound/TW/tourism/change").status_code == 404
    assert client.get("/staff/visas/outbound/JP/study/change").status_code == 404  # abroad: short visits only
    assert len(rules(app, country_code="PH", purpose="tourism")) == 1


def test_only_headquarters_and_supervisors_keep_the_rules(app, officer, hq_officer):
    mission_officer = signed_in_client(app, officer)
    for path in ("/staff/visas", "/staff/visas/inbound/PH", "/staff/visas/inbound/PH/tourism/change"):
        assert mission_officer.get(path).status_code == 403
    assert mission_officer.post("/staff/visas/inbound/PH/tourism/change", data=change_form(FROM)).status_code == 403
    assert "Visa rules" not in mission_officer.get("/staff/queue").get_data(as_text=True)
    keeper = signed_in_client(app, hq_officer)
    assert "Visa rules" in keeper.get("/staff/queue").get_data(as_text=True)
    assert keeper.get("/staff/visas").status_code == 200
    assert len(rules(app, country_code="PH", purpose="tourism")) == 1


def test_a_scheduled_change_can_be_stopped_until_it_applies(app, client, hq_officer, supervisor):
    keeper, response = _propose(app, hq_officer)
    change_url = response.headers["Location"]
    boss = signed_in_client(app, supervisor)
    boss.post(change_url + "/publish")
    assert "Changes on" in page_text(client.get("/visas/PH"))
    assert "Cancel this change" in page_text(boss.get(change_url))
    assert boss.post(change_url + "/cancel").status_code == 303
    assert "Changes on" not in page_text(client.get("/visas/PH"))
    assert rules(app, country_code="PH", purpose="tourism")[-1].status.value == "cancelled"

    second = keeper.post("/staff/visas/inbound/PH/tourism/change", data=change_form(FROM)).headers["Location"]
    boss.post(second + "/publish")
    assert "Cancel this change" in page_text(boss.get(second))
    from portal.accounts.models import User
    from portal.core.refusal import Refused
    from portal.extensions import db
    from portal.visas import requirements

    with app.test_request_context(headers={"Accept-Language": "en"}), \
            time_machine.travel("2027-01-02 09:00 +08:00", tick=False):
        rule = rules(app, country_code="PH", purpose="tourism")[-1]
        by = db.session.get(User, supervisor.id)
        assert not requirements.can_cancel(by, rule)
        with pytest.raises(Refused, match="can no longer be cancelled"):
            requirements.cancel(db.session, db.session.merge(rule), by=by)
    assert rules(app, country_code="PH", purpose="tourism")[-1].status.value == "published"


def test_two_supervisors_publishing_at_once_publish_it_once(app, hq_officer, make_user):
    _client, response = _propose(app, hq_officer)
    change_url = response.headers["Location"]
    bosses = [signed_in_client(app, make_user("supervisor")) for _ in range(2)]
    barrier, answers = threading.Barrier(2), []

    def publish(boss):
        barrier.wait()
        answers.append(boss.post(change_url + "/publish").status_code)
        answers.append(page_text(boss.get(change_url)))

    threads = [threading.Thread(target=publish, args=(boss,)) for boss in bosses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a for a in answers if isinstance(a, int)) == [303, 303]
    texts = " ".join(a for a in answers if isinstance(a, str))
    assert "Published. It applies from" in texts
    assert "Someone else has already published" in texts
    published = rules(app, country_code="PH", purpose="tourism", status="published")
    assert len(published) == 2 and published[-1].stay_days == 30


def test_the_api_lists_the_rules_as_its_openapi_document_says(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)

    def check(path, template, status=200):
        response = client.get(path)
        assert response.status_code == status
        schema = spec["paths"][template]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
        jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).validate(response.get_json())
        return response.get_json()

    listed = check("/api/v1/visa-requirements?purpose=tourism", "/api/v1/visa-requirements")
    by_country = {row["nationality"]: row for row in listed["requirements"]}
    assert listed["as_of"] == "2026-12-02" and {row["purpose"] for row in listed["requirements"]} == {"tourism"}
    assert by_country["JP"]["rule"]["treatment"] == "exempt" and by_country["JP"]["rule"]["stay_days"] == 90
    assert by_country["NG"]["rule"]["treatment"] == "visa" and "TW" not in by_country
    every = check("/api/v1/visa-requirements", "/api/v1/visa-requirements")
    assert len(every["requirements"]) == 5 * len(by_country)
    one = check("/api/v1/visa-requirements/jp", "/api/v1/visa-requirements/{nationality}")
    assert [p["purpose"] for p in one["purposes"]] == ["tourism", "business", "family", "study", "work"]
    check("/api/v1/visa-requirements/TW", "/api/v1/visa-requirements/{nationality}", 404)
    check("/api/v1/visa-requirements?purpose=holiday", "/api/v1/visa-requirements", 400)


def test_a_published_change_shows_at_once_on_the_cached_advice_a_draft_never(app, client, publish_advice,
                                                                                 hq_officer, supervisor):
    publish_advice("JP", "grey")
    assert "Visa-free · up to 90 days" in page_text(client.get("/advisories/JP"))  # rendered and cached
    keeper, boss = signed_in_client(app, hq_officer), signed_in_client(app, supervisor)
    response = keeper.post("/staff/visas/outbound/JP/tourism/change",
                           data=change_form(date(2026, 12, 2), treatment="evisa", stay_days="90"))
    assert response.status_code == 303
    assert "eVisa" not in page_text(client.get("/advisories/JP"))
    assert boss.post(response.headers["Location"] + "/publish").status_code == 303
    now = page_text(client.get("/advisories/JP"))
    assert "eVisa or online travel authorisation · up to 90 days" in now and "Visa-free" not in now
    assert "Japan eVisa or online travel authorisation" in page_text(client.get("/visas/for-citizens"))

