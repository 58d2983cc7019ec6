"""Document authentication: requests, fees, scans, issuing verification records, revoking them and
the public check. Flushes; never commits."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.core import policy
from portal.core.cases.models import Case
from portal.core.cases.service import entered_status_at, open_case, record_event
from portal.core.cases.workflow import APPLICANT
from portal.core.db import utcnow
from portal.core.i18n import _, is_chinese
from portal.core.outbox import queue_email
from portal.core.refusal import Refused
from portal.core.uploads import check_file, store
from portal.core.workdays import TAIPEI, add_working_days
from portal.core.text import is_digits
from portal.documents import signing
from portal.documents.codes import Parse, new_code, parse_code
from portal.documents.models import (
    CheckResult,
    Delivery,
    DocumentFile,
    DocumentItem,
    DocumentRequest,
    DocumentType,
    VerificationCheck,
    VerificationRecord,
)
from portal.documents.workflow import ADD_FILES, DOCUMENT, DOCUMENT_WORKFLOW, EXPRESS_WORKING_DAYS, ISSUE, REVOKE
from portal.missions.models import Mission
from portal.missions.service import HEADQUARTERS_CODE, Collection, country_by_code, place_of

MAX_DOCUMENTS = 10
MAX_COPIES = 10
#: languages offered for a document (CLDR codes, named in the reader's language), and "other"
LANGUAGES = ("zh", "en", "ja", "ko", "vi", "th", "id", "ms", "tl", "fr", "de", "es", "pt", "it", "nl", "ru", "ar",
             "other")
SCAN_KINDS = ("pdf", "jpeg", "png")
MASK = "○"


# --- fees ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fee:
    copies: int
    per_copy: int
    express_per_copy: int  # 0 for the standard service
    currency: str

    @property
    def standard(self) -> int:
        return self.copies * self.per_copy

    @property
    def express(self) -> int:
        return self.copies * self.express_per_copy

    @property
    def total(self) -> int:
        return self.standard + self.express


def fee_for(*, copies: int, express: bool) -> Fee:
    """The fee from the settings: a price per copy, plus the express surcharge per copy."""
    config = current_app.config
    return Fee(copies=copies, per_copy=int(config["DOCUMENT_FEE_PER_COPY"]),
               express_per_copy=int(config["DOCUMENT_EXPRESS_FEE"]) if express else 0,
               currency=config["DOCUMENT_FEE_CURRENCY"])


# --- requests -----------------------------------------------------------------------------------

def check_scans(file_storages) -> list:
    """Read and check the uploaded scans (content, size, count); photos lose their metadata.

    Raises:
        Refused: on the "scans" field, saying which file is refused and why.
    """
    config = current_app.config
    chosen = [f for f in file_storages or () if f is not None and f.filename]
    if not chosen:
        raise Refused(_("Attach a scan or photo of each document."), field="scans")
    if len(chosen) > config["DOCUMENT_MAX_FILES"]:
        raise Refused(_("Attach at most %(count)d files.", count=config["DOCUMENT_MAX_FILES"]), field="scans")
    checked = []
    for file_storage in chosen:
        try:
            scan = check_file(file_storage, allowed=SCAN_KINDS, max_megabytes=config["DOCUMENT_MAX_FILE_MB"])
        except Refused as error:
            raise Refused(_("%(name)s: %(reason)s", name=file_storage.filename[:80], reason=error),
                          field="scans") from error
        checked.append(scan)
    return checked


#: documents issued there are verified by the Straits Exchange Foundation in Taiwan, not by a mission
MAINLAND_CHINA = "CN"


def _check_choices(session, data: dict) -> None:
    mission_id = str(data["mission_id"] or "")
    mission = session.get(Mission, int(mission_id)) if is_digits(mission_id) else None
    if mission is None or mission.code == HEADQUARTERS_CODE:  # authentication is done at a mission abroad
        raise Refused(_("Choose the mission from the list."), field="mission_id")
    if data["delivery"] not in {d.value for d in Delivery}:
        raise Refused(_("Choose how you want the documents back."), field="delivery")
    documents = data["documents"]
    if not 1 <= len(documents) <= MAX_DOCUMENTS:
        raise Refused(_("Add between 1 and %(count)d documents.", count=MAX_DOCUMENTS))
    types = {t.value for t in DocumentType}
    for document in documents:
        if document["document_type"] not in types:
            raise Refused(_("Choose the type of each document from the list."))
        if country_by_code(session, document["issuing_country_code"]) is None:
            raise Refused(_("Choose the country where each document was issued from the list."))
        if document["issuing_country_code"] == MAINLAND_CHINA:
            raise Refused(_("Documents issued in mainland China are not authenticated by an overseas mission: "
                            "have them notarised there, then verified in Taiwan by the Straits Exchange "
                            "Foundation (海峽交流基金會)."))
        if document["language"] not in LANGUAGES:
            raise Refused(_("Choose the language of each document from the list."))


def _summary(documents: list[dict]) -> str:
    return ", ".join(f"{DocumentType(d['document_type']).title} ×{d['copies']}" for d in documents)[:200]


def submit_request(session, *, applicant, data: dict, scans: list, submission_token: str | None = None):
    """Open a document case with its documents and scans, and acknowledge it by email with the fee.
    Returns (case, created): a repeated submission token finds the case already made.

    Raises:
        Refused: a choice that is not on the lists, or a form sent by someone else.
    """
    _check_choices(session, data)
    documents = data["documents"]
    express = bool(data["express"])
    try:
        case, created = open_case(session, kind=DOCUMENT, mission_id=int(data["mission_id"]), applicant=applicant,
                                  summary=_summary(documents), idempotency_key=submission_token, notify=False,
                                  summary_facts={"documents": [[d["document_type"], int(d["copies"])]
                                                               for d in documents]})
    except Refused as error:
        raise Refused(str(error)) from error
    if not created:
        return case, False
    if express:
        case.due_at = add_working_days(case.submitted_at, EXPRESS_WORKING_DAYS)
    fee = fee_for(copies=sum(int(d["copies"]) for d in documents), express=express)
    post = data["delivery"] == Delivery.POST
    detail = DocumentRequest(case_id=case.id, purpose=data["purpose"], is_express=express,
                             delivery=Delivery(data["delivery"]),
                             postal_address=data["postal_address"] if post else None,
                             fee_total=fee.total, fee_currency=fee.currency)
    detail.items = [_item(position, document) for position, document in enumerate(documents, 1)]
    session.add(detail)
    session.flush()
    _attach(session, detail, scans)
    queue_email(session, to=applicant.email, locale=applicant.locale, template="document_received", case=case,
                workflow=DOCUMENT_WORKFLOW, detail=detail, fee=fee)
    return case, True


def _attach(session, detail: DocumentRequest, scans: list) -> None:
    for scan in scans:
        session.add(DocumentFile(request_id=detail.id, upload_id=store(session, scan).id))
    session.flush()


def _item(position: int, document: dict) -> DocumentItem:
    kind = DocumentType(document["document_type"])
    return DocumentItem(position=position, document_type=kind,
                        type_detail=(document.get("type_detail") or None) if kind is DocumentType.OTHER else None,
                        holder_name=document["holder_name"], issuing_country_code=document["issuing_country_code"],
                        issuing_authority=document["issuing_authority"], issued_on=document["issued_on"],
                        language=document["language"], copies=int(document["copies"]),
                        has_translation=bool(document["has_translation"]))


def detail_for(session, case) -> DocumentRequest | None:
    """The request with its documents, scans and records, in a fixed number of queries."""
    return session.scalar(
        sa.select(DocumentRequest).where(DocumentRequest.case_id == case.id).options(
            selectinload(DocumentRequest.items).selectinload(DocumentItem.issuing_country),
            selectinload(DocumentRequest.items).selectinload(DocumentItem.records),
            selectinload(DocumentRequest.files).selectinload(DocumentFile.upload)))


def request_of(session, case) -> DocumentRequest:
    """The request of a document case, which every one has."""
    request = detail_for(session, case)
    if request is None:
        raise LookupError(f"document case {case.reference} has no request")
    return request


def record_by_code(session, compact: str) -> VerificationRecord | None:
    return session.scalar(sa.select(VerificationRecord).where(VerificationRecord.code == compact))


def can_add_scans(user, case) -> bool:
    return case.kind == DOCUMENT and case.status == "info_requested" and policy.party_of(user, case) == APPLICANT


def add_scans(session, case, *, by, scans: list, now: datetime | None = None) -> None:
    """The citizen adds scans while the mission waits on them; the history records it.

    Raises:
        Refused: not the time for it, or more files than allowed in all.
    """
    if not can_add_scans(by, case):
        raise Refused(_("You can add scans only while the mission is waiting for more information."))
    detail = request_of(session, case)
    limit = current_app.config["DOCUMENT_MAX_FILES"]
    if len(detail.files) + len(scans) > limit:
        raise Refused(_("A request can have at most %(count)d files in all.", count=limit), field="scans")
    _attach(session, detail, scans)
    record_event(session, case, ADD_FILES, by=by, note=", ".join(scan.name for scan in scans)[:1000], now=now)


def file_and_case(session, upload_id: str) -> tuple[DocumentFile, Case] | None:
    row = session.execute(
        sa.select(DocumentFile, Case).join(DocumentRequest, DocumentFile.request_id == DocumentRequest.id)
        .join(Case, DocumentRequest.case_id == Case.id).where(DocumentFile.upload_id == upload_id)).first()
    return (row[0], row[1]) if row else None


# --- issuing and revoking -----------------------------------------------------------------------

def after_transition(session, case, event, *, by) -> None:
    """Hooked into every move of a document case: issuing creates the verification records and tells
    the applicant where and how to collect the documents (or that they are on their way)."""
    if event.action == ISSUE:
        issue_records(session, case, at=event.at, by=by)
        if case.applicant is not None and case.applicant.is_active:
            queue_email(session, to=case.applicant.email, locale=case.applicant.locale, template="documents_ready",
                        case=case, detail=request_of(session, case))


def collection_for(case: Case, request: DocumentRequest) -> Collection | None:
    """For authenticated documents waiting at the mission, in the reader's language: where (address,
    hours, map), what to bring, the fee paid there and until when they are kept. None otherwise."""
    if case.status != "issued" or request.delivery is not Delivery.PICKUP:
        return None
    days = int(current_app.config["DOCUMENT_COLLECTION_DAYS"])
    keep_until = (entered_status_at(case) + timedelta(days=days)).astimezone(TAIPEI).date()
    bring = [_("An identity document with your photo, and your reference %(reference)s.", reference=case.reference),
             _("A written authorisation and their own identity document, if someone collects them for you.")]
    return Collection(place_of(case.mission, is_chinese()), bring, request.fee_total, request.fee_currency,
                      keep_until)


def issue_records(session, case, *, at: datetime, by) -> list[VerificationRecord]:
    """One verification record per copy, each with its own random code and signature."""
    key = signing.private_key(current_app.config)
    mission = case.mission
    on = mission_date(at, mission)
    records = []
    for item in request_of(session, case).items:
        for copy_number in range(1, item.copies + 1):
            code = new_code()
            records.append(VerificationRecord(
                code=code, item=item, copy_number=copy_number, mission_id=mission.id,
                document_type=item.document_type, authenticated_on=on, issued_at=at, issued_by_id=by.id,
                signature=signing.sign(key, code=code, mission=mission.code, on=on,
                                       document_type=item.document_type.value)))
    session.add_all(records)
    session.flush()
    return records


def revoke(session, case, *, by, codes: list[str], reason: str, now: datetime | None = None) -> list:
    """A supervisor withdraws issued authentications: the records say so from now on, the case
    history and the citizen are told why.

    Raises:
        Refused: not allowed, no reason, or no current authentication chosen.
    """
    if not policy.can_revoke_authentication(by, case):
        raise Refused(_("Only a supervisor can revoke an authentication."))
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Enter the reason for revoking."), field="reason")
    detail, wanted = detail_for(session, case), set(codes)
    chosen = [r for r in (detail.records if detail else []) if r.code in wanted and not r.is_revoked]
    if not chosen:
        raise Refused(_("Choose at least one copy that is still valid."), field="codes")
    now = now or utcnow()
    for record in chosen:
        record.revoked_at, record.revoked_by_id, record.revoke_reason = now, by.id, reason
    record_event(session, case, REVOKE, by=by, note=reason, now=now)
    if case.applicant is not None and case.applicant.is_active:
        queue_email(session, to=case.applicant.email, locale=case.applicant.locale, template="document_revoked",
                    case=case, records=chosen, reason=reason)
    return chosen


# --- the public check ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    result: CheckResult
    record: VerificationRecord | None = None
    #: something another domain issued with a code on this check (a visa), and the template showing it
    other: object | None = None
    other_template: str | None = None


#: other domains' look-ups by compact code, each with the template that shows what it found
_OTHER_CODES: list[tuple] = []


def add_verifiable(lookup, template: str) -> None:
    """A domain that issues codes of the same form (portal.documents.codes) has them checked here too."""
    if (lookup, template) not in _OTHER_CODES:
        _OTHER_CODES.append((lookup, template))


def check_code(session, text: str, *, now: datetime | None = None) -> Check:
    """Look a typed or scanned code up and count the check (no address, no code is kept)."""
    parsed = parse_code(text)
    record, other, template = None, None, None
    if parsed.outcome is Parse.OK:
        record = record_by_code(session, parsed.compact or "")
        for lookup, its_template in _OTHER_CODES if record is None else ():
            other = lookup(session, parsed.compact or "")
            if other is not None:
                template = its_template
                break
        if record is not None:
            result = CheckResult.REVOKED if record.is_revoked else CheckResult.VALID
        else:
            result = CheckResult.VALID if other is not None else CheckResult.NOT_FOUND
    else:
        result = CheckResult.TYPO if parsed.outcome is Parse.TYPO else CheckResult.MALFORMED
    session.add(VerificationCheck(at=now or utcnow(), code_found=record is not None or other is not None,
                                  result=result, record_id=record.id if record else None))
    session.flush()
    return Check(result, record, other, template)


def qr_matches(record: VerificationRecord, payload_text: str) -> bool:
    """Whether a scanned QR address carries a genuine signature over exactly this record's facts."""
    try:
        payload = signing.parse_payload(payload_text)
    except signing.PayloadError:
        return False
    key = signing.private_key(current_app.config).public_key()
    facts = (record.code, record.mission.code, record.authenticated_on, record.document_type.value)
    return (payload.code, payload.mission, payload.on, payload.document_type) == facts \
        and signing.signature_is_valid(key, payload)


