"""The dashboard's filters (GET)."""

from wtforms import SelectField

from portal.core.forms import BaseForm
from portal.core.i18n import _l


class DashboardFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    year = SelectField(_l("Year"), validate_choice=False)
    quarter = SelectField(_l("Quarter"), validate_choice=False)
    month = SelectField(_l("Month"), validate_choice=False,
                        description=_l("A month narrows the quarter; leave both blank for the whole year."))
    region = SelectField(_l("Region"), validate_choice=False)
    mission_id = SelectField(_l("Mission"), validate_choice=False)
    kind = SelectField(_l("Service"), validate_choice=False)
