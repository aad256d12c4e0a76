"""The pure rules of applications (muster.rules.applications): numbers, the urgency cut-off the
queue's SQL compares with, reminders, the status reason liability shows, and decision reasons."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.kernel.actor import Actor, Role
from muster.rules.access import may_apply
from muster.rules.applications import (
    ADVERSE_OUTCOMES,
    OFFICER_OUTCOMES,
    BadNumber,
    Outcome,
    appeal_deadline_of,
    decision_reasons,
    format_number,
    parse_number,
    remind_from,
    reminder_due,
    status_reason,
    urgent_before,
)
from muster.rules.casework import Period, is_urgent
from muster.rules.casework_policy import (
    AppealLevel,
    Casework,
    Deadline,
    Duration,
    Ground,
    ServiceLevels,
)
from muster.rules.working_days import WorkingCalendar

STUDY = Ground("study", "Full-time study for the standard term of the programme",
               "Federal Law 53-FZ Art. 24 para 2(a)", duration=Duration("until_evidence_date", 72, None, "expected_end"))
ILLNESS = Ground("illness", "Illness or injury with loss of capacity to work", "Federal Law 53-FZ Art. 7 para 2(a)")
LEVEL_1 = AppealLevel(1, "regional draft commission", "Federal Law 53-FZ Art. 29 para 7",
                      Deadline(3, "months", "decision"), (), Deadline(5, "working_days", "filing"), "nothing")
CASEWORK = Casework(deferments=(STUDY,), appeals=(LEVEL_1,),
                    service_levels=ServiceLevels(decide_within_working_days=10, urgent_within_working_days=3))
# New Year holidays of 2027 (1-8 January) and a transferred working Saturday.
CALENDAR = WorkingCalendar(holidays=frozenset(date(2027, 1, d) for d in range(1, 9)),
                           working_days=frozenset({date(2026, 12, 26)}))


@pytest.mark.parametrize(("pk", "printed"), [(1, "A-0000001"), (123, "A-0000123"), (9_999_999, "A-9999999"),
                                              (12_345_678, "A-12345678")])
def test_numbers_print_and_parse_back(pk, printed):
    assert format_number(pk) == printed
    assert parse_number(printed) == pk
    assert parse_number(printed.lower()) == pk and parse_number(printed.replace("-", "")) == pk


@pytest.mark.parametrize("text", ["", "A-", "B-0000001", "A-0000000", "123", "A-12x", "A--1"])
def test_bad_numbers_are_refused(text):
    with pytest.raises(BadNumber, match="not an application number"):
        parse_number(text)


@given(today=st.dates(min_value=date(2026, 12, 1), max_value=date(2027, 1, 31)),
       appearance=st.dates(min_value=date(2026, 11, 20), max_value=date(2027, 2, 20)))
def test_the_urgency_cut_off_is_the_pure_rule_as_a_date_comparison(today, appearance):
    cut_off = urgent_before(CASEWORK, today, CALENDAR)
    assert (appearance < cut_off) == is_urgent(CASEWORK, appearance, today, CALENDAR)


@pytest.mark.parametrize(("today", "cut_off"), [
    (date(2026, 12, 28), date(2027, 1, 11)),  # Mon: Tue 29, Wed 30, Thu 31; the 4th is after the holidays
    (date(2026, 12, 30), date(2027, 1, 13)),  # Wed: Thu 31, Mon 11, Tue 12 are the three; Wed 13 is not
    (date(2026, 12, 24), date(2026, 12, 29)),  # Thu: Fri 25, the working Saturday 26, Mon 28; Tue 29 is not
])
def test_urgency_counts_working_days(today, cut_off):
    # urgent when the appearance is at most 3 working days away: strictly before the 4th working day.
    assert urgent_before(CASEWORK, today, CALENDAR) == cut_off


@pytest.mark.parametrize(("until", "today", "due"), [
    (date(2027, 6, 30), date(2027, 5, 30), False),
    (date(2027, 6, 30), date(2027, 5, 31), True),
    (date(2027, 6, 30), date(2027, 6, 30), True),
    (date(2027, 6, 30), date(2027, 7, 1), False),
    (None, date(2027, 6, 30), False),
])
def test_the_reminder_is_due_from_30_days_before_the_last_day(until, today, due):
    assert reminder_due(until, today) is due
    if until is not None:
        assert remind_from(until) == until - timedelta(days=30)


def test_the_status_reason_names_the_ground_the_end_and_the_decision():
    period = Period(date(2026, 3, 4), date(2027, 6, 30), "as decided")
    assert status_reason("deferment", STUDY, period, "A-0000123") == \
        "deferred: full-time study until 2027-06-30 (decision A-0000123)"
    exempt = Ground("academic_degree", "Holds an academic degree", "Art. 23")
    assert status_reason("exemption", exempt, None, "A-0000007") == "exempt: holds an academic degree (decision A-0000007)"


def test_a_granted_deferment_gives_its_period_and_the_day_liability_returns():
    period = Period(date(2026, 3, 4), date(2027, 6, 30), "as decided")
    reasons = decision_reasons("deferment", STUDY, "granted", period, "enrolment certificate", appeal=LEVEL_1,
                               appeal_deadline=date(2026, 6, 4))
    assert reasons.legal_basis == "Federal Law 53-FZ Art. 24 para 2(a)"
    assert reasons.sentences[0] == ("Deferment granted on the ground: Full-time study for the standard term of the "
                                    "programme (Federal Law 53-FZ Art. 24 para 2(a)).")
    assert "liable again from 2027-07-01" in reasons.sentences[1]
    assert reasons.sentences[-1] == "Reason given: enrolment certificate."
    assert not any("appeal" in s for s in reasons.sentences)


def test_a_refusal_states_the_appeal_route_and_deadline():
    reasons = decision_reasons("deferment", STUDY, "refused", None, "no certificate.", appeal=LEVEL_1,
                               appeal_deadline=date(2026, 6, 4))
    assert reasons.sentences[-1] == ("The decision may be appealed to the regional draft commission "
                                     "(Federal Law 53-FZ Art. 29 para 7) until 2026-06-04 inclusive.")
    court = decision_reasons("alternative_service", STUDY, "refused", None, "x", appeal=None, appeal_deadline=None,
                             appeal_route="court (113-FZ Art. 12 para 6)")
    assert court.sentences[-1] == "The refusal may be appealed to the court (113-FZ Art. 12 para 6)."


def test_an_accepted_excuse_names_its_summons_and_the_duty_after():
    reasons = decision_reasons("excuse", ILLNESS, "granted", Period(date(2026, 4, 7), None, "with no end"),
                               "sick note", appeal=LEVEL_1, appeal_deadline=None, summons_number="000000012-34",
                               duty_after="Once the excuse has ended the person must appear")
    assert "Summons 000000012-34 is closed as excused" in " ".join(reasons.sentences)
    assert "Once the excuse has ended the person must appear." in reasons.sentences
    assert not any("deferment" in sentence.lower() for sentence in reasons.sentences)


@pytest.mark.parametrize("kind", ["exemption", "alternative_service"])
def test_a_grant_without_end_says_so_and_speaks_of_no_deferment(kind):
    reasons = decision_reasons(kind, ILLNESS, "granted", Period(date(2026, 4, 7), None, "with no end"), "report",
                               appeal=LEVEL_1, appeal_deadline=None)
    assert "It takes effect on 2026-04-07, with no end." in reasons.sentences
    assert not any("deferment" in sentence.lower() for sentence in reasons.sentences)


def test_criteria_of_straight_through_processing_are_reasons():
    reasons = decision_reasons("deferment", STUDY, "granted", Period(date(2026, 9, 1), date(2030, 6, 30), "x"), "",
                               appeal=LEVEL_1, appeal_deadline=None,
                               criteria=("full_time: true", "expected_end: 2030-06-30 after today"))
    assert "Criterion met: full_time: true." in reasons.sentences
    assert not any(s.startswith("Reason given") for s in reasons.sentences)


def test_an_ended_deferment_says_until_when_and_how_to_appeal():
    reasons = decision_reasons("deferment", STUDY, Outcome.ENDED, Period(date(2025, 9, 1), date(2026, 3, 4), "x"),
                               "Decided by straight-through rule study_ended", appeal=LEVEL_1,
                               appeal_deadline=date(2026, 6, 4), criteria=("status: expelled",), ends="A-0000007")
    assert reasons.sentences == (
        "Deferment ended on the ground: Full-time study for the standard term of the programme "
        "(Federal Law 53-FZ Art. 24 para 2(a)).",
        "The deferment of decision A-0000007 ends on 2026-03-04; the person is liable again from 2026-03-05.",
        "Criterion met: status: expelled.",
        "Reason given: Decided by straight-through rule study_ended.",
        "The decision may be appealed to the regional draft commission (Federal Law 53-FZ Art. 29 para 7) "
        "until 2026-06-04 inclusive.")


# (outcome, an officer may decide it, it goes against the person)
OUTCOMES = [("granted", True, False), ("refused", True, True), ("ended", False, True)]


@pytest.mark.parametrize(("outcome", "by_officer", "adverse"), OUTCOMES)
def test_every_outcome_is_a_member_and_says_who_decides_it_and_whether_it_is_adverse(outcome, by_officer, adverse):
    assert Outcome(outcome) == outcome and {o.value for o in Outcome} == {o for o, _, _ in OUTCOMES}
    assert (outcome in OFFICER_OUTCOMES, outcome in ADVERSE_OUTCOMES) == (by_officer, adverse)


@pytest.mark.parametrize(("decided", "deadline"), [(date(2026, 3, 4), date(2026, 6, 4)),
                                                    (date(2026, 11, 30), date(2027, 2, 28))])
def test_the_appeal_deadline_is_level_ones(decided, deadline):
    assert appeal_deadline_of(CASEWORK, decided, CALENDAR) == deadline
    assert appeal_deadline_of(Casework(), decided, CALENDAR) is None


@pytest.mark.parametrize(("who", "person_id", "district", "allowed"), [
    (Actor.person(7), 7, "RU-RYA", True),
    (Actor.person(7), 8, "RU-RYA", False),
    (Actor.officer("cli:a", Role.REGISTRATION_OFFICER, frozenset({"RU-RYA"})), 7, "RU-RYA", True),
    (Actor.officer("cli:a", Role.REGISTRATION_OFFICER, frozenset({"RU-RYA"})), 7, "RU-MOW", False),
    (Actor.officer("cli:a", Role.AUDITOR), 7, "RU-RYA", False),
    (Actor.officer("cli:a", Role.OPERATOR), 7, "RU-MOW", True),
    (Actor.system("stp"), 7, "RU-MOW", True),
])
def test_who_may_file_an_application(who, person_id, district, allowed):
    assert bool(may_apply(who, person_id, district)) is allowed
