"""The pure rules behind the portal's services (issue 13): confirming a new contact with a code
(muster.rules.contact_codes), what a person sees of who read their record
(muster.rules.record_viewers), the appeal window's words (muster.rules.appeal_window) and the
questions of an application draft (muster.rules.drafts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules import contact_codes as codes
from muster.rules import drafts
from muster.rules import record_viewers as viewers
from muster.rules.appeal_window import window

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


# --- contact codes -----------------------------------------------------------------------------

@pytest.mark.parametrize(("channel", "value", "stored"), [
    ("email", "  Ivan@Example.RU ", "Ivan@example.ru"),
    ("email", "a.b+c@mail.example.org", "a.b+c@mail.example.org"),
    ("phone", "+7 (916) 123-45-67", "+79161234567"),
    ("phone", "0079161234567", "+79161234567"),
    ("phone", "+1.202.555.0100", "+12025550100"),
])
def test_contact_values_are_normalised(channel, value, stored):
    assert codes.normalise(channel, value) == stored


@pytest.mark.parametrize(("channel", "value", "field"), [
    ("email", "", "email:"), ("email", "no-at-sign", "email:"), ("email", "a@b", "email:"),
    ("email", "x" * 250 + "@example.org", "email:"), ("email", "a b@example.org", "email:"),
    ("phone", "89161234567", "phone:"), ("phone", "+7916", "phone:"), ("phone", "+7916123456789012", "phone:"),
    ("phone", "+7 916 ABC", "phone:"), ("fax", "+79161234567", "channel:"),
])
def test_bad_contact_values_are_refused_naming_the_field(channel, value, field):
    with pytest.raises(codes.ContactProblem, match=f"^{field}"):
        codes.normalise(channel, value)


@given(st.integers(min_value=0, max_value=10 ** 12))
def test_every_code_is_six_ascii_digits(number):
    code = codes.code_of(number)
    assert codes.well_formed(code) and code == f"{number % 1_000_000:06d}"


@pytest.mark.parametrize(("minutes", "attempts", "matches", "used", "confirmed", "spends", "closed", "words"), [
    (0, 0, True, False, True, False, True, "confirmed"),
    (15, 4, True, False, True, False, True, "confirmed"),  # the last minute, the last try
    (16, 0, True, False, False, False, True, "expired"),
    (1, 5, True, False, False, False, True, "too many"),
    (1, 0, False, False, False, True, False, "4 tries left"),
    (1, 3, False, False, False, True, False, "1 try left"),
    (1, 4, False, False, False, True, True, "last try"),
    (1, 0, True, True, False, False, True, "used already"),
])
def test_a_try_with_a_code(minutes, attempts, matches, used, confirmed, spends, closed, words):
    verdict = codes.judge(issued_at=T0, now=T0 + timedelta(minutes=minutes), attempts=attempts, matches=matches,
                          used=used)
    assert (verdict.confirmed, verdict.counts_as_attempt, verdict.closed) == (confirmed, spends, closed)
    assert words in verdict.reason


@given(st.integers(0, 10), st.booleans(), st.integers(0, 30))
def test_no_code_confirms_after_its_lifetime_or_its_tries(attempts, matches, minutes):
    verdict = codes.judge(issued_at=T0, now=T0 + timedelta(minutes=minutes), attempts=attempts, matches=matches,
                          used=False)
    assert verdict.confirmed == (matches and minutes <= 15 and attempts < codes.MAX_ATTEMPTS)
    assert verdict.confirmed or verdict.reason.startswith("code:")


@pytest.mark.parametrize(("sent", "refused"), [(0, False), (4, False), (5, True), (50, True)])
def test_codes_sent_an_hour_are_limited(sent, refused):
    problem = codes.request_problem(sent)
    assert (problem is not None) is refused and (problem or "channel:").startswith("channel:")


# --- who viewed my record ----------------------------------------------------------------------

def _d(who: str, role: str = "", store: str = "read", office: str | None = None) -> viewers.Disclosure:
    return viewers.Disclosure(T0, store, who, role, "a purpose", office)


@pytest.mark.parametrize(("disclosure", "by", "office", "agency", "role"), [
    (_d("cli:alice", "", office="Рязанский военкомат"), "office", "Рязанский военкомат", None, "officer"),
    (_d("cli:alice", "registration_officer", "check", "Office"), "office", "Office", None, "registration_officer"),
    (_d("partner:Border", "partner", "check"), "partner", None, "Border", "partner"),
    (_d("partner:Border", "partner", "feed"), "partner", None, "Border", "partner"),
    (_d("person:7", "person"), "you", None, None, "person"),
    (_d("system:engine", "system"), "system", None, None, "system"),
    (_d("person:8", "person", office="Office"), "office", "Office", None, "officer"),  # not the person: no name
])
def test_what_the_person_sees_of_each_read(disclosure, by, office, agency, role):
    entry = viewers.describe(disclosure, own_person_id=7)
    assert (entry.by, entry.office, entry.agency, entry.role) == (by, office, agency, role)
    assert entry.purpose == "a purpose"


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=20),
       st.sampled_from(["", "operator", "registration_officer", "auditor"]), st.sampled_from(viewers.STORES))
def test_an_officers_name_never_reaches_the_person(name, role, store):
    entry = viewers.describe(_d(f"cli:zz{name}", role, store, office="Office"), own_person_id=7)
    assert f"zz{name}" not in repr(entry.as_dict())


@pytest.mark.parametrize(("page", "size", "total", "expected"), [
    (1, 10, 0, (0, 0, 1)), (1, 10, 25, (0, 10, 3)), (3, 10, 25, (20, 25, 3)), (1, 200, 5, (0, 5, 1)),
])
def test_pages(page, size, total, expected):
    assert viewers.page_slice(page, size, total) == expected


@pytest.mark.parametrize(("page", "size", "total", "field"), [(0, 10, 5, "page"), (2, 10, 5, "page"),
                                                             (1, 0, 5, "size"), (1, 201, 5, "size")])
def test_bad_pages_name_the_field(page, size, total, field):
    with pytest.raises(viewers.RangeProblem, match=f"^{field}:"):
        viewers.page_slice(page, size, total)


def test_a_range_backwards_is_refused():
    viewers.check_range(date(2026, 1, 1), date(2026, 1, 1))
    with pytest.raises(viewers.RangeProblem, match="^since:"):
        viewers.check_range(date(2026, 2, 1), date(2026, 1, 1))


# --- the appeal window -------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "late", "days_left", "words"), [
    (date(2026, 5, 30), False, 3, "until 2026-06-02, 3 days from today"),
    (date(2026, 6, 1), False, 1, "1 day from today"),
    (date(2026, 6, 2), False, 0, "Today, 2026-06-02, is the last day"),
    (date(2026, 6, 3), True, -1, "ended on 2026-06-02"),
])
def test_the_window_in_words(today, late, days_left, words):
    w = window(deadline=date(2026, 6, 2), runs_from=date(2026, 3, 2), event="the decision", body="court", today=today)
    assert (w.late, w.days_left) == (late, days_left)
    assert words in w.explanation and "the decision on 2026-03-02" in w.explanation
    assert ("recorded as late" in w.explanation) is late


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.dates(date(2020, 1, 1), date(2030, 1, 1)))
def test_late_exactly_when_today_is_past_the_deadline(deadline, today):
    w = window(deadline=deadline, runs_from=deadline, event="x", body="court", today=today)
    assert w.late == (today > deadline) and w.days_left == (deadline - today).days


# --- application drafts ------------------------------------------------------------------------

TODAY = date(2026, 3, 2)
GROUNDS = ["study", "family"]


@pytest.mark.parametrize(("kind", "question", "answer", "stored"), [
    ("deferment", "ground", " study ", "study"),
    ("deferment", "until", "2027-06-30", "2027-06-30"),
    ("deferment", "until", "", None),
    ("excuse", "summons", "0000001234", "0000001234"),
])
def test_answers_are_kept_as_cleaned(kind, question, answer, stored):
    assert drafts.clean(kind, question, answer, GROUNDS, TODAY) == stored


@pytest.mark.parametrize(("kind", "question", "answer", "field"), [
    ("deferment", "ground", "moon", "ground:"), ("deferment", "ground", "", "ground:"),
    ("deferment", "until", "tomorrow", "until:"), ("deferment", "until", "2026-03-02", "until:"),
    ("exemption", "until", "2027-01-01", "until:"), ("exemption", "summons", "1", "summons:"),
    ("excuse", "summons", "", "summons:"), ("excuse", "summons", "9" * 61, "summons:"),
    ("leave", "ground", "study", "kind:"),
])
def test_bad_answers_name_the_question(kind, question, answer, field):
    with pytest.raises(drafts.DraftProblem, match=f"^{field}"):
        drafts.clean(kind, question, answer, GROUNDS, TODAY)


@pytest.mark.parametrize(("kind", "answers", "missing", "next_question"), [
    ("deferment", {}, ("ground",), "ground"),
    ("deferment", {"ground": "study"}, (), "until"),
    ("deferment", {"ground": "study", "until": None}, (), None),
    ("excuse", {"ground": "illness"}, ("summons",), "summons"),
    ("excuse", {"summons": "1", "ground": "illness"}, (), None),
])
def test_what_is_missing_and_what_comes_next(kind, answers, missing, next_question):
    assert drafts.missing(kind, answers) == missing
    assert drafts.next_question(kind, answers) == next_question


@given(st.sampled_from(sorted(drafts.QUESTIONS)), st.dictionaries(st.sampled_from(["ground", "summons", "until"]),
                                                                    st.one_of(st.none(), st.just("x"))))
def test_a_draft_with_nothing_missing_has_every_required_answer(kind, answers):
    gaps = drafts.missing(kind, answers)
    needed = [q for q in drafts.QUESTIONS[kind] if q not in drafts.OPTIONAL]
    assert set(gaps) == {q for q in needed if not answers.get(q)}
    summary = drafts.summary(kind, answers, ["a.pdf"])
    assert [q for q, _ in summary.lines] == ["kind", *drafts.QUESTIONS[kind]] and summary.evidence == ("a.pdf",)
