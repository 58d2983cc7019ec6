"""The ministry's four travel-safety levels and the risk indicators shown beside them."""

from enum import StrEnum

from portal.core.i18n import _l, lazy_pgettext


class Level(StrEnum):
    GREY = "grey"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def number(self) -> int:
        return LEVEL_ORDER.index(self) + 1

    @property
    def title(self):
        return LEVEL_TITLES[self]

    @property
    def advice(self):
        return LEVEL_ADVICE[self]

    @property
    def cap_severity(self) -> str:
        return {"grey": "Minor", "yellow": "Moderate", "orange": "Severe", "red": "Extreme"}[self.value]

    @property
    def review_months(self) -> int:
        """Grey and yellow advice is reviewed yearly; orange and red every six months."""
        return 12 if self.number <= 2 else 6

    @classmethod
    def from_number(cls, number: int) -> "Level":
        return LEVEL_ORDER[number - 1]


LEVEL_ORDER = [Level.GREY, Level.YELLOW, Level.ORANGE, Level.RED]

LEVEL_TITLES = {
    Level.GREY: lazy_pgettext("level", "Grey"),
    Level.YELLOW: lazy_pgettext("level", "Yellow"),
    Level.ORANGE: lazy_pgettext("level", "Orange"),
    Level.RED: lazy_pgettext("level", "Red"),
}

LEVEL_ADVICE = {
    Level.GREY: _l("Exercise caution"),
    Level.YELLOW: _l("Pay special attention to your safety and reconsider travel"),
    Level.ORANGE: _l("Avoid non-essential travel"),
    Level.RED: _l("Do not travel; leave as soon as possible"),
}


class Indicator(StrEnum):
    CRIME = "crime"
    TERRORISM = "terrorism"
    CIVIL_UNREST = "civil_unrest"
    HEALTH = "health"
    NATURAL_DISASTER = "natural_disaster"
    TIME_LIMITED_EVENT = "time_limited_event"
    KIDNAPPING = "kidnapping"
    WRONGFUL_DETENTION = "wrongful_detention"
    PRC_TREATY = "prc_treaty"

    @property
    def title(self):
        return INDICATOR_TITLES[self]

    @property
    def letter(self) -> str:
        """A short mark shown in the icon, so the meaning never rests on colour alone."""
        return INDICATOR_LETTERS[self]


INDICATOR_TITLES = {
    Indicator.CRIME: _l("Crime"),
    Indicator.TERRORISM: _l("Terrorism"),
    Indicator.CIVIL_UNREST: _l("Civil unrest"),
    Indicator.HEALTH: _l("Health"),
    Indicator.NATURAL_DISASTER: _l("Natural disaster"),
    Indicator.TIME_LIMITED_EVENT: _l("Time-limited event"),
    Indicator.KIDNAPPING: _l("Kidnapping"),
    Indicator.WRONGFUL_DETENTION: _l("Wrongful detention"),
    Indicator.PRC_TREATY: _l("Extradition or mutual legal assistance treaty with the PRC"),
}

INDICATOR_LETTERS = {
    Indicator.CRIME: "C", Indicator.TERRORISM: "T", Indicator.CIVIL_UNREST: "U", Indicator.HEALTH: "H",
    Indicator.NATURAL_DISASTER: "N", Indicator.TIME_LIMITED_EVENT: "E", Indicator.KIDNAPPING: "K",
    Indicator.WRONGFUL_DETENTION: "D", Indicator.PRC_TREATY: "P",
}

SECTIONS = ("safety", "laws", "health", "entry", "disasters")
SECTION_TITLES = {
    "safety": _l("Safety and security"),
    "laws": _l("Local laws and customs"),
    "health": _l("Health"),
    "entry": _l("Entry requirements"),
    "disasters": _l("Natural disasters"),
}
