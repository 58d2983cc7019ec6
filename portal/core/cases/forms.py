"""The one form that acts on a case, for staff and citizens alike."""

from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.core.forms import BaseForm, max_length, strip_text
from portal.core.i18n import _l

MAX_NOTE = 3000


class CaseActionForm(BaseForm):
    action = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    #: "yes" once the person has confirmed an irreversible move on its own page
    confirmed = HiddenField()
    note = TextAreaField(_l("Note"), filters=[strip_text], validators=[
        Length(max=MAX_NOTE, message=_l("The note must be 3,000 characters or fewer."))])


class InternalNoteForm(BaseForm):
    note = TextAreaField(_l("Internal note"), filters=[strip_text],
                         description=_l("For staff only: the citizen never sees it."),
                         validators=[DataRequired(_l("Write the note.")), max_length(MAX_NOTE)])


class CaseVersionForm(BaseForm):
    version = IntegerField(validators=[DataRequired()])
