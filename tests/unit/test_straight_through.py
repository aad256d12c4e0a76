"""Straight-through rules, pure: each test kind at its boundaries, missing and mistyped facts, the
choice among a source's rules, and properties over random facts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.policy.files import find_builtin_pack
from muster.rules.casework_policy import STP_SOURCES, Criterion, StraightThroughRule
from muster.rules.straight_through import (
    OFFICER,
    decide_action,
    evaluate,
    finding,
    implied_ground,
    officer_note,
    rules_for,
    shown,
)

TODAY = date(2026, 3, 2)
RU = find_builtin_pack("ru").version("ru-2026-01-01").casework
REGISTRATION_ONLY = find_builtin_pack("registration-only").versions[-1].casework


def _rule(source: str, *criteria: Criterion, code: str = "r", action: str = "grant") -> StraightThroughRule:
    return StraightThroughRule(code=code, name=code, kind="deferment", ground="g", source=source, action=action,
                               criteria=criteria)


# (source, criterion, facts, holds, sentence); the SQL twin is held to the same table
# (tests/functional/test_stp_submissions.py).
BOUNDARIES = [
        ("enrolment", Criterion("full_time", "full_time", "is_true"), {"full_time": True}, True,
         "full_time: true (must be true)"),
        ("enrolment", Criterion("full_time", "full_time", "is_true"), {"full_time": False}, False,
         "full_time: false (must be true)"),
        ("employment", Criterion("gone", "accredited", "is_false"), {"accredited": False}, True,
         "accredited: false (must be false)"),
        ("employment", Criterion("gone", "accredited", "is_false"), {"accredited": True}, False,
         "accredited: true (must be false)"),
        ("enrolment", Criterion("enrolled", "status", "equals", "enrolled"), {"status": "enrolled"}, True,
         "status: enrolled (must be enrolled)"),
        ("enrolment", Criterion("enrolled", "status", "equals", "enrolled"), {"status": "graduated"}, False,
         "status: graduated (must be enrolled)"),
        ("enrolment", Criterion("lvl", "level", "one_of", ("bachelor", "master")), {"level": "master"}, True,
         "level: master (must be one of bachelor, master)"),
        ("enrolment", Criterion("lvl", "level", "one_of", ("bachelor", "master")), {"level": "postgraduate"}, False,
         "level: postgraduate (must be one of bachelor, master)"),
        # exactly 334 days holds; 333 does not
        ("employment", Criterion("days_employed", "days_employed", "at_least", 334), {"days_employed": 334}, True,
         "days_employed: 334 (must be at least 334)"),
        ("employment", Criterion("days_employed", "days_employed", "at_least", 334), {"days_employed": 333}, False,
         "days_employed: 333 (must be at least 334)"),
        ("employment", Criterion("few", "days_employed", "at_most", 10), {"days_employed": 10}, True,
         "days_employed: 10 (must be at most 10)"),
        ("employment", Criterion("few", "days_employed", "at_most", 10), {"days_employed": 11}, False,
         "days_employed: 11 (must be at most 10)"),
        ("enrolment", Criterion("since", "started_on", "at_least", date(2025, 9, 1)), {"started_on": "2025-09-01"},
         True, "started_on: 2025-09-01 (must be at least 2025-09-01)"),
        ("enrolment", Criterion("since", "started_on", "at_least", date(2025, 9, 1)), {"started_on": "2025-08-31"},
         False, "started_on: 2025-08-31 (must be at least 2025-09-01)"),
        # the day of expected_end is not after today; the day after is
        ("enrolment", Criterion("on", "expected_end", "after_today"), {"expected_end": "2026-03-02"}, False,
         "expected_end: 2026-03-02 (must be after today, 2026-03-02)"),
        ("enrolment", Criterion("on", "expected_end", "after_today"), {"expected_end": "2026-03-03"}, True,
         "expected_end: 2026-03-03 (must be after today, 2026-03-02)"),
        ("medical", Criterion("seen", "examined_on", "on_or_before_today"), {"examined_on": "2026-03-02"}, True,
         "examined_on: 2026-03-02 (must be on or before today, 2026-03-02)"),
        ("medical", Criterion("seen", "examined_on", "on_or_before_today"), {"examined_on": "2026-03-03"}, False,
         "examined_on: 2026-03-03 (must be on or before today, 2026-03-02)"),
        # exactly 365 days after holds, 366 does not, nor a day before
        ("employment", Criterion("soon", "hired_on", "within_days_after", 365, "diploma_on"),
         {"hired_on": "2026-07-01", "diploma_on": "2025-07-01"}, True,
         "hired_on: 2026-07-01 (must be within 365 days after diploma_on; diploma_on: 2025-07-01)"),
        ("employment", Criterion("soon", "hired_on", "within_days_after", 365, "diploma_on"),
         {"hired_on": "2026-07-02", "diploma_on": "2025-07-01"}, False,
         "hired_on: 2026-07-02 (must be within 365 days after diploma_on; diploma_on: 2025-07-01)"),
        ("employment", Criterion("soon", "hired_on", "within_days_after", 365, "diploma_on"),
         {"hired_on": "2025-06-30", "diploma_on": "2025-07-01"}, False,
         "hired_on: 2025-06-30 (must be within 365 days after diploma_on; diploma_on: 2025-07-01)"),
        ("employment", Criterion("soon", "hired_on", "within_days_after", 365, "diploma_on"),
         {"hired_on": "2025-06-30"}, False,
         "hired_on: 2025-06-30 (must be within 365 days after diploma_on; diploma_on: missing)"),
]


@pytest.mark.parametrize(("source", "criterion", "facts", "holds", "sentence"), BOUNDARIES)
def test_each_test_kind_at_its_boundaries(source, criterion, facts, holds, sentence):
    found = finding(criterion, source, facts, TODAY)
    assert (found.holds, found.sentence) == (holds, sentence)
    assert found.criterion == criterion.name and found.field == criterion.field


@pytest.mark.parametrize(
    ("criterion", "facts", "sentence"),
    [
        (Criterion("d", "days_employed", "at_least", 334), {}, "days_employed: missing (must be at least 334)"),
        (Criterion("d", "days_employed", "at_least", 334), {"days_employed": None},
         "days_employed: missing (must be at least 334)"),
        (Criterion("d", "days_employed", "at_least", 334), {"days_employed": "400"},
         "days_employed: '400' is not a whole number (must be at least 334)"),
        (Criterion("d", "days_employed", "at_least", 334), {"days_employed": True},
         "days_employed: True is not a whole number (must be at least 334)"),
        (Criterion("a", "accredited", "is_true"), {"accredited": 1}, "accredited: 1 is not true or false (must be true)"),
        (Criterion("h", "hired_on", "within_days_after", 365, "diploma_on"), {"hired_on": "2026-02-30"},
         "hired_on: '2026-02-30' is not a date (YYYY-MM-DD) (must be within 365 days after diploma_on)"),
        (Criterion("h", "hired_on", "within_days_after", 365, "diploma_on"), {"hired_on": "20260201"},
         "hired_on: '20260201' is not a date (YYYY-MM-DD) (must be within 365 days after diploma_on)"),
        (Criterion("e", "employer", "equals", "X"), {"employer": 5}, "employer: 5 is not text (must be X)"),
    ],
)
def test_a_missing_or_mistyped_fact_fails_its_criterion_with_a_sentence(criterion, facts, sentence):
    found = finding(criterion, "employment", facts, TODAY)
    assert not found.holds and found.sentence == sentence


def test_the_ru_rules_for_each_source_in_the_policys_order():
    assert [r.code for r in rules_for(RU, "enrolment")] == ["study_enrolment", "study_ended"]
    assert [r.code for r in rules_for(RU, "medical")] == ["medical_category_g"]
    assert [r.code for r in rules_for(RU, "employment")] == ["it_days_employed", "it_recent_graduate",
                                                             "it_left_accredited"]


STUDENT = {"institution": "MSU", "programme": "Physics", "level": "bachelor", "full_time": True,
           "started_on": "2024-09-01", "expected_end": "2028-06-30", "status": "enrolled"}


@pytest.mark.parametrize(
    ("source", "facts", "off", "action", "rule"),
    [
        ("enrolment", STUDENT, (), "grant", "study_enrolment"),
        ("enrolment", {**STUDENT, "full_time": False}, (), OFFICER, None),
        ("enrolment", {**STUDENT, "status": "graduated"}, (), "end", "study_ended"),
        ("enrolment", STUDENT, ("study_enrolment",), OFFICER, None),
        ("medical", {"category": "G", "examined_on": "2026-03-01"}, (), "grant", "medical_category_g"),
        ("medical", {"category": "A", "examined_on": "2026-03-01"}, (), OFFICER, None),
        ("employment", {"accredited": True, "days_employed": 334}, (), "renew", "it_days_employed"),
        ("employment", {"accredited": True, "days_employed": 300, "hired_on": "2026-01-10",
                        "diploma_on": "2025-06-30"}, (), "grant", "it_recent_graduate"),
        # both hold: the first in the policy's order decides; switched off, the next one does
        ("employment", {"accredited": True, "days_employed": 340, "hired_on": "2026-01-10",
                        "diploma_on": "2025-06-30"}, (), "renew", "it_days_employed"),
        ("employment", {"accredited": True, "days_employed": 340, "hired_on": "2026-01-10",
                        "diploma_on": "2025-06-30"}, ("it_days_employed",), "grant", "it_recent_graduate"),
        ("employment", {"accredited": False, "days_employed": 340}, (), "end", "it_left_accredited"),
    ],
)
def test_decide_action_among_a_sources_rules(source, facts, off, action, rule):
    decided = decide_action(rules_for(RU, source), facts, TODAY, switched_off=off)
    assert decided.action == action
    assert (decided.rule.code if decided.rule else None) == rule
    assert any("switched off" in r for r in decided.reasons) == bool(off)


def test_an_end_and_a_grant_holding_together_go_to_an_officer():
    grant = _rule("employment", Criterion("a", "accredited", "is_true"), code="g")
    end = _rule("employment", Criterion("d", "days_employed", "at_most", 10), code="e", action="end")
    decided = decide_action((grant, end), {"accredited": True, "days_employed": 3}, TODAY)
    assert decided.action == OFFICER and "at once" in decided.reasons[-1]


def test_the_reasons_name_each_criterion_and_its_value():
    reasons = decide_action(rules_for(RU, "enrolment"), STUDENT, TODAY).reasons
    assert "  full_time: true (must be true)" in reasons
    assert "  level: bachelor (must be one of bachelor, specialist, master)" in reasons
    assert "  expected_end: 2028-06-30 (must be after today, 2026-03-02)" in reasons


# --- properties -------------------------------------------------------------------------------------

def _value(ftype: str) -> st.SearchStrategy[object]:
    good = {"bool": st.booleans(), "int": st.integers(-5, 1000), "str": st.sampled_from(["a", "b", "enrolled", "G"]),
            "date": st.dates(date(2020, 1, 1), date(2030, 12, 31)).map(date.isoformat)}[ftype]
    return st.one_of(good, st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=12))


@st.composite
def facts_and_rule(draw):
    source = draw(st.sampled_from(sorted(STP_SOURCES)))
    fields = STP_SOURCES[source]
    facts = {f: draw(_value(t)) for f, t in fields.items() if draw(st.booleans())}
    criteria = []
    for i in range(draw(st.integers(1, 4))):
        field = draw(st.sampled_from(sorted(fields)))
        ftype = fields[field]
        test = draw(st.sampled_from({"bool": ["is_true", "is_false"], "int": ["equals", "at_least", "at_most"],
                                     "str": ["equals", "one_of"],
                                     "date": ["after_today", "on_or_before_today", "at_least", "within_days_after"]
                                     }[ftype]))
        value: object = None
        other = None
        if test in ("equals", "at_least", "at_most"):
            value = draw({"int": st.integers(0, 400), "str": st.sampled_from(["a", "enrolled"]),
                          "date": st.dates(date(2020, 1, 1), date(2030, 12, 31))}[ftype])
        elif test == "one_of":
            value = tuple(draw(st.lists(st.sampled_from(["a", "b", "G"]), min_size=1, max_size=3)))
        elif test == "within_days_after":
            value = draw(st.integers(0, 400))
            other = draw(st.sampled_from(sorted(f for f, t in fields.items() if t == "date")))
        criteria.append(Criterion(f"c{i}", field, test, value, other))
    return _rule(source, *criteria), facts


@given(facts_and_rule(), st.dates(date(2024, 1, 1), date(2028, 1, 1)))
def test_a_verdict_holds_iff_every_finding_holds_and_each_sentence_names_its_value(case, today):
    rule, facts = case
    verdict = evaluate(rule, facts, today)
    assert verdict.holds == all(f.holds for f in verdict.findings)
    assert len(verdict.findings) == len(rule.criteria)
    for f in verdict.findings:
        assert f.sentence.startswith(f"{f.field}: ")
        assert (shown(f.value) if f.value is not None else "missing") in f.sentence or repr(f.value) in f.sentence


@given(facts_and_rule(), st.dates(date(2024, 1, 1), date(2028, 1, 1)))
def test_a_rule_switched_off_never_decides(case, today):
    rule, facts = case
    assert decide_action((rule,), facts, today, switched_off=(rule.code,)).action == OFFICER
    on = decide_action((rule,), facts, today)
    assert (on.action == rule.action) == evaluate(rule, facts, today).holds


def test_days_counted_across_a_leap_year():
    c = Criterion("soon", "hired_on", "within_days_after", 366, "diploma_on")
    facts = {"diploma_on": "2027-07-01", "hired_on": (date(2027, 7, 1) + timedelta(days=366)).isoformat()}
    assert finding(c, "employment", facts, TODAY).holds


# --- facts no rule decides: the ground they go to an officer on, and why --------------------------

# (source, facts, the (kind, ground) the fact asks about)
IMPLIED = [
    ("enrolment", {"status": "enrolled", "full_time": False}, ("deferment", "study")),  # part-time
    ("enrolment", {"status": "graduated"}, ("deferment", "study")),
    ("enrolment", {}, ("deferment", "study")),
    ("employment", {"accredited": True, "days_employed": 300}, ("deferment", "it_employee")),
    ("medical", {"category": "G", "examined_on": "2027-01-01"}, ("deferment", "temporary_unfitness")),  # not yet examined
    ("medical", {"category": "V", "examined_on": "2026-01-01"}, ("exemption", "category_v")),  # no rule: the exemption
    ("medical", {"category": "A"}, ("deferment", "temporary_unfitness")),
    ("medical", {"category": 7}, ("deferment", "temporary_unfitness")),
]


@pytest.mark.parametrize(("source", "facts", "expected"), IMPLIED)
def test_a_fact_no_rule_decides_goes_to_an_officer_on_the_ground_its_register_feeds(source, facts, expected):
    kind, ground = implied_ground(RU, source, facts)
    assert (kind, ground.code) == expected
    assert ground in RU.grounds(kind) and source in ground.registers


def test_a_policy_with_no_ground_the_register_feeds_implies_none():
    assert all(implied_ground(REGISTRATION_ONLY, s, {}) is None for s in STP_SOURCES)


# (source, facts, switched off, what the note says)
NOTES = [
    ("enrolment", {"status": "enrolled", "full_time": False, "level": "bachelor", "expected_end": "2029-06-30"}, (),
     "no straight-through rule holds (study_enrolment: full_time: false (must be true) | study_ended: status: "
     "enrolled (must be one of expelled, graduated, academic_leave))"),
    ("enrolment", {"status": "enrolled", "full_time": True, "level": "bachelor", "expected_end": "2029-06-30"},
     ("study_enrolment",), "no straight-through rule holds (study_enrolment: switched off | study_ended: status: "
     "enrolled (must be one of expelled, graduated, academic_leave))"),
]


@pytest.mark.parametrize(("source", "facts", "off", "said"), NOTES)
def test_the_note_says_why_no_rule_decided_a_fact(source, facts, off, said):
    assert officer_note(rules_for(RU, source), facts, TODAY, off) == said


def test_the_note_when_a_register_contradicts_itself():
    rules = (_rule("employment", Criterion("some", "days_employed", "at_least", 1), code="keep"),
             _rule("employment", Criterion("few", "days_employed", "at_most", 500), code="stop", action="end"))
    assert officer_note(rules, {"days_employed": 10}, TODAY) == (
        "rules that end and rules that grant or renew hold at once (keep: holds | stop: holds)")


def test_the_note_for_a_register_the_policy_has_no_rule_for():
    assert officer_note((), {"category": "V"}, TODAY) == (
        "no straight-through rule of the policy takes this register's facts")


@given(facts_and_rule(), st.dates(date(2024, 1, 1), date(2028, 1, 1)))
def test_every_rule_a_fact_fails_is_named_in_the_note_with_its_failing_criteria(case, today):
    rule, facts = case
    note = officer_note((rule,), facts, today)
    verdict = evaluate(rule, facts, today)
    assert note.startswith("no straight-through rule holds")
    if verdict.holds:
        assert f"{rule.code}: holds" in note
    else:
        assert all(f.sentence in note for f in verdict.findings if not f.holds)
