"""Access decisions (muster.rules.access) as a table of cases: who may read, act, run campaigns,
administer; each refusal says why."""

from __future__ import annotations

import pytest

from muster.kernel.actor import Actor, Role
from muster.rules import access

MOW, RYA = "RU-MOW", "RU-RYA"
operator = Actor.officer("cli:root", purpose="lookup")
officer = Actor.officer("anna", Role.REGISTRATION_OFFICER, frozenset({MOW}), purpose="appeal 12")
officer_no_purpose = Actor.officer("anna", Role.REGISTRATION_OFFICER, frozenset({MOW}))
steward = Actor.officer("sam", Role.DATA_STEWARD, frozenset({MOW}), purpose="conflict 3")
auditor = Actor.officer("olga", Role.AUDITOR, frozenset(), purpose="complaint 9")
admin = Actor.officer("root", Role.ADMINISTRATOR, None, purpose="curious")
partner = Actor.partner(1, "Border", frozenset({"exit_ban"}), purpose="check")
person = Actor.person(17)
engine = Actor.system("engine")


@pytest.mark.parametrize(("actor", "person_id", "district", "allowed", "reason"), [
    (operator, 5, RYA, True, "allowed"),
    (officer, 5, MOW, True, "allowed"),
    (officer, 5, RYA, False, "outside your districts (RU-MOW)"),
    (officer, 5, None, False, "outside your districts (RU-MOW)"),
    (officer_no_purpose, 5, MOW, False, "state the purpose of reading this record"),
    (steward, 5, MOW, True, "allowed"),
    (auditor, 5, MOW, False, "outside your districts (none)"),
    (admin, 5, MOW, False, "the administrator role reads no person's record"),
    (partner, 5, MOW, False, "the partner role reads no person's record"),
    (person, 17, MOW, True, "allowed"),
    (person, 18, MOW, False, "not your record"),
    (engine, 5, RYA, True, "allowed"),
])
def test_may_read_person(actor, person_id, district, allowed, reason):
    decision = access.may_read_person(actor, person_id, district)
    assert (decision.allowed, decision.reason) == (allowed, reason)
    assert bool(decision) is allowed


@pytest.mark.parametrize(("actor", "district", "allowed"), [
    (operator, RYA, True), (officer, MOW, True), (officer, RYA, False), (steward, MOW, False),
    (auditor, MOW, False), (admin, MOW, False), (partner, MOW, False), (person, MOW, False), (engine, MOW, True),
])
def test_may_act_on_person(actor, district, allowed):
    assert access.may_act_on_person(actor, district).allowed is allowed


@pytest.mark.parametrize(("actor", "allowed"), [
    (operator, True), (officer, True), (steward, False), (auditor, False), (admin, False), (partner, False),
    (person, False), (engine, True),
])
def test_may_sign_off(actor, allowed):
    assert access.may_sign_off(actor).allowed is allowed


@pytest.mark.parametrize(("actor", "districts", "allowed", "reason"), [
    (operator, {MOW, RYA}, True, "allowed"),
    (officer, {MOW}, True, "allowed"),
    (officer, {MOW, RYA}, False, "districts RU-RYA are not yours"),
    (steward, {MOW}, False, "the data_steward role may not run campaigns"),
    (partner, {MOW}, False, "the partner role may not run campaigns"),
    (Actor.officer("bo", Role.BOARD_MEMBER, frozenset({MOW})), {MOW}, False,
     "the board_member role may not run campaigns"),
])
def test_may_run_campaign(actor, districts, allowed, reason):
    decision = access.may_run_campaign(actor, frozenset(districts))
    assert (decision.allowed, decision.reason) == (allowed, reason)


@pytest.mark.parametrize(("actor", "administer", "feed", "statistics"), [
    (operator, True, True, True), (officer, False, False, True), (steward, False, True, True),
    (auditor, False, False, True), (admin, True, True, True), (partner, False, False, False),
    (person, False, False, False), (engine, True, True, True),
])
def test_administering_feeding_and_counting(actor, administer, feed, statistics):
    assert access.may_administer(actor).allowed is administer
    assert access.may_feed_registry(actor).allowed is feed
    assert access.may_read_statistics(actor).allowed is statistics


@pytest.mark.parametrize(("actor", "district", "count", "list_"), [
    (operator, None, True, True), (operator, RYA, True, True),
    (officer, MOW, True, True), (officer, RYA, False, False), (officer, None, False, False),
    (auditor, None, True, False), (auditor, MOW, True, False),
    (partner, MOW, False, False), (person, MOW, False, False), (engine, None, True, True),
])
def test_counting_and_listing_people_by_district(actor, district, count, list_):
    assert access.may_count(actor, district).allowed is count
    assert access.may_list_people(actor, district).allowed is list_


def test_a_partner_sees_only_its_kinds_and_others_see_all():
    kinds = frozenset({"exit_ban", "credit_ban", "driving_ban"})
    assert access.visible_kinds(partner, kinds) == {"exit_ban"}
    assert access.visible_kinds(operator, kinds) == kinds


def test_the_actor_roles_are_the_rules_vocabulary():
    from muster.kernel.actor import OFFICER_ROLES

    assert {str(r) for r in OFFICER_ROLES} == access.OFFICER_ROLES

