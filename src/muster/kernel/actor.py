"""Who is acting: every service call takes an Actor.

An Actor says who (an officer's account, a partner agency, the person themself, or the system),
in which role, in which districts it may act, and for what purpose. Services decide access from
it (muster.rules.access) and write it into the audit trail and the person's access log; no
interface decides either.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"  # the command line's operator: every district (accounts come with the console)
    REGISTRATION_OFFICER = "registration_officer"
    DATA_STEWARD = "data_steward"
    BOARD_MEMBER = "board_member"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    PARTNER = "partner"
    PERSON = "person"
    SYSTEM = "system"


OFFICER_ROLES = frozenset({Role.OPERATOR, Role.REGISTRATION_OFFICER, Role.DATA_STEWARD, Role.BOARD_MEMBER,
                           Role.AUDITOR, Role.ADMINISTRATOR})


@dataclass(frozen=True, slots=True)
class Actor:
    who: str  # as the audit trail names it: "cli:alice", "partner:Border Guard", "person:17", "system:engine"
    role: Role
    districts: frozenset[str] = frozenset()
    all_districts: bool = False
    purpose: str = ""
    kinds: frozenset[str] = frozenset()  # a partner's measure kinds
    partner_id: int | None = None
    person_id: int | None = None

    @classmethod
    def officer(cls, who: str, role: Role = Role.OPERATOR, districts: frozenset[str] | None = None,
                purpose: str = "") -> Actor:
        """An officer's account; districts None means every district."""
        return cls(who, role, districts or frozenset(), districts is None, purpose)

    @classmethod
    def partner(cls, partner_id: int, name: str, kinds: frozenset[str], purpose: str = "") -> Actor:
        return cls(f"partner:{name}", Role.PARTNER, kinds=kinds, partner_id=partner_id, purpose=purpose)

    @classmethod
    def person(cls, person_id: int, purpose: str = "own record") -> Actor:
        return cls(f"person:{person_id}", Role.PERSON, person_id=person_id, purpose=purpose)

    @classmethod
    def system(cls, name: str = "engine", purpose: str = "") -> Actor:
        return cls(f"system:{name}", Role.SYSTEM, all_districts=True, purpose=purpose)

    @property
    def partner_name(self) -> str:
        return self.who.removeprefix("partner:")

    def for_purpose(self, purpose: str) -> Actor:
        """The same actor, acting for another stated purpose (it goes into the access log)."""
        return replace(self, purpose=purpose)


ENGINE = Actor.system("engine")
