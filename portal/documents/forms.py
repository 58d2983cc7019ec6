"""The request form (one fieldset per document), the scans, revocation and the public check."""

from datetime import date

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from portal.core.forms import BaseForm, IdempotentForm, MemorableDateField, choices, strip_text
from portal.core.i18n import _, _l
from portal.core.workdays import taipei_today
from portal.core.text import is_digits
from portal.documents.models import Delivery, DocumentType
from portal.documents.service import MAX_COPIES, MAX_DOCUMENTS

SCAN_ACCEPT = "application/pdf,image/jpeg,image/png"


class DocumentForm(Form):
    """One document; a fieldset of the request form."""

    # Choices are checked by the service, which answers in the reader's language.
    document_type = SelectField(_l("Type of document"), validate_choice=False,
                                choices=choices([("", _l("Choose a type"))]
                                                + [(t.value, t.title) for t in DocumentType]),
                                validators=[DataRequired(_l("Choose the type of document."))])
    type_detail = StringField(_l("What is the document? (for “Other document” only)"), filters=[strip_text],
                              description=_l("For example: a police clearance certificate."),
                              validators=[Length(max=120, message=_l("Keep this to 120 characters or fewer."))])
    holder_name = StringField(_l("Name of the person the document is about"), filters=[strip_text],
                              description=_l("As written on the document."),
                              validators=[DataRequired(_l("Enter the name of the person the document is about.")),
                                          Length(max=120, message=_l("The name must be 120 characters or fewer."))])
    issuing_country_code = SelectField(_l("Country where it was issued"), validate_choice=False,
                                       validators=[DataRequired(_l("Choose the country where it was issued."))])
    issuing_authority = StringField(_l("Who issued it"), filters=[strip_text],
                                    description=_l("For example: the university, the registry office or the notary."),
                                    validators=[DataRequired(_l("Enter who issued the document.")),
                                                Length(max=200, message=_l("Keep this to 200 characters or fewer."))])
    issued_on = MemorableDateField(_l("Date of issue"), filters=[strip_text],
                                   description=_l("As printed on the document, for example 30 6 2024."),
                                   validators=[DataRequired(_l("Enter the date of issue."))])
    language = SelectField(_l("Language of the document"), validate_choice=False,
                           validators=[DataRequired(_l("Choose the language of the document."))])
    copies = SelectField(_l("Number of authenticated copies"), validate_choice=False, default="1",
                         choices=choices((str(n), str(n)) for n in range(1, MAX_COPIES + 1)),
                         description=_l("Each copy gets its own verification sticker and is charged."))
    has_translation = BooleanField(_l("A translation is attached"))

    def validate_type_detail(self, field):
        if self.document_type.data == DocumentType.OTHER and not field.data:
            raise ValidationError(_("Say what the document is."))

    def validate_issued_on(self, field):
        try:
            issued = date.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(_("Enter the date of issue as a real date, for example 30 6 2024.")) from None
        if issued > taipei_today() or issued.year < 1900:
            raise ValidationError(_("The date of issue must be a real date in the past."))

    def validate_copies(self, field):
        if not is_digits(field.data or "") or not 1 <= int(field.data) <= MAX_COPIES:
            raise ValidationError(_("Choose between 1 and %(count)d copies.", count=MAX_COPIES))


class DocumentRequestForm(IdempotentForm):
    documents = FieldList(FormField(DocumentForm), min_entries=1, max_entries=MAX_DOCUMENTS)
    purpose = StringField(_l("What will the documents be used for?"), filters=[strip_text],
                          description=_l("For example: to register a marriage in Taiwan."),
                          validators=[DataRequired(_l("Say what the documents will be used for.")),
                                      Length(max=300, message=_l("Keep this to 300 characters or fewer."))])
    mission_id = SelectField(_l("Which mission should handle your request?"), validate_choice=False,
                             description=_l("Usually the one serving the country where the documents were issued."),
                             validators=[DataRequired(_l("Choose the mission."))])
    delivery = RadioField(_l("How do you want the documents back?"), validate_choice=False,
                          choices=choices((d.value, d.title) for d in Delivery),
                          validators=[DataRequired(_l("Choose how you want the documents back."))])
    postal_address = TextAreaField(_l("Postal address (for return by post only)"), filters=[strip_text],
                                   description=_l("The full address, with the country."),
                                   validators=[Length(max=500, message=_l("The address must be 500 characters or "
                                                                          "fewer."))])
    express = BooleanField(_l("Express service"))
    #: attached on "check your answers", where the other answers travel in hidden fields
    scans = MultipleFileField(_l("Scans or photos of the documents"), render_kw={"accept": SCAN_ACCEPT})

    def validate_postal_address(self, field):
        if self.delivery.data == Delivery.POST and not field.data:
            raise ValidationError(_("Enter the address to post the documents to."))

    def service_data(self) -> dict:
        """The answers as the service takes them."""
        data = {name: self[name].data for name in ("purpose", "mission_id", "delivery", "postal_address", "express")}
        data["documents"] = [dict(entry.data, issued_on=date.fromisoformat(entry.data["issued_on"]))
                             for entry in self.documents]
        return data


class ScansForm(BaseForm):
    scans = MultipleFileField(_l("More scans or photos"), render_kw={"accept": SCAN_ACCEPT})


class RevokeForm(BaseForm):
    codes = SelectMultipleField(_l("Copies to revoke"), validate_choice=False)
    reason = TextAreaField(_l("Reason (the citizen sees it; the public check does not)"), filters=[strip_text],
                           validators=[DataRequired(_l("Enter the reason for revoking.")),
                                       Length(max=1000, message=_l("Keep the reason to 1,000 characters or fewer."))])


class VerifyForm(BaseForm):
    class Meta:
        csrf = False  # a GET look-up changes nothing a person owns

    code = StringField(_l("Verification code"), filters=[strip_text],
                       description=_l("The 17 letters and digits under the QR code, for example "
                                      "7K2Q-MX4D-9PRT-C3VA-G. Spaces, hyphens and capitals do not matter."),
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
