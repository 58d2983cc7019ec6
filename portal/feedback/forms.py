"""Mailbox and hotline forms. Choices are checked again by the services, which answer in the reader's language."""

from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from portal.core.forms import BaseForm, IdempotentForm, choices, strip_text
from portal.core.i18n import _l
from portal.feedback.hotline import MAX_DURATION_MINUTES, MAX_SUMMARY
from portal.feedback.models import CallLanguage, Category, Outcome
from portal.feedback.service import MAX_MESSAGE, MAX_SUBJECT


class _OwnInvalidMessage:
    """A field whose 'cannot be read' message is ours, in the reader's language, not the library's."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(self.invalid_message)) from error


class OwnDateField(_OwnInvalidMessage, DateField):
    pass


class OwnTimeField(_OwnInvalidMessage, TimeField):
    pass


class OwnIntegerField(_OwnInvalidMessage, IntegerField):
    pass


PHONE = Regexp(r"^\+?[0-9 ()-]{6,30}$", message=_l("Enter a phone number using digits, spaces and + only."))


def category_choices(first_label):
    return choices([("", first_label)] + [(c.value, c.title) for c in Category])


class MailboxForm(IdempotentForm):
    category = SelectField(_l("What is your message about?"), validate_choice=False,
                           validators=[DataRequired(_l("Choose what your message is about."))])
    subject = StringField(_l("Subject"), filters=[strip_text], validators=[
        DataRequired(_l("Enter a subject.")),
        Length(max=MAX_SUBJECT, message=_l("The subject must be 150 characters or fewer."))])
    message = TextAreaField(_l("Your message"), filters=[strip_text],
                            description=_l("Up to 5,000 characters. Do not include passport or ID numbers."),
                            validators=[DataRequired(_l("Enter your message.")),
                                        Length(max=MAX_MESSAGE,
                                               message=_l("Your message must be 5,000 characters or fewer."))])
    related_reference = StringField(_l("Reference of a related case (optional)"), filters=[strip_text],
                                    description=_l("If your message is about a request you have sent us, "
                                                   "for example ENQ-7K2Q-MX4D-J."),
                                    validators=[Length(max=30, message=_l("Enter the reference as it appears in "
                                                                          "our emails, or leave it empty."))])
    attachments = MultipleFileField(_l("Attachments (optional)"),
                                    description=_l("Up to 3 files: PDF, JPEG or PNG, each smaller than 5 MB."))
    name = StringField(_l("Your name"), filters=[strip_text], validators=[
        DataRequired(_l("Enter your name.")),
        Length(max=120, message=_l("Your name must be 120 characters or fewer."))])
    email = EmailField(_l("Email address"), filters=[strip_text],
                       description=_l("We send the reply here. Without an account, you will first get a link "
                                      "to confirm the address."),
                       validators=[DataRequired(_l("Enter your email address.")),
                                   Email(_l("Enter an email address in the right format, like name@example.com."),
                                         check_deliverability=False),
                                   Length(max=254, message=_l("The email address must be 254 characters or fewer."))])
    phone = StringField(_l("Phone number (optional)"), filters=[strip_text],
                        description=_l("With the country code, for example +886 912 345 678."),
                        validators=[Optional(), PHONE])
    #: a honeypot: hidden from people, left empty by them; automated senders fill it in
    homepage = StringField(_l("Leave this field empty"), filters=[strip_text])


def _version_field():
    """The case version the page showed, so a change made meanwhile by someone else is noticed."""
    expired = _l("This form has expired. Submit it again.")
    return OwnIntegerField(widget=HiddenInput(), invalid_message=expired, validators=[InputRequired(expired)])


class AssignForm(BaseForm):
    version = _version_field()
    target = SelectField(_l("Assign to"), validate_choice=False,
                         description=_l("A headquarters unit, or the mission that should answer."),
                         validators=[DataRequired(_l("Choose a headquarters unit or a mission from the list."))])
    note = TextAreaField(_l("Note for the unit or mission (optional)"), filters=[strip_text],
                         description=_l("Only staff see this note."),
                         validators=[Length(max=3000, message=_l("The note must be 3,000 characters or fewer."))])


class DraftForm(BaseForm):
    version = _version_field()
    reply = TextAreaField(_l("Reply to the writer"), filters=[strip_text],
                          description=_l("A supervisor approves it before it is sent. Write in the writer's "
                                         "language."),
                          validators=[DataRequired(_l("Write the reply.")),
                                      Length(max=MAX_MESSAGE,
                                             message=_l("The reply must be 5,000 characters or fewer."))])


class TemplatePickForm(BaseForm):
    class Meta:
        csrf = False  # a GET form that only fills in the draft

    template = SelectField(_l("Start from a template"), validate_choice=False)


class VersionForm(BaseForm):
    version = _version_field()


class CallFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    date_from = OwnDateField(_l("From"), validators=[Optional()],
                             invalid_message=_l("Enter a date like 2026-11-27."))
    date_to = OwnDateField(_l("To"), validators=[Optional()], invalid_message=_l("Enter a date like 2026-11-27."))
    category = SelectField(_l("Category"), validate_choice=False)
    outcome = SelectField(_l("Outcome"), validate_choice=False)
    q = StringField(_l("Text"), filters=[strip_text], description=_l("Words from the summary, a name or a phone."))
    mission_id = SelectField(_l("Mission"), validate_choice=False)


class CallForm(IdempotentForm):
    called_on = OwnDateField(_l("Date of the call"), description=_l("Taipei time."),
                             invalid_message=_l("Enter the date of the call like 2026-11-27."),
                             validators=[InputRequired(_l("Enter the date of the call."))])
    called_time = OwnTimeField(_l("Time of the call"), description=_l("Taipei time, 24-hour clock, like 14:30."),
                               invalid_message=_l("Enter the time of the call like 14:30."),
                               validators=[InputRequired(_l("Enter the time of the call."))])
    duration_minutes = OwnIntegerField(_l("Length in minutes"),
                                       invalid_message=_l("Enter how long the call took, from 0 to 600 minutes."),
                                       validators=[
        InputRequired(_l("Enter how long the call took, from 0 to 600 minutes.")),
        NumberRange(min=0, max=MAX_DURATION_MINUTES,
                    message=_l("Enter how long the call took, from 0 to 600 minutes."))])
    language = SelectField(_l("Language of the call"), validate_choice=False,
                           choices=choices([(x.value, x.title) for x in CallLanguage]),
                           validators=[DataRequired(_l("Choose the language of the call."))])
    caller_name = StringField(_l("Caller's name (optional)"), filters=[strip_text], validators=[
        Length(max=120, message=_l("The name must be 120 characters or fewer."))])
    caller_phone = StringField(_l("Caller's phone (optional)"), filters=[strip_text], validators=[Optional(), PHONE])
    caller_email = EmailField(_l("Caller's email (optional)"), filters=[strip_text],
                              description=_l("If the call becomes a mailbox case, the reply is sent here."),
                              validators=[Optional(), Email(_l("Enter an email address in the right format, "
                                                               "like name@example.com."), check_deliverability=False),
                                          Length(max=254, message=_l("The email address must be 254 characters "
                                                                     "or fewer."))])
    category = SelectField(_l("What was the call about?"), validate_choice=False,
                           validators=[DataRequired(_l("Choose what the call was about."))])
    summary = TextAreaField(_l("Summary"), filters=[strip_text], validators=[
        DataRequired(_l("Write a summary of the call.")),
        Length(max=MAX_SUMMARY, message=_l("The summary must be 3,000 characters or fewer."))])
    outcome = SelectField(_l("Outcome"), validate_choice=False,
                          choices=choices([("", _l("Choose an outcome"))] + [(o.value, o.title) for o in Outcome]),
                          validators=[DataRequired(_l("Choose the outcome of the call."))])
    referred_to = SelectField(_l("Referred to"), validate_choice=False,
                              description=_l("Only when the caller was referred to a mission or unit."))
