"""Forms for subscribing, registering a trip, and editing advice."""

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Optional, Regexp
from wtforms.widgets import CheckboxInput

from portal.advisories.levels import LEVEL_ORDER, SECTION_TITLES, Indicator
from portal.advisories.models import UpdateType
from portal.core.forms import BaseForm, IdempotentForm, choices, max_length, strip_text
from portal.core.i18n import _l

PHONE = Regexp(r"^\+?[0-9 ()-]{6,30}$", message=_l("Enter a phone number using digits, spaces and + only."))


def _email(label=None, required=True):
    return EmailField(label or _l("Email address"), filters=[strip_text], validators=[
        DataRequired(_l("Enter your email address.")) if required else Optional(),
        Email(_l("Enter an email address in the right format, like name@example.com."), check_deliverability=False),
        max_length(254)])


class SubscribeForm(BaseForm):
    email = _email()
    country_code = SelectField(_l("Which country?"), validate_choice=False,
                               description=_l("Or choose every country to hear of every major change."))


class UnsubscribeForm(BaseForm):
    reason = TextAreaField(_l("Why are you leaving? (optional)"), filters=[strip_text],
                           validators=[max_length(500)])


class TripForm(IdempotentForm):
    email = _email(required=False)
    #: the country whose own areas the form has shown (so a change of country asks again, and never
    #: keeps the other country's areas)
    regions_for = HiddenField()
    country_code = SelectField(_l("Which country are you going to?"), validate_choice=False)
    regions = SelectMultipleField(_l("Regions you will visit (optional)"), validate_choice=False,
                                  option_widget=CheckboxInput(),
                                  description=_l("Leave empty if you will travel around the whole country."))
    starts_on = DateField(_l("First day of the trip"), validators=[
        InputRequired(_l("Enter the first day of the trip as a real date."))])
    ends_on = DateField(_l("Last day of the trip"), validators=[
        InputRequired(_l("Enter the last day of the trip as a real date."))])
    phone_abroad = StringField(_l("Phone number while abroad"), filters=[strip_text],
                               description=_l("With the country code, for example +81 90 1234 5678."),
                               validators=[DataRequired(_l("Enter a phone number we can reach you on.")), PHONE])
    email_abroad = _email(_l("Another email address while abroad (optional)"), required=False)
    contact_name = StringField(_l("Emergency contact at home: name"), filters=[strip_text], validators=[
        DataRequired(_l("Enter the name of someone at home we can contact.")), max_length(120)])
    contact_phone = StringField(_l("Emergency contact at home: phone"), filters=[strip_text],
                                validators=[DataRequired(_l("Enter your emergency contact's phone number.")), PHONE])


class ReviewForm(BaseForm):
    comment = TextAreaField(_l("Comment"), filters=[strip_text], validators=[max_length(2000)])


class PublishForm(BaseForm):
    comment = TextAreaField(_l("Comment for the change history"), filters=[strip_text],
                            validators=[max_length(2000)])
    when = DateTimeLocalField(_l("Publish at (Taipei time)"), validators=[Optional()],
                              description=_l("Leave empty to publish now."))


class BannerForm(BaseForm):
    message_zh = StringField(_l("Message in Chinese"), filters=[strip_text], validators=[max_length(400)])
    message_en = StringField(_l("Message in English"), filters=[strip_text], validators=[max_length(400)])
    starts_at = DateTimeLocalField(_l("Show from (Taipei time)"), validators=[
        InputRequired(_l("Enter when the banner starts."))])
    ends_at = DateTimeLocalField(_l("Show until (Taipei time)"), validators=[
        InputRequired(_l("Enter when the banner ends."))])


class EditionForm(BaseForm):
    level = SelectField(_l("Level for the whole country"), validate_choice=False,
                        choices=choices((lv.value, f"{lv.number} · {lv.title} – {lv.advice}") for lv in LEVEL_ORDER))
    update_type = SelectField(_l("Kind of update"), validate_choice=False, choices=choices([
        (UpdateType.MAJOR.value, _l("Major: public change note, subscribers are told")),
        (UpdateType.MINOR.value, _l("Minor: a correction; the public date and note stay"))]))
    indicators = SelectMultipleField(_l("Risk indicators"), validate_choice=False,
                                     choices=choices((i.value, i.title) for i in Indicator))
    summary_zh = TextAreaField(_l("Summary in Chinese"), filters=[strip_text])
    summary_en = TextAreaField(_l("Summary in English"), filters=[strip_text])
    change_note_zh = TextAreaField(_l("Latest update note in Chinese"), filters=[strip_text],
                                   description=_l("Required for a major update. The public sees it."))
    change_note_en = TextAreaField(_l("Latest update note in English"), filters=[strip_text])
    regions = TextAreaField(_l("Regions with their own level"), filters=[strip_text],
                            description=_l("One per line: Chinese name | English name | level "
                                           "(grey, yellow, orange or red)."))
    comment = StringField(_l("Comment for the change history"), filters=[strip_text], validators=[max_length(500)])


for _key, _title in SECTION_TITLES.items():
    setattr(EditionForm, f"{_key}_zh",
            TextAreaField(_l("%(section)s in Chinese", section=_title), filters=[strip_text]))
    setattr(EditionForm, f"{_key}_en",
            TextAreaField(_l("%(section)s in English", section=_title), filters=[strip_text]))


class ConfirmForm(BaseForm):
    confirm = BooleanField()
