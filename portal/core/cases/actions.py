"""Carrying out a submitted case action form, for every page that offers one."""

from flask import abort, flash, make_response, redirect, render_template, request

from portal.core import policy
from portal.core.cases.registry import summary_of, workflow_for
from portal.core.cases.service import allowed_actions, history, transition
from portal.core.i18n import _
from portal.core.refusal import Refused
from portal.core.web import private_response, refuse, safe_referrer


def _ask_to_confirm(form, case, *, by) -> None:
    """An irreversible move (reject, close, withdraw) the person may take, not yet confirmed: answer
    with a page of its own that says what cannot be undone and sends the same form again, confirmed.
    Works without JavaScript; nothing is saved until the second press."""
    move = workflow_for(case.kind).transition(case.status, form.action.data or "")
    if move is None or not move.irreversible or form.confirmed.data == "yes" or not policy.can_take(by, move, case):
        return
    if move.note_required and not (form.note.data or "").strip():
        return  # the move itself says a note is needed
    page = render_template("cases/confirm_action.html", case=case, move=move, form=form, post_to=request.path,
                           back=safe_referrer(request.path), summary=summary_of(case))
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    abort(response)


def apply_action_form(session, form, case, *, by) -> bool:
    """Apply the action the form names and say the new status (the request boundary commits it).
    On refusal: put the reason on the form, roll back and return False. An irreversible move is
    first confirmed on a page of its own."""
    _ask_to_confirm(form, case, by=by)
    try:
        transition(session, case, form.action.data, by=by, note=form.note.data, expected_version=form.version.data)
    except Refused as error:
        refuse(error, form)
        return False
    status = workflow_for(case.kind).status(case.status)
    flash(_("Done. The case is now: %(status)s.", status=status.staff_title if by.is_staff else status.title),
          "success")
    return True


def followed_case_page(session, form, case, detail, *, template: str, **context):
    """A case opened from an emailed follow link (no account): what its holder may do there, carried
    out as for anyone (PRG on success), and the page never cached or passed on."""
    holder = policy.LinkHolder(case.id)
    if form.validate_on_submit() and apply_action_form(session, form, case, by=holder):
        return private_response(redirect(request.path, code=303))
    page = render_template(template, case=case, detail=detail, form=form, actions=allowed_actions(case, holder),
                           workflow=workflow_for(case.kind), events=history(case, for_staff=False), **context)
    return private_response(page, 409 if form.form_errors else 200)
