"""Account forms. Labels and hints are lazy strings, translated when shown."""

from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.core.forms import BaseForm, choices, max_length, strip_text
from portal.core.i18n import _l
from portal.core.roles import STAFF_ORDER


def _email_field():
    return EmailField(_l("Email address"), filters=[strip_text], validators=[
        DataRequired(_l("Enter your email address.")),
        Email(_l("Enter an email address in the right format, like name@example.com."),
              check_deliverability=False),
        Length(max=254, message=_l("The email address must be 254 characters or fewer."))])


class RegisterForm(BaseForm):
    name = StringField(_l("Full name"), filters=[strip_text], description=_l("As it appears on your passport."),
                       validators=[DataRequired(_l("Enter your full name.")),
                                   Length(max=120, message=_l("Your name must be 120 characters or fewer."))])
    email = _email_field()
    password = PasswordField(_l("Password"),
                             description=_l("At least 12 characters. A few unrelated words make a strong password."),
                             validators=[DataRequired(_l("Enter a password."))])
    password_confirm = PasswordField(_l("Confirm password"), validators=[
        DataRequired(_l("Enter your password again.")),
        EqualTo("password", _l("The two passwords do not match."))])


class LoginForm(BaseForm):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class CodeForm(BaseForm):
    code = StringField(_l("6-digit code"), filters=[strip_text],
                       description=_l("From the authenticator app on your phone."),
                       validators=[DataRequired(_l("Enter the 6-digit code."))])


class ResetRequestForm(BaseForm):
    email = _email_field()


class NewPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), description=_l("At least 12 characters."),
                             validators=[DataRequired(_l("Enter a new password."))])
    password_confirm = PasswordField(_l("Confirm new password"), validators=[
        DataRequired(_l("Enter the new password again.")),
        EqualTo("password", _l("The two passwords do not match."))])


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))])


class CloseAccountForm(BaseForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password."))])


class StaffAccountForm(BaseForm):
    name = StringField(_l("Full name"), filters=[strip_text], validators=[
        DataRequired(_l("Enter the officer's full name.")), max_length(120)])
    email = _email_field()
    role = SelectField(_l("Role"), choices=choices((r.value, r.title) for r in STAFF_ORDER),
                       validators=[DataRequired(_l("Choose a role."))])
    mission_id = SelectField(_l("Mission"), coerce=lambda v: int(v) if v else None, validators=[Optional()],
                             description=_l("Required for consular officers; supervisors and administrators "
                                            "may work at headquarters."))
