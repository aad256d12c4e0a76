"""Who may see or do what: access decisions as values with reasons, no I/O.

The services ask these with the Actor (muster.kernel.actor) and a fact about the record; they raise
on a refusal and log what is disclosed. Anything that has `role`, `districts`, `all_districts`,
`kinds` and `person_id` will do, so this module needs nothing outside muster.rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

OFFICER_ROLES = frozenset({"operator", "registration_officer", "data_steward", "board_member", "auditor",
                           "administrator"})
# Roles that may read a person's record (with a purpose); an administrator manages, and reads no one.
READER_ROLES = OFFICER_ROLES - {"administrator"}
# Roles that may change a person's summonses and measures, and run campaigns.
ACTING_ROLES = frozenset({"operator", "registration_officer", "board_member"})
# A board member decides and confirms; calling people up is the registration office's (issue 14).
CAMPAIGN_ROLES = frozenset({"operator", "registration_officer"})


class Accessor(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def districts(self) -> frozenset[str]: ...
    @property
    def all_districts(self) -> bool: ...
    @property
    def kinds(self) -> frozenset[str]: ...
    @property
    def person_id(self) -> int | None: ...
    @property
    def purpose(self) -> str: ...


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True, "allowed")


def _in_district(actor: Accessor, district: str | None) -> Decision:
    if actor.all_districts or (district is not None and district in actor.districts):
        return ALLOWED
    return Decision(False, f"outside your districts ({', '.join(sorted(actor.districts)) or 'none'})")


def may_read_person(actor: Accessor, person_id: int, district: str | None) -> Decision:
    """A person reads their own record; an officer in a reading role, in their districts and with
    a stated purpose; the system for its own work. Partners check measures, never records."""
    role = str(actor.role)
    if role == "person":
        return ALLOWED if actor.person_id == person_id else Decision(False, "not your record")
    if role == "system":
        return ALLOWED
    if role not in READER_ROLES:
        return Decision(False, f"the {role} role reads no person's record")
    if not actor.purpose.strip():
        return Decision(False, "state the purpose of reading this record")
    return _in_district(actor, district)


def may_act_on_person(actor: Accessor, district: str | None) -> Decision:
    """Record outcomes, sign off measures, hand over a summons: officers who act, in their districts."""
    role = str(actor.role)
    if role == "system":
        return ALLOWED
    if role not in ACTING_ROLES:
        return Decision(False, f"the {role} role may not act on a person's summonses or measures")
    return _in_district(actor, district)


def may_apply(actor: Accessor, person_id: int, district: str | None) -> Decision:
    """File an application: a person for themself; an officer who acts, for a person of their
    districts (an application brought to the office or by post); the system (a partner's register)."""
    if str(actor.role) == "person":
        return ALLOWED if actor.person_id == person_id else Decision(False, "a person applies only for themself")
    return may_act_on_person(actor, district)


def may_use_own_account(actor: Accessor, person_id: int) -> Decision:
    """The person's own account (their inbox, contact details, consent, drafts): the person
    themself and no one else, whatever their role or purpose."""
    if str(actor.role) == "person" and actor.person_id == person_id:
        return ALLOWED
    return Decision(False, "only the person themself may use their own account")


def may_sign_off(actor: Accessor) -> Decision:
    """Work the measures' sign-off queue (each measure is then checked against the districts)."""
    role = str(actor.role)
    return ALLOWED if role in ACTING_ROLES or role == "system" else Decision(
        False, f"the {role} role may not sign off measures")


def may_run_campaign(actor: Accessor, districts: frozenset[str]) -> Decision:
    """Create or issue a campaign: every one of its districts must be the officer's."""
    role = str(actor.role)
    if role == "system":
        return ALLOWED
    if role not in CAMPAIGN_ROLES:
        return Decision(False, f"the {role} role may not run campaigns")
    if actor.all_districts or districts <= actor.districts:
        return ALLOWED
    return Decision(False, f"districts {', '.join(sorted(districts - actor.districts))} are not yours")


def may_administer(actor: Accessor) -> Decision:
    """Partners and their keys, packs, feeds: administrators (and the command line's operator)."""
    role = str(actor.role)
    return ALLOWED if role in ("operator", "administrator", "system") else Decision(
        False, f"the {role} role may not administer partners and packs")


def may_feed_registry(actor: Accessor) -> Decision:
    """Import agency files into the registry: data stewards (and the operator, the system)."""
    role = str(actor.role)
    return ALLOWED if role in ("operator", "data_steward", "administrator", "system") else Decision(
        False, f"the {role} role may not import into the registry")


def may_read_statistics(actor: Accessor) -> Decision:
    """Counts without names: officers and the system."""
    role = str(actor.role)
    return ALLOWED if role in OFFICER_ROLES or role == "system" else Decision(
        False, f"the {role} role sees no registry statistics")


def may_count(actor: Accessor, district: str | None) -> Decision:
    """Counts by district, no names: officers in their own districts, auditors and the operator
    across them (district None: all districts)."""
    decision = may_read_statistics(actor)
    if not decision or actor.all_districts or str(actor.role) == "auditor":
        return decision
    if district is None or district not in actor.districts:
        return Decision(False, "name one of your districts with --district")
    return ALLOWED


def may_list_people(actor: Accessor, district: str | None) -> Decision:
    """A list of national ids is a read of every person on it: as `may_read_person`, for a whole
    district (district None: all districts, only for an actor with every district)."""
    if not actor.all_districts and district is None:
        return Decision(False, "name one of your districts with --district")
    return may_read_person(actor, 0, district) if str(actor.role) != "person" else Decision(
        False, "a person lists nobody")


def visible_kinds(actor: Accessor, kinds: frozenset[str]) -> frozenset[str]:
    """The measure kinds of `kinds` a partner may see: only those it enforces."""
    return kinds & actor.kinds if str(actor.role) == "partner" else kinds


def may_search_people(actor: Accessor) -> Decision:
    """Look people up (by national id, or name and birth date) to open a record: the roles that
    read records; the results are then limited to the officer's districts."""
    role = str(actor.role)
    return ALLOWED if role in READER_ROLES else Decision(False, f"the {role} role looks up no one")

