"""Tables for spreadsheets: CSV whose cells no spreadsheet runs as formulas, sent as a download."""

import csv
import io

from flask import Response

#: a spreadsheet runs a cell that starts with one of these as a formula
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """A cell's text that no spreadsheet will run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_text(rows) -> str:
    """Rows of cells as CSV, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return out.getvalue()


def csv_download(body: str, filename: str) -> Response:
    """A CSV file to save, never cached. The byte-order mark lets spreadsheets read UTF-8 Chinese."""
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})
