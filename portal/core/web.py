"""Small helpers for views: safe redirects, client address, refusals from services."""

from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, make_response, redirect, request, url_for
from werkzeug.routing import IntegerConverter

from portal.core.refusal import Refused
from portal.core.text import has_forbidden_characters


def safe_next(default_endpoint: str = "public.home") -> str:
    """The ?next= target when it is a path on this site, else the default page."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not parts.scheme and not parts.netloc:
        return target
    return url_for(default_endpoint)


def safe_referrer(default: str = "/") -> str:
    """The page a form was sent from, when it is a page of this site (its path and query); else the default."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc and parts.netloc != request.host:
        return default
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else ""
    return (path + (f"?{parts.query}" if parts.query else "")) if path else default


def redirect_next(default_endpoint: str = "public.home"):
    return redirect(safe_next(default_endpoint), code=303)


def client_address() -> str | None:
    return request.remote_addr


def refuse(error: Refused, form=None) -> None:
    """Show a service's refusal: on the form field it concerns, or at the top of the form (both reach
    its error summary), or as a message on the next page when the view has no form to show again.
    Whatever the request wrote is rolled back now, and the boundary commits nothing after it."""
    from portal.extensions import db

    db.session.rollback()
    g.refused = True
    if form is None:
        flash(error.message, "error")
        return
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def body_limit(megabytes):
    """For a view that takes several uploads: the largest request body it accepts, above the app's
    MAX_CONTENT_LENGTH, in megabytes (or a function of the settings giving them). apply_body_limit()
    sets it before anything (the bad-input guard, the CSRF check, a rate-limit key) reads the form."""

    def decorator(view):
        view.max_content_megabytes = megabytes
        return view

    return decorator


def apply_body_limit() -> None:
    """Registered first among the app's before-request functions."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    megabytes = getattr(view, "max_content_megabytes", None)
    if callable(megabytes):
        megabytes = megabytes(current_app.config)
    if megabytes:
        request.max_content_length = megabytes * 1024 * 1024


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: no number the database's integer cannot hold (a longer one is 404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def reject_bad_input() -> None:
    """Registered before every view: a NUL or another control character in the address, the query
    or a form field is never something a person typed; no page may show it and no database stores
    NUL. 400, decided here once (forms keep tabs and line breaks)."""
    if has_forbidden_characters(request.path) or any(
            has_forbidden_characters(key) or has_forbidden_characters(value)
            for fields in (request.args, request.form) for key, value in fields.items(multi=True)):
        abort(400)


def private_response(page, status: int | None = None):
    """A page opened from a personal link (a survey, a tracking or confirmation link): never cached,
    and its address never passed on to another site. A response given as it is keeps its status."""
    response = make_response(page) if status is None else make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def public_cacheable(response, max_age: int = 300):
    """A page that is the same for every signed-out visitor in a language: an ETag, 304 for a
    matching If-None-Match, and a short shared cache life (signed-in pages stay no-store)."""
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.vary.add("Accept-Language")
    response.add_etag()
    return response.make_conditional(request)
