"""Settings per environment. Any setting can be overridden by an environment variable
named PORTAL_<SETTING>; values are parsed as JSON when they look like JSON."""

import base64
import hashlib
import json
import os
from datetime import timedelta


class BaseConfig:
    ENV_NAME = "base"
    SECRET_KEY: str | None = None
    # A relative sqlite path resolves inside the instance/ folder.
    DATABASE_URL = "sqlite:///portal.db"
    REDIS_URL = None
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: PostgreSQL connections kept open per process, and how many more it may open at a busy moment
    DATABASE_POOL_SIZE = 2
    DATABASE_MAX_OVERFLOW = 3

    BABEL_DEFAULT_LOCALE = "zh_Hant_TW"
    BABEL_DEFAULT_TIMEZONE = "Asia/Taipei"
    LANGUAGES = ("zh_Hant_TW", "en")

    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Server-side session limits (see portal/accounts/sessions.py).
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024

    PASSWORD_MIN_LENGTH = 12
    EMAIL_TOKEN_HOURS = 48
    RESET_TOKEN_MINUTES = 60
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True

    MAIL_FROM = "Bureau of Consular Affairs <no-reply@consular.example.tw>"
    SMTP_HOST = None
    SMTP_PORT = 25
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    #: how long a message taken by a worker is its own: after that (the worker died) another sends it
    OUTBOX_LEASE_SECONDS = 300
    #: "json" (production): one JSON object a line on stderr, with the request id; "text": Python's logging as it is
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    BASE_URL = "http://127.0.0.1:5000"
    #: how many reverse proxies stand in front of the app; their X-Forwarded-For/-Proto/-Host are
    #: believed only then (0: every visitor is taken at their own address)
    TRUSTED_PROXIES = 0

    GLOBAL_EMERGENCY_PHONE = "+886-800-085-095"
    #: days after a trip ends before its registration is erased
    TRAVEL_REGISTRATION_RETENTION_DAYS = 30
    #: CAP <status>: only production publishes real ("Actual") alerts
    CAP_STATUS = "Exercise"
    CAP_SENDER = "consular.example.tw"
    CACHE_TYPE = "SimpleCache"
    # Flask-Compress: only where public_cache asks (the anonymous public pages), gzip only (what nginx's
    # gunzip can undo for a client that does not take it)
    COMPRESS_REGISTER = False
    COMPRESS_ALGORITHM = ["gzip"]
    COMPRESS_LEVEL = 6
    COMPRESS_MIMETYPES = ["text/html", "application/json", "application/atom+xml", "application/xml"]
    CACHE_DEFAULT_TIMEOUT = 3600
    # The director-general's mailbox: working days to answer a message.
    MAILBOX_SLA_DAYS = 6
    #: a satisfaction survey link works this many days; one reminder goes this many days after it was sent
    SURVEY_LINK_DAYS = 30
    SURVEY_REMINDER_DAYS = 7
    DEV_MAILBOX = False
    LOAD_DEMO_ACCOUNTS = False
    HSTS = False

    # Document authentication: fees per copy (express is added to the standard fee), upload limits,
    # how often one address may check verification codes, and the Ed25519 key that signs stickers
    # (base64 of the 32-byte raw private key, which is 32 random bytes: see the README).
    DOCUMENT_FEE_PER_COPY = 400
    DOCUMENT_EXPRESS_FEE = 200
    DOCUMENT_FEE_CURRENCY = "TWD"
    #: how long authenticated documents wait at the mission for their owner (said in the "ready" mail)
    DOCUMENT_COLLECTION_DAYS = 90

    # Statistics: how often a process without Redis writes its usage counts (seconds); how old a row
    # must be before the rollups read past it (see portal/stats/rollups.py); and the KPI targets.
    USAGE_FLUSH_SECONDS = 10
    STATS_ROLLUP_LAG_SECONDS = 30
    STATS_TARGETS = {
        # [ROC year, per cent]: the policy plan's 30 % for year 99, rising to 45 % by year 102
        "mobile_coverage": [[99, 30], [102, 45]],
        # the ministry's to set: shares of satisfied answers and of decisions within the service level
        "satisfaction": 90,
        "within_service_level": 95,
    }
    DOCUMENT_MAX_FILES = 10
    DOCUMENT_MAX_FILE_MB = 10

    # Visas: the visitor visa's fee by entries (in VISA_FEE_CURRENCY), and whether the visa pages say
    # that their rules are the demonstration set (true until staff have entered the real ones).
    VISA_FEES = {"single": 1600, "multiple": 3200}
    VISA_FEE_CURRENCY = "TWD"
    VISA_RULES_ARE_DEMO = True
    DOCUMENT_VERIFY_RATE_LIMIT = "30 per minute"
    DOCUMENT_SIGNING_KEY = None
    #: development and testing derive a signing key from SECRET_KEY; production must be given one
    DERIVE_DOCUMENT_SIGNING_KEY = False

    # Passport applications: fee (in PASSPORT_FEE_CURRENCY) and validity in years per kind of
    # application, shown before a citizen starts; online applications accepted per day (Taipei time).
    PASSPORT_FEES = {
        "first": {"fee": 1300, "years": 10},
        "renewal": {"fee": 1300, "years": 10},
        "replacement": {"fee": 1300, "years": 10},
        "minor": {"fee": 1300, "years": 10},
        "minor_under_14": {"fee": 900, "years": 5},
    }
    PASSPORT_FEE_CURRENCY = "TWD"
    PASSPORT_DAILY_CAP = 500
    #: a passport application never sent is erased, with its photo, this many days after its last change
    PASSPORT_DRAFT_RETENTION_DAYS = 90
    #: how long a passport that is ready waits at the counter for its holder (said in the "ready" mail)
    PASSPORT_COLLECTION_DAYS = 90
    #: accounts, alert subscriptions and trip registrations never confirmed are erased after this many days
    UNCONFIRMED_RETENTION_DAYS = 7
    # Mobile consular service days: bookings close this many hours before a session starts; a place
    # offered from the waiting list is held this many hours for its citizen to confirm; reminders go
    # this many days before the day; the emailed cancellation link may be used this often per address.
    MOBILE_BOOKING_NOTICE_HOURS = 24
    MOBILE_OFFER_HOURS = 24
    MOBILE_REMINDER_DAYS = 2
    MOBILE_LINK_RATE_LIMIT = "10 per hour"
    # National ID and passport numbers are encrypted with PII_ENCRYPTION_KEY (AES-256-GCM) and
    # looked up by an HMAC under PII_HASH_KEY: base64 of 32 random bytes each, two different keys.
    PII_ENCRYPTION_KEY = None
    PII_HASH_KEY = None
    #: development and testing derive both from SECRET_KEY; production must be given its own
    DERIVE_PII_KEYS = False


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"
    SECRET_KEY = "development-only-secret-key-change-me"
    DEV_MAILBOX = True
    LOAD_DEMO_ACCOUNTS = True
    DERIVE_DOCUMENT_SIGNING_KEY = True
    DERIVE_PII_KEYS = True


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    # every request's usage written at once, so a test reads what it did
    USAGE_FLUSH_SECONDS = 0
    SECRET_KEY = "testing-secret-key"
    DEV_MAILBOX = True
    BASE_URL = "http://localhost"
    CAP_STATUS = "Test"
    DERIVE_DOCUMENT_SIGNING_KEY = True
    DERIVE_PII_KEYS = True


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    LOG_FORMAT = "json"
    SESSION_COOKIE_NAME = "__Host-portal_session"
    SESSION_COOKIE_SECURE = True
    HSTS = True
    CAP_STATUS = "Actual"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def _parse(value: str):
    try:
        return json.loads(value)
    except ValueError:
        return value


