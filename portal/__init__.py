"""The consular services portal: create_app() builds the Flask application.

create_app never migrates, seeds or calls the network: `make run` upgrades and seeds explicitly.
Domains are found by convention: every package beside `core` is imported (its `__init__` registers
its case kinds, its `models` module its tables), every `views` or `*_views` module in it gives its
blueprint `bp`, and a `cli` module its `commands`. A new kind touches nothing outside its package.
"""

import importlib
import os
import pkgutil

from flask import Flask, request

from config import settings
from portal.core.boundary import Portal


def create_app(overrides: dict | None = None, env: str | None = None) -> Flask:
    app = Portal(__name__, instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.config.from_mapping(settings.load(env, overrides))
    configure_database(app)
    check_signing_key(app)
    check_pii_keys(app)
    configure_extensions(app)
    register_kinds()
    register_blueprints(app)
    configure_templates(app)
    from portal.core import errors, logs, security

    logs.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    from portal import cli

    cli.init_app(app)
    from portal.advisories.edge_cache import EdgeCache

    app.wsgi_app = EdgeCache(app.wsgi_app, app)  # type: ignore[method-assign]  # Flask's middleware pattern
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind PORTAL_TRUSTED_PROXIES reverse proxies, take the visitor's address and scheme from the
    headers they add (outermost, so rate limits, sign-in throttles and the cache all see them).
    With none (the default), X-Forwarded-* headers are whatever the visitor wrote, and are ignored."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies)


def configure_database(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("Set PORTAL_SECRET_KEY: the portal will not start without a secret key.")
    url = app.config["DATABASE_URL"]
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        os.makedirs(app.instance_path, exist_ok=True)
        url = "sqlite:///" + os.path.join(app.instance_path, url.removeprefix("sqlite:///"))
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("postgresql"):
        # Per process: a gunicorn sync worker uses one connection at a time, a background worker two (its
        # session and a job's lease keeper); connections older than half an hour are replaced, and a
        # request waits at most 10 s for one before it gets a 503.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_size": int(app.config["DATABASE_POOL_SIZE"]),
            "max_overflow": int(app.config["DATABASE_MAX_OVERFLOW"]), "pool_recycle": 1800, "pool_timeout": 10}
    if app.config.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
        app.config.setdefault("CACHE_REDIS_URL", app.config["REDIS_URL"])
        if app.config["CACHE_TYPE"] == "SimpleCache":
            app.config["CACHE_TYPE"] = "RedisCache"


def check_signing_key(app: Flask) -> None:
    """Refuse to start without a usable key for document verification stickers (as for SECRET_KEY)."""
    from portal.documents.signing import private_key

    private_key(app.config)


def check_pii_keys(app: Flask) -> None:
    """Refuse to start without the keys that protect national ID and passport numbers; mask them in logs."""
    from portal.core import crypto

    crypto.check_keys(app.config)
    crypto.install_log_redaction()


def configure_extensions(app: Flask) -> None:
    from portal.core.i18n import select_locale
    from portal.core.web import IdConverter, apply_body_limit, reject_bad_input
    from portal.extensions import babel, cache, compress, csrf, db, limiter, login_manager, migrate

    app.before_request(apply_body_limit)  # before the CSRF check reads the form
    app.before_request(reject_bad_input)
    app.url_map.converters["int"] = IdConverter  # every <int:…> in a route: ids the database can hold
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(app.root_path, "translations"))
    limiter.init_app(app)
    cache.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are checked on the server instead
    login_manager.login_view = "accounts.login"

    @app.before_request
    def load_user_first():
        # The session's bookkeeping (last seen) is written on a connection of its own; doing it before
        # the request writes anything keeps it from waiting on the request's own lock on SQLite.
        # Static files write nothing and need no user.
        if request.endpoint != "static":
            from flask import abort, g
            from flask_login import current_user

            current_user._get_current_object()
            if g.get("session_lookup_failed"):
                abort(503)  # not "signed out": the database could not say who this is

    @login_manager.user_loader
    def load_user(token):
        from sqlalchemy.exc import DBAPIError

        from portal.accounts.sessions import load_session_user

        try:
            return load_session_user(db.session, token)
        except DBAPIError:
            # The database is away: the request answers 503 (load_user_first), and its page renders
            # as for someone signed out.
            from flask import g

            db.session.rollback()
            g.session_lookup_failed = True
            return None


#: packages under portal/ that are not domains
NOT_DOMAINS = {"core", "translations"}


def domain_packages() -> list[str]:
    """The domain packages, in name order: every package under portal/ but the shared ones."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__)
                  if module.ispkg and module.name not in NOT_DOMAINS)


def _domain_modules(domain: str, wanted) -> list:
    package = importlib.import_module(f"portal.{domain}")
    return [importlib.import_module(f"portal.{domain}.{module.name}")
            for module in pkgutil.iter_modules(package.__path__) if wanted(module.name)]


def register_kinds() -> None:
    """Import every domain with its models, so its case kinds and tables are known before first use."""
    import portal.core.audit  # noqa: F401  (the shared tables)
    import portal.core.jobs  # noqa: F401
    import portal.core.uploads  # noqa: F401

    for domain in domain_packages():
        _domain_modules(domain, lambda name: name == "models")


def register_blueprints(app: Flask) -> None:
    from portal.public.views import dev_bp

    for domain in domain_packages():
        for module in _domain_modules(domain, lambda name: name == "views" or name.endswith("_views")):
            if getattr(module, "bp", None) is not None:
                app.register_blueprint(module.bp)
    if app.config["DEV_MAILBOX"]:
        app.register_blueprint(dev_bp)


def configure_templates(app: Flask) -> None:
    from flask_login import current_user

    from portal.core import i18n
    from portal.core.cases.registry import summary_of, workflow_for
    from portal.core.forms import html_attributes
    from portal.core.text import without_forbidden_characters

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters["day"] = i18n.format_day
    app.jinja_env.filters["printable"] = without_forbidden_characters
    app.jinja_env.filters["moment"] = i18n.format_moment
    app.jinja_env.filters["month"] = i18n.format_month
    app.jinja_env.filters["day_attribute"] = i18n.day_attribute
    app.jinja_env.filters["moment_attribute"] = i18n.moment_attribute
    app.jinja_env.globals.update(get_locale=i18n.get_locale, html_lang=i18n.html_lang, is_chinese=i18n.is_chinese,
                                 text_lang=i18n.text_lang, html_attributes=html_attributes,
                                 current_user=current_user, workflow_for=workflow_for, case_summary=summary_of)
