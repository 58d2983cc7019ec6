"""Ed25519 signatures on verification stickers, so a QR code can be checked without the server.

The QR code carries the public check page's address with the signed facts as parameters:

    https://consular.example.tw/verify/7K2Q-MX4D-9PRT-C3VA-G?m=tokyo&d=2026-11-27&t=diploma&s=<signature>

A phone opens it as a link; anyone holding the portal's public key (published at /verify/public-key)
can check the signature offline over exactly these four facts: code, mission, date, document type.
The signature is base64url (no padding) over the UTF-8 text

    BOCA-DOC-1|<code without separators>|<mission code>|<YYYY-MM-DD>|<document type>
"""

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from portal.documents.codes import Parse, format_code, parse_code

MESSAGE_PREFIX = "BOCA-DOC-1"
VERIFY_PATH = "/verify/"
FIELDS = ("m", "d", "t", "s")


class SigningKeyError(RuntimeError):
    """The configured signing key cannot be used."""


class PayloadError(ValueError):
    """A scanned text that is not a sticker payload; the message says what is wrong."""


@dataclass(frozen=True)
class Payload:
    code: str  # compact, check character included
    mission: str
    on: date
    document_type: str
    signature: str


def private_key(config) -> Ed25519PrivateKey:
    """The signing key from DOCUMENT_SIGNING_KEY (base64 of the 32-byte raw private key)."""
    encoded = config.get("DOCUMENT_SIGNING_KEY")
    if not encoded:
        raise SigningKeyError("Set PORTAL_DOCUMENT_SIGNING_KEY (base64 of 32 random bytes): the portal will not "
                              "start without a key to sign document verification stickers.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise SigningKeyError("PORTAL_DOCUMENT_SIGNING_KEY is not valid base64.") from error
    if len(raw) != 32:
        raise SigningKeyError("PORTAL_DOCUMENT_SIGNING_KEY must be 32 bytes (an Ed25519 private key), base64.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def new_private_key() -> str:
    """A new signing key, base64, for PORTAL_DOCUMENT_SIGNING_KEY (an Ed25519 key is 32 random bytes)."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def public_key_base64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from PEM text or from base64 of its 32 raw bytes."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise PayloadError("The public key is not an Ed25519 key.")
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as error:
        raise PayloadError("The public key could not be read: give the PEM file or base64 of 32 bytes.") from error


def signed_message(*, code: str, mission: str, on: date, document_type: str) -> bytes:
    return "|".join((MESSAGE_PREFIX, code, mission, on.isoformat(), document_type)).encode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: Ed25519PrivateKey, *, code: str, mission: str, on: date, document_type: str) -> str:
    return _b64url(key.sign(signed_message(code=code, mission=mission, on=on, document_type=document_type)))


def qr_payload(base_url: str, *, code: str, mission: str, on: date, document_type: str, signature: str) -> str:
    """The text the sticker's QR code carries: the check page's address with the signed facts."""
    query = urlencode({"m": mission, "d": on.isoformat(), "t": document_type, "s": signature})
    return f"{base_url.rstrip('/')}{VERIFY_PATH}{format_code(code)}?{query}"


def parse_payload(text: str) -> Payload:
    """Read a scanned QR text. Raises PayloadError when it is not a sticker payload."""
    try:
        parts = urlsplit((text or "").strip())
    except ValueError as error:  # an unbalanced [ in the host, or a host NFKC would change
        raise PayloadError("This is not a verification sticker payload: the address cannot be read.") from error
    if VERIFY_PATH not in parts.path:
        raise PayloadError(f"This is not a verification sticker payload: the address has no {VERIFY_PATH}.")
    parsed = parse_code(parts.path.rsplit(VERIFY_PATH, 1)[1])
    if parsed.outcome is not Parse.OK:
        raise PayloadError("The verification code in the payload is damaged (its check character does not match)."
                           if parsed.outcome is Parse.TYPO else "The payload holds no verification code.")
    query = parse_qs(parts.query, keep_blank_values=True)
    missing = [name for name in FIELDS if len(query.get(name, [])) != 1 or not query[name][0]]
    if missing:
        raise PayloadError(f"The payload lacks {', '.join(missing)}: it is not a signed sticker payload.")
    try:
        on = date.fromisoformat(query["d"][0])
    except ValueError as error:
        raise PayloadError("The date in the payload is not a date (YYYY-MM-DD).") from error
    return Payload(code=parsed.compact or "", mission=query["m"][0], on=on, document_type=query["t"][0],
                   signature=query["s"][0])


def signature_is_valid(public_key: Ed25519PublicKey, payload: Payload) -> bool:
    """True when the payload's signature was made by the key's owner over exactly its facts."""
    try:
        signature = _unb64url(payload.signature)
        public_key.verify(signature, signed_message(code=payload.code, mission=payload.mission, on=payload.on,
                                                    document_type=payload.document_type))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
