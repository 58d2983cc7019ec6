"""Demo document requests for development: one waiting for the officer, one issued, so that the
stickers and the public check at /verify can be tried at once."""

import io
from datetime import date

from pypdf import PdfWriter

from portal.core.cases.service import claim, transition
from portal.core.uploads import CheckedFile
from portal.documents.service import submit_request


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _request(session, citizen, mission_id: int, document_type: str, copies: int, token: str):
    document = {"document_type": document_type, "type_detail": "", "holder_name": citizen.name or "王小明",
                "issuing_country_code": "JP", "issuing_authority": "東京大学", "issued_on": date(2024, 3, 25),
                "language": "ja", "copies": copies, "has_translation": True}
    data = {"purpose": "回臺灣辦理學歷認證", "mission_id": mission_id, "delivery": "pickup", "postal_address": "",
            "express": False, "documents": [document]}
    scan = CheckedFile(kind="pdf", data=_blank_pdf(), name="scan.pdf")
    case, _ = submit_request(session, applicant=citizen, data=data, scans=[scan], submission_token=token)
    return case


def load_demo_documents(session, citizen, officer) -> None:
    """A diploma waiting at Tokyo, and a transcript already issued in two copies."""
    _request(session, citizen, officer.mission_id, "diploma", 1, "demo-document-1")
    issued = _request(session, citizen, officer.mission_id, "transcript", 2, "demo-document-2")
    claim(session, issued, by=officer)
    for action in ("verify", "authenticate", "issue"):
        transition(session, issued, action, by=officer)
