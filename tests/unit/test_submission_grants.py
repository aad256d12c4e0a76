"""Partners' submission grants, the fields that wait for review, and the four-eyes rule (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.kernel.actor import Actor, Role
from muster.rules.review import acceptance_problem, complete, may_review
from muster.rules.submissions import (
    GRANTABLE,
    KINDS,
    REVIEWED_FIELDS,
    approvals_needed,
    held_for_review,
    parse_grant,
    ungranted,
)


@pytest.mark.parametrize(
    ("items", "fields"),
    [
        ([], ()),
        (["death"], ("death_date",)),
        (["contact"], ("electronic_account", "email", "phone")),
        (["address", "email"], ("address", "email")),  # `address` is the field (and a kind)
        (["address", "postcode", "district", "death"], ("address", "death_date", "district", "postcode")),
        ([" phone ", "phone"], ("phone",)),
    ],
)
def test_a_grant_is_kinds_and_fields(items, fields):
    assert parse_grant(items) == (fields, [])


def test_an_unknown_grant_item_is_named():
    _, problems = parse_grant(["death", "teleport"])
    assert [p.column for p in problems] == ["--submit"] and "'teleport'" in problems[0].reason


@pytest.mark.parametrize(
    ("kind", "data", "grant", "refused"),
    [
        ("death", {"death_date": "2026-01-01"}, frozenset(), ["kind"]),  # only exit_ban: nothing to submit
        ("death", {"death_date": "2026-01-01"}, frozenset({"email"}), ["kind"]),
        ("death", {"death_date": "2026-01-01"}, frozenset({"death_date"}), []),
        ("address", {"address": "x", "district": "RU-MOW"}, frozenset({"address", "postcode"}), ["data.district"]),
        ("contact", {"email": "a@b.ru", "electronic_account": True}, frozenset({"email"}),
         ["data.electronic_account"]),
        ("marriage", {}, frozenset(), []),  # an unknown kind is the validation's to refuse (422)
    ],
)
def test_fields_outside_the_grant_are_refused_by_name(kind, data, grant, refused):
    assert [p.column for p in ungranted(kind, data, grant)] == refused


@given(st.sampled_from(sorted(KINDS)), st.sets(st.sampled_from(GRANTABLE)))
def test_a_submission_within_its_grant_is_never_refused(kind, grant):
    data = {f: "x" for f in KINDS[kind][0] if f in grant}
    if data:
        assert ungranted(kind, data, frozenset(grant)) == []


@pytest.mark.parametrize(
    ("changes", "authoritative", "held"),
    [
        ({"death_date": "2026-01-01"}, set(), ("death_date",)),
        ({"death_date": "2026-01-01"}, {"death_date"}, ()),
        ({"address": "x", "postcode": "101000", "district": "RU-MOW"}, set(), ("district",)),
        ({"email": "a@b.ru", "phone": "+79990001122", "electronic_account": True}, {"phone"},
         ("email", "electronic_account")),
        ({"address": "abroad: DE, since 2026-01-05"}, set(), ()),
    ],
)
def test_death_district_citizenship_and_contact_wait_for_review_unless_authoritative(changes, authoritative, held):
    assert held_for_review(changes, lambda f: f in authoritative) == held


def test_citizenship_is_reviewed_and_a_death_needs_two_officers():
    assert "citizenship" in REVIEWED_FIELDS
    assert approvals_needed(["death_date"]) == 2
    assert approvals_needed(["district", "email"]) == 1


def test_nobody_accepts_the_same_change_twice():
    assert acceptance_problem("cli:alice", [], 2) is None
    assert "accepted this change already" in acceptance_problem("cli:alice", ["cli:alice"], 2)
    assert acceptance_problem("cli:bob", ["cli:alice"], 2) is None
    assert not complete(["cli:alice"], 2) and complete(["cli:alice", "cli:bob"], 2)
    assert not complete(["cli:alice", "cli:alice"], 2)  # the same actor twice is one officer


@pytest.mark.parametrize(
    ("actor", "district", "allowed"),
    [
        (Actor.officer("cli:op"), "RU-MOW", True),
        (Actor.officer("a", Role.REGISTRATION_OFFICER, frozenset({"RU-MOW"})), "RU-MOW", True),
        (Actor.officer("a", Role.DATA_STEWARD, frozenset({"RU-MOW"})), "RU-MOW", True),
        (Actor.officer("a", Role.REGISTRATION_OFFICER, frozenset({"RU-SPE"})), "RU-MOW", False),
        (Actor.officer("a", Role.AUDITOR), "RU-MOW", False),
        (Actor.officer("a", Role.BOARD_MEMBER), "RU-MOW", False),
        (Actor.partner(1, "Border", frozenset({"exit_ban"})), "RU-MOW", False),
        (Actor.person(1), "RU-MOW", False),
        (Actor.system(), "RU-MOW", False),
    ],
)
def test_reviewers_are_registration_officers_and_data_stewards_of_the_district(actor, district, allowed):
    assert bool(may_review(actor, district)) is allowed
