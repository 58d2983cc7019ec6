"""Demo service days for development: two published days of the Tokyo mission (one in Sendai,
one in Sapporo), a draft, and the Tokyo counter's weekly opening, so that booking, the waiting list
and counter times can be tried at once."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from portal.core.db import utcnow
from portal.mobile.models import MobileService
from portal.mobile.counters import save_counter_schedule
from portal.mobile.service import DayPlan, SessionPlan, plan_day, publish_day

_VENUES = (
    (21, "仙台台灣同鄉會館", "青葉区一番町 4-1-3", "Sendai", True),
    (35, "札幌市民交流プラザ", "中央区北1条西1丁目", "Sapporo", True),
    (56, "福岡アジア会館", "博多区博多駅前 3-2-1", "Fukuoka", False),
)


def load_demo_service_days(session, mission, officer) -> int:
    today = utcnow().astimezone(ZoneInfo(mission.timezone)).date()
    places: dict[str, tuple[int, int]] = {MobileService.PASSPORT_RENEWAL: (8, 4), MobileService.DOCUMENT_AUTHENTICATION: (6, 2),
              MobileService.DOCUMENT_PICKUP: (10, 0), MobileService.INFORMATION: (0, 10)}
    for offset, venue, address, city, published in _VENUES:
        plan = DayPlan(day=today + timedelta(days=offset), timezone=mission.timezone, venue=venue, address=address,
                       city=city, country_code="JP", map_url=None, notes="",
                       sessions=[SessionPlan(time(9, 30), time(12, 0), dict(places)),
                                 SessionPlan(time(13, 30), time(16, 30), dict(places))])
        day = plan_day(session, mission_id=mission.id, by=officer, plan=plan)
        if published:
            publish_day(session, day)
    # The Tokyo office's own counter, bookable on weekdays for handing in and collecting.
    counter: dict[str, tuple[int, int]] = {MobileService.PASSPORT_RENEWAL: (6, 0), MobileService.DOCUMENT_AUTHENTICATION: (6, 0),
               MobileService.DOCUMENT_PICKUP: (12, 0)}
    save_counter_schedule(session, mission=mission, by=officer, weekdays=[1, 2, 3, 4, 5], weeks_ahead=3,
                          is_open=True, sessions=[SessionPlan(time(9, 0), time(11, 30), dict(counter)),
                                                  SessionPlan(time(13, 30), time(16, 0), dict(counter))])
    return len(_VENUES)


def load_demo_held_days(session, missions, *, months: int, seed: int = 115) -> int:
    """Past service days held by about two in five missions over the last months, written in bulk for
    the statistics' demonstration history (no sessions or bookings: only that they were held)."""
    import random
    import uuid

    import sqlalchemy as sa

    from portal.mobile.models import DayStatus, ServiceDay

    chance, now, rows = random.Random(seed), utcnow(), []
    for mission in missions:
        if chance.random() > 0.42:
            continue
        for _ in range(chance.randint(1, 2 * max(months // 3, 1))):
            held = (now - timedelta(days=chance.uniform(1, 30.4 * months))).date()
            rows.append(dict(uid=uuid.uuid4().hex, mission_id=mission.id, day=held, timezone=mission.timezone,
                             venue="Demonstration venue", address=mission.address, city=mission.city_en,
                             country_code=mission.country_code, notes="", status=DayStatus.HELD, is_counter=False,
                             sequence=0, created_at=now, updated_at=now, published_at=now, version=1))
    if rows:
        session.execute(sa.insert(ServiceDay), rows)
    return len(rows)
