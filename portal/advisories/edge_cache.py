"""Answer anonymous requests for public advice straight from the shared cache, before Flask.

The most visited pages are the same for everyone who is not signed in; once rendered (by
public_cache.public_response, with every header) they are served here without the framework's
per-request work (their use is still counted, by what the application said the page counts as).
Anything personal — a session cookie, a method other than GET or HEAD — goes
through the application as usual.
"""

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import is_resource_modified, parse_accept_header, parse_cookie, parse_date

from portal.core.i18n import negotiate_locale

PREFIXES = ("/advisories", "/api/v1/advisories", "/visas", "/api/v1/visa-requirements")
#: set by the application on a response that may be stored; never sent to the browser
STORE_HEADER = "X-Portal-Edge-Key"
STATE_KEY = "advisories:published-state"  # written by public_cache
KEEP_ON_304 = ("ETag", "Last-Modified", "Cache-Control", "Vary")
#: how long a shared cache in front (nginx) may answer without asking again: a published change is
#: public within this many seconds
SHARED_SECONDS = 5


def wanted_encoding(environ: dict) -> str:
    """"gzip" when the request accepts it: these pages are sent compressed then, and kept apart from
    the plain ones."""
    return "gzip" if parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING", "")).quality("gzip") > 0 else ""


def edge_key(locale: str, environ: dict, state_token: str) -> str:
    return (f"edge:{locale}:{wanted_encoding(environ)}:{environ.get('PATH_INFO', '')}?"
            f"{environ.get('QUERY_STRING', '')}:{state_token}")


def request_locale(environ: dict, config) -> str:
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    accept = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE", ""), LanguageAccept)
    return negotiate_locale(cookies.get("lang"), accept, config["LANGUAGES"], config["BABEL_DEFAULT_LOCALE"])


class EdgeCache:
    def __init__(self, wsgi_app, app):
        from portal.extensions import cache
        from portal.stats import usage

        self.wsgi_app, self.app, self.usage = wsgi_app, app, usage
        # The cache backend exists once create_app has bound the extension; look it up once.
        self.backend = app.extensions["cache"][cache]

    def _eligible(self, environ) -> bool:
        cookies = environ.get("HTTP_COOKIE", "")
        return (environ.get("REQUEST_METHOD") in ("GET", "HEAD")
                and environ.get("PATH_INFO", "").startswith(PREFIXES)
                and self.app.config["SESSION_COOKIE_NAME"] not in cookies)

    def __call__(self, environ, start_response):
        if not self._eligible(environ):
            return self.wsgi_app(environ, start_response)
        backend = self.backend
        state = backend.get(STATE_KEY)
        if state is not None:
            entry = backend.get(edge_key(request_locale(environ, self.app.config), environ, state["token"]))
            if entry is not None:
                counted = entry[4] if len(entry) > 4 else None  # entries stored before usage was counted have none
                if counted:
                    with self.app.app_context():
                        self.usage.count_outside_request(counted)
                return self._answer(entry, environ, start_response)
        return self._store_on_the_way_out(backend, environ, start_response)

    def _answer(self, entry, environ, start_response):
        status, headers, body, etag = entry[:4]
        last_modified = parse_date(next((v for k, v in headers if k == "Last-Modified"), None))
        if not is_resource_modified(environ, etag=etag, last_modified=last_modified):
            start_response("304 NOT MODIFIED", [(k, v) for k, v in headers if k in KEEP_ON_304])
            return [b""]
        start_response(status, headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    def _store_on_the_way_out(self, backend, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            key = next((v for k, v in headers if k == STORE_HEADER), None)
            counted = next((v for k, v in headers if k == self.usage.USAGE_HEADER), None)
            headers = [(k, v) for k, v in headers if k not in (STORE_HEADER, self.usage.USAGE_HEADER)]
            captured.update(status=status, headers=headers, key=key, counted=counted)
            return start_response(status, headers, exc_info)

        chunks = self.wsgi_app(environ, capture)
        encoding = next((v for k, v in captured.get("headers", ()) if k == "Content-Encoding"), "")
        if not captured.get("key") or not captured["status"].startswith("200") or environ["REQUEST_METHOD"] != "GET" \
                or any(k == "Set-Cookie" for k, _ in captured["headers"]) or encoding != wanted_encoding(environ):
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        etag = next((v.strip('"') for k, v in captured["headers"] if k == "ETag"), None)
        backend.set(captured["key"], (captured["status"], captured["headers"], body, etag, captured["counted"]),
                    timeout=self.app.config.get("CACHE_DEFAULT_TIMEOUT", 3600))
        return [body]
