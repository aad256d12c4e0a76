from datetime import date as D  # noqa: N817 - short, for the table

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.policy.files import find_builtin_pack
from muster.rules.outcomes import (
    OutcomeRefused,
    check_outcome,
    kinds_lifted,
    measures_of_summons,
    reason_problems,
    start_on_signing,
)

RU = find_builtin_pack("ru")
ALL_KINDS = {"exit_ban", "sole_proprietor_ban", "self_employed_ban", "real_estate_ban",
             "vehicle_registration_ban", "driving_ban", "credit_ban"}


@pytest.mark.parametrize(
    ("status", "outcome", "allowed"),
    [("placed", "appeared", True), ("served", "excused", True), ("missed", "appeared", True),
     ("missed", "cancelled", True), ("appeared", "excused", False), ("cancelled", "appeared", False),
     ("excused", "cancelled", False), ("served", "vanished", False)],
)
def test_check_outcome(status, outcome, allowed):
    if allowed:
        check_outcome(status, outcome)
    else:
        with pytest.raises(OutcomeRefused):
            check_outcome(status, outcome)


@pytest.mark.parametrize("outcome", ["appeared", "excused", "cancelled", "appeal_accepted"])
def test_every_outcome_lifts_every_ru_measure(outcome):
    for version in RU.versions:
        assert set(kinds_lifted(version, outcome)) == ALL_KINDS


V2023 = next(v for v in RU.versions if v.code == "ru-2023-04-14")
V2026 = RU.versions[-1]


@pytest.mark.parametrize(
    ("version", "served_on", "outcome", "outcome_on", "today", "expected"),
    [
        # 2026: exit ban from placement (03-02); appearance 03-10, grace 20: the rest from 03-31
        (V2026, D(2026, 3, 9), None, None, D(2026, 3, 2), {"exit_ban": ("active", D(2026, 3, 2), None)}),
        (V2026, D(2026, 3, 9), None, None, D(2026, 3, 30), {"exit_ban": ("active", D(2026, 3, 2), None)}),
        (V2026, D(2026, 3, 9), None, None, D(2026, 3, 31),
         {k: ("active", D(2026, 3, 2) if k == "exit_ban" else D(2026, 3, 31), None) for k in ALL_KINDS}),
        (V2026, D(2026, 3, 9), "appeared", D(2026, 3, 10), D(2026, 5, 1),
         {"exit_ban": ("lifted", D(2026, 3, 2), D(2026, 3, 10))}),
        (V2026, D(2026, 3, 9), "appeared", D(2026, 3, 31), D(2026, 5, 1),  # late: applied, lifted that day
         {k: ("lifted", D(2026, 3, 2) if k == "exit_ban" else D(2026, 3, 31), D(2026, 3, 31)) for k in ALL_KINDS}),
        (V2026, D(2026, 3, 9), "excused", D(2026, 3, 30), D(2026, 5, 1),
         {"exit_ban": ("lifted", D(2026, 3, 2), D(2026, 3, 30))}),
        (V2026, None, "cancelled", D(2026, 3, 2), D(2026, 3, 3),
         {"exit_ban": ("lifted", D(2026, 3, 2), D(2026, 3, 2))}),
        # 2023-04-14: exit ban from service only
        (V2023, None, None, None, D(2026, 3, 5), {}),
        (V2023, D(2026, 3, 9), None, None, D(2026, 3, 8), {}),
        (V2023, D(2026, 3, 9), None, None, D(2026, 3, 9), {"exit_ban": ("active", D(2026, 3, 9), None)}),
        (V2023, D(2026, 3, 9), "appeared", D(2026, 3, 8), D(2026, 4, 9), {}),  # closed before service
    ],
)
def test_measures_of_summons(version, served_on, outcome, outcome_on, today, expected):
    got = measures_of_summons(version, D(2026, 3, 2), served_on, D(2026, 3, 10), outcome, outcome_on, today)
    assert {k: (m.status, m.effective_from, m.lifted_on) for k, m in got.items()} == expected


@pytest.mark.parametrize(("policy_start", "signed_on", "starts"), [
    (D(2026, 3, 31), D(2026, 3, 30), D(2026, 3, 31)),  # signed early: the policy's date
    (D(2026, 3, 31), D(2026, 3, 31), D(2026, 3, 31)),
    (D(2026, 3, 31), D(2026, 4, 6), D(2026, 4, 6)),  # signed late: never back-dated
])
def test_start_on_signing(policy_start, signed_on, starts):
    assert start_on_signing(policy_start, signed_on) == starts


EXCUSES = "illness, relative, force_majeure, other"


@pytest.mark.parametrize(
    ("outcome", "reason", "excuse", "code", "problems"),
    [
        ("appeared", "", None, None, []),
        ("appeared", "came late", None, None, []),
        ("appeared", "", "illness", None, ["--excuse: only an excused summons has an excuse code"]),
        ("excused", "illness", None, "illness", []),  # the older form: a reason that is a code
        ("excused", " relative ", None, "relative", []),
        ("excused", "certificate 17", "illness", "illness", []),
        ("excused", "", "illness", None, ["--reason: excused needs a reason"]),
        ("excused", "made-up-code", None, None, [f"--excuse: an excuse needs its code, one of {EXCUSES} "
                                                 "(policy ru-2026-01-01)"]),
        ("excused", "x", "made-up-code", None, ["--excuse: 'made-up-code' is not an excuse of policy "
                                                f"ru-2026-01-01; the excuses are {EXCUSES}"]),
        ("excused", "", "", None, [f"--excuse: an excuse needs its code, one of {EXCUSES} (policy ru-2026-01-01)",
                                   "--reason: excused needs a reason"]),
        ("cancelled", "sent in error", None, None, []),
        ("cancelled", "  ", None, None, ["--reason: cancelled needs a reason"]),
        ("appeal_accepted", "", None, None, ["--reason: appeal accepted needs a reason"]),
    ],
)
def test_reason_problems(outcome, reason, excuse, code, problems):
    assert reason_problems(V2026, outcome, reason, excuse) == (code, problems)


@given(outcome=st.sampled_from(["appeared", "excused", "cancelled", "appeal_accepted"]),
       reason=st.text(max_size=12), excuse=st.none() | st.text(max_size=12))
def test_an_accepted_excuse_is_always_one_of_the_policys(outcome, reason, excuse):
    code, problems = reason_problems(V2026, outcome, reason, excuse)
    codes = {k.code for k in V2026.excuses}
    if not problems and outcome == "excused":
        assert code in codes and reason.strip()
    if code is not None:
        assert outcome == "excused" and code in codes and not problems
    if outcome != "appeared" and not reason.strip():
        assert problems
