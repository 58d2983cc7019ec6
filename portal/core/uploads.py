"""Uploaded files: checked by their content (never their name), kept in the database under a
random id, and served only through views that have asked the policy module first.

Keeping the bytes in the database makes an upload part of the request's transaction (a failed
submission leaves no stray file) and lets every app copy serve it.
"""

import hashlib
import io
import re
import secrets
import warnings
import zipfile
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import Response
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from sqlalchemy.orm import Mapped, deferred, mapped_column

from portal.core.db import Base, UTCDateTime, utcnow
from portal.core.i18n import _
from portal.core.refusal import Refused

MEGABYTE = 1024 * 1024
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
# Decoding more pixels than a 60-megapixel photo is refused before it can exhaust memory.
MAX_IMAGE_PIXELS = 60_000_000


class Upload(Base):
    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    original_name: Mapped[str] = mapped_column(sa.String(120), default="")
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    data: bytes
    name: str
    width: int | None = None
    height: int | None = None


def sniff(data: bytes) -> str | None:
    """What the bytes are, judged by their content: 'pdf', 'jpeg', 'png' or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


#: markup a content-sniffing browser would find in the first bytes of a file and run as a page
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|object|embed|svg|\?xml)", re.IGNORECASE)
#: PDF actions that run something or carry another file: a scanned document needs none
_ACTIVE_PDF_KEYS = frozenset({"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia",
                              "/XFA", "/SubmitForm", "/ImportData", "/GoToE"})


def is_polyglot(data: bytes) -> bool:
    """Whether the bytes are also another kind of file: a page a browser would run (markup in the
    part browsers sniff) or an archive (a ZIP, JAR or Office file's directory at its end)."""
    return _MARKUP.search(data[:1024]) is not None or zipfile.is_zipfile(io.BytesIO(data))


def _pdf_has_active_content(reader: PdfReader) -> bool:
    """Walks the document's objects from its root, looking for an action or file that runs or carries
    something (a dictionary key or a name value such as /S /JavaScript)."""
    seen: set[tuple[int, int]] = set()
    pending: list = [reader.trailer]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if _ACTIVE_PDF_KEYS.intersection(item.keys()) or item.get("/S") in _ACTIVE_PDF_KEYS:
                return True
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return False


def _decode_image(data: bytes, kind: str) -> tuple[int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format.lower() != kind or image.width * image.height > MAX_IMAGE_PIXELS:
                    raise Refused(_("The image could not be read. Upload a JPEG or PNG photo."))
                image.load()
                return image.width, image.height
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as error:
        raise Refused(_("The image could not be read. Upload a JPEG or PNG photo.")) from error


def _check_pdf(data: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
        active = _pdf_has_active_content(reader)
    except Exception as error:
        # A damaged or hostile PDF makes pypdf raise any of many errors (its own limits, loops, numbers too
        # large to seek to: a fuzz run found them, fuzz/run.py); each means the same to the person.
        raise Refused(_("The PDF could not be read. Save it again as a PDF and upload it.")) from error
    if pages < 1:
        raise Refused(_("The PDF has no pages."))
    if active:
        raise Refused(_("The PDF contains scripts, forms or attached files. Print it to a new PDF, or scan the "
                        "paper, and upload that."))


def check_file(file_storage, *, allowed: tuple[str, ...], max_megabytes: int) -> CheckedFile:
    """Read and check one uploaded file. Raises Refused with a reason to show. A photo comes back
    re-encoded: only its pixels are kept (no metadata, nothing hidden after its end)."""
    if file_storage is None or not file_storage.filename:
        raise Refused(_("Choose a file to upload."))
    limit = max_megabytes * MEGABYTE
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise Refused(_("The file must be smaller than %(size)d MB.", size=max_megabytes))
    if not data:
        raise Refused(_("The file is empty."))
    kind = sniff(data)
    if kind not in allowed:
        names = ", ".join(k.upper() for k in allowed)
        raise Refused(_("The file must be a %(types)s file.", types=names))
    if is_polyglot(data):
        raise Refused(_("The file holds something besides a %(type)s. Save it again as a %(type)s and upload that.",
                        type=kind.upper()))
    width = height = None
    if kind == "pdf":
        _check_pdf(data)
    else:
        width, height = _decode_image(data, kind)
    name = "".join(ch for ch in file_storage.filename.replace("\\", "/").rsplit("/", 1)[-1]
                   if ch.isprintable())[:120]
    checked = CheckedFile(kind=kind, data=data, name=name, width=width, height=height)
    return checked if kind == "pdf" else _reencoded(checked)


def _reencoded(checked: CheckedFile) -> CheckedFile:
    """The photo saved again from its pixels, so no EXIF (place, device, time) and nothing appended
    after the image survives."""
    output = io.BytesIO()
    with Image.open(io.BytesIO(checked.data)) as image:
        image.load()
        # Pillow writes EXIF, ICC and text chunks only when asked to, so a plain save drops them.
        if checked.kind == "jpeg":
            image.save(output, format="JPEG", quality=92)
        else:
            image.save(output, format="PNG")
    return CheckedFile(kind=checked.kind, data=output.getvalue(), name=checked.name,
                       width=checked.width, height=checked.height)


def store(session, checked: CheckedFile) -> Upload:
    """Keep a checked file (flushes). Its id is random: knowing one tells nothing of another."""
    upload = Upload(id=secrets.token_hex(16), kind=checked.kind, size=len(checked.data),
                    sha256=hashlib.sha256(checked.data).hexdigest(), original_name=checked.name,
                    width=checked.width, height=checked.height, data=checked.data)
    session.add(upload)
    session.flush()
    return upload


def serve(upload: Upload, *, download_name: str | None = None, inline: bool = False) -> Response:
    """The file, with headers that stop a browser from running or caching it."""
    extension = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[upload.kind]
    name = download_name or f"file-{upload.id[:8]}.{extension}"
    response = Response(upload.data, mimetype=upload.content_type)
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=name)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
