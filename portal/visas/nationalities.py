"""Which countries' nationals the visa pages offer, and how a machine-readable zone writes each.

A nationality is a country with a code in ISO 3166-1 alpha-3 (the codes ICAO Doc 9303 uses) that
people live in: uninhabited territories and CLDR's extra regions (Ascension, Diego Garcia, the
Canary Islands) are no nationality.
"""

from iso3166 import countries_by_alpha2

from portal.core.i18n import collation_key
from portal.missions.service import list_countries

#: inhabited by nobody who holds its passport
UNINHABITED = frozenset({"AQ", "BV", "HM", "TF", "GS", "UM", "IO"})
#: where Doc 9303 (Part 3, 5) differs from ISO 3166-1 alpha-3
ICAO_CODES = {"DE": "D", "XK": "RKS"}


def is_nationality(code: str) -> bool:
    return code in countries_by_alpha2 and code not in UNINHABITED and code != "TW"


def icao_code(alpha2: str) -> str:
    """The three-letter (or shorter) code a machine-readable zone uses for a country."""
    return ICAO_CODES.get(alpha2) or countries_by_alpha2[alpha2].alpha3


def nationalities(session, *, chinese: bool):
    """The countries whose nationals the look-up and the application offer, in the reader's order."""
    return sorted((c for c in list_countries(session, chinese=chinese) if is_nationality(c.code)),
                  key=lambda country: collation_key(country.name(chinese)))
