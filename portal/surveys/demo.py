"""Demonstration survey answers for the statistics' demonstration history: anonymous answers and
invitation counts per service, mission and month, mostly satisfied, written in bulk."""

import random
from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.core.db import utcnow
from portal.surveys.models import SurveyAnswer, SurveyInvitationCount, random_answer_id
from portal.surveys.service import current_version, month_of

#: how often each point of the overall question is answered (5 = very satisfied)
POINTS = {5: 38, 4: 40, 3: 12, 2: 6, 1: 4}


def load_demo_answers(session, *, services: list[str], mission_ids: list[int], answers: int, months: int,
                      now: datetime | None = None, seed: int = 115) -> int:
    chance, now = random.Random(seed), now or utcnow()
    versions = {service: current_version(session, service).id for service in services}
    rows: list[dict] = []
    invited: Counter = Counter()
    for _ in range(answers):
        service, mission_id = chance.choice(services), chance.choice(mission_ids)
        month = month_of(now - timedelta(days=chance.uniform(0, 30.4 * months)))
        rows.append(dict(id=random_answer_id(), service=service, mission_id=mission_id, month=month, channel="online",
                         version_id=versions[service], overall=chance.choices(list(POINTS), list(POINTS.values()))[0],
                         improvement="", answers={}))
        invited[(service, mission_id, month)] += chance.choice((2, 3))  # about two in five answer
    session.execute(sa.insert(SurveyAnswer), rows)
    # A second demonstration history adds to the counts the first one left.
    for row in session.scalars(sa.select(SurveyInvitationCount)
                               .where(SurveyInvitationCount.month.in_({month for _, _, month in invited}))):
        key = (row.service, row.mission_id, row.month)
        if key in invited:
            row.invited += invited.pop(key)
    if invited:
        session.execute(sa.insert(SurveyInvitationCount), [dict(service=s, mission_id=m, month=mo, invited=n)
                                                           for (s, m, mo), n in invited.items()])
    return len(rows)
