"""Names as the ministry writes them, and in the order people expect to find them."""

import pytest

from portal.core.i18n import collation_key
from portal.missions.service import cldr_countries


def test_names_sort_without_regard_to_case_or_accents():
    names = ["Zimbabwe", "Åland Islands", "austria", "Albania", "Curaçao", "Cuba", "Czechia"]
    assert sorted(names, key=collation_key) == ["Åland Islands", "Albania", "austria", "Cuba", "Curaçao", "Czechia",
                                                "Zimbabwe"]


def test_chinese_names_sort_in_radical_and_stroke_order():
    assert sorted(["日本", "大韓民國", "泰國", "丹麥"], key=collation_key) == ["丹麥", "大韓民國", "日本", "泰國"]


@pytest.mark.parametrize("code, chinese, english", [
    ("HK", "香港", "Hong Kong"), ("MO", "澳門", "Macao"), ("CN", "中國大陸", "Mainland China"),
    ("JP", "日本", "Japan"),  # the locale data's own name where the ministry uses it too
])
def test_the_ministrys_own_names_where_they_differ_from_the_locale_data(code, chinese, english):
    row = next(row for row in cldr_countries() if row["code"] == code)
    assert (row["name_zh"], row["name_en"]) == (chinese, english)
