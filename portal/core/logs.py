"""Logs: one JSON object a line in production (LOG_FORMAT = "json"), with the request id of the request
being served, or of the request that queued the job or the email a worker is handling.

The id is the one the reverse proxy sent (nginx's $request_id in X-Request-ID) or a new one; it is
answered in X-Request-ID, kept with the jobs and mail a request queues, and set again by the worker
while it handles them, so one search for an id finds a request and everything it caused.
"""

import json
import logging
import re
import sys
import time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, g, request

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
request_log = logging.getLogger("portal.request")


def current_request_id() -> str | None:
    return _request_id.get()


@contextmanager
def acting_for(request_id: str | None):
    """Within the block, log as part of the request with this id (the worker, handling what it queued)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id, any fields given in `extra`, and the traceback."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                 "request_id": current_request_id()}
        entry.update((key, value) for key, value in vars(record).items() if key not in self._STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(config) -> None:
    """LOG_FORMAT json: every logger's records as JSON lines on stderr, at LOG_LEVEL (the default INFO)."""
    if config.get("LOG_FORMAT") != "json":
        return
    root = logging.getLogger()
    if any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(config.get("LOG_LEVEL", "INFO"))


def init_app(app: Flask) -> None:
    configure_logging(app.config)

    @app.before_request
    def _take_request_id():
        given = request.headers.get(HEADER, "")
        _request_id.set(given if _VALID.fullmatch(given) else uuid.uuid4().hex)
        g.request_started = time.perf_counter()

    @app.teardown_request
    def _forget_request_id(_error=None):
        _request_id.set(None)  # what this thread does next is not part of this request

    @app.after_request
    def _answer_request_id(response):
        request_id = current_request_id()
        if request_id:
            response.headers[HEADER] = request_id
            started = g.get("request_started")
            request_log.info("%s %s %s", request.method, request.path, response.status_code,
                             extra={"method": request.method, "path": request.path, "status": response.status_code,
                                    "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                                    if started else None})
        return response
