"""Submitting enquiries. Flushes; never commits."""

import sqlalchemy as sa

from portal.core.cases.service import open_case
from portal.core.i18n import _
from portal.core.refusal import Refused
from portal.enquiries.models import Enquiry, EnquiryTopic
from portal.enquiries.workflow import ENQUIRY
from portal.missions.service import country_by_code, covering_mission, fallback_mission

MAX_MESSAGE = 3000


def submit_enquiry(session, *, applicant, country_code: str, topic: str, subject: str, message: str,
                   phone: str | None = None, submission_token: str | None = None):
    """Open an enquiry with the mission covering the country. Returns (case, created)."""
    country = country_by_code(session, country_code)
    if country is None:
        raise Refused(_("Choose the country you are in from the list."), field="country_code")
    if topic not in {t.value for t in EnquiryTopic}:
        raise Refused(_("Choose what your enquiry is about."), field="topic")
    mission = covering_mission(session, country.code) or fallback_mission(session)
    case, created = open_case(session, kind=ENQUIRY, mission_id=mission.id, applicant=applicant,
                              summary=subject, idempotency_key=submission_token)
    if created:
        session.add(Enquiry(case_id=case.id, topic=EnquiryTopic(topic), country_code=country.code,
                            subject=subject, message=message, phone=phone or None))
        session.flush()
    return case, created


def detail_for(session, case) -> Enquiry | None:
    return session.scalar(sa.select(Enquiry).where(Enquiry.case_id == case.id))


DEMO = (
    ("JP", EnquiryTopic.PASSPORTS, "護照即將到期，可以在東京辦理換發嗎？",
     "我的護照明年三月到期，想知道在日本換發需要準備哪些文件。"),
    ("JP", EnquiryTopic.DOCUMENTS, "日本戶籍謄本驗證", "請問日本戶籍謄本需要先經過日本外務省認證嗎？"),
    ("JP", EnquiryTopic.TRAVEL, "颱風期間的航班資訊", "若颱風導致航班取消，駐處可以提供哪些協助？"),
)


def load_demo_enquiries(session, citizen) -> None:
    for country, topic, subject, message in DEMO:
        submit_enquiry(session, applicant=citizen, country_code=country, topic=topic, subject=subject,
                       message=message)
