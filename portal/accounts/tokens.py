"""Signed, expiring links for email confirmation and password reset.

A reset link carries a fingerprint of the current password hash: once the password changes,
every earlier link stops working, so each link works once.
"""

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-{purpose}")


def _fingerprint(user) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def confirmation_token(user) -> str:
    return _serializer("confirm").dumps({"u": user.id, "e": user.email})


def read_confirmation_token(token: str) -> dict | None:
    max_age = current_app.config["EMAIL_TOKEN_HOURS"] * 3600
    try:
        return _serializer("confirm").loads(token, max_age=max_age)
    except BadSignature:
        return None


def reset_token(user) -> str:
    return _serializer("reset").dumps({"u": user.id, "p": _fingerprint(user)})


def read_reset_token(token: str, load_user):
    """The user the link is for, or None when it is forged, expired or already used."""
    max_age = current_app.config["RESET_TOKEN_MINUTES"] * 60
    try:
        data = _serializer("reset").loads(token, max_age=max_age)
    except BadSignature:
        return None
    user = load_user(data.get("u"))
    if user is None or not user.is_active or data.get("p") != _fingerprint(user):
        return None
    return user


# --- device cookies ------------------------------------------------------------------------------
# A browser that signed in to an account gets a cookie naming the account (by a digest of its email)
# and a random device id. Its later sign-in attempts for that account are throttled on the device
# alone, so guesses from elsewhere never lock the owner out.

DEVICE_COOKIE = "portal_device"
DEVICE_DAYS = 180


def device_token(email: str) -> str:
    return _serializer("device").dumps({"a": hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32],
                                        "d": secrets.token_urlsafe(16)})


def device_for(token: str | None, email: str) -> str | None:
    """The device id of a browser's cookie, when it was given at a sign-in to this account; else None."""
    if not token or len(token) > 300:
        return None
    try:
        data = _serializer("device").loads(token, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if data.get("a") != hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]:
        return None
    return data.get("d")
