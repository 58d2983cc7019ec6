"""Usage of the public services, counted per day without writing a row per page view.

A request adds its counts to `g`; when it has answered without refusing, they go to the usage store:
Redis when the portal has one (HINCRBY on one hash per day, which the worker folds into the
database), else a buffer in the process, written as one upsert every USAGE_FLUSH_SECONDS. Only an
event and a service are counted: no address, person, path or time finer than the day.
"""

import logging
import threading
import time
import uuid
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, g, request

from portal.advisories.edge_cache import STORE_HEADER
from portal.core.db import separate_transaction, utcnow
from portal.core.workdays import month_key, taipei_today
from portal.stats.models import NO_MISSION, MonthlyCount, RollupPosition, UsageDay
from portal.stats.upsert import add_counts

log = logging.getLogger(__name__)

VIEW, START, COMPLETE, FEED, CALENDAR, API, VERIFY = "view", "start", "complete", "feed", "calendar", "api", "verify"

#: what a successful GET of each public page counts as: (event, service)
COUNTED_PAGES = {
    "public.home": (VIEW, "home"),
    "public.missions": (VIEW, "missions"),
    "advisories.index": (VIEW, "advisories"),
    "advisories.country": (VIEW, "advisories"),
    "advisories.print_country": (VIEW, "advisories"),
    "advisories.feed": (FEED, "advisories"),
    "advisories.country_feed": (FEED, "advisories"),
    "advisories.cap": (FEED, "cap"),
    "api.advisories": (API, "advisories"),
    "api.advisory": (API, "advisories"),
    "api.history": (API, "advisories"),
    "api.openapi": (API, "openapi"),
    "passports.info": (VIEW, "passport"),
    "documents.info": (VIEW, "document"),
    "documents.verify": (VIEW, "verify"),
    "documents.verify_code": (VERIFY, "document"),
    "mobile.index": (VIEW, "mobile"),
    "mobile.day": (VIEW, "mobile"),
    "mobile.calendar": (CALENDAR, "mobile"),
    "mobile.mission_calendar": (CALENDAR, "mobile"),
    "assistance.start": (VIEW, "assistance"),
    "visas.lookup": (VIEW, "visa"),
    "visas.nationality": (VIEW, "visa"),
    "visas.for_citizens": (VIEW, "visa"),
    "api.visa_requirements": (API, "visa"),
    "api.visa_requirements_for": (API, "visa"),
    "stats.statistics": (VIEW, "statistics"),
    "stats.white_paper_page": (VIEW, "statistics"),
    "stats.white_paper_pdf": (VIEW, "statistics"),
    "api.statistics": (API, "statistics"),
    "api.statistics_year": (API, "statistics"),
    # The first page of each online journey: how many began it (their completions are counted where
    # the journey makes its case, booking or registration).
    "passports.apply": (START, "passport"),
    "documents.apply": (START, "document"),
    "feedback.write": (START, "mailbox"),
    "assistance.report": (START, "assistance"),
    "enquiries.new_enquiry": (START, "enquiry"),
    "mobile.book": (START, "mobile"),
    "travel.register": (START, "travel_registration"),
    "visas.apply": (START, "visa"),
}

#: the journeys whose starts and completions give the digital completion rate
JOURNEYS = ("passport", "document", "mailbox", "assistance", "enquiry", "mobile", "travel_registration", "visa")

#: on a response the edge cache may keep: what serving it again counts as ("event|service"); never sent out
USAGE_HEADER = "X-Portal-Usage"

REDIS_PREFIX = "portal:usage:"
REDIS_FOLDING = "portal:usage-folding:"
#: how long Redis keeps a day's counts when no worker folds them
REDIS_KEEP_SECONDS = 8 * 24 * 3600


def count(event: str, service: str) -> None:
    """Count one use in this request: kept only if the request answers without refusing."""
    counts = g.setdefault("usage_counts", Counter())
    counts[(event, service)] += 1


def after_request(response):
    """Hand this request's counts to the store (registered for every request by the stats blueprint)."""
    counts = g.pop("usage_counts", Counter())
    if response.status_code >= 400 or g.get("refused"):
        return response
    if request.method == "GET" and response.status_code in (200, 304) and request.endpoint in COUNTED_PAGES:
        event, service = COUNTED_PAGES[request.endpoint]
        counts[(event, service)] += 1
        if STORE_HEADER in response.headers:
            response.headers[USAGE_HEADER] = f"{event}|{service}"
    if counts:
        store().add(taipei_today(), counts)
    return response


def count_outside_request(counted: str) -> None:
    """Count a page the edge cache answered without the application ("event|service")."""
    event, _, service = counted.partition("|")
    store().add(taipei_today(), Counter({(event, service): 1}))


