"""Hotline text search at scale (PostgreSQL): BENCH_HOTLINE_CALLS calls (default 200,000) written by
one INSERT … SELECT over generate_series, with summaries and callers' names in Chinese and English;
then EXPLAIN ANALYZE of the two statements a search runs (the page of calls; the counts per day and
category), as a supervisor, for several searches over the whole history and over the default 30 days;
best of three, and the sum of both per search (goal: under 50 ms).

Run by `make bench`; alone with `BENCH_DATABASE_URL=postgresql://… .venv/bin/python bench/hotline_search.py`
on a database that `flask db upgrade` and `flask seed` have prepared (its hotline calls are replaced).
"""

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CALLS = int(os.environ.get("BENCH_HOTLINE_CALLS", "200000"))
#: what officers type: a rare word, a common word, a caller's name in Chinese, a phone number's digits,
#: a reference, and a word found nowhere
SEARCHES = ("overcharged", "passport", "陳美玲", "0912", "HOT-0000150000", "zeppelin")
WORDS_EN = ("passport", "renewal", "delayed", "visa", "appointment", "embassy", "rude", "waiting", "lost",
            "stolen", "document", "authentication", "refund", "website", "error", "office", "phone", "email")
WORDS_ZH = ("護照", "換發", "延誤", "簽證", "預約", "態度", "等候", "遺失", "被竊", "文件", "驗證", "退費", "網站", "錯誤")
NAMES = ("陳美玲", "林志明", "王小華", "張家豪", "李淑芬", "黃建國", "Chen Mei-ling", "Lin Chih-ming", "Wang Hsiao-hua")


def _generate(session, calls: int) -> None:
    import sqlalchemy as sa

    from portal.feedback.models import CallLanguage, Category, Outcome
    from portal.missions.service import overseas_missions

    session.execute(sa.text("TRUNCATE hotline_calls"))
    session.execute(sa.text("""
        INSERT INTO hotline_calls (reference, mission_id, called_at, call_day, duration_minutes, language,
                                   caller_name, caller_phone, category, summary, outcome, created_at)
        SELECT 'HOT-' || lpad(n::text, 10, '0'), (CAST(:missions AS integer[]))[1 + n % :mission_count],
               t, (t AT TIME ZONE 'Asia/Taipei')::date, 1 + n % 40,
               (CAST(:languages AS text[]))[1 + n % :language_count],
               (CAST(:names AS text[]))[1 + (n * 7) % :name_count], '09' || lpad(((n * 7919) % 100000000)::text, 8, '0'),
               (CAST(:categories AS text[]))[1 + n % :category_count],
               (CAST(:words_zh AS text[]))[1 + n % :zh_count] || (CAST(:words_zh AS text[]))[1 + (n / 7) % :zh_count]
               || '。The caller said the ' || (CAST(:words_en AS text[]))[1 + n % :en_count] || ' was '
               || (CAST(:words_en AS text[]))[1 + (n / 3) % :en_count] || ' and '
               || (CAST(:words_en AS text[]))[1 + (n / 11) % :en_count]
               || CASE WHEN n % 5000 = 0 THEN ' and they were overcharged' ELSE '' END || '.',
               (CAST(:outcomes AS text[]))[1 + n % :outcome_count], t
        FROM (SELECT n, timestamptz '2021-01-01 00:00+00' + (n * interval '13 minutes') AS t
              FROM generate_series(1, :calls) AS n) AS g
    """), {"calls": calls, "missions": [m.id for m in overseas_missions(session)],
           "mission_count": len(overseas_missions(session)),
           "languages": [v.value for v in CallLanguage], "language_count": len(CallLanguage),
           "categories": [v.value for v in Category], "category_count": len(Category),
           "outcomes": [v.value for v in Outcome], "outcome_count": len(Outcome),
           "names": list(NAMES), "name_count": len(NAMES), "words_en": list(WORDS_EN), "en_count": len(WORDS_EN),
           "words_zh": list(WORDS_ZH), "zh_count": len(WORDS_ZH)})
    session.execute(sa.text("ANALYZE hotline_calls"))


def hotline_search_at_scale(app) -> None:
    import sqlalchemy as sa

    from bench.staff_queue import explain_ms
    from portal.accounts.models import User
    from portal.core.db import unit_of_work
    from portal.core.roles import Role
    from portal.extensions import db
    from portal.feedback import hotline
    from portal.feedback.models import HotlineCall

    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            print("hotline search benchmark: skipped (needs PostgreSQL: BENCH_DATABASE_URL=postgresql://…)")
            return
        if CALLS:
            started = time.perf_counter()
            with unit_of_work() as session:
                _generate(session, CALLS)
            print(f"hotline: {CALLS:,} calls generated in {time.perf_counter() - started:.1f} s")
        session = db.session
        supervisor = User(id=0, email="bench@example.tw", name="Bench", role=Role.SUPERVISOR)
        latest = session.scalar(sa.select(sa.func.max(HotlineCall.called_at)))
        windows = {"all calls": hotline.CallFilter(),
                   "last 30 days": hotline.default_filter(latest or datetime.now(UTC))}
        print("hotline search, the page and the counts per day and category (EXPLAIN ANALYZE, ms; goal under 50 in all):")
        for window, base in windows.items():
            for text in SEARCHES:
                filters = hotline.CallFilter(**{**base.__dict__, "text": text})
                conditions = hotline._visible(supervisor, filters)
                page = (sa.select(HotlineCall).where(*conditions)
                        .order_by(HotlineCall.called_at.desc(), HotlineCall.id.desc()).limit(hotline.PAGE_SIZE + 1))
                counted = (sa.select(HotlineCall.call_day, HotlineCall.category, sa.func.count(HotlineCall.id))
                           .where(*conditions).group_by(HotlineCall.call_day, HotlineCall.category))
                times = [explain_ms(session, query) for query in (page, counted)]
                found = session.scalar(sa.select(sa.func.count()).select_from(HotlineCall).where(*conditions))
                print(f"  {window:13} {text!r:18} {found:7,} found  page {times[0]:6.2f}  counts {times[1]:6.2f}  "
                      f"in all {sum(times):6.2f}")


if __name__ == "__main__":
    from portal import create_app

    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["PORTAL_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    hotline_search_at_scale(create_app())
