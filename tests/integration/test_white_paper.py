"""The citizen service white paper: written and published by supervisors with its history, read by
everyone as a page, a PDF and JSON (checked against the OpenAPI document), figures suppressed as on
the dashboard; drafts never public; wrong users refused."""

import io
import json
import threading

import jsonschema
import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from tests.fixtures.accounts import signed_in_client
from tests.fixtures.pages import page_text

INTRODUCTION = {"introduction_zh": "本年度領務服務持續改善。", "introduction_en": "Consular services kept improving this year."}


def papers(app):
    from portal.extensions import db
    from portal.stats.models import WhitePaper, WhitePaperRevision

    with app.app_context():
        found = [(p.roc_year, p.published is not None) for p in db.session.scalars(sa.select(WhitePaper))]
        revisions = [r.action for r in db.session.scalars(sa.select(WhitePaperRevision).order_by(WhitePaperRevision.id))]
        db.session.remove()
        return found, revisions


@pytest.fixture
def history_of_enquiries(case_history, refresh_stats):
    for days in (1, 2, 3, 7, 8, 9):
        case_history("enquiry", [("start", 1), ("answer", 24 * days)])
    for _ in range(2):
        case_history("enquiry", [("start", 1), ("answer", 24)], mission="london")
    refresh_stats()


def test_a_draft_is_kept_with_its_history_and_stays_private_until_published(app, supervisor, client,
                                                                          history_of_enquiries):
    editor = signed_in_client(app, supervisor)
    assert editor.get("/staff/stats/white-paper/115").status_code == 200
    saved = editor.post("/staff/stats/white-paper/115", data={**INTRODUCTION, "processing_en": "Faster.\n\nAnd fairer.",
                                                              "action": "save"})
    assert saved.status_code == 303
    assert papers(app) == ([(115, False)], ["saved"])
    for path in ("/statistics/white-paper/115", "/statistics/white-paper/115.pdf", "/api/v1/statistics/115"):
        assert client.get(path).status_code == 404
    assert "No white paper has been published yet." in page_text(client.get("/statistics"))
    preview = page_text(editor.get("/staff/stats/white-paper/115/preview"))
    assert "Preview" in preview and "Faster." in preview and "And fairer." in preview

    published = editor.post("/staff/stats/white-paper/115", data={
        **INTRODUCTION, "processing_en": "Faster.\n\nAnd fairer.", "version": "2", "action": "publish"})
    assert published.status_code == 303
    assert papers(app) == ([(115, True)], ["saved", "saved", "published"])
    page = page_text(client.get("/statistics/white-paper/115"))
    assert "Citizen Service White Paper" in page and "Consular services kept improving this year." in page
    assert "And fairer." in page and "67 %" not in page.split("Faster.")[0]

    # A later draft changes nothing public until it is published too.
    editor.post("/staff/stats/white-paper/115", data={**INTRODUCTION, "processing_en": "Rewritten.", "version": "4",
                                                      "action": "save"})
    public = page_text(client.get("/statistics/white-paper/115"))
    assert "And fairer." in public and "Rewritten." not in public
    edit = page_text(editor.get("/staff/stats/white-paper/115"))
    assert "changes not published yet" in edit and edit.count("Draft saved") == 3 and "Published" in edit


def test_publishing_needs_the_introduction_in_both_languages_and_saves_nothing_when_refused(app, supervisor):
    editor = signed_in_client(app, supervisor)
    refused = editor.post("/staff/stats/white-paper/115", data={"introduction_zh": "只有中文。", "action": "publish"})
    assert refused.status_code == 400
    text = page_text(refused)
    assert "Write the introduction in both languages before publishing." in text
    assert "只有中文。" in refused.get_data(as_text=True)  # what was typed is kept on the page
    assert papers(app) == ([], [])


def test_a_section_too_long_is_refused_on_its_field(app, supervisor):
    editor = signed_in_client(app, supervisor)
    refused = editor.post("/staff/stats/white-paper/115", data={"usage_en": "x" * 6001, "action": "save"})
    assert refused.status_code == 400 and 'href="#usage_en"' in refused.get_data(as_text=True)
    assert papers(app) == ([], [])


def test_two_supervisors_editing_at_once_do_not_overwrite_each_other(app, make_user):
    first, second = (signed_in_client(app, make_user("supervisor")) for _ in range(2))
    first.post("/staff/stats/white-paper/115", data={**INTRODUCTION, "action": "save"})
    # Both opened version 2; the first to save wins, the second is told and keeps what they typed.
    assert first.post("/staff/stats/white-paper/115", data={**INTRODUCTION, "coverage_en": "Mine.", "version": "2",
                                                            "action": "save"}).status_code == 303
    late = second.post("/staff/stats/white-paper/115", data={**INTRODUCTION, "coverage_en": "Theirs.", "version": "2",
                                                             "action": "save"})
    assert late.status_code == 400 and "Someone else changed this white paper" in page_text(late)
    assert "Theirs." in late.get_data(as_text=True)