def store():
    """The usage store of this app: Redis when configured, else the in-process buffer."""
    found = current_app.extensions.get("usage_store")
    if found is None:
        url = current_app.config.get("REDIS_URL")
        found = RedisUsage(url) if url else BufferedUsage(current_app._get_current_object())
        current_app.extensions["usage_store"] = found
    return found


def _fold(session, day: date, counts: Counter) -> None:
    """Add a day's counts to the daily rows and to the monthly figures the dashboard reads."""
    add_counts(session, UsageDay, Counter({(event, day, service): n for (event, service), n in counts.items()}))
    month = month_key(day)
    add_counts(session, MonthlyCount, Counter({(f"usage_{event}", service, NO_MISSION, month): n
                                               for (event, service), n in counts.items()}))


class BufferedUsage:
    """Counts kept in the process and written together, by a thread of their own: one upsert per
    USAGE_FLUSH_SECONDS, not one per request (0: with each request). What a process holds when it is
    killed is lost (at most those seconds of counts)."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.pending: dict[date, Counter] = {}
        self.flushed_at = time.monotonic()
        #: a write is under way in the background
        self.writing = False

    def add(self, day: date, counts: Counter) -> None:
        every = self.app.config["USAGE_FLUSH_SECONDS"]
        with self.lock:
            self.pending.setdefault(day, Counter()).update(counts)
            due = time.monotonic() - self.flushed_at >= every and not self.writing
            self.writing = self.writing or (due and every > 0)
        if due and every <= 0:
            self.flush()  # written with each request (as the tests want)
        elif due:
            # Written beside the request, never in its way: a slow or lost database delays no page.
            threading.Thread(target=self._flush_in_background, daemon=True).start()

    def _flush_in_background(self) -> None:
        try:
            with self.app.app_context():
                self.flush()
        finally:
            with self.lock:
                self.writing = False

    def flush(self) -> None:
        with self.lock:
            taken, self.pending, self.flushed_at = self.pending, {}, time.monotonic()
        if not taken:
            return
        try:
            with separate_transaction() as session:
                for day, counts in taken.items():
                    _fold(session, day, counts)
        except Exception:  # noqa: BLE001  (counting must never break a page: keep them for the next try)
            log.warning("usage counts could not be written; kept for the next try", exc_info=True)
            with self.lock:
                for day, counts in taken.items():
                    self.pending.setdefault(day, Counter()).update(counts)


class RedisUsage:
    """Counts in one Redis hash per day, shared by every copy of the app; the worker folds them in."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)

    def add(self, day: date, counts: Counter) -> None:
        import redis

        key = f"{REDIS_PREFIX}{day.isoformat()}"
        pipe = self.client.pipeline(transaction=False)
        for (event, service), n in counts.items():
            pipe.hincrby(key, f"{event}|{service}", n)
        pipe.expire(key, REDIS_KEEP_SECONDS)
        try:
            pipe.execute()
        except redis.RedisError:
            log.warning("usage counts could not reach Redis", exc_info=True)

    def flush(self) -> None:
        """Nothing waits in the process: the worker folds Redis into the database."""


def fold_from_redis(client) -> int:
    """Move the day hashes from Redis into the database, each exactly once: a hash is renamed away
    first (so new counts start a fresh one), folded in one transaction that also records its name,
    and deleted after. A hash found again after a crash, or by a second worker at the same time, is
    folded only by whoever records its name first."""
    import redis
    from sqlalchemy.exc import IntegrityError

    folded = 0
    for key in client.scan_iter(match=f"{REDIS_PREFIX}*"):
        day = key.decode()[len(REDIS_PREFIX):]
        try:
            client.rename(key, f"{REDIS_FOLDING}{day}:{uuid.uuid4().hex}")
        except redis.ResponseError:  # another worker renamed it first
            continue
    for key in client.scan_iter(match=f"{REDIS_FOLDING}*"):
        name = key.decode()
        day = date.fromisoformat(name[len(REDIS_FOLDING):].split(":")[0])
        counts: Counter = Counter()
        for field, n in client.hgetall(key).items():
            event, _, service = field.decode().partition("|")
            counts[(event, service)] += int(n)
        try:
            with separate_transaction() as session:
                session.add(RollupPosition(source=name, last_id=sum(counts.values()), updated_at=utcnow()))
                session.flush()
                _fold(session, day, counts)
        except IntegrityError:
            pass  # already folded, by this worker before a crash or by another one now
        else:
            folded += sum(counts.values())
        client.delete(key)
    # A name is kept a day after its hash is gone, so a worker still holding the hash sees it folded.
    with separate_transaction() as session:
        session.execute(sa.delete(RollupPosition).where(
            RollupPosition.source.startswith(REDIS_FOLDING), RollupPosition.updated_at < utcnow() - timedelta(days=1)))
    return folded
