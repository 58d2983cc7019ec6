"""Planning a service day (a fieldset per session, places per service), booking, moving, cancelling."""

from urllib.parse import urlsplit

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.forms import BaseForm, IdempotentForm, max_length, strip_text
from portal.core.i18n import _, _l
from portal.core.text import is_digits
from portal.mobile.models import MobileService
from portal.mobile.queries import MAX_SESSIONS
from portal.mobile.service import MAX_PLACES, DayPlan, SessionPlan


class SessionForm(Form):
    """One session of a day; a place count and a walk-in count for every service follow."""

    session_id = HiddenField()
    starts_at = TimeField(_l("Starts at"), validators=[InputRequired(_l("Enter when the session starts, for example 09:30."))])
    ends_at = TimeField(_l("Ends at"), validators=[InputRequired(_l("Enter when the session ends, for example 12:00."))])

    def places(self) -> dict[str, tuple[int, int]]:
        return {service.value: (self[f"{service.value}_book"].data or 0, self[f"{service.value}_walk_in"].data or 0)
                for service in MobileService}

    def place_fields(self):
        """(service, places to book field, walk-in tickets field) for each service."""
        return [(service, self[f"{service.value}_book"], self[f"{service.value}_walk_in"]) for service in MobileService]


def _count_field(label):
    return IntegerField(label, default=0, validators=[
        Optional(), NumberRange(min=0, max=MAX_PLACES, message=_l("Enter a number from 0 to %(max)d."))])


for _service in MobileService:
    setattr(SessionForm, f"{_service.value}_book", _count_field(_l("Places to book")))
    setattr(SessionForm, f"{_service.value}_walk_in", _count_field(_l("Walk-in tickets")))
del _service


class VersionedForm(BaseForm):
    """A form about a record that others may change meanwhile: the version the page showed."""

    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        return int(self.version.data) if is_digits(self.version.data) and len(self.version.data) < 10 else None


class DayForm(VersionedForm):
    mission_id = SelectField(_l("Mission"), validate_choice=False,
                             validators=[DataRequired(_l("Choose the mission holding the day."))])
    day = DateField(_l("Date"), description=_l("The date at the venue."),
                    validators=[InputRequired(_l("Enter the date of the service day."))])
    timezone = SelectField(_l("Time zone of the venue"), validate_choice=False,
                           description=_l("Session times are written in this time zone."),
                           validators=[DataRequired(_l("Choose the time zone of the venue."))])
    venue = StringField(_l("Venue"), filters=[strip_text], description=_l("For example: Taiwanese Association Hall."),
                        validators=[DataRequired(_l("Enter the name of the venue.")), max_length(200)])
    address = StringField(_l("Address"), filters=[strip_text],
                          validators=[DataRequired(_l("Enter the address of the venue.")), max_length(300)])
    city = StringField(_l("City"), filters=[strip_text],
                       validators=[DataRequired(_l("Enter the city.")), max_length(100)])
    country_code = SelectField(_l("Country"), validate_choice=False,
                               validators=[DataRequired(_l("Choose the country."))])
    map_url = StringField(_l("Map link (optional)"), filters=[strip_text],
                          description=_l("A link to the venue on a map, starting with https://."),
                          validators=[max_length(500)])
    notes = TextAreaField(_l("What else people should know (optional)"), filters=[strip_text],
                          description=_l("For example: the room, parking, or documents this venue asks for."),
                          validators=[max_length(2000)])
    sessions = FieldList(FormField(SessionForm), min_entries=1, max_entries=MAX_SESSIONS)

    def validate_map_url(self, field):
        if field.data:
            parts = urlsplit(field.data)
            if parts.scheme != "https" or not parts.netloc:
                raise ValidationError(_("Enter a link that starts with https://."))

    def plan(self) -> DayPlan:
        return DayPlan(day=self.day.data, timezone=self.timezone.data, venue=self.venue.data,
                       address=self.address.data, city=self.city.data, country_code=self.country_code.data,
                       map_url=self.map_url.data or None, notes=self.notes.data or "",
                       sessions=[SessionPlan(starts_at=entry.form.starts_at.data, ends_at=entry.form.ends_at.data,
                                             places=entry.form.places(),
                                             session_id=int(entry.form.session_id.data)
                                             if is_digits(entry.form.session_id.data or "") else None)
                                 for entry in self.sessions])


class ReasonForm(VersionedForm):
    """Cancelling a day (reason required) or a booking (reason optional, it helps the mission plan)."""

    reason = TextAreaField(_l("Reason"), filters=[strip_text], validators=[max_length(500)])


class ConfirmForm(VersionedForm):
    """A button that only needs the version the person saw (publish, mark as held, confirm a place)."""


class BookForm(IdempotentForm):
    quota = RadioField(_l("Session and service"), validate_choice=False,
                       validators=[DataRequired(_l("Choose a session and a service."))])
    waitlist = HiddenField()


class MoveForm(VersionedForm):
    quota = RadioField(_l("New session"), validate_choice=False,
                       validators=[DataRequired(_l("Choose the session to move to."))])


class TicketForm(BaseForm):
    """A walk-in number for a service in a session."""

    quota = SelectField(_l("Service and session"), validate_choice=False,
                        validators=[DataRequired(_l("Choose the service and the session."))])
    name = StringField(_l("Name (optional)"), filters=[strip_text],
                       description=_l("To call the person when it is their turn."), validators=[max_length(120)])


class CounterForm(BaseForm):
    """The mission's counter: the weekdays it opens and the places in each session, set once."""

    weekdays = SelectMultipleField(_l("Days the counter opens"), coerce=int, validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    weeks_ahead = IntegerField(_l("Weeks ahead people can book"), default=4, validators=[
        InputRequired(_l("Enter how many weeks ahead people can book.")),
        NumberRange(min=1, max=12, message=_l("Enter a number from 1 to 12."))])
    is_open = BooleanField(_l("Take bookings for the counter"), default=True)
    sessions = FieldList(FormField(SessionForm), min_entries=1, max_entries=MAX_SESSIONS)

    def plans(self) -> list[SessionPlan]:
        return [SessionPlan(starts_at=e.form.starts_at.data, ends_at=e.form.ends_at.data, places=e.form.places())
                for e in self.sessions]