def test_two_supervisors_starting_the_same_paper_at_once_make_one(app, make_user):
    clients = [signed_in_client(app, make_user("supervisor")) for _ in range(4)]
    answers, start = [], threading.Barrier(len(clients))

    def write(client):
        start.wait()
        response = client.post("/staff/stats/white-paper/114", data={**INTRODUCTION, "action": "save"})
        answers.append((response.status_code, response.headers.get("Location")))

    threads = [threading.Thread(target=write, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each is saved, or told someone else changed the paper (on the page, or on the one they came from).
    saved = answers.count((303, "/staff/stats/white-paper/114"))
    assert saved >= 1 and all(status in (303, 400) for status, _location in answers), answers
    found, revisions = papers(app)
    assert found == [(114, False)] and len(revisions) == saved, (revisions, answers)


def test_the_published_figures_read_as_json_that_matches_the_openapi_document(app, supervisor, client,
                                                                           history_of_enquiries):
    editor = signed_in_client(app, supervisor)
    editor.post("/staff/stats/white-paper/115", data={**INTRODUCTION, "action": "publish"})
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)

    def check(path, template, status=200):
        response = client.get(path)
        assert response.status_code == status
        schema = spec["paths"][template]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
        jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).validate(response.get_json())
        return response.get_json()

    listed = check("/api/v1/statistics", "/api/v1/statistics")
    assert [p["roc_year"] for p in listed["white_papers"]] == [115]
    data = check("/api/v1/statistics/115", "/api/v1/statistics/{roc_year}")
    check("/api/v1/statistics/113", "/api/v1/statistics/{roc_year}", status=404)
    assert data["introduction"]["en"] == INTRODUCTION["introduction_en"]
    processing = next(s for s in data["sections"] if s["key"] == "processing")
    by_mission = next(t for t in processing["tables"] if t["key"] == "processing_missions")
    london = next(r for r in by_mission["rows"] if "London" in r["heading"]["en"] or "英國" in r["heading"]["zh"])
    # Two cases in London: hidden, and Tokyo's six with them (else 8 − 6 would give London away).
    assert london["cells"][0] == {"text": "fewer than 5", "value": None, "suppressed": True}
    assert by_mission["total"]["cells"][0]["value"] == 8
    assert json.dumps(data, ensure_ascii=False).count("fewer than 5") >= 2


def test_the_pdf_holds_the_paper_in_the_readers_language(app, supervisor, client, history_of_enquiries):
    from pypdf import PdfReader

    editor = signed_in_client(app, supervisor)
    editor.post("/staff/stats/white-paper/115", data={**INTRODUCTION, "action": "publish"})
    response = client.get("/statistics/white-paper/115.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Citizen Service White Paper" in text and "Consular services kept improving this year." in text
    assert "Volumes and processing times" in text and len(reader.pages) >= 3


def test_the_statistics_page_lists_the_published_papers_with_their_figures(app, supervisor, client,
                                                                          history_of_enquiries):
    editor = signed_in_client(app, supervisor)
    editor.post("/staff/stats/white-paper/114", data={**INTRODUCTION, "action": "publish"})
    page = client.get("/statistics")
    assert page.status_code == 200 and page.headers.get("ETag")
    text = page_text(page)
    assert "Citizen Service White Paper" in text and "2025 (ROC year 114)" in text
    # A past year's figures do not move (this year's use of the page itself does): the page is revalidated.
    assert client.get("/statistics", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    editor.post("/staff/stats/white-paper/115", data={**INTRODUCTION, "action": "publish"})
    text = page_text(client.get("/statistics"))
    assert text.index("2026 (ROC year 115)") < text.index("2025 (ROC year 114)")
    assert "Volumes and processing times" in text


@pytest.mark.parametrize("path", ["/staff/stats/white-paper/115", "/staff/stats/white-paper/115/preview"])
def test_only_supervisors_write_and_preview_the_paper(app, client, citizen, officer, admin, path):
    assert client.get(path).status_code in (302, 303)
    assert signed_in_client(app, citizen).get(path).status_code == 403
    staff = signed_in_client(app, officer)
    assert staff.get(path).status_code == 403
    assert staff.post(path, data={**INTRODUCTION, "action": "publish"}).status_code in (403, 405)
    assert signed_in_client(app, admin).get(path).status_code == 200
    assert papers(app) == ([], [])


def test_a_year_outside_the_plan_has_no_paper(app, supervisor, client):
    editor = signed_in_client(app, supervisor)
    assert editor.get("/staff/stats/white-paper/98").status_code == 404
    assert editor.get("/staff/stats/white-paper/999").status_code == 404
    assert client.get("/statistics/white-paper/98").status_code == 404


def test_one_address_cannot_ask_for_many_pdfs_at_once(app, supervisor, client):
    signed_in_client(app, supervisor).post("/staff/stats/white-paper/115", data={**INTRODUCTION, "action": "publish"})
    statuses = [client.get("/statistics/white-paper/115.pdf").status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    other = client.get("/statistics/white-paper/115.pdf", environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert other.status_code == 200
