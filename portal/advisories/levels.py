"""The ministry's four travel-safety levels and the risk indicators shown beside them."""


from portal.core.i18n import _l, lazy_pgettext
from portal.core.titled import TitledEnum


class Level(TitledEnum):
    GREY = "grey", lazy_pgettext("level", "Grey")
    YELLOW = "yellow", lazy_pgettext("level", "Yellow")
    ORANGE = "orange", lazy_pgettext("level", "Orange")
    RED = "red", lazy_pgettext("level", "Red")

    @property
    def number(self) -> int:
        return LEVEL_ORDER.index(self) + 1

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

LEVEL_ADVICE = {
    Level.GREY: _l("Exercise caution"),
    Level.YELLOW: _l("Pay special attention to your safety and reconsider travel"),
    Level.ORANGE: _l("Avoid non-essential travel"),
    Level.RED: _l("Do not travel; leave as soon as possible"),
}


class Indicator(TitledEnum):
    CRIME = "crime", _l("Crime")
    TERRORISM = "terrorism", _l("Terrorism")
    CIVIL_UNREST = "civil_unrest", _l("Civil unrest")
    HEALTH = "health", _l("Health")
    NATURAL_DISASTER = "natural_disaster", _l("Natural disaster")
    TIME_LIMITED_EVENT = "time_limited_event", _l("Time-limited event")
    KIDNAPPING = "kidnapping", _l("Kidnapping")
    WRONGFUL_DETENTION = "wrongful_detention", _l("Wrongful detention")
    PRC_TREATY = "prc_treaty", _l("Extradition or mutual legal assistance treaty with the PRC")

    @property
    def letter(self) -> str:
        """A short mark shown in the icon, so the meaning never rests on colour alone."""
        return INDICATOR_LETTERS[self]

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
