"""Translated error pages, and a 503 instead of a traceback when the database is away."""

import logging
import uuid
from urllib.parse import urlencode

from flask import flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.core.boundary import roll_back_request

log = logging.getLogger(__name__)

HANDLED = (400, 403, 404, 405, 413, 429, 500, 503)


def _render(code: int, **context):
    if request.path.startswith("/healthz"):
        return jsonify(status="error", code=code), code
    response = render_template("errors/error.html", code=code, **context)
    return response, code


def handle_http(error: HTTPException):
    if error.response is not None:
        # A page made on purpose for this refusal (e.g. a rate limit that shows the form again with
        # the person's text kept) answers instead of the generic error page.
        return error.response
    code = error.code if error.code in HANDLED else 500
    response, code = _render(code)
    headers = {"Retry-After": "60"} if code in (429, 503) else {}
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return response, code, headers


def handle_csrf(error: CSRFError):
    return _render(400, csrf=True)


def handle_database_down(error: Exception):
    log.error("database unavailable: %s", type(error).__name__)
    roll_back_request()
    response, code = _render(503)
    return response, code, {"Retry-After": "30"}


def handle_bad_value(error: DataError):
    """A value the database cannot hold (a number out of range, a character it refuses) came from the
    request: bad input, answered as such, with the failed transaction rolled back."""
    roll_back_request()
    log.info("refused a value the database cannot hold: %s", type(error.orig).__name__)
    return _render(400)


def handle_stale(error: StaleDataError):
    """Someone else saved a change to the same record between this request reading it and saving:
    nothing of this request is kept. A link opened twice at once (a mail scanner and the person) is
    simply looked at again; an action answers with the page it came from and says what happened."""
    from portal.core.i18n import _
    from portal.core.web import safe_referrer
    roll_back_request()
    log.info("a record changed under a request: %s %s", request.method, request.endpoint)
    if request.method in ("GET", "HEAD") and not request.args.get("again"):
        query = request.args.to_dict(flat=False) | {"again": ["1"]}
        return redirect(f"{request.path}?{urlencode(query, doseq=True)}", code=303)
    flash(_("Someone else changed this while you were looking at it, so nothing was saved. "
            "Check its latest state below and try again."), "error")
    return redirect(safe_referrer() if request.method not in ("GET", "HEAD") else "/", code=303)


def handle_unexpected(error: Exception):
    reference = uuid.uuid4().hex[:12]
    log.exception("unhandled error, reference %s", reference)
    # The failed request may have left its transaction broken; the page (which reads the signed-in
    # person for its header) needs a working one.
    roll_back_request()
    return _render(500, reference=reference)


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(InterfaceError, handle_database_down)
    app.register_error_handler(PoolTimeout, handle_database_down)  # every connection busy for pool_timeout
    app.register_error_handler(DataError, handle_bad_value)
    app.register_error_handler(StaleDataError, handle_stale)
    app.register_error_handler(Exception, handle_unexpected)
