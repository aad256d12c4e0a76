"""Which appeals hold a summons from the tick (muster.rules.appeals.holds_summons, summons_held):
a level that suspends the decision, against the summons or a refused excuse for it, while open."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.appeals import (
    MeasureFacts,
    holds_summons,
    newly_held,
    summons_held,
    watches_summons,
)
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


# --- Measures that start after the filing (muster.rules.appeals.watches_summons, newly_held) ------

NAMED_DISCRETION = replace(NAMED, suspension="discretionary")


@pytest.mark.parametrize("level, kind, suspend, effects, watched", [
    (NAMED, "summons", None, False, True),
    (NAMED, "application", None, True, True),  # a refused excuse for the summons
    (NAMED, "application", None, False, False),  # a decision with no effect on a summons
    (NAMED, "measure", None, False, False),  # the measure appealed is the only one it suspends
    (COURT, "summons", None, False, False),  # it holds the summons instead: nothing starts
    (COMMISSION, "summons", None, False, False),
    (NAMED_DISCRETION, "summons", None, False, False),
    (NAMED_DISCRETION, "summons", False, False, False),
    (NAMED_DISCRETION, "summons", True, False, True),
])
def test_watches_summons(level, kind, suspend, effects, watched):
    assert watches_summons(level, kind, suspend, against_effects=effects) is watched


@pytest.mark.parametrize("kinds, measures, already, held", [
    (("exit_ban",), [(1, "exit_ban", "active"), (2, "driving_ban", "active")], (), (1,)),
    ((), [(1, "exit_ban", "active"), (2, "driving_ban", "active")], (), (1, 2)),  # no kinds named: every kind
    (("exit_ban",), [(1, "exit_ban", "active")], (1,), ()),  # suspended by this appeal before
    (("exit_ban",), [(1, "exit_ban", "pending"), (3, "exit_ban", "lifted")], (), ()),  # only active ones
    (("exit_ban", "driving_ban"), [(5, "driving_ban", "active"), (4, "exit_ban", "active")], (), (4, 5)),
])
def test_newly_held(kinds, measures, already, held):
    assert newly_held(kinds, [MeasureFacts(*m) for m in measures], already) == held


@given(st.lists(st.sampled_from(["exit_ban", "driving_ban", "credit_ban"]), unique=True),
       st.lists(st.tuples(st.integers(1, 50), st.sampled_from(["exit_ban", "driving_ban", "credit_ban"]),
                          st.sampled_from(["active", "pending", "suspended", "lifted"])), unique_by=lambda m: m[0]),
       st.sets(st.integers(1, 50)))
def test_newly_held_takes_exactly_the_active_unheld_measures_of_the_kinds(kinds, measures, already):
    held = newly_held(kinds, [MeasureFacts(*m) for m in measures], already)
    assert held == tuple(sorted(held))
    for pk, kind, status in measures:
        assert (pk in held) == (status == "active" and pk not in already and (not kinds or kind in kinds))
