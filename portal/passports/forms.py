"""The eligibility check and each step of the passport application form."""

import re
import unicodedata
from datetime import date

from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from portal.core.forms import BaseForm, MemorableDateField, choices, max_length, strip_text
from portal.core.i18n import _, _l
from portal.core.text import is_digits
from portal.core.workdays import taipei_today
from portal.passports import national_id
from portal.passports.models import ApplicationType, Sex

YES_NO = choices([("yes", _l("Yes")), ("no", _l("No"))])
LATIN_NAME = re.compile(r"[A-Z]+(?:[ -][A-Z]+)*(?:, ?[A-Z]+(?:[ -][A-Z]+)*)?")
PHONE = re.compile(r"\+?[0-9 ()\-]{6,40}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PASSPORT_NUMBER = re.compile(r"[0-9]{9}")


def upper_text(value):
    """Spaces tidied, capitals: what a passport prints (full-width letters are made plain for every form)."""
    if not isinstance(value, str):
        return value
    return " ".join(value.upper().split())


def parse_day(text: str | None, message: str) -> date:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationError(message) from None
    if day.year < 1900:
        raise ValidationError(message)
    return day


def type_choices():
    return choices((t.value, t.title) for t in ApplicationType)


class TypeForm(BaseForm):
    application_type = RadioField(_l("What kind of application is it?"), validate_choice=False,
                                  choices=type_choices(),
                                  validators=[DataRequired(_l("Choose the kind of application."))])

    def validate_application_type(self, field):
        if field.data not in {t.value for t in ApplicationType}:
            raise ValidationError(_("Choose the kind of application."))

    def service_data(self) -> dict:
        return self.data


class EligibilityForm(TypeForm):
    has_national_id = RadioField(_l("Do you have a national identification number (身分證統一編號)?"),
                                 validate_choice=False, choices=YES_NO,
                                 description=_l("You have one if you have, or once had, a household registration "
                                                "in Taiwan."),
                                 validators=[DataRequired(_l("Say whether you have a national identification "
                                                             "number."))])
    passport_damaged = RadioField(_l("Is your current passport damaged?"), validate_choice=False, choices=YES_NO,
                                  description=_l("For example torn, wet, or with pages missing. Answer no if you "
                                                 "have no passport."),
                                  validators=[DataRequired(_l("Say whether your current passport is damaged."))])
    chinese_name_changed = RadioField(_l("Has your Chinese name changed since your last passport was issued?"),
                                      validate_choice=False, choices=YES_NO,
                                      validators=[DataRequired(_l("Say whether your Chinese name has changed."))])
    lawful_residence = RadioField(_l("Do you hold a valid visa or residence permit where you live?"),
                                  validate_choice=False, choices=YES_NO,
                                  description=_l("Answer yes if you live in Taiwan."),
                                  validators=[DataRequired(_l("Say whether you hold a valid visa or residence "
                                                              "permit."))])


class IdentityForm(BaseForm):
    national_id = StringField(_l("National identification number"), filters=[strip_text],
                              description=_l("One letter and nine digits, as on your national ID card, for example "
                                             "A123456789."),
                              render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})
    name_zh = StringField(_l("Name in Chinese characters"), filters=[strip_text],
                          description=_l("As in your household registration."),
                          validators=[DataRequired(_l("Enter your name in Chinese characters.")), max_length(40)])
    name_latin = StringField(_l("Name in Latin letters, as it will print"), filters=[upper_text],
                             description=_l("Surname, a comma, then given names, in capitals, for example CHEN, "
                                            "MEI-LING."),
                             render_kw={"autocapitalize": "characters", "spellcheck": "false"},
                             validators=[DataRequired(_l("Enter your name in Latin letters as it should print.")),
                                         max_length(80)])
    name_changed = BooleanField(_l("My name in Latin letters has changed since my previous passport (renewals "
                                   "only)"))
    birth_date = MemorableDateField(_l("Date of birth"), filters=[strip_text], autocomplete="bday",
                                    description=_l("For example 31 5 1990."))
    birth_place = StringField(_l("Place of birth"), filters=[strip_text],
                              description=_l("The county or city in Taiwan, or the country if you were born abroad."),
                              validators=[DataRequired(_l("Enter your place of birth.")), max_length(60)])
    sex = RadioField(_l("Sex"), validate_choice=False, choices=choices((s.value, s.title) for s in Sex),
                     description=_l("As in your household registration."),
                     validators=[DataRequired(_l("Choose the sex shown in your household registration."))])
    height_cm = StringField(_l("Height in centimetres"), filters=[strip_text], description=_l("For example 165."),
                            render_kw={"inputmode": "numeric"})

    def validate_national_id(self, field):
        problem = national_id.problem(field.data)
        messages = {
            national_id.Problem.EMPTY: _("Enter your national identification number."),
            national_id.Problem.SHAPE: _("Enter the national identification number as one letter and nine digits, "
                                         "for example A123456789."),
            national_id.Problem.SECOND: _("The second character of a national identification number is 1 or 2 (8 "
                                          "or 9 on a resident certificate)."),
            national_id.Problem.CHECK: _("This national identification number is not valid: check each character."),
        }
        if problem is not None:
            raise ValidationError(messages[problem])
        field.data = national_id.normalise(field.data)

    def validate_name_zh(self, field):
        if not all(unicodedata.name(ch, "").startswith("CJK") or ch in "·．" for ch in field.data or ""):
            raise ValidationError(_("Write your name in Chinese characters only."))

    def validate_name_latin(self, field):
        if not LATIN_NAME.fullmatch(field.data or ""):
            raise ValidationError(_("Use only capital letters A–Z, spaces, hyphens and one comma after the surname."))

    def validate_birth_date(self, field):
        if not field.data:
            raise ValidationError(_("Enter your date of birth."))
        day = parse_day(field.data, _("Enter your date of birth as a real date, for example 31 5 1990."))
        if day > taipei_today():
            raise ValidationError(_("The date of birth must be in the past."))

    def validate_height_cm(self, field):
        if not field.data:
            raise ValidationError(_("Enter your height in centimetres."))
        if not is_digits(field.data) or not 40 <= int(field.data) <= 250:
            raise ValidationError(_("Enter your height as a whole number of centimetres, between 40 and 250."))

    def validate_sex(self, field):
        if field.data not in {s.value for s in Sex}:
            raise ValidationError(_("Choose the sex shown in your household registration."))

    def service_data(self) -> dict:
        return {**self.data, "birth_date": date.fromisoformat(self.birth_date.data)}


