"""Form pieces every domain uses."""

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice
from wtforms.validators import Length, ValidationError

from portal.core.i18n import _, _l

#: WTForms' own messages, kept in our catalogs so they are shown in the reader's language
WTFORMS_MESSAGES = (_l("Not a valid date value."), _l("Not a valid datetime value."), _l("Not a valid choice."),
                    _l("Not a valid integer value."))


class BaseForm(FlaskForm):
    """All forms: server-side validation only (the templates set novalidate)."""


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


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def max_length(limit: int) -> Length:
    """A length limit whose message is in the reader's language."""
    return Length(max=limit, message=_l("Write %(count)d characters or fewer.", count=limit))
