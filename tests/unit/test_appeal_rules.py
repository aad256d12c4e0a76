"""The pure rules of appeals (muster.rules.appeals): the level a new appeal goes to and why a level
is refused, the filing deadline and lateness, the due date, what filing suspends, what a ruling
does, and the printed numbers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules import appeals as rule
from muster.rules.appeals import AppealProblem, MeasureFacts, PriorAppeal, Ruling, SubjectDates
from muster.rules.casework_policy import AppealLevel, Casework, Deadline, ServiceLevels
from muster.rules.working_days import WorkingCalendar, add_working_days, working_days_between

COMMISSION = AppealLevel(1, "regional draft commission", "53-FZ Art. 29", Deadline(3, "months", "decision"), (),
                         Deadline(5, "working_days", "filing"), "nothing")
COURT = AppealLevel(2, "court", "CAS Art. 219", Deadline(3, "months", "decision"), (), None, "decision",
                    recorded_by_officer=True)
RU = (COMMISSION, COURT)
LOCAL = AppealLevel(1, "local board", "32 CFR 1648", Deadline(15, "days", "notice_mailed"), ("against_refusal",),
                    Deadline(10, "working_days", "filing"), "decision")
DISTRICT = AppealLevel(2, "district appeal board", "32 CFR 1653", Deadline(15, "days", "notice_mailed"),
                       ("previous_level_dismissed",), Deadline(20, "working_days", "filing"), "decision")
SSS = (LOCAL, DISTRICT)
CAL = WorkingCalendar(holidays=frozenset({date(2026, 5, 1), date(2026, 5, 11)}))


def prior(level: int, status: str = "open", outcome: str | None = None, on: date | None = None) -> PriorAppeal:
    return PriorAppeal(f"P-000000{level}", level, status, outcome, on)


@pytest.mark.parametrize(("chain", "earlier", "refusal", "wanted", "level"), [
    (RU, [], False, None, 1),
    (RU, [prior(1)], False, None, 2),  # the court may be seized while the commission hears it
    (RU, [], False, 2, 2),  # straight to court
    (SSS, [], True, None, 1),
    (SSS, [prior(1, "decided", "dismissed", date(2026, 3, 1))], True, None, 2),
])
def test_the_level_is_the_lowest_free_one_or_the_one_named(chain, earlier, refusal, wanted, level):
    assert rule.choose_level(chain, earlier, against_refusal=refusal, wanted=wanted).level == level


@pytest.mark.parametrize(("chain", "earlier", "refusal", "wanted", "words"), [
    (RU, [prior(1)], False, 1, "already under appeal at level 1 (regional draft commission): appeal P-0000001"),
    (RU, [prior(1), prior(2)], False, None, "already under appeal at every level"),
    (RU, [], False, 3, "the appeal chain has levels 1, 2, not 3"),
    ((), [], False, None, "no appeal chain"),
    (SSS, [], False, None, "appeals against a refused application only"),
    (SSS, [prior(1)], True, None, "appeal P-0000001 is still open"),
    (SSS, [prior(1, "decided", "allowed", date(2026, 3, 1))], True, None, "appeal P-0000001 was allowed"),
    (SSS, [], True, 2, "local board dismissed; was not appealed to it"),
])
def test_a_refused_level_says_which_condition_does_not_hold(chain, earlier, refusal, wanted, words):
    with pytest.raises(AppealProblem, match=words.replace("(", r"\(").replace(")", r"\)")):
        rule.choose_level(chain, earlier, against_refusal=refusal, wanted=wanted)


def test_previous_level_decided_needs_a_ruling_below():
    level = AppealLevel(2, "board", "", Deadline(1, "months", "decision"), ("previous_level_decided",), None, "nothing")
    chain = (COMMISSION, level)
    with pytest.raises(AppealProblem, match="has not yet ruled on appeal P-0000001"):
        rule.choose_level(chain, [prior(1)], against_refusal=False)
    assert rule.choose_level(chain, [prior(1, "decided", "allowed", date(2026, 3, 1))],
                             against_refusal=False).level == 2


@pytest.mark.parametrize(("level", "dates", "earlier", "day", "words"), [
    (COMMISSION, SubjectDates(date(2026, 3, 2), date(2026, 3, 9)), [], date(2026, 3, 2), "the decision"),
    (LOCAL, SubjectDates(date(2026, 3, 2), date(2026, 3, 9)), [], date(2026, 3, 9), "service of the summons"),
    (LOCAL, SubjectDates(date(2026, 3, 2)), [], date(2026, 3, 2), "the decision"),
    (DISTRICT, SubjectDates(date(2026, 3, 2)), [prior(1, "decided", "dismissed", date(2026, 4, 1))],
     date(2026, 4, 1), "the ruling on appeal P-0000001"),
    (COURT, SubjectDates(date(2026, 3, 2)), [], date(2026, 3, 2), "the decision"),  # the commission never heard it
])
def test_the_deadline_runs_from_its_event(level, dates, earlier, day, words):
    assert rule.deadline_event(level, dates, earlier) == (day, words)


@pytest.mark.parametrize(("level", "event", "deadline"), [
    (COMMISSION, date(2026, 1, 31), date(2026, 4, 30)),  # 3 months, the month's last day
    (LOCAL, date(2026, 3, 2), date(2026, 3, 17)),  # 15 days
])
def test_the_filing_deadline_and_lateness(level, event, deadline):
    assert rule.filing_deadline(level, event, CAL) == deadline
    assert not rule.is_late(deadline, deadline)
    assert rule.is_late(deadline + timedelta(days=1), deadline)


def test_the_due_date_is_decide_within_or_the_service_level_for_a_court():
    casework = Casework(service_levels=ServiceLevels(decide_within_working_days=10))
    # Filed on Wednesday 2026-04-29: 30 Apr, (1 May holiday), 4, 5, 6, 7 May.
    assert rule.due_date(casework, COMMISSION, date(2026, 4, 29), CAL) == date(2026, 5, 7)
    assert rule.due_date(casework, COURT, date(2026, 4, 29), CAL) == add_working_days(CAL, date(2026, 4, 29), 10)


MEASURES = [MeasureFacts(1, "exit_ban", "active"), MeasureFacts(2, "driving_ban", "active"),
            MeasureFacts(3, "credit_ban", "pending"), MeasureFacts(4, "credit_ban", "lifted")]


@pytest.mark.parametrize(("level", "choice", "ids"), [
    (COMMISSION, True, ()),
    (COURT, None, (1, 2)),  # automatic: only active measures can be suspended
    (COURT, False, (1, 2)),  # automatic ignores the officer's word
    (AppealLevel(2, "b", "", Deadline(1, "days", "decision"), (), None, "measures", ("driving_ban",)), None, (2,)),
    (AppealLevel(2, "b", "", Deadline(1, "days", "decision"), (), None, "measures"), None, (1, 2)),
    (AppealLevel(2, "b", "", Deadline(1, "days", "decision"), (), None, "decision", suspension="discretionary"),
     None, ()),
    (AppealLevel(2, "b", "", Deadline(1, "days", "decision"), (), None, "decision", suspension="discretionary"),
     True, (1, 2)),
])
def test_what_filing_suspends(level, choice, ids):
    assert rule.measures_to_suspend(level, MEASURES, choice) == ids


@pytest.mark.parametrize(("kind", "outcome", "effects"), [
    ("excuse", "refused", True), ("excuse", "granted", False), ("deferment", "refused", False)])
def test_an_application_has_effects_to_suspend_only_as_a_refused_excuse(kind, outcome, effects):
    assert rule.application_effects(kind, outcome) is effects


@pytest.mark.parametrize(("subject", "outcome", "effects"), [
    ("summons", "dismissed", Ruling(reinstate=True)),
    ("measure", "dismissed", Ruling(reinstate=True)),
    ("application", "dismissed", Ruling(reinstate=True)),
    ("summons", "allowed", Ruling(lift=True, cancel_summons=True)),
    ("measure", "allowed", Ruling(lift=True)),
    ("application", "allowed", Ruling(reopen_application=True)),
])
def test_what_a_ruling_does(subject, outcome, effects):
    assert rule.ruling(subject, outcome) == effects


def test_a_ruling_is_dismissed_or_allowed():
    with pytest.raises(AppealProblem):
        rule.ruling("summons", "granted")


@pytest.mark.parametrize(("text", "kind", "ref"), [
    ("application:A-0000001", "application", "A-0000001"), ("summons:0000001234", "summons", "0000001234"),
    ("measure:17", "measure", "17"), (" Measure : 17 ", "measure", "17")])
def test_subjects_parse(text, kind, ref):
    assert rule.parse_subject(text) == rule.Subject(kind, ref)


@pytest.mark.parametrize("text", ["", "decision:1", "measure:x", "summons:", "application"])
def test_bad_subjects_are_refused_naming_the_option(text):
    with pytest.raises(AppealProblem, match="--against"):
        rule.parse_subject(text)


@given(st.integers(min_value=1, max_value=10**9))
def test_numbers_round_trip(n):
    assert rule.parse_number(rule.format_number(n)) == n
    assert rule.format_number(n).startswith("P-")


@pytest.mark.parametrize("text", ["", "P-0", "A-0000001", "12x"])
def test_bad_numbers_are_refused(text):
    with pytest.raises(rule.BadNumber):
        rule.parse_number(text)


levels = st.integers(min_value=1, max_value=4)
priors = st.lists(st.builds(lambda lv, st_, oc: PriorAppeal(f"P-{lv}", lv, st_, oc if st_ == "decided" else None,
                                                            date(2026, 3, 1) if st_ == "decided" else None),
                            levels, st.sampled_from(["open", "decided"]), st.sampled_from(["dismissed", "allowed"])),
                  max_size=4, unique_by=lambda p: p.level)


@given(priors, st.booleans())
def test_a_chosen_level_is_never_one_used_and_every_entry_condition_holds(earlier, refusal):
    chain = (COMMISSION, COURT, LOCAL.__class__(3, "x", "", Deadline(1, "days", "decision"),
                                                ("previous_level_dismissed", "against_refusal"), None, "nothing"))
    try:
        chosen = rule.choose_level(chain, earlier, against_refusal=refusal)
    except AppealProblem:
        free = [a for a in chain if a.level not in {p.level for p in earlier}]
        assert not free or any(rule.entry_problem(c, free[0], chain, earlier, refusal) for c in free[0].entry)
        return
    assert chosen.level not in {p.level for p in earlier}
    assert all(p.level != chosen.level - 1 or chosen.entry == () or p.outcome == "dismissed" for p in earlier)
    assert chosen == min((a for a in chain if a.level not in {p.level for p in earlier}), key=lambda a: a.level)


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), st.integers(min_value=0, max_value=30))
def test_a_due_date_in_working_days_is_that_many_working_days_after_filing(filed, n):
    level = AppealLevel(1, "b", "", Deadline(1, "days", "decision"), (), Deadline(n, "working_days", "filing"), "nothing")
    due = rule.due_date(Casework(), level, filed, CAL)
    assert working_days_between(CAL, filed, due) == n
    assert n == 0 or CAL.is_working_day(due)


@given(st.lists(st.builds(MeasureFacts, st.integers(1, 50), st.sampled_from(["exit_ban", "driving_ban", "credit_ban"]),
                          st.sampled_from(["pending", "active", "suspended", "lifted"])), unique_by=lambda m: m.id),
       st.sampled_from(["nothing", "decision", "measures"]), st.sampled_from(["automatic", "discretionary"]),
       st.one_of(st.none(), st.booleans()))
def test_only_active_measures_of_the_named_kinds_are_suspended(measures, suspends, mode, choice):
    level = AppealLevel(1, "b", "", Deadline(1, "days", "decision"), (), None, suspends, ("driving_ban",), mode)
    ids = rule.measures_to_suspend(level, measures, choice)
    by_id = {m.id: m for m in measures}
    assert all(by_id[i].status == "active" for i in ids)
    assert suspends != "measures" or all(by_id[i].kind == "driving_ban" for i in ids)
    if suspends == "nothing" or (mode == "discretionary" and not choice):
        assert ids == ()
    elif suspends == "decision":
        assert set(ids) == {m.id for m in measures if m.status == "active"}
