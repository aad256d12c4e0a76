"""The casework sections of the shipped packs, as installed in the database: the values issue 12
states for `ru` (53-FZ Arts. 7, 23, 24; 113-FZ; 412-FZ) and `registration-only` (the Selective
Service regulations); `muster policy check` and `muster init` refusing a broken casework section
with its file and key; and `muster policy show` showing the sections in text and JSON."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from muster.policy.files import builtin_packs_dir
from muster.rules.casework_policy import Deadline

pytestmark = pytest.mark.django_db


def _in_force(pack, on: date):
    from muster.rules.policy import version_in_force

    version = version_in_force(pack.versions, on)
    assert version is not None
    return version


def test_ru_2026_deferments_cite_53_fz_art_24_and_the_it_resolutions(ru):
    cw = _in_force(ru, date(2026, 6, 1)).casework
    by_code = {g.code: g for g in cw.deferments}
    assert set(by_code) == {"temporary_unfitness", "care_of_relative", "child_without_mother",
                            "two_or_more_children", "disabled_child_under_3", "child_and_pregnant_wife",
                            "study", "it_employee"}
    for code, g in by_code.items():
        if code != "it_employee":
            assert g.legal_reference.startswith("Federal Law 53-FZ Art. 24 para "), code
    unfit = by_code["temporary_unfitness"]
    assert (unfit.duration.rule, unfit.duration.max_months, unfit.renewable) == ("fixed", 12, True)
    care = by_code["care_of_relative"]
    assert care.duration.rule == "while_condition" and "no one else is obliged" in care.duration.condition
    assert "22 weeks" in by_code["child_and_pregnant_wife"].name
    assert "under the age of three" in by_code["disabled_child_under_3"].name
    study = by_code["study"]
    assert (study.duration.rule, study.duration.evidence_date, study.duration.max_months) == \
        ("until_evidence_date", "expected_end", 72)
    assert (study.renewable, study.once_per, study.registers) == (False, "level", ("enrolment",))
    assert "bachelor's or specialist's programme once, master's programme once" in study.legal_reference
    it = by_code["it_employee"]
    for cited in ("Decree 83 of 2022", "Resolution 490 of 2022", "Resolution 1515 of 2025-10-02",
                  "334 days employed", "within a year of the diploma"):
        assert cited in it.legal_reference
    assert it.registers == ("employment",) and it.duration.max_months == 12


def test_ru_exemptions_fitness_and_excuses(ru):
    cw = _in_force(ru, date(2026, 6, 1)).casework
    assert [g.code for g in cw.exemptions] == ["category_v", "served", "alternative_service_done",
                                               "academic_degree", "family_of_fallen"]
    assert all(g.legal_reference.startswith("Federal Law 53-FZ Art. 23 para ") for g in cw.exemptions)
    assert [(f.category, f.outcome, f.defer_months) for f in cw.fitness] == [
        ("A", "liable", None), ("B", "liable", None), ("V", "exempt_reserve", None), ("G", "deferred", 12),
        ("D", "released", None)]
    excuses = cw.excuses
    assert excuses.open_list is True
    assert [g.code for g in excuses.grounds] == ["illness", "relative", "force_majeure", "other"]
    assert [g.discretionary for g in excuses.grounds] == [False, False, False, True]
    assert all(g.legal_reference.startswith("Federal Law 53-FZ Art. 7 para 2") for g in excuses.grounds)
    assert "loss of capacity to work" in excuses.grounds[0].name
    assert "funeral" in excuses.grounds[1].name and "accepted by the draft commission" in excuses.grounds[3].name
    assert "must appear" in excuses.duty_after


def test_ru_alternative_service_follows_113_fz(ru):
    alt = _in_force(ru, date(2026, 6, 1)).casework.alternative_service
    assert "113-FZ" in alt.legal_reference
    assert (alt.min_age, alt.max_age, alt.in_person) == (18, 30, True)
    assert [w.by for w in alt.filing_windows] == ["04-01", "10-01"]
    assert alt.decision_deadline == Deadline(1, "months", "filing_deadline")
    assert alt.decision_extension == Deadline(1, "months", "filing_deadline")
    assert "open meeting" in alt.hearing and "court" in alt.appeal_route
    assert {d.kind: d.months for d in alt.durations} == {"civilian": 21, "defence_ministry_civilian": 18}
    assert [g.code for g in alt.grounds] == ["convictions_or_religion", "indigenous_small_people"]
    assert all("113-FZ Art. 2" in g.legal_reference for g in alt.grounds)


def test_ru_appeal_chain_service_level_calendar_and_four_eyes(ru):
    version = _in_force(ru, date(2026, 6, 1))
    assert "Federal Law 412-FZ of 2025-11-04" in version.legal_basis
    cw = version.casework
    first, court = cw.appeals
    assert (first.level, first.body, first.deadline, first.decide_within, first.suspends) == (
        1, "regional draft commission", Deadline(3, "months", "decision"), Deadline(5, "working_days", "filing"),
        "nothing")
    assert (court.level, court.body, court.recorded_by_officer, court.decide_within, court.suspends,
            court.suspension) == (2, "court", True, None, "decision", "automatic")
    assert cw.service_levels.decide_within_working_days == 10
    assert cw.calendar.library is True and date(2025, 11, 1) in cw.calendar.working_days
    assert [(s.kind, s.ground, s.outcome) for s in cw.second_officer] == [("excuse", "other", "granted")]
    assert {r.code: (r.ground, r.source, r.action) for r in cw.straight_through} == {
        "study_enrolment": ("study", "enrolment", "grant"), "study_ended": ("study", "enrolment", "end"),
        "medical_category_g": ("temporary_unfitness", "medical", "grant"),
        "it_days_employed": ("it_employee", "employment", "renew"),
        "it_recent_graduate": ("it_employee", "employment", "grant"),
        "it_left_accredited": ("it_employee", "employment", "end")}


def test_every_ru_version_has_the_casework_of_its_time(ru):
    """The earlier versions carry the same grounds; Resolution 1515 (2025-10-02) appears only from 2026."""
    for version in ru.versions:
        assert [g.code for g in version.casework.deferments] == [g.code for g in ru.versions[-1].casework.deferments]
        assert version.casework.appeals[0].suspends == "nothing"
        it = version.casework.ground("deferment", "it_employee")
        assert ("Resolution 1515" in it.legal_reference) is (version.effective_from >= date(2026, 1, 1))


def test_registration_only_casework(packs):
    version = packs.get_pack("registration-only").versions[-1]
    cw = version.casework
    hardship = cw.ground("deferment", "hardship")
    assert (hardship.duration.rule, hardship.duration.max_days) == ("fixed", 365)
    assert "32 CFR" in hardship.legal_reference
    assert [g.code for g in cw.corrections] == ["registration_data"]
    assert cw.exemptions == () and cw.excuses is None and cw.alternative_service is None
    local, district = cw.appeals
    assert (local.body, local.deadline, local.entry) == ("local board", Deadline(15, "days", "notice_mailed"),
                                                         ("against_refusal",))
    assert (district.body, district.deadline, district.entry) == (
        "district appeal board", Deadline(15, "days", "notice_mailed"), ("previous_level_dismissed",))
    assert cw.calendar.library is True and cw.service_levels.urgent_within_working_days == 0


def _broken_pack(tmp_path: Path, pack: str, file: str, old: str, new: str) -> Path:
    target = tmp_path / pack
    shutil.copytree(builtin_packs_dir() / pack, target)
    f = target / "policies" / file
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


BROKEN = [
    ("ru", "2026-01-01.toml", 'evidence_date = "expected_end"', 'evidence_date = "level"',
     "key 'deferments[6].duration.evidence_date': 'level' is not a date field of the registers enrolment"),
    ("ru", "2026-01-01.toml", "discretionary = true", "discretionary = false",
     "key 'excuses.grounds': an open list ends with a discretionary ground"),
    ("ru", "2026-01-01.toml", 'suspends = "nothing"', 'suspends = "nothing"\nmeasure_kinds = ["gun_ban"]',
     "key 'appeals[0].measure_kinds[0]': 'gun_ban' is not a measure of this version"),
    ("ru", "2026-01-01.toml", "working_days = [2025-11-01]", "working_days = [2025-11-01]\nworkdays = []",
     "key 'calendar.workdays': unknown key"),
    ("registration-only", "1980-07-02.toml", "max_days = 365", "max_dayz = 365",
     "key 'deferments[1].duration.max_dayz': unknown key"),
]


@pytest.mark.parametrize(("pack", "file", "old", "new", "expected"), BROKEN)
def test_policy_check_refuses_a_pack_with_a_broken_casework_section(cli_run, tmp_path, pack, file, old, new,
                                                                    expected):
    folder = _broken_pack(tmp_path, pack, file, old, new)
    result = cli_run("policy", "check", str(folder), "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert any(f"{pack}/policies/{file}: {expected}" in p for p in problems), problems
    text = cli_run("policy", "check", str(folder))
    assert text.exit_code == 2 and f"{pack}/policies/{file}: {expected}" in text.output


@pytest.mark.parametrize("pack", ["ru", "registration-only"])
def test_policy_check_accepts_the_shipped_packs(cli_run, pack):
    result = cli_run("policy", "check", str(builtin_packs_dir() / pack), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["valid"] is True


def test_init_refuses_a_broken_casework_section_and_keeps_the_accepted_pack(cli_run, tmp_path, settings):
    from muster.policy import loader

    extra = tmp_path / "packs"
    extra.mkdir()
    _broken_pack(extra, "ru", "2026-01-01.toml", "decide_within_working_days = 10",
                 "decide_within_working_days = 0")
    settings.MUSTER_PACKS_DIRS = [builtin_packs_dir(), extra]
    result = cli_run("init", "--json")
    assert result.exit_code == 2
    refused = json.loads(result.stdout)["refused"]
    assert refused[0]["pack"] == "ru"
    assert any("ru/policies/2026-01-01.toml: key 'service_levels.decide_within_working_days': must be at least 1"
               in p for p in refused[0]["problems"])
    assert loader.get_pack("ru").versions[-1].casework.service_levels.decide_within_working_days == 10


def test_policy_show_text_shows_the_casework_sections(cli_run):
    out = cli_run("policy", "show", "ru", "--on", "2026-06-01").output
    for expected in ("deferments", "temporary_unfitness", "study", "exemptions", "category_v",
                     "excuses", "illness, relative, force_majeure, other", "corrections",
                     "A liable, B liable, V exempt reserve, G deferred 12 months, D released",
                     "ages 18-30, apply by 04-01, 10-01; decided by the draft commission",
                     "civilian 21 months, defence ministry civilian 18 months",
                     "regional draft commission: within 3 months of the decision; decided within 5 working days; "
                     "suspends nothing",
                     "court: within 3 months of the decision; recorded by an officer; suspends decision",
                     "decided within 10 working days", "worked weekend days 2025-11-01",
                     "second officer", "excuse other granted", "study_enrolment"):
        assert expected in out, expected
    us = cli_run("policy", "show", "registration-only", "--on", "2026-06-01").output
    for expected in ("postponement, hardship", "registration_data",
                     "local board: within 15 days of the notice mailed",
                     "district appeal board: within 15 days of the notice mailed"):
        assert expected in us, expected
    assert "second officer" not in us and "alternative service" not in us


def test_policy_show_json_has_the_casework_sections(cli_run):
    data = json.loads(cli_run("policy", "show", "ru", "--on", "2026-06-01", "--json").stdout)
    cw = data["version"]["casework"]
    assert set(cw) == {"deferments", "exemptions", "fitness", "excuses", "corrections", "alternative_service",
                       "appeals", "service_levels", "calendar", "straight_through", "second_officer"}
    study = next(g for g in cw["deferments"] if g["code"] == "study")
    assert study["duration"] == {"rule": "until_evidence_date", "max_months": 72, "max_days": None,
                                 "evidence_date": "expected_end", "condition": ""}
    assert cw["appeals"][0]["decide_within"] == {"count": 5, "unit": "working_days", "after": "filing"}
    assert cw["appeals"][1]["decide_within"] is None and cw["appeals"][1]["recorded_by_officer"] is True
    assert cw["excuses"]["open_list"] is True and cw["excuses"]["grounds"][-1]["discretionary"] is True
    assert cw["alternative_service"]["filing_windows"][0] == {"by": "04-01", "for_period": "10-01/12-31"}
    assert cw["calendar"] == {"library": True, "extra_holidays": [], "working_days": ["2025-11-01"]}
    assert cw["service_levels"]["decide_within_working_days"] == 10
    assert cw["second_officer"] == [{"kind": "excuse", "outcome": "granted", "ground": "other"}]
    recent = next(r for r in cw["straight_through"] if r["code"] == "it_recent_graduate")
    assert recent["criteria"][1] == {"name": "hired_within_a_year_of_diploma", "field": "hired_on",
                                     "test": "within_days_after", "value": 365, "other_field": "diploma_on"}
    levels = next(r for r in cw["straight_through"] if r["code"] == "study_enrolment")["criteria"][2]
    assert levels["value"] == ["bachelor", "specialist", "master"]
