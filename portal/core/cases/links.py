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
