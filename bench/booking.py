"""Booking contention: many signed-in citizens confirm a booking for the same few places at the same
moment, over HTTP against gunicorn. Prints attempts and bookings per second and checks that exactly
as many bookings were made as there were places.

Run by `make bench` after the page benchmark; BENCH_BOOKERS and BENCH_PLACES change the crowd.
"""

import http.client
import os
import re
import threading
import time
from datetime import time as clock
from datetime import timedelta
from urllib.parse import urlencode

BOOKERS = int(os.environ.get("BENCH_BOOKERS", "200"))
PLACES = int(os.environ.get("BENCH_PLACES", "50"))


def prepare(app) -> tuple[str, int, list[str]]:
    """A published day with PLACES places and BOOKERS citizens signed in: (day uid, quota id, cookies)."""
    import sqlalchemy as sa

    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password
    from portal.accounts.sessions import start_session
    from portal.core.db import unit_of_work, utcnow
    from portal.missions.models import Mission
    from portal.mobile.models import MobileService
    from portal.mobile.service import DayPlan, SessionPlan, plan_day, publish_day

    with app.app_context(), unit_of_work() as session:
        mission = session.scalar(sa.select(Mission).where(Mission.code == "tokyo"))
        hashed = hash_password("bench-password-2026")
        people = [User(email=f"bench{n}@example.tw", name=f"Bench {n}", password_hash=hashed,
                       email_confirmed_at=utcnow(), locale="en") for n in range(BOOKERS)]
        session.add_all(people)
        session.flush()
        plan = DayPlan(day=utcnow().date() + timedelta(days=30), timezone=mission.timezone, venue="Bench Hall",
                       address="1 Bench Street", city="Sendai", country_code="JP", map_url=None, notes="",
                       sessions=[SessionPlan(clock(9, 30), clock(12, 0), {MobileService.PASSPORT_RENEWAL: (PLACES, 0)})])
        day = plan_day(session, mission_id=mission.id, by=people[0], plan=plan)
        publish_day(session, day)
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = [f"{app.config['SESSION_COOKIE_NAME']}="
                   + serializer.dumps({"_user_id": start_session(session, person), "_fresh": True}) for person in people]
        return day.uid, day.sessions[0].quotas[0].id, cookies


def _request(port: int, method: str, path: str, cookie: str, body: dict | None = None) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Cookie": cookie, "Accept-Language": "en"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=urlencode(body) if body else None, headers=headers)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or ():
            if header.startswith(cookie.split("=", 1)[0] + "="):
                cookie = header.split(";", 1)[0]
        return response.status, response.read().decode(), cookie
    finally:
        connection.close()


def contention(app, port: int) -> None:
    uid, quota_id, cookies = prepare(app)
    forms = []
    for index, cookie in enumerate(cookies):
        status, page, cookies[index] = _request(port, "GET", f"/mobile-services/{uid}/book", cookie)
        if status != 200:
            raise SystemExit(f"the booking page answered {status}")
        forms.append({name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)
                      for name in ("csrf_token", "submission_token")} | {"quota": str(quota_id), "confirm": "1"})
    start, answers = threading.Barrier(len(cookies) + 1), []

    def attempt(cookie, form):
        start.wait()
        answers.append(_request(port, "POST", f"/mobile-services/{uid}/book", cookie, form)[0])

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(cookies, forms, strict=True)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    booked, full = answers.count(303), answers.count(409)
    print(f"booking contention: {len(answers)} attempts for {PLACES} places in {elapsed:.2f} s: "
          f"{len(answers) / elapsed:.0f} attempts/s, {booked / elapsed:.0f} bookings/s; "
          f"{booked} booked, {full} told the session is full, {len(answers) - booked - full} other answers")
    if booked != PLACES or full != len(answers) - PLACES:
        raise SystemExit("the quota did not hold")
