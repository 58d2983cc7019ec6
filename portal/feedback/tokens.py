"""Signed links for writers without an account: one confirms the address, one follows the message
(a follow link of portal.core.cases.links, as for every kind).

A link names its case and the address it was mailed to; it cannot be guessed or turned into
another case's link, and it stops working after its time.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.core.cases import links


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-mailbox-{purpose}")


def confirmation_token(case_id: int, email: str) -> str:
    return _serializer("confirm").dumps({"c": case_id, "e": email})


def tracking_token(case_id: int, email: str) -> str:
    return links.follow_token("mailbox", case_id, email)


def _read(purpose: str, token: str, max_age: int) -> tuple[int, str] | None:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("e"), str):
        return None
    return data["c"], data["e"]


def read_confirmation_token(token: str) -> tuple[int, str] | None:
    """(case id, address) from a confirmation link, or None when it is forged or expired."""
    return _read("confirm", token, current_app.config["EMAIL_TOKEN_HOURS"] * 3600)

