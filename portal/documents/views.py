"""Document authentication pages: information, the request journey, scans, stickers, revocation,
and the public check of verification codes."""

from urllib.parse import urlsplit

import segno
from babel import Locale
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_currency
from flask_login import current_user

from portal.core import policy
from portal.core.cases.service import case_by_reference
from portal.core.forms import choices
from portal.core.i18n import _, force_locale, get_locale, is_chinese, ngettext, roc_date
from portal.core.refusal import Refused
from portal.core.roles import Role
from portal.core.uploads import serve
from portal.core.web import body_limit, public_cacheable, refuse
from portal.core.text import is_digits
from portal.documents import service, signing
from portal.documents.codes import parse_code
from portal.documents.forms import DocumentRequestForm, RevokeForm, ScansForm, VerifyForm
from portal.documents.models import CheckResult, DocumentType
from portal.documents.workflow import DOCUMENT, DOCUMENT_WORKFLOW, EXPRESS_WORKING_DAYS
from portal.extensions import db, limiter
from portal.missions.service import list_countries, mission_choices
from portal.stats import usage

bp = Blueprint("documents", __name__)


def _limits() -> dict:
    config = current_app.config
    return {"max_files": config["DOCUMENT_MAX_FILES"], "max_file_mb": config["DOCUMENT_MAX_FILE_MB"],
            "standard_days": DOCUMENT_WORKFLOW.sla_working_days, "express_days": EXPRESS_WORKING_DAYS,
            "unit_fee": service.fee_for(copies=1, express=False),
            "express_fee": service.fee_for(copies=1, express=True)}


@bp.route("/documents")
@policy.public
def info():
    """What can be authenticated, the fees and how long it takes."""
    return public_cacheable(make_response(render_template(
        "documents/info.html", document_types=[t.title for t in DocumentType], **_limits())))


# --- the request journey ------------------------------------------------------------------------

def _prepare(form: DocumentRequestForm) -> None:
    chinese = is_chinese()
    countries = choices([("", _("Choose a country"))] + [
        (c.code, c.name(chinese)) for c in list_countries(db.session, chinese=chinese)])
    languages = choices([("", _("Choose a language"))] + [
        (code, language_name(code)) for code in service.LANGUAGES])
    for entry in form.documents:
        entry.form.issuing_country_code.choices = countries
        entry.form.language.choices = languages
    form.mission_id.choices = mission_choices(db.session, chinese=chinese, blank=_("Choose a mission"))
    form.express.description = ngettext(
        "Ready %(num)d working day after we receive the originals, for %(fee)s more per copy.",
        "Ready %(num)d working days after we receive the originals, for %(fee)s more per copy.",
        EXPRESS_WORKING_DAYS, fee=format_fee(current_app.config["DOCUMENT_EXPRESS_FEE"]))


def _render_form(form, status=200):
    return render_template("documents/apply.html", form=form, max_documents=service.MAX_DOCUMENTS, **_limits()), status


def _render_check(form, status=200):
    limits = _limits()
    data = form.service_data()
    fee = service.fee_for(copies=sum(int(d["copies"]) for d in data["documents"]), express=bool(data["express"]))
    form.scans.description = _("PDF, JPEG or PNG, up to %(size)d MB each and %(count)d files in all. A clear phone "
                               "photo of every page will do.", size=limits["max_file_mb"], count=limits["max_files"])
    return render_template("documents/check.html", form=form, fee=fee, choice_label=choice_label,
                           issued_dates=[d["issued_on"] for d in data["documents"]], **limits), status


def choice_label(field) -> str:
    """The label of a select's chosen option, for "check your answers"."""
    return next((str(c.label) for c in field.choices if c.value == field.data), "")


def _edit_entries(form) -> bool:
    """"Add another document" and "Remove" buttons change the form without checking it. True when one was pressed."""
    if "add_document" in request.form:
        if len(form.documents) < service.MAX_DOCUMENTS:
            form.documents.append_entry()
            _prepare(form)
        return True
    remove = request.form.get("remove_document", "")
    if is_digits(remove):
        kept = [entry for entry in form.documents.entries if entry.name != f"documents-{remove}"]
        if kept:
            form.documents.entries = kept
        return True
    return "change" in request.form


@bp.route("/documents/apply", methods=["GET", "POST"])
@policy.citizen_only
def apply():
    """Step 1: the documents and the request; then "check your answers"."""
    form = DocumentRequestForm()
    _prepare(form)
    if request.method == "POST" and not _edit_entries(form):
        if form.validate():
            return _render_check(form)
    return _render_form(form)


