"""Which appeals hold a summons from the tick (muster.rules.appeals.holds_summons, summons_held):
a level that suspends the decision, against the summons or a refused excuse for it, while open."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.appeals import holds_summons, summons_held
from muster.rules.casework_policy import AppealLevel, Deadline

COURT = AppealLevel(2, "court", "CAS Art. 219", Deadline(3, "months", "decision"), (), None, "decision")
COMMISSION = replace(COURT, level=1, body="commission", suspends="nothing")
NAMED = replace(COURT, suspends="measures", measure_kinds=("exit_ban",))
DISCRETION = replace(COURT, suspension="discretionary")


@pytest.mark.parametrize("level, kind, suspend, effects, held", [
    (COURT, "summons", None, False, True),
    (COURT, "application", None, True, True),  # a refused excuse for the summons
    (COURT, "application", None, False, False),  # a decision with no effect on a summons
    (COURT, "measure", None, False, False),  # one measure, not the call-up decision
    (COMMISSION, "summons", None, False, False),
    (NAMED, "summons", None, False, False),  # it suspends measures, not the decision
    (DISCRETION, "summons", None, False, False),
    (DISCRETION, "summons", True, False, True),
])
def test_holds_summons(level, kind, suspend, effects, held):
    assert holds_summons(level, kind, suspend, against_effects=effects) is held


@given(st.lists(st.sampled_from(["open", "decided"])))
def test_a_summons_is_held_while_any_appeal_holding_it_is_open(statuses):
    assert summons_held(statuses) == ("open" in statuses)
