"""Personal identifiers at rest: AES-GCM encryption, a keyed hash for look-up, and log redaction.

A national ID or passport number is stored as key id (4 bytes) + nonce (12 bytes) + ciphertext,
with the table and column as associated data, so a value copied into another column does not
decrypt. Beside it sits an HMAC-SHA256 under a separate key: equal values give equal hashes, so
"the previous application of this person" is one indexed look-up without decrypting anything.

The keys come from PII_ENCRYPTION_KEY and PII_HASH_KEY (base64 of 32 random bytes each). Like the
document signing key, development and testing derive them from SECRET_KEY; production refuses to
start without its own.
"""

import base64
import binascii
import hashlib
import hmac
import logging
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

KEY_ID_BYTES = 4
NONCE_BYTES = 12
#: national IDs (letter, 1/2/8/9, eight digits) and passport numbers (nine digits, alone or followed by
#: an MRZ check digit and nationality) in any log text
_IDENTIFIERS = re.compile(r"[A-Z][1289]\d{8}|(?<!\d)\d{9}(?=\d[A-Z<]{3}|(?!\d))")
REDACTED = "[redacted]"


class PiiKeyError(RuntimeError):
    """A configured key for personal identifiers cannot be used."""


class DecryptionError(ValueError):
    """Stored ciphertext that this key cannot open (wrong key, column or tampering)."""


def _key(config, name: str) -> bytes:
    encoded = config.get(name)
    if not encoded:
        raise PiiKeyError(f"Set PORTAL_{name} (base64 of 32 random bytes): the portal will not start without a "
                          "key to protect national ID and passport numbers.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise PiiKeyError(f"PORTAL_{name} is not valid base64.") from error
    if len(raw) != 32:
        raise PiiKeyError(f"PORTAL_{name} must be 32 bytes, base64.")
    return raw


def encryption_key(config) -> bytes:
    return _key(config, "PII_ENCRYPTION_KEY")


def hash_key(config) -> bytes:
    return _key(config, "PII_HASH_KEY")


def check_keys(config) -> None:
    """Refuse to start without usable keys (both must be present and distinct)."""
    if encryption_key(config) == hash_key(config):
        raise PiiKeyError("PORTAL_PII_ENCRYPTION_KEY and PORTAL_PII_HASH_KEY must be different keys.")


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"portal pii key id\0" + key).digest()[:KEY_ID_BYTES]


def _associated(table: str, column: str) -> bytes:
    return f"{table}.{column}".encode()


def encrypt(value: str, *, table: str, column: str, config=None) -> bytes:
    key = encryption_key(config or current_app.config)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return key_id(key) + nonce + AESGCM(key).encrypt(nonce, value.encode(), _associated(table, column))


def decrypt(stored: bytes, *, table: str, column: str, config=None) -> str:
    key = encryption_key(config or current_app.config)
    stored = bytes(stored)
    if stored[:KEY_ID_BYTES] != key_id(key):
        raise DecryptionError("encrypted with another key")
    nonce, ciphertext = stored[KEY_ID_BYTES:KEY_ID_BYTES + NONCE_BYTES], stored[KEY_ID_BYTES + NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, _associated(table, column)).decode()
    except InvalidTag as error:
        raise DecryptionError("the ciphertext does not open with this key and column") from error


def keyed_hash(value: str, *, purpose: str, config=None) -> str:
    """HMAC-SHA256 (hex) of a normalised value; `purpose` keeps hashes of different kinds apart."""
    key = hash_key(config or current_app.config)
    return hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


class EncryptedValue:
    """A model attribute stored encrypted in `<name>_cipher` with its keyed hash in `<name>_hash`."""

    def __init__(self, table: str, purpose: str):
        self.table, self.purpose = table, purpose

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        stored = getattr(instance, f"{self.name}_cipher")
        return None if stored is None else decrypt(stored, table=self.table, column=self.name)

    def __set__(self, instance, value):
        if value is None:
            setattr(instance, f"{self.name}_cipher", None)
            setattr(instance, f"{self.name}_hash", None)
        else:
            setattr(instance, f"{self.name}_cipher", encrypt(value, table=self.table, column=self.name))
            setattr(instance, f"{self.name}_hash", keyed_hash(value, purpose=self.purpose))


# --- logs -----------------------------------------------------------------------------------------

def redact(text: str) -> str:
    return _IDENTIFIERS.sub(REDACTED, text)


def install_log_redaction() -> None:
    """Every log record, from any logger, has identifiers masked when it is made (idempotent).

    A record factory rather than a handler filter: it also covers handlers added later (a test's,
    a deployment's), and the message is fixed before any handler formats it."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacts_identifiers", False):
        return

    def make_record(*args, **kwargs):
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return record

    make_record.redacts_identifiers = True  # type: ignore[attr-defined]  # marks the factory as installed
    logging.setLogRecordFactory(make_record)
