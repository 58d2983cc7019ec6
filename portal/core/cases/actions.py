"""Carrying out a submitted case action form, for every page that offers one."""

from flask import flash

from portal.core.cases.registry import workflow_for
from portal.core.cases.service import transition
from portal.core.i18n import _
from portal.core.refusal import Refused
from portal.core.web import refuse


def apply_action_form(session, form, case, *, by) -> bool:
    """Apply the action the form names and say the new status (the request boundary commits it).
    On refusal: put the reason on the form, roll back and return False."""
    try:
        transition(session, case, form.action.data, by=by, note=form.note.data, expected_version=form.version.data)
    except Refused as error:
        refuse(error, form)
        return False
    status = workflow_for(case.kind).status(case.status)
    flash(_("Done. The case is now: %(status)s.", status=status.staff_title if by.is_staff else status.title),
          "success")
    return True
