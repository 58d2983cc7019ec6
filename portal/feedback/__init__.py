"""The director-general's mailbox (局長信箱) and the complaint hotline log (申訴電話專線).

Mailbox messages are cases of kind "mailbox"; hotline calls are rows of their own that can be
turned into a mailbox case.
"""

from portal.core.cases.registry import register_kind
from portal.feedback.workflow import MAILBOX_WORKFLOW


def _load_detail(session, case):
    from portal.feedback.service import detail_for

    return detail_for(session, case)


def _contact(session, case):
    """A writer without an account, once they confirmed their address."""
    detail = _load_detail(session, case)
    if detail is None or detail.confirmed_at is None or not detail.writer_email:
        return None
    return detail.writer_email, detail.writer_locale


def _find(text: str):
    """Messages by the name or address their writer gave (writers without an account too)."""
    import sqlalchemy as sa

    from portal.feedback.models import MailboxMessage

    if len(text) < 2:
        return None
    return sa.select(MailboxMessage.case_id).where(sa.or_(
        MailboxMessage.writer_name.icontains(text, autoescape=True),
        MailboxMessage.writer_email.icontains(text, autoescape=True)))


register_kind(MAILBOX_WORKFLOW, detail_template="feedback/_detail.html", load_detail=_load_detail, find=_find,
              contact=_contact)
