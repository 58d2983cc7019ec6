"""Demo accounts and cases for development. Never loaded outside the development settings."""

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.core.db import utcnow
from portal.core.roles import Role
from portal.missions.models import Mission

DEMO_PASSWORD = "demo-portal-2026"
DEMO_ACCOUNTS = (
    {"email": "citizen@example.tw", "name": "王小明", "role": Role.CITIZEN, "mission": None},
    {"email": "officer@example.tw", "name": "林怡君", "role": Role.STAFF, "mission": "tokyo"},
    {"email": "supervisor@example.tw", "name": "陳志強", "role": Role.SUPERVISOR, "mission": "tokyo"},
    {"email": "admin@example.tw", "name": "張雅婷", "role": Role.ADMIN, "mission": None},
)


def load_demo_accounts(session) -> int:
    """Create the demo accounts that do not exist yet, plus a few enquiries. Idempotent."""
    added = 0
    for row in DEMO_ACCOUNTS:
        if session.scalar(sa.select(User).where(User.email == row["email"])):
            continue
        mission = session.scalar(sa.select(Mission).where(Mission.code == row["mission"])) if row["mission"] else None
        session.add(User(email=row["email"], name=row["name"], role=row["role"],
                         mission_id=mission.id if mission else None, password_hash=hash_password(DEMO_PASSWORD),
                         email_confirmed_at=utcnow(), locale="zh_Hant_TW"))
        added += 1
    session.flush()
    if added:
        from portal.documents.demo import load_demo_documents
        from portal.enquiries.service import load_demo_enquiries

        citizen = session.scalar(sa.select(User).where(User.email == "citizen@example.tw"))
        load_demo_enquiries(session, citizen)
        officer = session.scalar(sa.select(User).where(User.email == "officer@example.tw"))
        load_demo_documents(session, citizen, officer)
        from portal.mobile.demo import load_demo_service_days

        load_demo_service_days(session, officer.mission, officer)
    from portal.advisories.demo import load_demo_advisories

    load_demo_advisories(session, editor=session.scalar(sa.select(User).where(User.email == "officer@example.tw")),
                         publisher=session.scalar(sa.select(User).where(User.email == "supervisor@example.tw")))
    from portal.visas.demo import load_demo_rules

    load_demo_rules(session, proposer=session.scalar(sa.select(User).where(User.email == "supervisor@example.tw")),
                    publisher=session.scalar(sa.select(User).where(User.email == "admin@example.tw")))
    return added
