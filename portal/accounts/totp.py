"""Time-based one-time codes (RFC 6238) for staff, with the enrolment QR code."""

import time

import pyotp
import segno

ISSUER = "Consular Services Portal"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def accepted_step(secret: str, code: str, last_step: int | None, *, at: float | None = None) -> int | None:
    """The time step the code belongs to (±1 step for clock drift), or None. A step already
    used (last_step) is refused, so a code works once."""
    code = "".join(ch for ch in code if "0" <= ch <= "9")
    if len(code) != 6:
        return None
    totp, now = pyotp.TOTP(secret), at if at is not None else time.time()
    current = int(now // totp.interval)
    for step in (current, current - 1, current + 1):
        if (last_step is None or step > last_step) and totp.at(step * totp.interval) == code:
            return step
    return None
