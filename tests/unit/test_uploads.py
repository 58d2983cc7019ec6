"""Uploads are judged by their content, limited in size, and stripped of photo metadata."""

import io
import zipfile

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from werkzeug.datastructures import FileStorage

from portal.core.refusal import Refused
from portal.core.uploads import check_file
from tests.fixtures.files import image_bytes, pdf_bytes


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def test_real_files_of_the_allowed_kinds_are_accepted():
    jpeg = check_file(upload(image_bytes(), "photo.jpg"), allowed=("jpeg", "png"), max_megabytes=5)
    assert (jpeg.kind, jpeg.width, jpeg.height) == ("jpeg", 413, 531)
    assert check_file(upload(image_bytes("PNG"), "x.png"), allowed=("jpeg", "png"), max_megabytes=5).kind == "png"
    assert check_file(upload(pdf_bytes(), "diploma.pdf"), allowed=("pdf",), max_megabytes=5).kind == "pdf"


@pytest.mark.parametrize("data, name, reason", [
    (b"<html><script>alert(1)</script></html>", "photo.jpg", "must be a JPEG, PNG file"),
    (b"GIF89a" + b"\0" * 100, "photo.png", "must be a JPEG, PNG file"),
    (b"\xff\xd8\xff" + b"not really a jpeg", "photo.jpg", "could not be read"),
    (b"", "photo.jpg", "The file is empty."),
])
def test_files_that_are_not_what_they_claim_are_refused(data, name, reason):
    with pytest.raises(Refused, match=reason):
        check_file(upload(data, name), allowed=("jpeg", "png"), max_megabytes=5)


def test_a_pdf_renamed_as_a_photo_is_refused():
    with pytest.raises(Refused, match="must be a JPEG, PNG file"):
        check_file(upload(pdf_bytes(), "photo.jpg"), allowed=("jpeg", "png"), max_megabytes=5)


def pdf_of(*objects: bytes, startxref: bytes | None = None) -> bytes:
    """A PDF written by hand, object by object, with its cross-reference table."""
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%s\n%%%%EOF\n" % (
        len(objects) + 1, startxref or str(xref).encode())
    return out


CATALOG, PAGES = b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 4 0 R >>"


@pytest.mark.parametrize("data", [
    pdf_of(CATALOG, PAGES, PAGE, b"<< /Length 3 >>\nstream\nabc\nendstream", startxref=b"9" * 30),
    pdf_of(CATALOG, PAGES, PAGE, b"<< /Length 999999999 >>\nstream\nabc\nendstream"),
    pdf_of(CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),
    pdf_of(CATALOG, b"2 0 R"),
], ids=["startxref too large to seek to", "stream longer than pypdf allows", "pages that contain themselves",
        "an object that is itself"])
def test_pdfs_that_make_the_reader_fail_in_any_way_are_refused(data):
    """Found by the fuzz run (fuzz/run.py): each of these was a 500 on the mailbox's upload."""
    with pytest.raises(Refused, match="PDF could not be read"):
        check_file(upload(data, "a.pdf"), allowed=("pdf",), max_megabytes=5)


def test_a_broken_pdf_is_refused():
    with pytest.raises(Refused, match="PDF could not be read"):
        check_file(upload(b"%PDF-1.7\n garbage", "a.pdf"), allowed=("pdf",), max_megabytes=5)


def test_files_over_the_limit_are_refused_without_reading_them_all():
    big = image_bytes() + b"\0" * (1024 * 1024)
    with pytest.raises(Refused, match="smaller than 1 MB"):
        check_file(upload(big, "photo.jpg"), allowed=("jpeg",), max_megabytes=1)


def test_the_name_a_person_gave_never_becomes_a_path():
    checked = check_file(upload(pdf_bytes(), "../../portal/app.pdf"), allowed=("pdf",), max_megabytes=5)
    assert checked.name == "app.pdf"


def test_photo_metadata_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Maker"  # Make
    original = image_bytes(exif=exif)
    assert b"Secret Camera Maker" in original
    clean = check_file(upload(original, "p.jpg"), allowed=("jpeg",), max_megabytes=5)
    assert b"Secret Camera Maker" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.size == (413, 531) and not image.getexif()


def zip_bytes() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return output.getvalue()


def png_with_text(text: bytes) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    output = io.BytesIO()
    Image.new("RGB", (20, 20)).save(output, format="PNG", pnginfo=info)
    return output.getvalue()


def pdf_with(change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.mark.parametrize("data, allowed, reason", [
    (image_bytes() + zip_bytes(), ("jpeg",), "holds something besides a JPEG"),
    (pdf_bytes() + zip_bytes(), ("pdf",), "holds something besides a PDF"),
    (png_with_text(b"<html><script>alert(1)</script>"), ("png",), "holds something besides a PNG"),
    (b"%PDF-1.7\n<!DOCTYPE html><body onload=alert(1)>" + pdf_bytes()[9:], ("pdf",), "holds something besides"),
    (pdf_with(lambda w: w.add_open_action(JavaScript("app.alert('x');"))), ("pdf",), "contains scripts, forms or attached files"),
    (pdf_with(lambda w: w.add_attachment("run.exe", b"MZ")), ("pdf",), "contains scripts, forms or attached files"),
])
def test_files_that_are_also_another_kind_of_file_are_refused(data, allowed, reason):
    with pytest.raises(Refused, match=reason):
        check_file(upload(data, "file"), allowed=allowed, max_megabytes=5)


def test_what_a_phone_appends_after_a_photo_is_not_kept():
    """A motion photo carries a video after the picture: the photo is taken, the video is not."""
    appended = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000
    checked = check_file(upload(image_bytes() + appended, "motion.jpg"), allowed=("jpeg",), max_megabytes=5)
    assert b"ftypmp42" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as image:
        image.load()
        assert image.size == (413, 531)


def test_an_ordinary_pdf_with_a_link_and_an_outline_is_accepted():
    def outline(writer):
        writer.add_outline_item(title="Page 1", page_number=0)
        writer.add_uri(0, "https://www.boca.gov.tw/", [10, 10, 100, 30])

    assert check_file(upload(pdf_with(outline), "a.pdf"), allowed=("pdf",), max_megabytes=5).kind == "pdf"


def test_files_are_served_as_downloads_that_cannot_run_or_be_cached():
    from portal.core.uploads import Upload, serve

    response = serve(Upload(id="a" * 32, kind="pdf", size=3, sha256="", data=b"%PDF"), download_name="diploma.pdf")
    assert response.headers["Content-Disposition"] == "attachment; filename=diploma.pdf"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "no-store" and response.mimetype == "application/pdf"
