"""When an application may be decided (muster.rules.applications.decide_problem): once, and again
only after an allowed appeal set its decision aside and reopened it."""

from __future__ import annotations

from datetime import date

import pytest

from muster.rules.applications import LatestDecision, decide_problem

DAY = date(2026, 4, 7)
REFUSED = LatestDecision("refused", DAY, awaiting_confirmation=False, set_aside_by="")
SET_ASIDE = LatestDecision("refused", DAY, awaiting_confirmation=False, set_aside_by="P-0000001")
WAITING = LatestDecision("granted", DAY, awaiting_confirmation=True, set_aside_by="")


@pytest.mark.parametrize("status, latest, problem", [
    ("submitted", None, None),
    ("in_review", None, None),
    ("awaiting_person", None, None),
    ("withdrawn", None, "withdrawn: nothing to decide"),
    ("decided", REFUSED, "decided already (refused on 2026-04-07)"),
    ("in_review", REFUSED, "decided already (refused on 2026-04-07)"),
    ("in_review", SET_ASIDE, None),
    ("decided", SET_ASIDE, "decided already"),
    ("in_review", WAITING, "waiting for a second officer"),
])
def test_decide_problem(status, latest, problem):
    got = decide_problem("A-0000001", status, latest)
    if problem is None:
        assert got is None
    else:
        assert got is not None and problem in got