class ContactForm(BaseForm):
    email = StringField(_l("Email address"), filters=[strip_text], render_kw={"type": "email", "autocomplete": "email"},
                        validators=[DataRequired(_l("Enter your email address.")), max_length(254)])
    phone = StringField(_l("Phone number"), filters=[strip_text],
                        description=_l("With the country code, for example +81 90 1234 5678."),
                        render_kw={"type": "tel", "autocomplete": "tel"},
                        validators=[DataRequired(_l("Enter a phone number we can call.")), max_length(40)])
    address = TextAreaField(_l("Address where you live now"), filters=[strip_text],
                            render_kw={"autocomplete": "street-address", "rows": 4},
                            validators=[DataRequired(_l("Enter the address where you live now.")), max_length(500)])

    def validate_email(self, field):
        if not EMAIL.fullmatch(field.data or ""):
            raise ValidationError(_("Enter an email address like name@example.com."))

    def validate_phone(self, field):
        if not PHONE.fullmatch(field.data or ""):
            raise ValidationError(_("Enter a phone number with digits only, and + for the country code."))

    def service_data(self) -> dict:
        return self.data


class PreviousForm(BaseForm):
    """The previous passport; for a lost or stolen one, also when, where, and whether it was reported."""

    application_type = None  # set by the view: the lost-passport questions are asked only for replacements
    previous_number = StringField(_l("Number of your previous passport"), filters=[strip_text],
                                  description=_l("Nine digits, at the top right of the photo page."),
                                  render_kw={"inputmode": "numeric", "autocomplete": "off"})
    previous_expiry = MemorableDateField(_l("Its expiry date"), filters=[strip_text],
                                         description=_l("As printed in the passport, for example 31 1 2027."))
    lost_on = MemorableDateField(_l("When was it lost or stolen?"), filters=[strip_text],
                                 description=_l("The date, or your best guess."))
    lost_where = StringField(_l("Where was it lost or stolen?"), filters=[strip_text],
                             description=_l("The city and country, and the place if you know it."),
                             validators=[max_length(200)])
    police_reported = RadioField(_l("Did you report it to the police?"), validate_choice=False, choices=YES_NO,
                                 description=_l("If you did, bring the police report when you collect the passport."))

    @property
    def is_replacement(self) -> bool:
        return self.application_type is ApplicationType.REPLACEMENT

    def validate_previous_number(self, field):
        if not field.data:
            raise ValidationError(_("Enter the number of your previous passport."))
        if not PASSPORT_NUMBER.fullmatch(field.data):
            raise ValidationError(_("A passport number has nine digits, for example 312345678."))

    def validate_previous_expiry(self, field):
        if not field.data:
            raise ValidationError(_("Enter the expiry date of your previous passport."))
        parse_day(field.data, _("Enter the expiry date as a real date, for example 31 1 2027."))

    def validate_lost_on(self, field):
        if not self.is_replacement:
            return
        if not field.data:
            raise ValidationError(_("Enter the date the passport was lost or stolen."))
        day = parse_day(field.data, _("Enter the date as a real date, for example 31 10 2026."))
        if day > taipei_today():
            raise ValidationError(_("The date it was lost or stolen cannot be in the future."))

    def validate_lost_where(self, field):
        if self.is_replacement and not field.data:
            raise ValidationError(_("Say where the passport was lost or stolen."))

    def validate_police_reported(self, field):
        if self.is_replacement and field.data not in ("yes", "no"):
            raise ValidationError(_("Say whether you reported it to the police."))

    def service_data(self) -> dict:
        data = dict(self.data, previous_expiry=date.fromisoformat(self.previous_expiry.data))
        data["lost_on"] = date.fromisoformat(self.lost_on.data) if self.is_replacement else None
        return data


