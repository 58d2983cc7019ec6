"""The survey form and the citizen's choice about survey emails."""

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired

from portal.core.forms import BaseForm, choices, max_length, strip_text
from portal.core.i18n import _l
from portal.surveys.models import Satisfaction
from portal.surveys.service import MAX_IMPROVEMENT, MAX_QUESTIONS, MAX_TEXT_ANSWER, question_text


class SurveyForm(BaseForm):
    overall = RadioField(_l("Overall, how did you feel about the service you received today?"),
                         validate_choice=False, choices=choices((s.value, s.title) for s in Satisfaction),
                         validators=[DataRequired(_l("Choose how you felt about the service."))])
    improvement = TextAreaField(_l("How could we improve this service? (optional)"), filters=[strip_text],
                                description=_l("Do not write your name, ID or passport number, or anything else "
                                               "that says who you are: answers are anonymous."),
                                validators=[max_length(MAX_IMPROVEMENT)])


class SurveyEmailsForm(BaseForm):
    survey_emails = BooleanField(_l("Email me a short survey when a service I asked for is completed"))


class HideCommentForm(BaseForm):
    reason = TextAreaField(_l("Why hide this comment?"), filters=[strip_text],
                           description=_l("For example: it names a member of staff, or it is abusive."),
                           validators=[DataRequired(_l("Say why the comment is hidden.")), max_length(300)])


class ContactForm(BaseForm):
    message = TextAreaField(_l("What should we look into?"), filters=[strip_text],
                            description=_l("We open a message to the Director-General's mailbox in your name with "
                                           "only what you write here. Your survey answer stays anonymous."),
                            validators=[DataRequired(_l("Write what you would like us to look into.")),
                                        max_length(5000)])


def survey_form_for(version, *, chinese: bool, formdata=None) -> SurveyForm:
    """The survey form with the version's own questions after the two every survey asks."""
    fields = {}
    for question in version.questions:
        label = question_text(question, chinese=chinese)
        if question["type"] == "scale":
            fields[f"q_{question['key']}"] = RadioField(label, validate_choice=False, choices=choices(
                (s.value, s.title) for s in Satisfaction))
        elif question["type"] == "choice":
            fields[f"q_{question['key']}"] = RadioField(label, validate_choice=False, choices=choices(
                (str(i), option["zh"] if chinese else option["en"]) for i, option in enumerate(question["options"])))
        else:
            fields[f"q_{question['key']}"] = TextAreaField(label, filters=[strip_text],
                                                           validators=[max_length(MAX_TEXT_ANSWER)])
    # The version shown travels with the answer: questions changed meanwhile are not answered blind.
    fields["version"] = HiddenField(default=str(version.id))
    form_class = type("VersionedSurveyForm", (SurveyForm,), fields)
    return form_class(formdata=formdata) if formdata is not None else form_class()


def own_answers(form) -> dict:
    return {name[2:]: field.data or "" for name, field in form._fields.items() if name.startswith("q_")}


class QuestionForm(Form):
    """One of a supervisor's own questions (all empty: no question)."""

    type = SelectField(_l("Kind of answer"), validate_choice=False, choices=choices([
        ("scale", _l("Five-point scale")), ("choice", _l("One of a few choices")),
        ("text", _l("Free text"))]))
    zh = StringField(_l("The question in Chinese"), filters=[strip_text], validators=[max_length(200)])
    en = StringField(_l("The question in English"), filters=[strip_text], validators=[max_length(200)])
    options = TextAreaField(_l("Choices (only for “one of a few choices”)"), filters=[strip_text],
                            description=_l("One per line, Chinese then English: 很快 | Quick"))

    def question(self) -> dict | None:
        if not self.zh.data and not self.en.data:
            return None
        options = [line.split("|", 1) for line in (self.options.data or "").splitlines() if line.strip()]
        return {"type": self.type.data, "zh": self.zh.data, "en": self.en.data,
                "options": [{"zh": parts[0], "en": parts[1] if len(parts) > 1 else ""} for parts in options]}


class QuestionsForm(BaseForm):
    questions = FieldList(FormField(QuestionForm), min_entries=MAX_QUESTIONS, max_entries=MAX_QUESTIONS)


class PageFeedbackForm(BaseForm):
    page = HiddenField()
    useful = HiddenField()
    comment = TextAreaField(_l("What went wrong? (optional)"), filters=[strip_text],
                            description=_l("Do not write personal details: we cannot answer here. To get an answer, "
                                           "write to the Director-General's mailbox."),
                            validators=[max_length(1000)])
