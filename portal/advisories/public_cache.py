"""Public advisory responses: validators (ETag, Last-Modified), 304s, and rendered pages cached
per language and published state.

The published state (a fingerprint of what the public sees, and when it last changed) is itself
cached, so a request served from cache touches no database. Publishing, reviewing or changing a
banner drops it (`invalidate`), which changes every page's key at once. It is also kept no longer
than the next banner start or end, and never more than a few seconds, so a rare race between a
reader and a publisher cannot keep old advice in view.
"""

import hashlib

import sqlalchemy as sa
from flask import after_this_request, g, make_response, request, session
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.advisories.edge_cache import SHARED_SECONDS, STATE_KEY, STORE_HEADER, edge_key, wanted_encoding
from portal.advisories.models import Banner, Edition, EditionStatus
from portal.core.db import utcnow
from portal.core.i18n import get_locale
from portal.extensions import cache, compress

STATE_SECONDS = 15
#: other public facts these pages show (a country's visa rules): source(db_session) → (fingerprint, last change)
_STATE_SOURCES: list = []


def add_state_source(source) -> None:
    """A domain whose published facts appear on the cached public pages adds what identifies them."""
    if source not in _STATE_SOURCES:
        _STATE_SOURCES.append(source)


def _compute_state(db_session) -> dict:
    last_published, last_reviewed, count, top_id = db_session.execute(
        sa.select(sa.func.max(Edition.published_at), sa.func.max(Edition.reviewed_at), sa.func.count(),
                  sa.func.max(Edition.id)).where(Edition.status == EditionStatus.PUBLISHED)).one()
    now = utcnow()
    banner = db_session.execute(sa.select(Banner.id, Banner.starts_at).where(
        Banner.starts_at <= now, Banner.ends_at > now).order_by(Banner.starts_at.desc()).limit(1)).first()
    next_change = db_session.scalar(sa.select(sa.func.min(sa.case(
        (Banner.starts_at > now, Banner.starts_at), else_=Banner.ends_at))).where(Banner.ends_at > now))
    extra = [source(db_session) for source in _STATE_SOURCES]
    fingerprint = "|".join([f"{last_published}|{last_reviewed}|{count}|{top_id}|{banner.id if banner else ''}",
                            *(text for text, _changed in extra)])
    changed = max(filter(None, [last_published, last_reviewed, banner.starts_at if banner else None,
                                *(moment for _text, moment in extra)]), default=None)
    seconds = STATE_SECONDS
    if next_change is not None:
        seconds = max(1, min(seconds, int((next_change - now).total_seconds())))
    return {"token": hashlib.sha256(fingerprint.encode()).hexdigest()[:20], "changed": changed, "seconds": seconds}


def published_state(db_session) -> dict:
    state = cache.get(STATE_KEY)
    if state is None:
        state = _compute_state(db_session)
        cache.set(STATE_KEY, state, timeout=state["seconds"])
    return state


def invalidate() -> None:
    """Call after committing a change the public sees."""
    cache.delete(STATE_KEY)


def kept_content(key: str, render_block) -> Markup:
    """A public page's content block (the layout's `content`) for a signed-in visitor, from the shared
    cache once rendered: it is the same for everyone; the layout around it, with their name and CSRF
    token, is rendered for each."""
    return Markup(_kept(key, lambda: str(render_block())))  # noqa: S704  # the portal's own rendered template


def _kept(key: str, render):
    """What render() gives, from the shared cache once rendered (the key names the published state)."""
    body = cache.get(key)
    if body is None:
        body = render()
        cache.set(key, body)
    return body


def public_response(db_session, render, *, mimetype: str = "text/html"):
    """Answer with validators; 304 when the client already has it; the cached body when we do."""
    if session.get("_flashes"):  # one-off messages: the page is rendered afresh
        response = make_response(render())
        response.mimetype = mimetype
        return response
    state = published_state(db_session)
    key = f"advisories:{get_locale()}:{request.full_path}:{state['token']}"
    if current_user.is_authenticated:
        if mimetype == "text/html":
            g.kept_content_key = f"content:{key}"
            try:
                body = render()
            finally:  # an error page rendered after a failure must not be kept as this page's content
                g.pop("kept_content_key", None)
        else:  # feeds and API answers are the same for everyone, signed in or not
            body = _kept(key, render)
        response = make_response(body)
        response.mimetype = mimetype
        return response
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    # Anonymous pages are compressed for whoever accepts it (they hold nothing secret that compression
    # could give away, unlike a signed-in page with its CSRF token); the compressed copy's ETag says so.
    after_this_request(compress.after_request)
    if request.if_none_match.contains(etag) or request.if_none_match.contains(f"{etag}:gzip"):
        response = make_response("", 304)
        if wanted_encoding(request.environ):
            etag = f"{etag}:gzip"
    else:
        response = make_response(_kept(key, render))
        response.mimetype = mimetype
    response.set_etag(etag)
    response.headers[STORE_HEADER] = edge_key(str(get_locale()), request.environ, state["token"])
    if state["changed"]:
        response.last_modified = state["changed"]
    response.headers["Cache-Control"] = f"public, max-age=60, s-maxage={SHARED_SECONDS}"
    response.vary.update(["Accept-Language", "Cookie"])
    return response.make_conditional(request)


def mark_changed(db_session) -> None:
    """Services call this when they change what the public sees; the commit then invalidates."""
    db_session.info["public_advice_changed"] = True


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(db_session) -> None:
    if db_session.info.pop("public_advice_changed", False):
        invalidate()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(db_session) -> None:
    db_session.info.pop("public_advice_changed", None)
