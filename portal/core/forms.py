"""Form pieces every domain uses."""

import re
import secrets
import unicodedata
from datetime import date, datetime, time

from babel.numbers import format_decimal
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectChoice, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import Length, ValidationError

from portal.core.i18n import _, _l, get_locale, is_chinese

#: WTForms' own messages, kept in our catalogs so they are shown in the reader's language
WTFORMS_MESSAGES = (_l("Not a valid date value."), _l("Not a valid datetime value."), _l("Not a valid choice."),
                    _l("Not a valid integer value."))


def single_line(value):
    """A single-line field's text as validation should see it: full-width and other compatibility
    forms made plain (NFKC: ０９１２ → 0912, ａｍｙ＠ → amy@), and on one line, so no line break a crafted
    request sent (CR, LF, U+2028 …) reaches a name, a city or an email subject. Free text (text areas)
    keeps what was typed, Chinese punctuation included; passwords are never changed."""
    return " ".join(unicodedata.normalize("NFKC", value).splitlines()) if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """All forms: server-side validation only (the templates set novalidate)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField) and not isinstance(field, (TextAreaField, PasswordField)):
                field.filters = (single_line, *field.filters)
            return field


class IdempotentForm(BaseForm):
    """A form that creates something: a token minted when the form is shown makes a second
    submission of the same page find the first result instead of creating another."""

    submission_token = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.submission_token.data:
            self.submission_token.data = secrets.token_urlsafe(24)

    def validate_submission_token(self, field):
        if not field.data or len(field.data) > 64:
            raise ValidationError(_("This form has expired. Submit it again."))


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


class MemorableDateField(StringField):
    """A date people know or read off a document (a birthday, a passport's expiry): typed as day, month
    and year in three boxes (<name>-day, -month, -year), not the browser's date control. Its data is the
    ISO text the form's validators read, so a form posting <name> whole (the check page carrying the
    answers on) works too; a date that is not a real one stays as typed, for the validator to refuse.
    In Chinese a year of up to three digits is an ROC year (79 → 1990)."""

    PARTS = ("day", "month", "year")

    def __init__(self, *args, autocomplete: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.autocomplete = autocomplete  # "bday" gives bday-day, bday-month, bday-year
        self.parts: tuple[str, str, str] = ("", "", "")

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self.parts = _parts_of(self.data)
        if formdata is not None and self.name not in formdata:
            typed = tuple(unicodedata.normalize("NFKC", formdata.get(f"{self.name}-{part}") or "").strip()
                          for part in self.PARTS)
            if any(typed):
                self.parts = typed
                self.data = _iso_from_parts(*typed) or "-".join(reversed(typed))


def _parts_of(iso: str | None) -> tuple[str, str, str]:
    try:
        day = date.fromisoformat(iso or "")
    except ValueError:
        return ("", "", "")
    return str(day.day), str(day.month), str(day.year)


def _iso_from_parts(day: str, month: str, year: str) -> str | None:
    if not all(re.fullmatch(pattern, part) for pattern, part in
               ((r"[0-9]{1,2}", day), (r"[0-9]{1,2}", month), (r"[0-9]{1,4}", year))):
        return None
    number = int(year)
    if len(year) <= 3 and is_chinese():
        number += 1911  # 民國79年 is 1990
    elif len(year) != 4:
        return None
    try:
        return date(number, int(month), int(day)).isoformat()
    except ValueError:
        return None


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class _MaxLength(Length):
    """Length(max=…) whose message names the field, in the reader's language."""

    def __call__(self, form, field):
        if field.data and len(field.data) > self.max:
            raise ValidationError(_("Write %(count)s characters or fewer in “%(field)s”.", field=field.label.text,
                                    count=format_decimal(self.max, locale=get_locale())))


def max_length(limit: int) -> Length:
    """A length limit (also the input's maxlength) whose message says which field is too long."""
    return _MaxLength(max=limit)


def _valid_for_type(input_type: str, value: str) -> bool:
    """Whether an <input type=…> may carry this value (HTML's own formats, ASCII digits only)."""
    try:
        if input_type == "date":
            return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)) and bool(date.fromisoformat(value))
        if input_type == "time":
            return bool(re.fullmatch(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?", value)) and bool(time.fromisoformat(value))
        if input_type == "datetime-local":
            return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?", value)) \
                and bool(datetime.fromisoformat(value))
        if input_type == "number":
            return bool(re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value))
    except ValueError:
        return False
    return True


def html_attributes(field, input_type: str | None = None) -> dict:
    """Attributes that keep a rendered field valid HTML whatever it holds (for the field macros):

    - a date, time or number input given text it cannot hold (typed without the browser's picker)
      is shown as a text input, so the person sees what they typed beside the message;
    - a required select whose first option is a real choice (a sensible default) says it is required
      with aria-required: HTML's `required` there would ask for an empty first option.
    """
    attributes: dict = {}
    kind = input_type or (field.render_kw or {}).get("type") or getattr(field.widget, "input_type", None)
    if kind in ("date", "time", "datetime-local", "number") and field.errors:
        value = field._value() if hasattr(field, "_value") else ""
        if value and not _valid_for_type(kind, str(value)):
            # min, max and step belong to the typed input only
            attributes.update({"type": "text", "min": False, "max": False, "step": False})
    if field.type in ("SelectField", "SelectMultipleField") and field.flags.required:
        first = next(iter(field.iter_choices()), None)
        if first is not None and first[0] not in ("", None):
            attributes.update({"required": False, "aria-required": "true"})
    return attributes