class GuardianForm(BaseForm):
    guardian_name = StringField(_l("Name of the parent or legal guardian"), filters=[strip_text],
                                validators=[DataRequired(_l("Enter the name of the parent or legal guardian.")),
                                            max_length(40)])
    guardian_relationship = StringField(_l("How are they related to the child?"), filters=[strip_text],
                                        description=_l("For example: mother, father, legal guardian."),
                                        validators=[DataRequired(_l("Say how they are related to the child.")),
                                                    max_length(40)])
    guardian_consent = BooleanField(_l("The parent or legal guardian consents to this application and will sign the "
                                       "consent form at pickup"))

    def validate_guardian_consent(self, field):
        if not field.data:
            raise ValidationError(_("A parent's or legal guardian's consent is needed for an applicant under 18."))

    def service_data(self) -> dict:
        return self.data


class PickupForm(BaseForm):
    pickup = SelectField(_l("Where will you collect your passport?"), validate_choice=False,
                         description=_l("An overseas mission, or a domestic office of the Bureau of Consular Affairs. "
                                        "You collect it in person."),
                         validators=[DataRequired(_l("Choose where you will collect your passport."))])

    def service_data(self) -> dict:
        return self.data


class PhotoForm(BaseForm):
    photo = FileField(_l("Passport photo"), render_kw={"accept": "image/jpeg,image/png"})


class DeclarationForm(BaseForm):
    declaration = BooleanField(_l("I declare that the information I have given is true and complete, and that the "
                                  "photo is a recent likeness of me (or of the child)."))

    def validate_declaration(self, field):
        if not field.data:
            raise ValidationError(_("Tick the declaration to send your application."))


STEP_FORMS = {"type": TypeForm, "identity": IdentityForm, "contact": ContactForm, "previous": PreviousForm,
              "guardian": GuardianForm, "pickup": PickupForm}
