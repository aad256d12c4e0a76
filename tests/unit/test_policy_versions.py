"""Installed policy versions are immutable (issue 11, A5): the pure rule that says which changes
to an installed pack would change rules decisions rest on."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.policy.files import find_builtin_pack
from muster.rules.policy import replacement_problems

RU = find_builtin_pack("ru").versions
V2024, V2026 = RU[2], RU[3]
FUTURE = replace(V2026, code="ru-2099-01-01", effective_from=date(2099, 1, 1), source="ru/policies/2099-01-01.toml")
TODAY = date(2026, 12, 2)


def _grace(version, days):
    assert version.summons is not None
    return replace(version, summons=replace(version.summons, grace_days=days))


@pytest.mark.parametrize(
    ("offered", "used", "expected"),
    [
        ((*RU, FUTURE), frozenset(), []),  # unchanged
        (tuple(replace(v, source="elsewhere/" + v.source) for v in (*RU, FUTURE)), frozenset(), []),  # moved files
        ((*RU[:3], _grace(V2026, 21), FUTURE), frozenset(),
         ["installed policy version ru-2026-01-01 is changed, but it has been in force since 2026-01-01"]),
        ((*RU[:3], FUTURE), frozenset(), ["installed policy version ru-2026-01-01 is no longer listed, but it has been in force since 2026-01-01"]),
        ((*RU, _grace(FUTURE, 10)), frozenset(), []),  # not in force yet, nothing rests on it
        ((*RU,), frozenset(), []),  # ... and it may be withdrawn
        ((*RU, _grace(FUTURE, 10)), frozenset({"ru-2099-01-01"}),
         ["installed policy version ru-2099-01-01 is changed, but summonses or measures already rest on it"]),
        ((*RU, replace(FUTURE, effective_from=date(2026, 6, 1))), frozenset(),
         ["installed policy version ru-2099-01-01 is changed, but the new text would put it in force from "
          "2026-06-01, which has come"]),
    ],
)
def test_replacement_problems(offered, used, expected):
    problems = replacement_problems((*RU, FUTURE), offered, TODAY, used)
    assert [message.split(";")[0] for _, message in problems] == expected
    assert all("publish a new version (a new code and file) with its own effective date" in m for _, m in problems)


@given(index=st.integers(0, 3), grace=st.integers(0, 60), days=st.integers(-4000, 4000),
       used=st.booleans())
def test_a_version_in_force_or_used_never_changes(index, grace, days, used):
    today = V2026.effective_from + timedelta(days=days)
    installed = RU[index]
    changed = _grace(installed, grace)
    offered = tuple(changed if v is installed else v for v in RU)
    problems = replacement_problems(RU, offered, today, frozenset({installed.code}) if used else frozenset())
    if grace == installed.summons.grace_days:
        assert problems == []
    elif installed.effective_from <= today or used:
        assert [file for file, _ in problems] == [installed.source]
    else:
        assert problems == []
