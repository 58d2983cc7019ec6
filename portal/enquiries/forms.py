"""The enquiry form."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.core.forms import IdempotentForm, choices, strip_text
from portal.core.i18n import _l
from portal.enquiries.models import EnquiryTopic
from portal.enquiries.service import MAX_MESSAGE


class EnquiryForm(IdempotentForm):
    # Choices are checked by the service, which answers in the reader's language.
    country_code = SelectField(_l("Which country are you in?"), validate_choice=False,
                               description=_l("Your enquiry goes to the mission that serves this country."),
                               validators=[DataRequired(_l("Choose the country you are in."))])
    topic = SelectField(_l("What is it about?"), validate_choice=False,
                        choices=choices([("", _l("Choose a topic")), *((t.value, t.title) for t in EnquiryTopic)]),
                        validators=[DataRequired(_l("Choose what your enquiry is about."))])
    subject = StringField(_l("Subject"), filters=[strip_text], validators=[
        DataRequired(_l("Enter a subject.")),
        Length(max=150, message=_l("The subject must be 150 characters or fewer."))])
    message = TextAreaField(_l("Your question"), filters=[strip_text],
                            description=_l("Do not include passport or ID numbers."),
                            validators=[DataRequired(_l("Enter your question.")),
                                        Length(max=MAX_MESSAGE,
                                               message=_l("Your question must be 3,000 characters or fewer."))])
    phone = StringField(_l("Phone number (optional)"), filters=[strip_text],
                        description=_l("With the country code, for example +81 90 1234 5678."),
                        validators=[Optional(), Regexp(
                            r"^\+?[0-9 ()-]{6,30}$",
                            message=_l("Enter a phone number using digits, spaces and + only."))])
