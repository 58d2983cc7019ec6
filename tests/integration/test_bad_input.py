"""Bad input answers 400 or 404 with the translated page, never a 5xx: NUL characters, digits from
other scripts, numbers too long for the database, damaged or huge paging cursors, fed to every
route's parameters and to the query and form fields the pages read (hypothesis), as every kind of
user."""

import base64
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.accounts import signed_in_client

NASTY = ["a\x00b", "\x00", "²", "١٢٣", "٣", "9" * 23, "-1", "0", "1e308", "..%2f", "<script>", "'\"", " ",
         "ＡＢＣ１２３", "\ud7ff", "x" * 3000, "NaN", "inf",
         base64.urlsafe_b64encode(b"1|1e400|99999999999999999999").decode(),
         base64.urlsafe_b64encode(b"9" * 200).decode(), "%00", "\u202e", "null"]
#: the query and form fields the list pages and filters read
FIELDS = ["mission_id", "after", "kind", "status", "q", "country", "region", "level", "page", "quota", "service",
          "subject", "assigned", "overdue", "from", "to", "month", "reason", "version", "email", "code"]

values = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static" and "GET" in rule.methods]


PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


def _fill(rule, value: str) -> str:
    """The rule's path with every parameter replaced by the value (an int by a number too long for the database)."""
    return PARAMETER.sub(lambda m: "9" * 23 if m.group(1) == "int" else quote(value, safe=""), rule.rule)


@pytest.fixture
def clients(app, citizen, officer, supervisor, admin):
    return {"anonymous": app.test_client(), "citizen": signed_in_client(app, citizen),
            "officer": signed_in_client(app, officer), "supervisor": signed_in_client(app, supervisor),
            "admin": signed_in_client(app, admin)}


def test_a_nul_character_anywhere_answers_400(client, citizen):
    for path in ("/travel-registration/a%00b", "/advisories/unsubscribe/a%00b", "/mobile-services?country=J%00P",
                 "/advisories?q=%00"):
        assert client.get(path).status_code in (400, 404), path
    response = client.post("/mailbox", data={"message": "hello\x00world", "email": "a@example.tw"})
    assert response.status_code == 400
    assert "Sorry" in response.get_data(as_text=True) or "<h1>" in response.get_data(as_text=True)


def test_ids_too_long_for_the_database_are_not_found(clients):
    for path in ("/staff/advisories/editions/99999999999999999999999", "/staff/mobile-services/99999999999999999999999"):
        assert clients["supervisor"].get(path).status_code == 404
    assert clients["admin"].post("/admin/users/99999999999999999999999/disable").status_code == 404
    assert clients["officer"].get("/staff/queue?mission_id=%C2%B2").status_code == 200
    assert clients["officer"].get("/staff/queue?mission_id=" + "9" * 23).status_code in (200, 400)
    assert clients["officer"].get("/staff/queue?after=" + NASTY[-5]).status_code == 200
    assert clients["officer"].get("/staff/hotline?after=" + "A" * 5000).status_code == 200


#: what is fed to every route's own parameters
FOR_PATHS = ["a\x00b", "²", "١٢٣", "9" * 23, "x" * 3000, "<script>", "\u202e", "%00"]


def test_every_route_answers_bad_path_values_without_a_5xx(app, clients):
    for role, client in clients.items():
        for rule in _rules(app):
            if "<" not in rule.rule:
                continue
            for value in FOR_PATHS:
                response = client.get(_fill(rule, value))
                assert response.status_code < 500, (role, rule.rule, value, response.status_code)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), value=values, field=st.sampled_from(FIELDS))
def test_no_route_answers_5xx_to_bad_query_values(app, clients, data, value, field):
    role = data.draw(st.sampled_from(sorted(clients)))
    rule = data.draw(st.sampled_from(sorted(_rules(app), key=lambda r: r.rule)))
    path = _fill(rule, value)
    response = clients[role].get(path, query_string={field: value})
    assert response.status_code < 500, (role, path, field, value, response.status_code)


def test_every_page_takes_each_query_field_twice_without_a_5xx(app, clients):
    """Duplicated parameters (the first a sensible value, the second not, and the other way round)."""
    for first, second in (("1", "\u00b2"), ("x" * 300, "1"), ("JP", "TH")):
        query = [(field, value) for field in FIELDS for value in (first, second)]
        for role, client in clients.items():
            for rule in _rules(app):
                response = client.get(_fill(rule, "1"), query_string=query)
                assert response.status_code < 500, (role, rule.rule, first, second, response.status_code)