def checks_per_record(session, record_ids: list[int]) -> dict[int, int]:
    """How often each record has been checked, in one query."""
    if not record_ids:
        return {}
    rows = session.execute(sa.select(VerificationCheck.record_id, sa.func.count()).where(
        VerificationCheck.record_id.in_(record_ids)).group_by(VerificationCheck.record_id))
    return dict(rows.all())


def mask_name(name: str) -> str:
    """Enough of a name to recognise it, too little to learn it: 王小明 → 王○明, 王明 → 王○,
    Amy Lin → A○ L○."""
    name = " ".join((name or "").split())
    if not name:
        return MASK
    if " " in name or name.isascii():
        return " ".join(word[0] + MASK for word in name.split(" "))
    return name[0] + MASK + (name[-1] if len(name) > 2 else "")


def payload_for(record: VerificationRecord) -> str:
    """The text of a sticker's QR code."""
    return signing.qr_payload(current_app.config["BASE_URL"], code=record.code, mission=record.mission.code,
                              on=record.authenticated_on, document_type=record.document_type.value,
                              signature=record.signature)


def mission_date(moment: datetime, mission: Mission) -> date:
    """The calendar day at the mission when something happened there."""
    return moment.astimezone(ZoneInfo(mission.timezone)).date()


def checks_for_statistics(session, *, after_id: int, limit: int) -> list[tuple[int, datetime, str]]:
    """The public verification checks after `after_id`, oldest first: (id, when, result)."""
    return [tuple(row) for row in session.execute(
        sa.select(VerificationCheck.id, VerificationCheck.at, VerificationCheck.result)
        .where(VerificationCheck.id > after_id)
        .order_by(VerificationCheck.id).limit(limit))]
