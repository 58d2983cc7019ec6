"""A soak of the races and faults together, over HTTP with real threads, counted at the end.

Each round: ten copies of one hotline call sent at once, two officers claiming one case at once, a
citizen's booking confirmed ten times at once; on PostgreSQL the database connection is cut in the
middle of every round, and people press again on a 503 as they would. Then the worker delivers the
mail while its connection is cut every few messages. Counted: one call, one claim and one booking a
round; every message queued is delivered, each once. SOAK_ROUNDS sets the rounds (default 3)."""

import os
import threading
import time
from datetime import datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal.core.workdays import TAIPEI
from tests.fixtures.accounts import PASSWORD, current_code
from tests.fixtures.infra import CuttableProxy, Inbox, free_port, serve_portal
from tests.integration.test_hotline import CALL

ROUNDS = int(os.environ.get("SOAK_ROUNDS", "3"))
#: the requests that met a 503 and were pressed again (on PostgreSQL, the cuts must have been felt)
PRESSED_AGAIN: list[str] = []

pytestmark = [pytest.mark.soak, pytest.mark.usefixtures("headquarters")]


@pytest.fixture
def portal_and_faults(app):
    """(app, base URL, proxy or None): through a relay that can cut connections on PostgreSQL."""
    from sqlalchemy.engine import make_url

    url = make_url(app.config["DATABASE_URL"])
    proxy = None
    if url.drivername.startswith("postgresql"):
        proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
        url = url.set(host="127.0.0.1", port=proxy.port)
    with serve_portal(url.render_as_string(hide_password=False)) as (portal, base):
        yield portal, base, proxy
    if proxy is not None:
        proxy.close()


def browser_for(base, user) -> requests.Session:
    browser = requests.Session()
    browser.headers["Accept-Language"] = "en"
    answer = browser.post(f"{base}/account/login", data={"email": user.email, "password": PASSWORD},
                          allow_redirects=False)
    assert answer.status_code == 303
    if user.role.value != "citizen":
        answer = browser.post(f"{base}/account/login/code", data={"code": current_code(user)}, allow_redirects=False)
        assert answer.status_code == 303
    return browser


def pressing_again(browser, method, url, **kwargs):
    """What a person does: on "unavailable" wait a moment and press again (at most ten times)."""
    for _ in range(10):
        answer = browser.request(method, url, allow_redirects=False, timeout=30, **kwargs)
        if answer.status_code != 503:
            return answer
        PRESSED_AGAIN.append(url)
        time.sleep(0.2)
    return answer


def at_once(count, make_request):
    """count requests started together: make_request(index) for each."""
    start = threading.Barrier(count, timeout=20)
    answers = [None] * count

    def run(index):
        start.wait()
        answers[index] = make_request(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def copy_of(browser) -> requests.Session:
    copy = requests.Session()
    copy.headers.update(browser.headers)
    copy.cookies.update(browser.cookies)
    return copy


def cut_for_a_moment(proxy):
    if proxy is None:
        return None

    def cut():
        time.sleep(0.05)
        proxy.cut()
        time.sleep(0.3)
        proxy.restore()

    thread = threading.Thread(target=cut)
    thread.start()
    return thread


def test_races_and_cuts_repeated_leave_one_record_each_and_every_email_sent_once(
        portal_and_faults, app, citizen, officer, make_user, make_enquiry, make_day):
    import re

    from portal.core.cases.models import Case, CaseEvent
    from portal.core.outbox import OutboxMessage
    from portal.extensions import db
    from portal.feedback.models import HotlineCall
    from portal.mobile.models import Booking

    portal, base, proxy = portal_and_faults
    PRESSED_AGAIN.clear()
    first, second = officer, make_user("staff", mission="tokyo")
    staff = [browser_for(base, first), browser_for(base, second)]
    person = browser_for(base, citizen)
    answers = []
    for round_ in range(ROUNDS):
        called = datetime.now(TAIPEI) - timedelta(hours=1)
        reference = make_enquiry(citizen, subject=f"Round {round_}")
        _, uid, quotas = make_day(10 + round_, by=officer)
        form = person.get(f"{base}/mobile-services/{uid}/book").text
        token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', form).group(1)
        cutting = cut_for_a_moment(proxy)
        answers += at_once(10, lambda _: pressing_again(copy_of(staff[0]), "POST", f"{base}/staff/hotline/new", data={
            **CALL, "called_on": called.date().isoformat(), "called_time": f"{called:%H:%M}",
            "summary": f"Call of round {round_}", "submission_token": f"soak-call-{round_}"}))
        answers += at_once(2, lambda index: pressing_again(
            copy_of(staff[index]), "POST", f"{base}/staff/cases/{reference}/claim",
            data={"version": "1"}))
        answers += at_once(10, lambda _: pressing_again(copy_of(person), "POST", f"{base}/mobile-services/{uid}/book",
                                                      data={"quota": str(quotas[(0, "passport_renewal")]),
                                                            "submission_token": token, "confirm": "1"}))
        if cutting is not None:
            cutting.join()

    statuses = sorted({a.status_code for a in answers})
    assert set(statuses) <= {200, 303}, statuses
    with app.app_context():
        def count(query):
            return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))

        assert count(sa.select(HotlineCall)) == ROUNDS
        assert count(sa.select(CaseEvent).where(CaseEvent.action == "claim")) == ROUNDS
        assert count(sa.select(Case).where(Case.kind == "enquiry", Case.assignee_id.is_not(None))) == ROUNDS
        assert count(sa.select(Booking).where(Booking.status == "booked")) == ROUNDS
        confirmations = count(sa.select(OutboxMessage).where(OutboxMessage.subject.like("Your place is booked%")))
        assert confirmations == ROUNDS
        queued = count(sa.select(OutboxMessage))

    print(f"soak: {len(answers)} requests, {len(PRESSED_AGAIN)} pressed again after a 503")
    assert bool(PRESSED_AGAIN) == (proxy is not None)  # the cuts were felt, and only where there were cuts
    delivered = deliver_everything_while_cutting(portal, proxy)
    ids = [m["Message-ID"] for m in delivered]
    assert len(set(ids)) == queued and len(ids) == queued  # each message once, none lost


def deliver_everything_while_cutting(portal, proxy):
    """The worker's delivery, its database connection cut after every third message taken."""
    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db

    class CuttingInbox(Inbox):
        def handle_message(self, message):
            super().handle_message(message)
            if proxy is not None and len(self.messages) % 3 == 0:
                proxy.cut()

    inbox = CuttingInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    portal.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
    try:
        for _ in range(200):
            with portal.app_context():
                try:
                    deliver_pending(db.session)
                    if not db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                             .where(OutboxMessage.status != "sent")):
                        break
                except sa.exc.DBAPIError:
                    db.session.rollback()
                    db.session.remove()
                    proxy.restore()
        else:
            pytest.fail("mail still waiting after 200 rounds")
    finally:
        smtp.stop()
        portal.config.update(SMTP_HOST=None)
    return inbox.messages
