"""The emergency assistance form."""

from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional, Regexp

from portal.assistance.service import MAX_DETAILS
from portal.core.forms import IdempotentForm, max_length, strip_text
from portal.core.i18n import _l


class AssistanceForm(IdempotentForm):
    situation = HiddenField()
    country_code = SelectField(_l("Which country are you in?"), validate_choice=False,
                               validators=[DataRequired(_l("Choose the country you are in."))])
    location = StringField(_l("Where are you?"), filters=[strip_text],
                           description=_l("City, address or place, as exactly as you can."),
                           validators=[DataRequired(_l("Tell us where you are.")), max_length(300)])
    name = StringField(_l("Your name"), filters=[strip_text], validators=[
        DataRequired(_l("Enter your name.")), max_length(120)])
    phone = StringField(_l("Phone number we can call"), filters=[strip_text],
                        description=_l("With the country code, for example +81 90 1234 5678."),
                        validators=[DataRequired(_l("Enter a phone number we can call you on.")),
                                    Regexp(r"^\+?[0-9 ()-]{6,30}$",
                                           message=_l("Enter a phone number using digits, spaces and + only."))])
    email = EmailField(_l("Email address (optional)"), filters=[strip_text], validators=[
        Optional(), Email(_l("Enter an email address in the right format, like name@example.com."),
                          check_deliverability=False), max_length(254)])
    details = TextAreaField(_l("What has happened?"), filters=[strip_text], validators=[
        DataRequired(_l("Tell us briefly what has happened.")),
        max_length(MAX_DETAILS)])
