"""Liability reasons as data (muster.rules.liability.Reason): their English rendering is the
English `reasons` text word for word (the CLI and JSON contract), checked against the sentences
as the rules wrote them before reasons became data, so the two can never drift."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.policy.files import find_builtin_pack
from muster.rules.dates import age_on, anniversary
from muster.rules.liability import (
    REASON_ORDER,
    REASON_TEXT,
    PersonFacts,
    Reason,
    StatusPeriod,
    liability_on,
    render_english,
)
from muster.rules.policy import version_in_force

RU = find_builtin_pack("ru")
REG = find_builtin_pack("registration-only")


def english_as_written(person: PersonFacts, pack, on: date) -> tuple[str, ...]:
    """The English reasons exactly as liability_on built them as f-strings (the oracle)."""
    version = version_in_force(pack.versions, on)
    if version is None:
        return (f"no policy of pack {pack.code} is in force on {on}",)
    rule, elig = pack.leap_day_rule, version.eligibility
    basis = f"policy {version.code} ({version.legal_basis})"
    failing = []
    if person.death_date is not None and person.death_date <= on:
        failing.append(("deceased", f"died on {person.death_date}"))
    if elig.sexes and person.sex not in elig.sexes:
        failing.append(("sex", f"sex {person.sex} is not covered (covers {', '.join(elig.sexes)})"))
    if elig.citizenships and person.citizenship not in elig.citizenships:
        failing.append(("citizenship", f"citizenship {person.citizenship} is not covered "
                                       f"(covers {', '.join(elig.citizenships)})"))
    turns_min = anniversary(person.birth_date, elig.min_age, rule)
    turns_max = anniversary(person.birth_date, elig.max_age, rule)
    if on < turns_min:
        failing.append(("too_young", f"turns {elig.min_age} on {turns_min}"))
    if on >= turns_max:
        failing.append(("too_old", f"turned {elig.max_age} on {turns_max}"))
    for tr in elig.transitional:
        reached = anniversary(person.birth_date, tr.reached_age, rule)
        if reached < tr.before:
            failing.append(("transitional", f"turned {tr.reached_age} on {reached}, before "
                                            f"{tr.before}: {tr.explanation}"))
    excluding = [s for s in person.statuses if s.kind in elig.excluded_statuses and s.kind in REASON_ORDER]
    for status in sorted(excluding, key=lambda s: (REASON_ORDER.index(s.kind), s.valid_from)):
        if status.holds_on(on):
            until = f" until {status.valid_until}" if status.valid_until else ""
            failing.append((status.kind, status.reason or f"{status.kind} from {status.valid_from}{until}"))
    if failing:
        failing.sort(key=lambda pair: REASON_ORDER.index(pair[0]))
        return tuple(f"not liable: {text}" for _, text in failing) + (f"under {basis}",)
    age = age_on(person.birth_date, on, rule)
    return (f"liable: aged {age} on {on}, between the {elig.min_age}th birthday ({turns_min}) "
            f"and the {elig.max_age}th ({turns_max})", f"under {basis}")


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2036, 12, 31))
statuses = st.lists(
    st.builds(StatusPeriod, kind=st.sampled_from(["exempt", "deferred", "serving", "unfit", "alternative_service"]),
              valid_from=days, valid_until=st.none() | days,
              reason=st.sampled_from(["", "deferred: full-time study until 2027-06-30 (decision A-1)"])),
    max_size=3)
people = st.builds(PersonFacts, sex=st.sampled_from("MFX"), birth_date=st.dates(date(1980, 1, 1), date(2015, 12, 31)),
                   citizenship=st.sampled_from(["RU", "KZ"]), death_date=st.none() | days,
                   statuses=statuses.map(tuple))


@settings(max_examples=500)
@given(person=people, on=days, pack=st.sampled_from([RU, REG]))
def test_english_rendering_of_the_reasons_is_the_english_text(person, on, pack):
    result = liability_on(person, pack, on)
    assert len(result.explanations) == len(result.reasons)
    assert tuple(render_english(r) for r in result.explanations) == result.reasons
    assert result.reasons == english_as_written(person, pack, on)
    assert {r.code for r in result.explanations} <= set(REASON_TEXT)


def test_reasons_keep_dates_as_dates_and_cannot_change():
    result = liability_on(PersonFacts("M", date(2000, 5, 1), "RU"), RU, date(2026, 6, 1))
    liable, basis = result.explanations
    assert liable.code == "liable"
    assert liable.values() == {"age": 26, "on": date(2026, 6, 1), "min_age": 18, "turns_min": date(2018, 5, 1),
                               "max_age": 30, "turns_max": date(2030, 5, 1)}
    assert basis.code == "under_policy" and basis.values()["version"] == "ru-2026-01-01"
    with pytest.raises(dataclasses.FrozenInstanceError):
        liable.code = "other"  # type: ignore[misc]


def test_the_json_contract_is_unchanged():
    result = liability_on(PersonFacts("M", date(2000, 5, 1), "RU"), RU, date(2026, 6, 1))
    assert set(result.as_dict()) == {"liable", "code", "reasons", "policy_version"}
    assert render_english(Reason.of("too_old", age=30, on=date(2025, 3, 2))) == "not liable: turned 30 on 2025-03-02"
