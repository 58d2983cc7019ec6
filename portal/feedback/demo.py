"""Demonstration hotline calls in bulk: summaries and callers' names in Chinese and English, spread
over the overseas missions and the last months. For `flask demo scale` and the hotline benchmark."""

import random
from datetime import datetime, timedelta

from portal.core.db import insert_rows, utcnow
from portal.core.i18n import TAIPEI
from portal.core.refs import DistinctReferences
from portal.feedback.models import CallLanguage, Category, HotlineCall, HqUnit, Outcome

CHUNK = 10000
WORDS_EN = ("passport", "renewal", "delayed", "visa", "appointment", "embassy", "rude", "waiting", "lost",
            "stolen", "document", "authentication", "refund", "website", "error", "office", "phone", "email")
WORDS_ZH = ("護照", "換發", "延誤", "簽證", "預約", "態度", "等候", "遺失", "被竊", "文件", "驗證", "退費", "網站", "錯誤")
NAMES = ("陳美玲", "林志明", "王小華", "張家豪", "李淑芬", "黃建國", "Chen Mei-ling", "Lin Chih-ming", "Wang Hsiao-hua")
#: one call in this many mentions being overcharged: a word an officer searches that few calls hold
RARE_EVERY = 5000
#: calls that end as a mailbox case are made by the hotline pages with their case; the demonstration has none
OUTCOMES = [outcome for outcome in Outcome if outcome is not Outcome.CASE]


def load_demo_calls(session, *, calls: int, mission_ids: list[int], months: int = 24, now: datetime | None = None,
                    seed: int = 115) -> int:
    """Write `calls` hotline calls over the last `months` months, in chunks; the caller commits."""
    chance, now = random.Random(seed), now or utcnow()
    span = timedelta(days=30.4 * months)
    new_reference = DistinctReferences()
    for start in range(0, calls, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, calls)):
            called_at = now - span * chance.random()
            outcome = chance.choice(OUTCOMES)
            words = chance.sample(WORDS_EN, 3)
            summary = (chance.choice(WORDS_ZH) + chance.choice(WORDS_ZH) + f"。The caller said the {words[0]} was "
                       f"{words[1]} and {words[2]}" + (" and they were overcharged" if n % RARE_EVERY == 0 else "")
                       + ".")
            rows.append(dict(reference=new_reference("HTL"), mission_id=chance.choice(mission_ids), called_at=called_at,
                             call_day=called_at.astimezone(TAIPEI).date(), duration_minutes=chance.randint(1, 40),
                             language=chance.choice(list(CallLanguage)).value, caller_name=chance.choice(NAMES),
                             caller_phone="09" + f"{chance.randrange(10 ** 8):08d}",
                             category=chance.choice(list(Category)).value, summary=summary, outcome=outcome.value,
                             referred_unit=HqUnit.CONSULAR.value if outcome is Outcome.REFERRED else None,
                             created_at=called_at))
        insert_rows(session, HotlineCall, rows)
    return calls
