import pytest

from muster.policy.files import find_builtin_pack
from muster.rules.outcomes import OutcomeRefused, check_outcome, kinds_lifted

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


@pytest.mark.parametrize("outcome", ["appeared", "excused", "cancelled"])
def test_every_outcome_lifts_every_ru_measure(outcome):
    for version in RU.versions:
        assert set(kinds_lifted(version, outcome)) == ALL_KINDS
