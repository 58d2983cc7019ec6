"""Carrying out a submitted case action form, for every page that offers one."""

from flask import flash

from portal.core.cases.registry import workflow_for
from portal.core.cases.service import CaseError, transition
from portal.core.db import commit_request
from portal.core.i18n import _


def apply_action_form(session, form, case, *, by) -> bool:
    """Apply the action the form names. On success: commit and say the new status. On refusal:
    roll back, put the reason on the form and return False."""
    try:
        transition(session, case, form.action.data, by=by, note=form.note.data, expected_version=form.version.data)
    except CaseError as error:
        session.rollback()
        form.form_errors.append(str(error))
        return False
    commit_request()
    flash(_("Done. The case is now: %(status)s.", status=workflow_for(case.kind).status(case.status).title),
          "success")
    return True
