"""Every registered case kind keeps the rules of the cases core: a workflow whose statuses can all
be reached, titles in both languages, valid parties, a place in the staff queue, and case pages
that render for the applicant and for staff. A new kind is checked here without being named."""

from collections import deque

import pytest
import sqlalchemy as sa

from portal import register_kinds
from portal.core.cases.registry import all_kinds, workflow_for
from portal.core.cases.workflow import APPLICANT, SYSTEM
from portal.core.roles import Role
from tests.fixtures.accounts import sign_in
from tests.fixtures.pages import text_of

register_kinds()
KINDS = sorted(k.workflow.kind for k in all_kinds())


def test_every_domain_kind_is_registered():
    assert {"assistance", "document", "enquiry", "mailbox", "passport"} <= set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_status_is_reachable_and_no_open_status_is_a_dead_end(kind):
    workflow = workflow_for(kind)
    reached, waiting = {workflow.initial}, deque([workflow.initial])
    while waiting:
        for move in workflow.available(waiting.popleft()):
            if move.target not in reached:
                reached.add(move.target)
                waiting.append(move.target)
    assert reached == {s.name for s in workflow.statuses}
    for status in workflow.statuses:
        if not status.is_closed:
            assert workflow.available(status.name), f"{kind}: nothing leads out of {status.name}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_title_reads_in_both_languages(app, kind):
    from portal.core.i18n import force_locale

    workflow = workflow_for(kind)
    titles = [workflow.title, *(s.title for s in workflow.statuses), *(s.staff_title for s in workflow.statuses),
              *(t.title for t in workflow.transitions), *workflow.event_titles.values()]
    with app.test_request_context():
        for title in titles:
            with force_locale("en"):
                english = str(title)
            with force_locale("zh_Hant_TW"):
                chinese = str(title)
            assert english.strip() and english.isascii(), (kind, english)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), (kind, english, chinese)


@pytest.mark.parametrize("kind", KINDS)
def test_every_move_names_parties_that_exist(kind):
    for move in workflow_for(kind).transitions:
        assert move.parties, (kind, move.action)
        for party in move.parties:
            assert isinstance(party, Role) or party in (APPLICANT, SYSTEM), (kind, move.action, party)
        if SYSTEM in move.parties or APPLICANT in move.parties:
            assert Role.CITIZEN not in move.parties


@pytest.fixture
def bare_case(app, citizen):
    """bare_case(kind) → the reference of a case of that kind opened by the core alone, in the first
    status staff work on."""
    from portal.accounts.models import User
    from portal.core.cases.service import open_case
    from portal.core.db import unit_of_work
    from portal.missions.models import Mission

    def make(kind):
        workflow = workflow_for(kind)
        status = next(s.name for s in workflow.statuses if not s.hidden_from_queue and not s.is_closed)
        with app.app_context(), unit_of_work() as session:
            tokyo = session.scalar(sa.select(Mission).where(Mission.code == "tokyo"))
            case, _ = open_case(session, kind=kind, mission_id=tokyo.id, applicant=session.get(User, citizen.id),
                                summary="A case of every kind", status=status, notify=False)
            return case.reference

    return make


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_appears_in_the_queue_and_its_case_pages_render(app, citizen, officer, bare_case, get_page,
                                                                   kind):
    reference = bare_case(kind)
    staff = app.test_client()
    sign_in(staff, officer)
    _, queue = get_page(f"/staff/queue?kind={kind}", client_=staff)
    assert reference in text_of(queue)
    assert kind in [o.get("value") for o in queue.find(".//select[@name='kind']").iter("option")]
    _, page = get_page(f"/staff/cases/{reference}", client_=staff)
    assert reference in text_of(page) and str(workflow_for(kind).title) in text_of(page)
    mine = app.test_client()
    sign_in(mine, citizen)
    _, page = get_page(f"/account/cases/{reference}", client_=mine)
    assert reference in text_of(page)
