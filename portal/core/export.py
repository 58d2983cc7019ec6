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


#: the MIME type of an Excel workbook
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A workbook with one sheet per table (name → rows; the first row is the head). Numbers stay
    numbers; every text is written as text, never as a formula, and made safe as in the CSV too."""
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    for number, (title, rows) in enumerate(sheets.items(), start=1):
        # Sheet names: at most 31 characters and none of []:*?/\ ; numbered, so each is unique.
        name = f"{number}. " + "".join(ch for ch in title if ch not in "[]:*?/\\")
        name = name if len(name) <= 31 else name[:30] + "…"
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, spreadsheet_safe(value), bold if r == 0 else None)
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, max((len(row) for row in rows), default=1), 16)
    workbook.close()
    return out.getvalue()


def xlsx_download(body: bytes, filename: str) -> Response:
    return Response(body, mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})
