"""Editions: editors draft, another supervisor publishes or schedules; published advice is never
edited; minor updates are silent; reviews; history and diffs; drafts never leak."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.core.refusal import Refused
from tests.fixtures.accounts import sign_in


def edition(app, edition_id):
    from portal.advisories.models import Edition
    from portal.extensions import db

    with app.app_context():
        row = db.session.get(Edition, edition_id)
        db.session.expunge_all()
        return row


def test_an_editor_drafts_and_a_supervisor_publishes_through_the_pages(app, editors, get_page):
    editor, supervisor = editors
    editor_client, boss = app.test_client(), app.test_client()
    sign_in(editor_client, editor)
    sign_in(boss, supervisor)
    response = editor_client.post("/staff/advisories/JP/draft")
    assert response.status_code == 303
    edit_url = response.headers["Location"]
    form = {"level": "orange", "update_type": "major", "indicators": ["natural_disaster"],
            "summary_zh": "地震後餘震不斷。", "summary_en": "Aftershocks continue after the earthquake.",
            "change_note_zh": "調升為橙色。", "change_note_en": "Raised to orange.",
            "regions": "東北地方 | Tohoku | red", "comment": "After the earthquake"}
    assert editor_client.post(edit_url, data=form).status_code == 303
    edition_url = edit_url.rsplit("/edit", 1)[0]
    page = editor_client.get(edition_url).get_data(as_text=True)
    assert "Another supervisor must publish this edition" in page and "+orange" in page
    assert editor_client.post(edition_url + "/publish", data={}).status_code == 403
    assert boss.post(edition_url + "/publish", data={"comment": "Checked"}).status_code == 303

    _, document = get_page("/advisories/JP")
    text = " ".join("".join(document.itertext()).split())
    assert "Level 3 · Orange – Avoid non-essential travel" in text
    assert "Tohoku: ■ Level 4 · Red" in text and "Raised to orange." in text and "Natural disaster" in text
    staff_page = boss.get("/staff/advisories/JP").get_data(as_text=True)
    assert "Published" in staff_page and "Checked" in staff_page and "After the earthquake" in staff_page


def test_nobody_publishes_their_own_draft(app, make_user):
    from portal.accounts.models import User
    from portal.advisories import service
    from portal.core.db import unit_of_work

    boss = make_user("supervisor")
    client = app.test_client()
    sign_in(client, boss)
    location = client.post("/staff/advisories/FR/draft").headers["Location"].rsplit("/edit", 1)[0]
    response = client.post(location + "/publish", data={}, follow_redirects=True)
    assert "A supervisor other than the author of the draft must publish it." in response.get_data(as_text=True)
    with app.test_request_context(), unit_of_work() as session:
        draft_id = int(location.rsplit("/", 1)[1])
        from portal.advisories.models import Edition

        draft = session.get(Edition, draft_id)
        assert draft.status.value == "draft"
        with pytest.raises(Refused):
            service.publish(session, draft, by=session.get(User, boss.id))


def test_a_published_edition_is_never_edited_a_new_version_is_made(app, editors, publish_advice):
    first = publish_advice("DE", "grey")
    editor_client = app.test_client()
    sign_in(editor_client, editors[0])
    response = editor_client.get(f"/staff/advisories/editions/{first}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/editions/{first}")
    editor_client.post(f"/staff/advisories/editions/{first}/edit", data={"level": "red", "update_type": "major"})
    assert edition(app, first).level.value == "grey"
    second = publish_advice("DE", "yellow")
    assert edition(app, first).status.value == "archived" and edition(app, second).version == 2


def test_a_major_update_needs_a_change_note_and_a_summary(app, editors):
    editor, supervisor = editors
    client, boss = app.test_client(), app.test_client()
    sign_in(client, editor)
    sign_in(boss, supervisor)
    url = client.post("/staff/advisories/IT/draft").headers["Location"]
    client.post(url, data={"level": "yellow", "update_type": "major", "summary_zh": "摘要", "summary_en": "Summary"})
    edition_url = url.rsplit("/edit", 1)[0]
    page = boss.post(edition_url + "/publish", data={}, follow_redirects=True).get_data(as_text=True)
    assert "A major update needs a public change note in both languages." in page
    assert edition(app, int(edition_url.rsplit("/", 1)[1])).status.value == "draft"


def test_a_minor_update_keeps_the_previous_date_and_note(app, publish_advice, get_page):
    with time_machine.travel(datetime(2026, 3, 2, 2, 0, tzinfo=UTC)):
        publish_advice("ES", "yellow", note="Strikes expected.")
    minor = publish_advice("ES", "yellow", update_type="minor", note="Typo fixed.", summary="Fixed a typo.")
    published = edition(app, minor)
    assert published.change_note_en == "Strikes expected."
    assert published.public_updated_at.date().isoformat() == "2026-03-02"
    response, document = get_page("/advisories/ES")
    text = " ".join("".join(document.itertext()).split())
    assert "Fixed a typo." in text and "Strikes expected." in text and "Typo fixed." not in text
    assert '<dt>Last updated</dt><dd><time datetime="2026-03-02">2 March 2026</time>' in response.get_data(as_text=True)


def test_scheduled_editions_publish_on_time_and_never_leak_before(app, client, publish_advice, run_worker):
    publish_advice("PT", "grey", note="First.")
    when = datetime.now(UTC) + timedelta(hours=2)
    publish_advice("PT", "red", note="Scheduled change.", schedule_at=when)
    for path in ("/advisories/PT", "/advisories/PT/feed.atom", "/advisories/PT.cap.xml", "/api/v1/advisories/PT",
                 "/api/v1/advisories/PT/history", "/advisories", "/advisories/feed.atom"):
        assert "Scheduled change" not in client.get(path).get_data(as_text=True), path
    assert "Level 1 · Grey" in client.get("/advisories/PT").get_data(as_text=True)
    with time_machine.travel(when + timedelta(minutes=1)):
        output = run_worker()
        assert "published 1" in output
        page = client.get("/advisories/PT").get_data(as_text=True)
    assert "Level 4 · Red" in page and "Scheduled change." in page


def test_drafts_never_leak_into_any_public_output(app, client, publish_advice, editors):
    publish_advice("NL", "grey")
    editor_client = app.test_client()
    sign_in(editor_client, editors[0])
    url = editor_client.post("/staff/advisories/NL/draft").headers["Location"]
    editor_client.post(url, data={"level": "red", "update_type": "major", "summary_zh": "秘密草稿",
                                  "summary_en": "SECRET DRAFT", "change_note_zh": "x", "change_note_en": "x"})
    for path in ("/advisories/NL", "/advisories/NL/print", "/advisories/NL/feed.atom", "/advisories/NL.cap.xml",
                 "/api/v1/advisories/NL", "/api/v1/advisories/NL/history", "/api/v1/advisories", "/advisories",
                 "/advisories/feed.atom"):
        body = client.get(path).get_data(as_text=True)
        assert "SECRET DRAFT" not in body and "秘密草稿" not in body, path


def test_reviews_move_the_review_date_only_and_overdue_reviews_are_listed(app, publish_advice, editors):
    with time_machine.travel(datetime(2025, 1, 10, tzinfo=UTC)):
        red = publish_advice("SY", "red")
        grey = publish_advice("AT", "grey")
    staff = app.test_client()
    sign_in(staff, editors[0])
    overview = staff.get("/staff/advisories").get_data(as_text=True)
    assert "Syria" in overview and "Austria" in overview  # 6 and 12 months have both passed
    with time_machine.travel(datetime(2025, 9, 1, tzinfo=UTC)):
        staff2 = app.test_client()
        sign_in(staff2, editors[1])
        page = staff2.get("/staff/advisories").get_data(as_text=True)
        overdue = page.split("<h2>Reviews overdue</h2>")[1].split("<h2>Recent alerts</h2>")[0]
        assert "Syria" in overdue and "Austria" not in overdue
        staff2.post("/staff/advisories/SY/review", data={"comment": "Still correct"})
    reviewed = edition(app, red)
    assert reviewed.reviewed_at.date().isoformat() == "2025-09-01"
    assert reviewed.public_updated_at.date().isoformat() == "2025-01-10" and reviewed.version == 1
    assert edition(app, grey).reviewed_at.year == 2025


def test_staff_see_a_diff_and_the_public_sees_the_history(app, publish_advice, editors, client):
    publish_advice("BE", "grey", note="Calm.")
    publish_advice("BE", "yellow", note="Strikes at airports.")
    history = client.get("/advisories/BE").get_data(as_text=True).split("Change history")[1]
    assert history.index("Strikes at airports.") < history.index("Calm.")
    staff = app.test_client()
    sign_in(staff, editors[0])
    from portal.advisories.models import Edition
    from portal.extensions import db

    with app.app_context():
        latest = db.session.scalar(sa.select(Edition.id).where(Edition.country_code == "BE", Edition.version == 2))
    page = staff.get(f"/staff/advisories/editions/{latest}").get_data(as_text=True)
    assert "-grey" in page and "+yellow" in page


@time_machine.travel(datetime(2026, 11, 30, 4, 0, tzinfo=UTC))  # the day before, at noon in Taipei
def test_a_scheduled_banner_shows_only_between_its_times(app, editors, publish_advice, client):
    publish_advice("CA", "grey")
    boss = app.test_client()
    sign_in(boss, editors[1])
    response = boss.post("/staff/advisories/banners", data={
        "message_zh": "颱風來襲，請留意航班。", "message_en": "Typhoon: check your flights.",
        "starts_at": "2026-12-01T08:00", "ends_at": "2026-12-02T08:00"})
    assert response.status_code == 303
    assert "Typhoon" not in client.get("/advisories/CA").get_data(as_text=True)
    with time_machine.travel(datetime(2026, 12, 1, 1, 0, tzinfo=UTC)):  # 09:00 in Taipei
        assert "Typhoon: check your flights." in client.get("/advisories/CA").get_data(as_text=True)
        assert "Typhoon: check your flights." in client.get("/advisories").get_data(as_text=True)
    with time_machine.travel(datetime(2026, 12, 2, 0, 1, tzinfo=UTC)):  # 08:01 the next day: over
        assert "Typhoon" not in client.get("/advisories/CA").get_data(as_text=True)
    bad = boss.post("/staff/advisories/banners", data={"message_zh": "x", "message_en": "y",
                                                       "starts_at": "2026-12-02T08:00", "ends_at": "2026-12-01T08:00"},
                    follow_redirects=True)
    assert "The banner must end after it starts." in bad.get_data(as_text=True)


def test_only_staff_edit_and_only_supervisors_publish_or_banner(app, citizen, officer, publish_advice):
    draft_id = publish_advice("GB", "grey")
    client = app.test_client()
    sign_in(client, citizen)
    assert client.get("/staff/advisories").status_code == 403
    assert client.post("/staff/advisories/GB/draft").status_code == 403
    staff = app.test_client()
    sign_in(staff, officer)
    assert staff.post(f"/staff/advisories/editions/{draft_id}/publish").status_code == 403
    assert staff.post("/staff/advisories/banners", data={}).status_code == 403
    assert staff.post("/staff/advisories/ZZZ/draft").status_code == 404