def _scans_megabytes(config) -> int:
    """Ten scans of up to 10 MB: the largest body the scan pages take, above the app's usual limit."""
    return config["DOCUMENT_MAX_FILES"] * config["DOCUMENT_MAX_FILE_MB"] + 1


@bp.route("/documents/apply/send", methods=["POST"])
@policy.citizen_only
@body_limit(_scans_megabytes)
def send():
    """Step 2: the checked answers with the scans; one case however often it is sent."""
    form = DocumentRequestForm()
    _prepare(form)
    if not form.validate():
        return _render_form(form, 400)
    try:
        scans = service.check_scans(request.files.getlist(form.scans.name))
        case, created = service.submit_request(db.session, applicant=current_user, data=form.service_data(),
                                               scans=scans, submission_token=form.submission_token.data)
    except Refused as error:
        refuse(error, form)
        return _render_check(form, 400)
    if created:
        usage.count(usage.COMPLETE, "document")
    else:
        flash(_("You had already sent this request; here it is."), "info")
    return redirect(url_for("accounts.case_detail", reference=case.reference, sent=1 if created else None), code=303)


# --- after submission: scans, files, stickers, revocation ---------------------------------------

def _document_case(reference: str, allowed):
    """The document case, if the rule allows the current user to see it; 404 otherwise."""
    case = case_by_reference(db.session, reference, kind=DOCUMENT)
    if case is None or not allowed(current_user, case):
        abort(404)
    return case


@bp.route("/documents/requests/<reference>/scans", methods=["GET", "POST"])
@policy.citizen_only
@body_limit(_scans_megabytes)
def add_scans(reference):
    """While the mission waits for more information, the citizen can add scans."""
    case = _document_case(reference, policy.can_view_case)
    if not service.can_add_scans(current_user, case):
        flash(_("You can add scans only while the mission is waiting for more information."), "error")
        return redirect(url_for("accounts.case_detail", reference=case.reference), code=303)
    form = ScansForm()
    form.scans.description = _("PDF, JPEG or PNG, up to %(size)d MB each; a request holds at most %(count)d files.",
                               size=current_app.config["DOCUMENT_MAX_FILE_MB"],
                               count=current_app.config["DOCUMENT_MAX_FILES"])
    if form.validate_on_submit():
        try:
            service.add_scans(db.session, case, by=current_user,
                              scans=service.check_scans(request.files.getlist(form.scans.name)))
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Your scans have been added. Send your reply when you are ready."), "success")
            return redirect(url_for("accounts.case_detail", reference=case.reference), code=303)
    page = render_template("cases/add_scans.html", case=case, form=form, back=_("Back to your request"),
                           intro=_("Add what the mission asked for. Then send your reply on the request page."))
    return page, 400 if form.errors else 200


@bp.route("/documents/files/<upload_id>")
@policy.signed_in
def download(upload_id):
    """A scan, for its applicant and for staff who can see the case."""
    found = service.file_and_case(db.session, upload_id)
    if found is None or not policy.can_view_case(current_user, found[1]):
        abort(404)
    return serve(found[0].upload, download_name=found[0].upload.original_name or None)


def _sticker(record) -> dict:
    """What one printed sticker shows, in both languages (the document travels further than the page's reader)."""
    payload = service.payload_for(record)
    names = {}
    for language in ("zh_Hant_TW", "en"):
        with force_locale(language):
            names[language] = str(record.document_type.title)
    return {"record": record, "payload": payload, "type_zh": names["zh_Hant_TW"],
            "type_en": names["en"], "date_roc": roc_date(record.authenticated_on),
            "qr": segno.make(payload, error="m").svg_data_uri(scale=4, border=4)}


def _render_stickers(case, records):
    return render_template("documents/stickers.html", case=case, stickers=[_sticker(r) for r in records])


@bp.route("/staff/documents/stickers/<code>")
@policy.staff_only()
def sticker(code):
    """The printable sticker of one copy."""
    record = service.record_by_code(db.session, parse_code(code).compact or "")
    if record is None or not policy.staff_can_see_case(current_user, record.item.request.case):
        abort(404)
    return _render_stickers(record.item.request.case, [record])


@bp.route("/staff/documents/<reference>/stickers")
@policy.staff_only()
def all_stickers(reference):
    """Every current sticker of a request, one per printed page."""
    case = _document_case(reference, policy.staff_can_see_case)
    detail = service.detail_for(db.session, case)
    records = [r for r in detail.records if not r.is_revoked]
    if not records:
        abort(404)
    return _render_stickers(case, records)


