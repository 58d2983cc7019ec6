"""Account roles. Staff roles are ordered: each includes what the one before may do."""

from enum import StrEnum

from portal.core.i18n import lazy_pgettext


class Role(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def title(self):
        return ROLE_TITLES[self]

    @property
    def is_staff(self) -> bool:
        return self is not Role.CITIZEN

    def at_least(self, other: "Role") -> bool:
        return self.is_staff and STAFF_ORDER.index(self) >= STAFF_ORDER.index(other)


STAFF_ORDER = [Role.STAFF, Role.SUPERVISOR, Role.ADMIN]
STAFF_ROLES = frozenset(STAFF_ORDER)

ROLE_TITLES = {
    Role.CITIZEN: lazy_pgettext("role", "Citizen"),
    Role.STAFF: lazy_pgettext("role", "Consular officer"),
    Role.SUPERVISOR: lazy_pgettext("role", "Supervisor"),
    Role.ADMIN: lazy_pgettext("role", "Administrator"),
}
