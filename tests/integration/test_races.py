"""Two requests that read the same record and both save: the one that saves second finds the record
changed (a StaleDataError) and answers a normal page, having saved nothing. Forced with real threads
on either database: each request, about to save its change to a case, waits until the other has read
the case too."""

import re
import threading
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.fixtures.accounts import signed_in_client
from tests.fixtures.cases import load_case


@pytest.fixture
def both_read_before_either_writes():
    """arm() → from then on, a flush that saves a changed case waits (up to 10 s) for a second one to
    reach the same point: both requests have read the case before either writes."""
    from portal.core.cases.models import Case

    barrier = threading.Barrier(2, timeout=10)
    armed = threading.Event()

    def wait_for_the_other(session, flush_context, instances):
        if armed.is_set() and any(isinstance(changed, Case) for changed in session.dirty):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass

    event.listen(Session, "before_flush", wait_for_the_other)
    yield armed.set
    event.remove(Session, "before_flush", wait_for_the_other)


def run_together(*requests):
    answers = [None] * len(requests)

    def run(index, request):
        answers[index] = request()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_a_citizens_action_racing_an_officers_saves_one_and_tells_the_other(
        app, officer, citizen, make_enquiry, both_read_before_either_writes):
    reference = make_enquiry(citizen)
    staff = signed_in_client(app, officer)
    staff.post(f"/staff/cases/{reference}/claim", data={"version": 1})
    staff.post(f"/staff/cases/{reference}/act", data={"action": "start", "version": 2})
    version = load_case(app, reference)[0].version
    person = signed_in_client(app, citizen)
    both_read_before_either_writes()
    answers = run_together(
        lambda: staff.post(f"/staff/cases/{reference}/act", data={"action": "answer", "version": version,
                                                                    "note": "You can renew at our office."},
                           headers={"Referer": f"http://localhost/staff/cases/{reference}"}),
        lambda: person.post(f"/account/cases/{reference}", data={"action": "withdraw", "version": version, "confirmed": "yes"},
                            headers={"Referer": f"http://localhost/account/cases/{reference}"}))
    assert [a.status_code for a in answers] == [303, 303]
    case, events = load_case(app, reference)
    moves = [action for action, *_ in events if action in ("answer", "withdraw")]
    assert len(moves) == 1 and case.status == {"answer": "answered", "withdraw": "withdrawn"}[moves[0]]
    loser = answers[1] if moves[0] == "answer" else answers[0]
    page = (person if loser is answers[1] else staff).get(urlsplit(loser.headers["Location"]).path)
    assert "Someone else changed this while you were looking at it, so nothing was saved." in page.get_data(as_text=True)


def test_an_emailed_link_opened_twice_at_once_gives_two_normal_pages(
        app, served_app, outbox, headquarters, both_read_before_either_writes):
    import http.client

    from portal.core.cases.models import CaseEvent
    from tests.integration.test_mailbox import post_message

    post_message(app.test_client())
    link = outbox.link("lee@example.tw")
    served, base_url = served_app
    address = urlsplit(base_url)

    def open_link(path):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            return response.status, response.headers.get("Location", "")
        finally:
            connection.close()

    both_read_before_either_writes()
    answers = run_together(lambda: open_link(link), lambda: open_link(link))
    assert [status for status, _ in answers] == [303, 303], answers
    for status, location in answers:  # follow each to its page, as the browser would
        while status == 303 and "/mailbox/" in location:
            status, location = open_link(urlsplit(location).path + (f"?{urlsplit(location).query}"
                                                                   if urlsplit(location).query else ""))
        assert status in (200, 303), (status, location)
    with app.app_context():
        from portal.extensions import db

        confirms = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)
                                     .where(CaseEvent.action == "confirm"))
    assert confirms == 1
    assert len([m for m in outbox("lee@example.tw") if re.search("received", m.subject, re.I)]) <= 1
    assert len(outbox("lee@example.tw")) == 2  # the link, then one "received"
