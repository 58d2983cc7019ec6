"""Writing to the director-general's mailbox, confirming and following a message, and the staff steps
that need more than a note (assigning, drafting, sending). Approving, sending back and closing use the
generic staff case page."""

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.core import policy
from portal.core.cases.actions import followed_case_page
from portal.core.cases.forms import CaseActionForm
from portal.core.cases.service import allowed_actions, case_by_reference
from portal.core.forms import choices
from portal.core.i18n import _, get_locale, is_chinese
from portal.core.refusal import Refused
from portal.core.uploads import serve
from portal.core.web import body_limit, private_response, refuse
from portal.extensions import db, limiter
from portal.feedback import service
from portal.feedback.forms import AssignForm, DraftForm, MailboxForm, TemplatePickForm, VersionForm, category_choices
from portal.feedback.replies import BY_KEY, REPLY_TEMPLATES
from portal.feedback.workflow import MAILBOX
from portal.stats import usage

bp = Blueprint("feedback", __name__)

PER_ADDRESS = "10 per hour"
PER_EMAIL = "5 per day"
#: three 5 MB attachments and the rest of the form
BODY_MEGABYTES = 16


def _writer():
    """The signed-in citizen writing, or None: people without an account (and staff) confirm by email."""
    return policy.citizen_or_none(current_user)


def _email_key() -> str:
    writer = _writer()
    return "mailbox-email:" + (writer.email if writer else request.form.get("email", "")).strip().lower()


def _accepted(response) -> bool:
    """Only messages we kept count towards the limits: a form sent back with errors costs nothing."""
    return bool(g.get("mailbox_accepted"))


def _mailbox_form() -> MailboxForm:
    form = MailboxForm()
    form.category.choices = category_choices(_("Choose a category"))
    writer = _writer()
    if writer is not None:
        form.email.data = writer.email
        if not form.name.data:
            form.name.data = writer.name
    return form


def _too_many(limit):
    """Over a limit: the form again, with the person's text kept and a plain reason."""
    form = _mailbox_form()
    form.form_errors.append(_("You have sent several messages in a short time, so we cannot take another one "
                              "just now. Your text is kept below: send it again later (attach any files again), "
                              "or call the complaint hotline."))
    return make_response(render_template("feedback/write.html", form=form, writer=_writer()), 429)


@bp.route("/mailbox", methods=["GET", "POST"])
@policy.public
@limiter.limit(PER_ADDRESS, methods=["POST"], deduct_when=_accepted, on_breach=_too_many)
@limiter.limit(PER_EMAIL, methods=["POST"], key_func=_email_key, deduct_when=_accepted, on_breach=_too_many)
@body_limit(BODY_MEGABYTES)
def write():
    form = _mailbox_form()
    writer = _writer()
    if form.validate_on_submit():
        if form.homepage.data:
            # Filled in by an automated sender: the same answer a person gets, and nothing kept.
            g.mailbox_accepted = True
            return render_template("feedback/check_email.html")
        try:
            sent = service.submit_message(
                db.session, applicant=writer, category=form.category.data, subject=form.subject.data,
                message=form.message.data, name=form.name.data, email=form.email.data, phone=form.phone.data,
                related_reference=form.related_reference.data, files=form.attachments.data,
                locale=str(get_locale()), submission_token=form.submission_token.data)
        except Refused as error:
            refuse(error, form)
        else:
            g.mailbox_accepted = sent.created
            if sent.created:
                usage.count(usage.COMPLETE, "mailbox")
            if sent.needs_confirmation:
                return render_template("feedback/check_email.html")
            if not sent.created:
                flash(_("You had already sent this message; here it is."), "info")
            return redirect(url_for("accounts.case_detail", reference=sent.case.reference,
                                    sent=1 if sent.created else None), code=303)
    return render_template("feedback/write.html", form=form, writer=writer)


@bp.route("/mailbox/confirm/<token>")
@policy.public
def confirm(token):
    case = service.confirm_message(db.session, token)
    if case is None:
        return private_response(render_template("feedback/link_invalid.html"), 400)
    flash(_("Thank you: your email address is confirmed and your message has reached us."), "success")
    return private_response(redirect(service.tracking_link(case, service.detail_for(db.session, case)), code=303))


