"""Carrying out a submitted case action form, for every page that offers one."""

from flask import abort, flash, make_response, render_template, request

from portal.core import policy
from portal.core.cases.registry import summary_of, workflow_for
from portal.core.cases.service import transition
from portal.core.i18n import _
from portal.core.refusal import Refused
from portal.core.web import refuse, safe_referrer


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
