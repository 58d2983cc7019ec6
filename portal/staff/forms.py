"""The queue's filter form (GET)."""

from wtforms import BooleanField, SearchField, SelectField

from portal.core.forms import BaseForm, choices, strip_text
from portal.core.i18n import _l


class QueueFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = SearchField(_l("Search"), filters=[strip_text],
                    description=_l("A reference, the applicant's name or email address, or a national ID."))
    kind = SelectField(_l("Kind"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    mission_id = SelectField(_l("Mission"), validate_choice=False)
    assigned = SelectField(_l("Held by"), validate_choice=False,
                           choices=choices([("", _l("Anyone")), ("me", _l("Me")), ("nobody", _l("Nobody"))]))
    overdue = BooleanField(_l("Only overdue cases"))
