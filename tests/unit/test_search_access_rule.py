"""Who may look people up in the console (muster.rules.access.may_search_people): the roles that
read records; an administrator, a partner, a person and the system do not search."""

from __future__ import annotations

import pytest

from muster.kernel.actor import Actor, Role
from muster.rules.access import may_search_people


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.OPERATOR, True), (Role.REGISTRATION_OFFICER, True), (Role.DATA_STEWARD, True),
    (Role.BOARD_MEMBER, True), (Role.AUDITOR, True), (Role.ADMINISTRATOR, False),
    (Role.PARTNER, False), (Role.PERSON, False), (Role.SYSTEM, False),
])
def test_the_roles_that_read_records_search(role, allowed):
    actor = Actor("x", role, frozenset({"RU-RYA"}))
    decision = may_search_people(actor)
    assert bool(decision) is allowed
    assert decision.reason == "allowed" if allowed else str(role) in decision.reason
