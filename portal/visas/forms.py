"""The visa requirements look-up, the staff form for a change of rule, and the visa application."""

from datetime import date

from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from portal.core.forms import BaseForm, IdempotentForm, MemorableDateField, choices, max_length, strip_text
from portal.core.i18n import _, _l
from portal.visas.models import VISIT_PURPOSES, Entries, Purpose, Sex, Treatment


class LookupForm(BaseForm):
    class Meta:
        csrf = False  # a GET look-up changes nothing

    # The nationality list is set by the view in the reader's language; the service checks the choice.
    nationality = SelectField(_l("Your nationality (the country on your passport)"), validate_choice=False)
    purpose = SelectField(_l("Why are you coming to Taiwan?"), validate_choice=False,
                          choices=choices((p.value, p.title) for p in Purpose))


class RuleForm(BaseForm):
    """A new version of one rule: the service checks every choice and says what is wrong."""

    treatment = SelectField(_l("Treatment"), validate_choice=False,
                            choices=choices((t.value, t.title) for t in Treatment))
    stay_days = StringField(_l("Longest stay, in days"), filters=[strip_text],
                            description=_l("For every treatment but a visa required before travel."),
                            render_kw={"inputmode": "numeric"})
    conditions_zh = TextAreaField(_l("Conditions in Chinese"), filters=[strip_text], validators=[max_length(2000)])
    conditions_en = TextAreaField(_l("Conditions in English"), filters=[strip_text], validators=[max_length(2000)])
    effective_from = MemorableDateField(_l("Applies from"), filters=[strip_text],
                                        description=_l("A day in Taipei, today or later, for example 1 7 2027."),
                                        validators=[DataRequired(_l("Enter the day the rule applies from."))])
    change_note_zh = TextAreaField(_l("What changes and why, in Chinese"), filters=[strip_text],
                                   description=_l("The public sees it in the history."), validators=[max_length(500)])
    change_note_en = TextAreaField(_l("What changes and why, in English"), filters=[strip_text],
                                   validators=[max_length(500)])


SCAN_ACCEPT = "application/pdf,image/jpeg,image/png"


def _date_field(label, message, description=None, autocomplete=None):
    return MemorableDateField(label, filters=[strip_text], description=description, autocomplete=autocomplete,
                              validators=[DataRequired(message)])


class VisaApplicationForm(IdempotentForm):
    """The visitor visa application: about you, your passport, your visit, where to apply."""

    surname = StringField(_l("Surname, as in your passport"), filters=[strip_text],
                          validators=[DataRequired(_l("Enter your surname as in your passport.")), max_length(80)],
                          render_kw={"autocomplete": "family-name", "autocapitalize": "characters"})
    given_names = StringField(_l("Given names, as in your passport"), filters=[strip_text],
                              description=_l("Leave it empty if your passport shows none."),
                              validators=[max_length(120)], render_kw={"autocomplete": "given-name"})
    sex = RadioField(_l("Sex, as in your passport"), validate_choice=False,
                     choices=choices((s.value, s.title) for s in Sex),
                     validators=[DataRequired(_l("Choose the sex shown on your passport."))])
    birth_date = _date_field(_l("Date of birth"), _l("Enter your date of birth."),
                             _l("For example 27 3 1990."), autocomplete="bday")
    place_of_birth = StringField(_l("Place of birth"), filters=[strip_text],
                                 validators=[DataRequired(_l("Enter your place of birth.")), max_length(120)])
    nationality_code = SelectField(_l("Nationality"), validate_choice=False,
                                   validators=[DataRequired(_l("Choose your nationality."))])
    passport_number = StringField(_l("Passport number"), filters=[strip_text],
                                  validators=[DataRequired(_l("Enter your passport number.")), max_length(12)],
                                  render_kw={"autocapitalize": "characters", "spellcheck": "false"})
    passport_expiry = _date_field(_l("Passport expiry date"), _l("Enter the expiry date of your passport."),
                                  _l("For example 30 6 2032."))
    passport_mrz = TextAreaField(_l("The two lines at the bottom of your passport's photo page"),
                                 filters=[strip_text],
                                 description=_l("Type or paste both lines of 44 characters, with every &lt; sign. "
                                                "We check them against your answers."),
                                 validators=[DataRequired(_l("Type the two lines at the bottom of your passport's "
                                                             "photo page.")), max_length(120)],
                                 render_kw={"autocapitalize": "characters", "spellcheck": "false",
                                            "autocomplete": "off"})
    purpose = SelectField(_l("Purpose of your visit"), validate_choice=False,
                          choices=choices([(p.value, p.title) for p in VISIT_PURPOSES]),
                          validators=[DataRequired(_l("Choose the purpose of your visit."))])
    purpose_detail = TextAreaField(_l("Tell us about your visit"), filters=[strip_text],
                                   description=_l("For example: the trade fair you attend, or who you visit."),
                                   validators=[DataRequired(_l("Tell us about your visit.")), max_length(500)])
    arrival_on = _date_field(_l("Day you arrive in Taiwan"), _l("Enter the day you arrive."))
    departure_on = _date_field(_l("Day you leave Taiwan"), _l("Enter the day you leave."))
    address_in_taiwan = TextAreaField(_l("Where you will stay in Taiwan"), filters=[strip_text],
                                      description=_l("The hotel or host's address."),
                                      validators=[DataRequired(_l("Enter where you will stay.")), max_length(300)])
    entries = RadioField(_l("Entries"), validate_choice=False, default=Entries.SINGLE.value,
                         choices=choices((e.value, e.title) for e in Entries),
                         validators=[DataRequired(_l("Choose single or multiple entries."))])
    mission_id = SelectField(_l("Mission that handles your application"), validate_choice=False,
                             description=_l("The one serving the country where you live."),
                             validators=[DataRequired(_l("Choose the mission."))])
    #: attached on "check your answers", where the other answers travel in hidden fields
    scans = MultipleFileField(_l("Scans: your passport's photo page, a photo of you, your tickets or itinerary, "
                                 "and proof of funds"), render_kw={"accept": SCAN_ACCEPT})

    DATES = ("birth_date", "passport_expiry", "arrival_on", "departure_on")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for name in self.DATES:
            field = self[name]
            if field.data and not field.errors:
                try:
                    date.fromisoformat(field.data)
                except ValueError:
                    field.errors = [*field.errors, _("Enter a real date, for example 27 3 1990.")]
                    valid = False
        return valid

    def service_data(self) -> dict:
        """The answers as the service takes them."""
        data = {name: self[name].data for name in (
            "surname", "given_names", "sex", "place_of_birth", "nationality_code", "passport_number",
            "passport_mrz", "purpose", "purpose_detail", "address_in_taiwan", "entries", "mission_id")}
        data["given_names"] = data["given_names"] or ""
        data.update({name: date.fromisoformat(self[name].data) for name in self.DATES})
        return data


class ScansForm(BaseForm):
    scans = MultipleFileField(_l("More scans or photos"), render_kw={"accept": SCAN_ACCEPT})
