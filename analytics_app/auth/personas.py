"""The app's personas and the Postgres roles each one's database login belongs to.

The database, not the UI, enforces what a persona may read (DESIGN §3): each
app user logs in to the warehouse as their own role, a member of exactly the
persona roles below.
"""

from __future__ import annotations

import re
from enum import StrEnum

from privacy import PrivacyError

LOGIN_ROLE_PREFIX = "wdp_user_"
USER_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


class Persona(StrEnum):
    CONCIERGE = "concierge"
    CONCIERGE_LEAD = "concierge_lead"
    PRODUCT = "product"
    MARKETING = "marketing"
    ENGINEER = "engineer"

    @property
    def database_roles(self) -> tuple[str, ...]:
        """Group roles the user's login role is granted (lead: both concierge roles)."""
        return PERSONA_DATABASE_ROLES[self]

    @property
    def is_concierge(self) -> bool:
        return self in (Persona.CONCIERGE, Persona.CONCIERGE_LEAD)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


PERSONA_DATABASE_ROLES: dict[Persona, tuple[str, ...]] = {
    Persona.CONCIERGE: ("wdp_concierge",),
    Persona.CONCIERGE_LEAD: ("wdp_concierge", "wdp_concierge_lead"),
    Persona.PRODUCT: ("wdp_analyst",),
    Persona.MARKETING: ("wdp_analyst",),
    Persona.ENGINEER: ("wdp_engineer",),
}


def login_role_for(user_name: str) -> str:
    """The Postgres login role of an app user: `wdp_user_<name>`."""
    check_user_name(user_name)
    return f"{LOGIN_ROLE_PREFIX}{user_name}"


def check_user_name(user_name: str) -> None:
    if not USER_NAME_PATTERN.match(user_name):
        raise PrivacyError(
            f"User name {user_name!r} is not allowed: use 2 to 41 lowercase letters, digits or "
            "underscores, starting with a letter (it becomes a database role name)."
        )
