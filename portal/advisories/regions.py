"""World regions for filtering advisories, and other names people search for."""

from portal.core.i18n import _l

REGIONS = {
    "asia_pacific": (_l("Asia and the Pacific"),
                     "AF AS AU BD BN BT CC CK CN CX FJ FM GU HK HM ID IN IO JP KH KI KP KR LA LK MH MM MN MO MP MV "
                     "MY NC NF NP NR NU NZ PF PG PH PK PN PW SB SG TH TJ TK TL TM TO TV TW UM UZ VN VU WF WS KZ KG"),
    "europe": (_l("Europe"),
               "AD AL AM AT AX AZ BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GE GG GI GR HR HU IE IM IS IT JE "
               "LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK CQ"),
    "americas": (_l("The Americas"),
                 "AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GS GT GY HN HT "
                 "JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG VI"),
    "middle_east": (_l("The Middle East"),
                    "AE BH EG IL IQ IR JO KW LB OM PS QA SA SY TR YE"),
    "africa": (_l("Africa"),
               "AO BF BI BJ BV BW CD CF CG CI CM CV DJ DZ EA EH ER ET GA GH GM GN GQ GW IC KE KM LR LS LY MA MG "
               "ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TF TG TN TZ UG YT ZA ZM ZW AQ CP DG TA AC"),
}

COUNTRY_REGION = {code: region for region, (_, codes) in REGIONS.items() for code in codes.split()}

#: other names people type, beside CLDR's Chinese and English names
ALTERNATIVE_NAMES = {
    "US": "America USA 美國 美利堅", "GB": "Britain England Scotland Wales UK 英國 英格蘭", "KR": "Korea 南韓 韓國",
    "KP": "North Korea 北韓", "JP": "Nippon 日本國", "DE": "Deutschland 德國", "NL": "Holland 荷蘭",
    "AE": "UAE Dubai Emirates 杜拜 阿聯", "CZ": "Czech Republic 捷克", "TR": "Turkey 土耳其", "MM": "Burma 緬甸",
    "CI": "Ivory Coast 象牙海岸", "SZ": "Swaziland 史瓦帝尼 史瓦濟蘭",
    "VA": "Vatican Holy See 教廷 梵蒂岡",
    "TH": "Siam 泰國", "VN": "Viet Nam 越南", "RU": "Russia 俄國 俄羅斯", "CN": "China PRC 中國 大陸 中國大陸",
    "HK": "香港", "MO": "Macau 澳門", "PH": "菲律賓", "ID": "Bali 峇里島 印尼",
    "AU": "澳洲 Oz", "NZ": "紐西蘭 Aotearoa",
}

REGION_CHOICES = [(key, title) for key, (title, _) in REGIONS.items()]
