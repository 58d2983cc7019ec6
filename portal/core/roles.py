"""Account roles. Staff roles are ordered: each includes what the one before may do."""


from portal.core.i18n import lazy_pgettext
from portal.core.titled import TitledEnum


class Role(TitledEnum):
    CITIZEN = "citizen", lazy_pgettext("role", "Citizen")
    STAFF = "staff", lazy_pgettext("role", "Consular officer")
    SUPERVISOR = "supervisor", lazy_pgettext("role", "Supervisor")
    ADMIN = "admin", lazy_pgettext("role", "Administrator")

    @property
    def is_staff(self) -> bool:
        return self is not Role.CITIZEN

    def at_least(self, other: "Role") -> bool:
        return self.is_staff and STAFF_ORDER.index(self) >= STAFF_ORDER.index(other)

STAFF_ORDER = [Role.STAFF, Role.SUPERVISOR, Role.ADMIN]
STAFF_ROLES = frozenset(STAFF_ORDER)

