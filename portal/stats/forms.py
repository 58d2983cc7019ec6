"""The dashboard's filters (GET) and the white paper's commentary."""

from wtforms import HiddenField, SelectField, TextAreaField

from portal.core.forms import BaseForm, strip_text
from portal.core.i18n import _l
from portal.stats.white_paper import LANGUAGES, SECTIONS


class DashboardFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    year = SelectField(_l("Year"), validate_choice=False)
    quarter = SelectField(_l("Quarter"), validate_choice=False)
    month = SelectField(_l("Month"), validate_choice=False,
                        description=_l("A month narrows the quarter; leave both blank for the whole year."))
    region = SelectField(_l("Region"), validate_choice=False)
    mission_id = SelectField(_l("Mission"), validate_choice=False)
    kind = SelectField(_l("Service"), validate_choice=False)


class WhitePaperForm(BaseForm):
    """The commentary of a white paper: one text per section and language (fields added below)."""

    version = HiddenField()
    action = HiddenField()

    def sections(self) -> dict:
        return {key: {language: self[f"{key}_{language}"].data or "" for language in LANGUAGES} for key in SECTIONS}

    def fill(self, sections: dict) -> None:
        for key in SECTIONS:
            for language in LANGUAGES:
                self[f"{key}_{language}"].data = (sections.get(key) or {}).get(language, "")


# Each section is a fieldset named by its title (in the template), holding its two texts.
for _key in SECTIONS:
    setattr(WhitePaperForm, f"{_key}_zh", TextAreaField(
        _l("In Chinese"), filters=[strip_text], description=_l("Leave a blank line between paragraphs.")))
    setattr(WhitePaperForm, f"{_key}_en", TextAreaField(
        _l("In English"), filters=[strip_text], description=_l("Leave a blank line between paragraphs.")))