def load(env_name: str | None = None, overrides: dict | None = None) -> dict:
    """The settings for one environment as a dict, with PORTAL_* variables and overrides applied."""
    env_name = env_name or os.environ.get("PORTAL_ENV", "development")
    if env_name not in CONFIGS:
        raise RuntimeError(f"Unknown PORTAL_ENV {env_name!r}; use one of {sorted(CONFIGS)}")
    cls = CONFIGS[env_name]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    for key, value in os.environ.items():
        if key.startswith("PORTAL_") and key not in ("PORTAL_ENV", "PORTAL_TEST_DATABASE_URL"):
            settings[key.removeprefix("PORTAL_")] = _parse(value)
    settings.update(overrides or {})
    if not settings.get("DOCUMENT_SIGNING_KEY") and settings.get("DERIVE_DOCUMENT_SIGNING_KEY") \
            and settings.get("SECRET_KEY"):
        settings["DOCUMENT_SIGNING_KEY"] = derived_signing_key(settings["SECRET_KEY"])
    if settings.get("DERIVE_PII_KEYS") and settings.get("SECRET_KEY"):
        for name, purpose in (("PII_ENCRYPTION_KEY", b"encryption"), ("PII_HASH_KEY", b"hash")):
            if not settings.get(name):
                settings[name] = derived_pii_key(settings["SECRET_KEY"], purpose)
    return settings


def derived_signing_key(secret_key: str) -> str:
    """A signing key made from SECRET_KEY, for development and tests only: anyone who knows the
    secret key could sign stickers, so production refuses to start without a key of its own."""
    seed = hashlib.sha256(b"portal document signing key\0" + secret_key.encode()).digest()
    return base64.b64encode(seed).decode()


def derived_pii_key(secret_key: str, purpose: bytes) -> str:
    """A key for personal identifiers made from SECRET_KEY, for development and tests only (as
    for the signing key): production refuses to start without keys of its own."""
    seed = hashlib.sha256(b"portal pii " + purpose + b" key\0" + secret_key.encode()).digest()
    return base64.b64encode(seed).decode()
