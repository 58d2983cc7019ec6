"""Public pages and the development mailbox."""

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request
from flask_login import current_user

from portal.accounts.service import set_locale
from portal.core import policy
from portal.core.outbox import OutboxMessage
from portal.core.web import safe_next
from portal.extensions import db

bp = Blueprint("public", __name__)
dev_bp = Blueprint("dev", __name__, url_prefix="/dev")

LANGUAGE_COOKIE_DAYS = 365


@bp.route("/")
@policy.public
def home():
    return render_template("public/home.html")


@bp.route("/privacy")
@policy.public
def privacy():
    return render_template("public/privacy.html")


@bp.route("/language")
@policy.public
def switch_language():
    """Remember the chosen language (cookie, and the account when signed in) and go back."""
    chosen = request.args.get("lang", "")
    response = redirect(safe_next(), code=303)
    if chosen in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", chosen, max_age=LANGUAGE_COOKIE_DAYS * 86400, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
        if current_user.is_authenticated:
            set_locale(db.session, current_user, chosen)
    return response


@bp.route("/healthz")
@policy.public
def healthz():
    """Liveness: the process answers. A load balancer restarts a copy that does not; it must not
    restart every copy because the database is briefly away (that is what /readyz tells)."""
    return jsonify(status="ok")


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@bp.route("/readyz")
@policy.public
def readyz():
    """Readiness: this copy can serve, its database and (when configured) Redis reachable. A load
    balancer sends it no requests while it answers 503."""
    checks = {"database": "ok", "redis": "not used"}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError:
        db.session.rollback()
        checks["database"] = "unreachable"
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = "ok" if _redis_reachable(current_app.config["REDIS_URL"]) else "unreachable"
    ready = "unreachable" not in checks.values()
    response = jsonify(status="ok" if ready else "unavailable", **checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


@dev_bp.route("/mailbox")
@policy.public
def mailbox():
    """Development only: every message the portal has queued, newest first."""
    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)).all()
    # Links in mail start with BASE_URL; here they lead to wherever this portal is being served (another
    # port, another host name), so following one from the mailbox always works.
    return render_template("public/dev_mailbox.html", messages=messages,
                           links_from=current_app.config["BASE_URL"].rstrip("/"), links_to=request.host_url.rstrip("/"))


@bp.route("/missions")
@policy.public
def missions():
    """Every mission with its phones and the countries it serves."""
    from sqlalchemy.orm import selectinload

    from portal.missions.models import Mission

    rows = db.session.scalars(sa.select(Mission).options(selectinload(Mission.countries), selectinload(Mission.country))
                              .order_by(Mission.country_code, Mission.code)).all()
    return render_template("public/missions.html", missions=rows)
