"""Pages as PDF, by WeasyPrint. The page's stylesheet is read from the static folder on disk; nothing
else is fetched, so no address a page could name is ever requested by the server."""

from pathlib import Path
from urllib.parse import urlparse

from flask import current_app

BASE = "https://portal.invalid/"


def _static_file(url: str) -> Path:
    prefix = (current_app.static_url_path or "/static") + "/"
    path = urlparse(url).path
    folder = Path(current_app.static_folder or "").resolve()
    wanted = (folder / path.removeprefix(prefix)).resolve()
    if not path.startswith(prefix) or folder not in wanted.parents or not wanted.is_file():
        raise ValueError(f"not fetched: {url}")
    return wanted


def render(html: str) -> bytes:
    import logging

    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            found = _static_file(url)
            kind = "text/css" if found.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(url, body=found.read_bytes(), headers={"Content-Type": kind})

    # The screen stylesheet's rules WeasyPrint does not know (scrolling, screen widths) are expected.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html, base_url=BASE, url_fetcher=StaticOnly()).write_pdf()
