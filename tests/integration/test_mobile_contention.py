"""Quotas hold under contention: many people booking the last places at once, over real HTTP
against the threaded live server, on SQLite and on PostgreSQL."""

import http.client
import re
import threading
from urllib.parse import urlencode, urlsplit


from tests.fixtures.mobile import bookings, quota_row

ATTEMPTS, PLACES = 200, 50


def signed_in_cookie(served, user) -> str:
    """A session cookie for the user, as signing in would give: a server-side session and the signed
    cookie naming it. (Two hundred sign-ins from one address would rightly be throttled.)"""
    from portal.accounts.models import User
    from portal.accounts.sessions import start_session
    from portal.core.db import unit_of_work

    with served.app_context(), unit_of_work() as session:
        token = start_session(session, session.get(User, user.id))
    value = served.session_interface.get_signing_serializer(served).dumps({"_user_id": token, "_fresh": True})
    return f"{served.config['SESSION_COOKIE_NAME']}={value}"


class Visitor:
    """One person's browser, reduced to what the race needs: its session cookie (kept as the server
    changes it, since the CSRF token lives in the session) and one connection per request."""

    def __init__(self, base_url: str, cookie: str):
        self.address = urlsplit(base_url)
        self.cookie = cookie

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=120)
        headers = {"Cookie": self.cookie, "Accept-Language": "en"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=urlencode(body) if body is not None else None, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or ():
                name = self.cookie.split("=", 1)[0]
                if header.startswith(name + "="):
                    self.cookie = header.split(";", 1)[0]
            return response.status, response.read().decode()
        finally:
            connection.close()


def test_two_hundred_people_at_once_book_exactly_the_fifty_places(app, served_app, make_user, make_day, outbox):
    served, base_url = served_app
    _, uid, quotas = make_day(places={"passport_renewal": (PLACES, 5)})
    quota_id = quotas[(0, "passport_renewal")]
    visitors = [Visitor(base_url, signed_in_cookie(served, make_user("citizen"))) for _ in range(ATTEMPTS)]
    forms = []
    for visitor in visitors:
        status, page = visitor.request("GET", f"/mobile-services/{uid}/book")
        assert status == 200
        forms.append({"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
                      "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"',
                                                    page).group(1),
                      "quota": str(quota_id), "waitlist": "", "confirm": "1"})

    start, answers = threading.Barrier(ATTEMPTS), []

    def attempt(visitor, form):
        start.wait()
        answers.append(visitor.request("POST", f"/mobile-services/{uid}/book", form))

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(visitors, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _ in answers)
    assert statuses.count(303) == PLACES, statuses
    assert statuses.count(409) == ATTEMPTS - PLACES, statuses
    full_pages = [page for status, page in answers if status == 409]
    assert all("Every place for this service in this session has just been taken" in page for page in full_pages)
    assert all("Join the waiting list" in page for page in full_pages)

    booked = bookings(app)
    assert len(booked) == PLACES and {b.status for b in booked} == {"booked"}
    assert len({b.user_id for b in booked}) == PLACES
    assert quota_row(app, quota_id).booked == PLACES
    confirmations = [m for m in outbox() if "Your place is booked" in m.subject]
    assert len(confirmations) == PLACES


def test_the_same_booking_sent_ten_times_at_once_books_one_place(app, served_app, make_user, make_day):
    served, base_url = served_app
    _, uid, quotas = make_day(places={"passport_renewal": (5, 0)})
    visitor = Visitor(base_url, signed_in_cookie(served, make_user("citizen")))
    _, page = visitor.request("GET", f"/mobile-services/{uid}/book")
    form = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
            "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1),
            "quota": str(quotas[(0, "passport_renewal")]), "waitlist": "", "confirm": "1"}
    start, answers = threading.Barrier(10), []

    def attempt():
        start.wait()
        answers.append(visitor.request("POST", f"/mobile-services/{uid}/book", form))

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [303] * 10
    assert len(bookings(app)) == 1
    assert quota_row(app, quotas[(0, "passport_renewal")]).booked == 1