@bp.route("/staff/documents/<reference>/revoke", methods=["GET", "POST"])
@policy.staff_only(Role.SUPERVISOR)
def revoke(reference):
    """A supervisor withdraws issued authentications, with a reason."""
    case = _document_case(reference, policy.can_revoke_authentication)
    detail = service.detail_for(db.session, case)
    valid = [r for r in (detail.records if detail else []) if not r.is_revoked]
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            revoked = service.revoke(db.session, case, by=current_user, codes=form.codes.data, reason=form.reason.data)
        except Refused as error:
            refuse(error, form)
        else:
            flash(ngettext("%(num)d copy revoked. The public check now shows it as revoked.",
                           "%(num)d copies revoked. The public check now shows them as revoked.", len(revoked)),
                  "success")
            return redirect(url_for("staff.case_page", reference=case.reference), code=303)
    return render_template("documents/revoke.html", case=case, form=form, records=valid), 400 if form.errors else 200


# --- the public check ---------------------------------------------------------------------------

def _verify_limit() -> str:
    return current_app.config["DOCUMENT_VERIFY_RATE_LIMIT"]


CHECK_MESSAGES = {
    CheckResult.TYPO: lambda: _("This code has a typing mistake: one of its characters is wrong. Check it against "
                                "the sticker and try again."),
    CheckResult.MALFORMED: lambda: _("A verification code has 17 letters and digits, for example "
                                     "7K2Q-MX4D-9PRT-C3VA-G. Check you have typed all of it."),
}


def _render_verify(form, check=None, qr_text=None):
    record = check.record if check else None
    return render_template(
        "documents/verify.html", form=form, check=check, record=record,
        official_site=urlsplit(current_app.config["BASE_URL"]).netloc,
        holder=service.mask_name(record.item.holder_name) if record else None,
        qr_genuine=service.qr_matches(record, qr_text) if record and qr_text else None)


def _answer(text: str, *, qr_text: str | None = None):
    form = VerifyForm(data={"code": text})
    check: service.Check | None = service.check_code(db.session, text)
    if check is not None and check.result in CHECK_MESSAGES:
        form.code.errors = [CHECK_MESSAGES[check.result]()]
        check = None
    response = make_response(_render_verify(form, check, qr_text))
    # The answer must never come from a cache: a revocation shows at once, and every check is counted.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/verify")
@policy.public
@limiter.shared_limit(_verify_limit, scope="document-verify", exempt_when=lambda: "code" not in request.args)
def verify():
    """Anyone checks a verification code typed from a sticker."""
    if "code" not in request.args:
        return public_cacheable(make_response(_render_verify(VerifyForm())))
    form = VerifyForm(request.args)
    if not form.code.data:
        form.code.errors = [_("Enter the verification code.")]
        return _render_verify(form)
    return _answer(form.code.data)


@bp.route("/verify/<code>")
@policy.public
@limiter.shared_limit(_verify_limit, scope="document-verify")
def verify_code(code):
    """Where a sticker's QR code leads: the same check, plus its signature when the link carries one."""
    return _answer(code, qr_text=request.full_path if "s" in request.args else None)


@bp.route("/verify/public-key")
@policy.public
def public_key():
    """The key that checks sticker signatures offline (PEM)."""
    pem = signing.public_key_pem(signing.private_key(current_app.config))
    response = Response(pem, mimetype="text/plain")
    response.headers.set("Content-Disposition", "inline", filename="document-signing-public-key.pem")
    return public_cacheable(response, max_age=86400)


@bp.app_template_filter("fee")
def format_fee(amount: int, currency: str | None = None) -> str:
    """NT$1,200 (新臺幣1,200元 in Chinese); other currencies as CLDR writes them."""
    currency = currency or current_app.config["DOCUMENT_FEE_CURRENCY"]
    if currency == "TWD":
        return _("NT$%(amount)s", amount=format(amount, ","))
    return format_currency(amount, currency)


@bp.app_template_global()
def language_name(code: str) -> str:
    """A document language in the reader's language (CLDR), or "Another language"."""
    if code == "other":
        return _("Another language")
    return Locale.parse(str(get_locale())).languages.get(code, code)


bp.add_app_template_global(service.can_add_scans, "can_add_document_scans")
bp.add_app_template_global(policy.can_revoke_authentication, "can_revoke_authentication")
bp.add_app_template_global(service.collection_for, "documents_collection")
