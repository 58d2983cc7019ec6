"""The survey form and the citizen's choice about survey emails."""

from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import DataRequired

from portal.core.forms import BaseForm, choices, max_length, strip_text
from portal.core.i18n import _l
from portal.surveys.models import Satisfaction
from portal.surveys.service import MAX_IMPROVEMENT


class SurveyForm(BaseForm):
    overall = RadioField(_l("Overall, how did you feel about the service you received today?"),
                         validate_choice=False, choices=choices((s.value, s.title) for s in Satisfaction),
                         validators=[DataRequired(_l("Choose how you felt about the service."))])
    improvement = TextAreaField(_l("How could we improve this service? (optional)"), filters=[strip_text],
                                description=_l("Do not write your name, ID or passport number, or anything else "
                                               "that says who you are: answers are anonymous."),
                                validators=[max_length(MAX_IMPROVEMENT)])


class SurveyEmailsForm(BaseForm):
    survey_emails = BooleanField(_l("Email me a short survey when a service I asked for is completed"))
