"""The pure casework rules (muster.rules.casework) over the shipped packs' casework policy: which
ground an application may name, how long a granted deferment lasts, which decisions need a second
officer, when an application is due, urgent and overdue."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.policy.calendar import working_calendar
from muster.policy.files import find_builtin_pack
from muster.rules.casework import (
    CaseworkProblem,
    deferment_period,
    due_on,
    ground_of,
    is_overdue,
    is_urgent,
    longest_until,
    months_last_day,
    needs_second_officer,
)
from muster.rules.casework_policy import Duration, Ground, ServiceLevels

RU_PACK = find_builtin_pack("ru")
US_PACK = find_builtin_pack("registration-only")
RU = RU_PACK.versions[-1].casework
US = US_PACK.versions[-1].casework
RU_DAYS = working_calendar(RU_PACK, RU_PACK.versions[-1], date(2026, 1, 1))
US_DAYS = working_calendar(US_PACK, US_PACK.versions[-1], date(2026, 1, 1))
RU_DEFERMENTS = ", ".join(g.code for g in RU.deferments)
RU_EXEMPTIONS = ", ".join(g.code for g in RU.exemptions)


def d(text: str) -> date:
    return date.fromisoformat(text)


def ground(rule: str, **duration: object) -> Ground:
    return Ground(code=f"test_{rule}", name="a test ground", legal_reference="Test Act Art. 1",
                  duration=Duration(rule=rule, **duration))  # type: ignore[arg-type]


ONE_MONTH = ground("fixed", max_months=1)
UNTIL_END = ground("until_evidence_date", evidence_date="expected_end")  # no cap


@pytest.mark.parametrize(
    ("casework", "kind", "code"),
    [
        (RU, "deferment", "study"), (RU, "deferment", "it_employee"), (RU, "exemption", "category_v"),
        (RU, "excuse", "other"), (RU, "correction", "personal_data"),
        (RU, "alternative_service", "indigenous_small_people"),
        (US, "deferment", "hardship"), (US, "correction", "registration_data"),
    ],
)
def test_ground_of_finds_the_ground_of_its_kind(casework, kind, code):
    assert ground_of(casework, kind, code).code == code


@pytest.mark.parametrize(
    ("casework", "kind", "code", "message"),
    [
        (RU, "deferment", "studies", f"unknown deferment ground 'studies'; the grounds are {RU_DEFERMENTS}"),
        (RU, "exemption", "study", f"'study' is a ground of deferment, not of exemption (its grounds: {RU_EXEMPTIONS})"),
        (RU, "excuse", "category_v", "'category_v' is a ground of exemption, not of excuse (its grounds: illness, "
                                     "relative, force_majeure, other)"),
        (RU, "alternative_service", "study", "'study' is a ground of deferment, not of alternative service (its "
                                             "grounds: convictions_or_religion, indigenous_small_people)"),
        (US, "exemption", "category_v", "unknown exemption ground 'category_v'; the grounds are none"),
        (US, "excuse", "illness", "unknown excuse ground 'illness'; the grounds are none"),
        (RU, "pension", "study", "unknown application kind 'pension'; kinds are deferment, exemption, "
                                 "alternative_service, excuse, correction"),
    ],
)
def test_ground_of_refuses_with_a_reason(casework, kind, code, message):
    with pytest.raises(CaseworkProblem) as info:
        ground_of(casework, kind, code)
    assert str(info.value) == message


STUDY = RU.ground("deferment", "study")
UNFIT = RU.ground("deferment", "temporary_unfitness")
CARE = RU.ground("deferment", "care_of_relative")
HARDSHIP = US.ground("deferment", "hardship")


@pytest.mark.parametrize(
    ("grant", "start", "requested", "evidence", "until", "explanation"),
    [
        # fixed, in months: the day before the same day a year later
        (UNFIT, "2026-03-15", None, {}, "2027-03-14", "at most 12 months"),
        (UNFIT, "2026-03-15", "2026-09-30", {}, "2026-09-30", "as decided"),
        (UNFIT, "2026-03-15", "2027-03-14", {}, "2027-03-14", "as decided"),  # exactly the longest
        (UNFIT, "2026-03-15", "2026-03-15", {}, "2026-03-15", "as decided"),  # one day
        (UNFIT, "2024-02-29", None, {}, "2025-02-28", "at most 12 months"),
        (ONE_MONTH, "2026-01-31", None, {}, "2026-02-28", "at most 1 months"),  # month end: all of February
        (ONE_MONTH, "2026-01-30", None, {}, "2026-02-28", "at most 1 months"),
        (ONE_MONTH, "2026-01-28", None, {}, "2026-02-27", "at most 1 months"),
        (ONE_MONTH, "2024-01-31", None, {}, "2024-02-29", "at most 1 months"),
        (ONE_MONTH, "2026-02-01", None, {}, "2026-02-28", "at most 1 months"),
        # fixed, in days (registration-only hardship: at most 365 days)
        (HARDSHIP, "2026-01-01", None, {}, "2026-12-31", "at most 365 days"),
        (HARDSHIP, "2028-01-01", None, {}, "2028-12-30", "at most 365 days"),  # a leap year
        # until a date in the evidence, capped by the maximum (study: 72 months)
        (STUDY, "2026-09-01", None, {"expected_end": d("2030-06-30")}, "2030-06-30",
         "until the expected end in the evidence, at most 72 months"),
        (STUDY, "2026-09-01", None, {"expected_end": d("2035-06-30")}, "2032-08-31",
         "until the expected end in the evidence, at most 72 months"),
        (STUDY, "2026-09-01", "2030-06-30", {}, "2030-06-30", "as decided"),  # the officer gives the date
        (STUDY, "2026-09-01", "2029-06-30", {"expected_end": d("2030-06-30")}, "2029-06-30", "as decided"),
        (UNTIL_END, "2026-09-01", None, {"expected_end": d("2040-06-30")}, "2040-06-30",
         "until the expected end in the evidence"),
        # while a condition lasts: no end date unless the officer sets one
        (CARE, "2026-03-01", None, {}, None,
         "until the relative needs constant care and no one else is obliged by law to give it"),
        (CARE, "2026-03-01", "2027-12-31", {}, "2027-12-31", "as decided"),
    ],
)
def test_deferment_period(grant, start, requested, evidence, until, explanation):
    period = deferment_period(grant, d(start), d(requested) if requested else None, evidence)
    assert (period.start, period.until, period.explanation) == (d(start), d(until) if until else None, explanation)


@pytest.mark.parametrize(
    ("grant", "start", "requested", "evidence", "message"),
    [
        (UNFIT, "2026-03-15", "2027-03-15", {},
         "the period asked, until 2027-03-15, is longer than ground temporary_unfitness allows: at most until "
         "2027-03-14 (at most 12 months)"),
        (HARDSHIP, "2026-01-01", "2027-01-01", {},
         "the period asked, until 2027-01-01, is longer than ground hardship allows: at most until 2026-12-31 "
         "(at most 365 days)"),
        (STUDY, "2026-09-01", "2030-07-01", {"expected_end": d("2030-06-30")},
         "the period asked, until 2030-07-01, is longer than ground study allows: at most until 2030-06-30 "
         "(until the expected end in the evidence, at most 72 months)"),
        (STUDY, "2026-09-01", "2032-09-01", {},
         "the period asked, until 2032-09-01, is longer than ground study allows: at most until 2032-08-31 "
         "(until the expected end in the evidence, at most 72 months)"),
        (UNFIT, "2026-03-15", "2026-03-14", {}, "the period would end on 2026-03-14, before it starts on 2026-03-15"),
        (CARE, "2026-03-15", "2026-01-01", {}, "the period would end on 2026-01-01, before it starts on 2026-03-15"),
        (STUDY, "2026-09-01", None, {}, "ground study lasts until the expected end in the evidence: give that date "
                                        "(--until)"),
        (STUDY, "2026-09-01", None, {"expected_end": d("2026-06-30")},
         "the expected end in the evidence, 2026-06-30, is before the period would start on 2026-09-01: nothing to "
         "defer"),
        (RU.ground("exemption", "category_v"), "2026-09-01", None, {}, "ground category_v states no duration"),
    ],
)
def test_deferment_period_refused(grant, start, requested, evidence, message):
    with pytest.raises(CaseworkProblem) as info:
        deferment_period(grant, d(start), d(requested) if requested else None, evidence)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("casework", "kind", "code", "outcome", "needed"),
    [
        # always, whatever the policy says
        (RU, "alternative_service", "convictions_or_religion", "refused", True),
        (US, "alternative_service", "convictions_or_religion", "refused", True),
        (RU, "exemption", "category_v", "granted", True),
        (US, "exemption", "anything", "granted", True),
        # the ru pack names the open excuse
        (RU, "excuse", "other", "granted", True),
        (US, "excuse", "other", "granted", False),
        # not
        (RU, "excuse", "other", "refused", False),
        (RU, "excuse", "illness", "granted", False),
        (RU, "deferment", "study", "granted", False),
        (RU, "deferment", "study", "refused", False),
        (RU, "alternative_service", "convictions_or_religion", "granted", False),
        (RU, "exemption", "category_v", "refused", False),
        (RU, "correction", "personal_data", "granted", False),
    ],
)
def test_needs_second_officer(casework, kind, code, outcome, needed):
    assert needs_second_officer(casework, kind, code, outcome) is needed


def test_needs_second_officer_refuses_an_unknown_outcome():
    with pytest.raises(CaseworkProblem, match="unknown outcome 'allowed'; outcomes are granted, refused"):
        needs_second_officer(RU, "deferment", "study", "allowed")


EXCUSE_IN_3 = replace(RU, service_levels=ServiceLevels(decide_within_working_days=10, by_kind=(("excuse", 3),)))


@pytest.mark.parametrize(
    ("casework", "calendar", "kind", "filed", "due"),
    [
        (RU, RU_DAYS, "deferment", "2026-04-27", "2026-05-13"),   # 10 working days over the May holidays
        (RU, RU_DAYS, "excuse", "2025-12-30", "2026-01-23"),
        (RU, RU_DAYS, "exemption", "2026-01-03", "2026-01-23"),   # filed on a holiday: counted from the next
        (EXCUSE_IN_3, RU_DAYS, "excuse", "2026-02-20", "2026-02-26"),
        (EXCUSE_IN_3, RU_DAYS, "deferment", "2026-02-20", "2026-03-10"),  # 23 February and 9 March off
        (US, US_DAYS, "correction", "2026-01-05", "2026-01-20"),
        (US, US_DAYS, "deferment", "2026-11-20", "2026-12-07"),   # over Thanksgiving
    ],
)
def test_due_on(casework, calendar, kind, filed, due):
    assert due_on(casework, kind, d(filed), calendar) == d(due)


@pytest.mark.parametrize(
    ("casework", "calendar", "appearance", "today", "urgent"),
    [
        (RU, RU_DAYS, None, "2026-04-27", False),            # no summons: never urgent
        (RU, RU_DAYS, "2026-05-13", "2026-04-27", True),     # exactly 10 working days away
        (RU, RU_DAYS, "2026-05-14", "2026-04-27", False),    # 11
        (RU, RU_DAYS, "2026-04-27", "2026-04-27", True),     # today
        (RU, RU_DAYS, "2026-04-01", "2026-04-27", True),     # passed
        (RU, RU_DAYS, "2026-01-23", "2025-12-30", True),     # 10 working days over the New Year holidays
        (RU, RU_DAYS, "2026-01-26", "2025-12-30", False),
        (US, US_DAYS, "2026-01-06", "2026-01-05", False),    # threshold 0: only on the day or after
        (US, US_DAYS, "2026-01-05", "2026-01-05", True),
    ],
)
def test_is_urgent(casework, calendar, appearance, today, urgent):
    assert is_urgent(casework, d(appearance) if appearance else None, d(today), calendar) is urgent


@pytest.mark.parametrize(
    ("due", "today", "overdue"),
    [("2026-05-13", "2026-05-12", False), ("2026-05-13", "2026-05-13", False), ("2026-05-13", "2026-05-14", True)],
)
def test_is_overdue(due, today, overdue):
    assert is_overdue(d(due), d(today)) is overdue


DURATIONS = [g for g in RU.deferments + US.deferments] + [
    ONE_MONTH, UNTIL_END, ground("fixed", max_days=1), ground("until_evidence_date", evidence_date="expected_end",
                                                              max_days=90)]
starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(st.sampled_from(DURATIONS), starts, st.none() | st.integers(min_value=-30, max_value=3000),
       st.none() | st.integers(min_value=-30, max_value=3000))
def test_a_granted_period_never_exceeds_the_grounds_longest(grant, start, asked_days, evidence_days):
    evidence = {} if evidence_days is None else {"expected_end": start + timedelta(days=evidence_days)}
    asked = None if asked_days is None else start + timedelta(days=asked_days)
    longest = longest_until(grant, start, evidence)
    try:
        period = deferment_period(grant, start, asked, evidence)
    except CaseworkProblem:
        assert asked is None or asked < start or (longest is not None and asked > longest)
        return
    assert period.start == start
    if period.until is not None:
        assert start <= period.until
        assert longest is None or period.until <= longest
    assert period.until == (asked if asked is not None else longest)


@given(st.sampled_from(DURATIONS), starts, st.none() | st.integers(min_value=0, max_value=3000))
def test_asking_for_exactly_the_longest_is_accepted(grant, start, evidence_days):
    evidence = {} if evidence_days is None else {"expected_end": start + timedelta(days=evidence_days)}
    longest = longest_until(grant, start, evidence)
    if longest is None:
        return
    assert deferment_period(grant, start, longest, evidence).until == longest


@given(starts, starts, st.integers(min_value=1, max_value=120))
def test_a_period_of_months_ends_on_or_after_its_start_and_grows_with_it(a, b, months):
    first, second = sorted((a, b))
    assert first <= months_last_day(first, months) <= months_last_day(second, months)
    assert months_last_day(first, months) < months_last_day(first, months + 1)