@bp.route("/mailbox/track/<token>", methods=["GET", "POST"])
@policy.public
@limiter.limit("30 per hour", methods=["POST"])
def track(token):
    """A writer without an account follows their message from the emailed link, and answers back."""
    found = service.case_for_link(db.session, token)
    if found is None:
        return private_response(render_template("feedback/link_invalid.html"), 404)
    case, detail = found
    return followed_case_page(db.session, CaseActionForm(), case, detail, template="feedback/track.html",
                              token=token, detail_template="feedback/_detail.html")


# --- staff steps with their own forms -----------------------------------------------------------

def _staff_case(reference: str):
    case = case_by_reference(db.session, reference, kind=MAILBOX)
    if case is None or not policy.staff_can_see_case(current_user, case):
        abort(404)
    return case, service.detail_for(db.session, case)


def _not_available(case):
    flash(_("That action is not available for this case now."), "error")
    return redirect(url_for("staff.case_page", reference=case.reference), code=303)


def _can(case, action: str) -> bool:
    return any(t.action == action for t in allowed_actions(case, current_user))


@bp.route("/staff/mailbox/<reference>/assign", methods=["GET", "POST"])
@policy.staff_only()
def assign(reference):
    case, detail = _staff_case(reference)
    if not _can(case, "assign"):
        return _not_available(case)
    form = AssignForm()
    chinese = is_chinese()
    units, missions = service.assignment_targets(db.session)
    form.target.choices = choices([("", _("Choose where to send it"))]
                                  + [(f"unit:{u.value}", u.title) for u in units]
                                  + [(f"mission:{m.id}", m.name(chinese)) for m in missions])
    if request.method == "GET":
        form.version.data = case.version
    if form.validate_on_submit():
        try:
            service.assign(db.session, case, by=current_user, target=form.target.data, note=form.note.data,
                           expected_version=form.version.data, chinese=chinese)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("The message is assigned."), "success")
            if policy.staff_can_see_case(current_user, case):
                return redirect(url_for("staff.case_page", reference=case.reference), code=303)
            return redirect(url_for("staff.queue"), code=303)
    return render_template("feedback/assign.html", case=case, detail=detail, form=form)


@bp.route("/staff/mailbox/<reference>/reply", methods=["GET", "POST"])
@policy.staff_only()
def draft(reference):
    case, detail = _staff_case(reference)
    if not _can(case, "draft"):
        return _not_available(case)
    chinese = is_chinese()
    picker = TemplatePickForm(request.args)
    picker.template.choices = choices([("", _("No template"))] + [(t.key, t.title(chinese)) for t in REPLY_TEMPLATES])
    form = DraftForm()
    if request.method == "GET":
        form.version.data = case.version
        chosen = BY_KEY.get(request.args.get("template", ""))
        if chosen is not None:
            form.reply.data = chosen.fill(chinese=detail.writer_locale.startswith("zh"), name=detail.writer_name,
                                          reference=case.reference)
        elif detail.draft_reply:
            form.reply.data = detail.draft_reply
    if form.validate_on_submit():
        try:
            service.save_draft(db.session, case, by=current_user, text=form.reply.data,
                               expected_version=form.version.data)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("The draft reply is saved. A supervisor approves it before it is sent."), "success")
            return redirect(url_for("staff.case_page", reference=case.reference), code=303)
    return render_template("feedback/draft.html", case=case, detail=detail, form=form, picker=picker)


@bp.route("/staff/mailbox/<reference>/send", methods=["POST"])
@policy.staff_only()
def send(reference):
    case, _detail = _staff_case(reference)
    form = VersionForm()
    if not form.validate_on_submit() or not _can(case, "send_reply"):
        return _not_available(case)
    try:
        service.send_reply(db.session, case, by=current_user, expected_version=form.version.data)
    except Refused as error:
        refuse(error)
    else:
        flash(_("The reply has been sent to the writer."), "success")
    return redirect(url_for("staff.case_page", reference=case.reference), code=303)


@bp.route("/staff/mailbox/<reference>/files/<upload_id>")
@policy.staff_only()
def attachment(reference, upload_id):
    case, detail = _staff_case(reference)
    found = service.attachment_for(detail, upload_id) if detail else None
    if found is None:
        abort(404)
    return serve(found.upload, download_name=found.upload.original_name or None)

