"""Signed links that let someone without an account follow their case from an email.

A link names its case and the address it was mailed to, for one kind of case: it cannot be guessed
or turned into another case's link, and it stops working after LINK_DAYS (every email about the
case carries a fresh one).
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

LINK_DAYS = 90


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-{kind}-track")


def follow_token(kind: str, case_id: int, email: str) -> str:
    return _serializer(kind).dumps({"c": case_id, "e": email})


def read_follow_token(kind: str, token: str) -> tuple[int, str] | None:
    """(case id, address) from a link for a case of this kind, or None when it is forged or expired."""
    try:
        data = _serializer(kind).loads(token, max_age=LINK_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("e"), str):
        return None
    return data["c"], data["e"]


def followed_case(session, kind: str, token: str):
    """(case, address) a follow link opens: a case of this kind, made without an account. None when the
    link is forged, expired, for another kind, or for a case an account follows. The kind checks the
    address against the one the case was given."""
    from portal.core import policy
    from portal.core.cases.models import Case

    found = read_follow_token(kind, token)
    case = session.get(Case, found[0]) if found else None
    if found is None or case is None or case.kind != kind \
            or not policy.can_follow_case_link(policy.LinkHolder(case.id), case):
        return None
    return case, found[1]
