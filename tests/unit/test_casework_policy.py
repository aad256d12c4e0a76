"""Bad casework sections of a policy version are refused whole, each problem naming the file, the
key and what is wrong (muster.rules.casework_schema through muster.rules.policy_schema.parse_version).

Each case edits one of the shipped versions (parsed TOML, as the loader hands it over) and lists
every problem the parser must report: the exact file, key and message, nothing more.
"""

from __future__ import annotations

import copy
import re
import tomllib
from datetime import date
from typing import Any

import pytest

from muster.policy.files import builtin_packs_dir
from muster.rules.casework_schema import SECTIONS
from muster.rules.policy_schema import parse_version
from muster.rules.toml_reader import PolicyError, Problem

DELETE = object()  # an edit that removes the key
FILES = {"ru": "ru/policies/2026-01-01.toml", "registration-only": "registration-only/policies/1980-07-02.toml"}
BASE = {base: tomllib.loads((builtin_packs_dir() / file).read_text(encoding="utf-8")) for base, file in FILES.items()}


def case(name: str, base: str, edits: list[tuple[str, Any]], *problems: tuple[str, str]) -> Any:
    return pytest.param(base, edits, problems, id=name)


def edited(base: str, edits: list[tuple[str, Any]]) -> dict[str, Any]:
    """A copy of the base version with each (dotted key, value) edit applied; the key must exist
    up to its last part, so that a typo in a case cannot make it pass."""
    data = copy.deepcopy(BASE[base])
    for path, value in edits:
        parts = [int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"[^.\[\]]+|\[\d+\]", path)]
        node: Any = data
        for part in parts[:-1]:
            node = node[part]
        if value is DELETE:
            del node[parts[-1]]
        else:
            node[parts[-1]] = value
    return data


CASES = [
    case('unknown top-level section', 'ru', [('deferment', [])],
         ('deferment', 'unknown key (known keys here: alternative_service, appeals, calendar, campaigns, corrections, deferments, eligibility, excuses, exemptions, fitness, measures, registration, second_officer, service_levels, straight_through, summons, version)')),
    case('unknown key in a deferment', 'ru', [('deferments[0].max_months', 12)],
         ('deferments[0].max_months', 'unknown key (known keys here: code, discretionary, duration, evidence, legal_reference, must_attend, name, once_per, registers, renewable)')),
    case('unknown key in a duration', 'ru', [('deferments[0].duration.months', 12)],
         ('deferments[0].duration.months', 'unknown key (known keys here: condition, evidence_date, max_days, max_months, rule)')),
    case('unknown key in an exemption', 'ru', [('exemptions[0].duration', {'rule': 'fixed', 'max_months': 12})],
         ('exemptions[0].duration', 'unknown key (known keys here: code, discretionary, evidence, legal_reference, must_attend, name, once_per, registers, renewable)')),
    case('unknown key in a fitness category', 'ru', [('fitness[0].months', 1)],
         ('fitness[0].months', 'unknown key (known keys here: category, defer_months, legal_reference, name, outcome)')),
    case('unknown key in excuses', 'ru', [('excuses.closed', False)],
         ('excuses.closed', 'unknown key (known keys here: appear_within_working_days, duty_after, grounds, open_list)')),
    case('unknown key in an excuse ground', 'ru', [('excuses.grounds[0].documents', ['x'])],
         ('excuses.grounds[0].documents', 'unknown key (known keys here: code, discretionary, evidence, legal_reference, must_attend, name, once_per, registers, renewable)')),
    case('unknown key in a correction', 'ru', [('corrections[0].period', 1)],
         ('corrections[0].period', 'unknown key (known keys here: code, discretionary, evidence, legal_reference, must_attend, name, once_per, registers, renewable)')),
    case('unknown key in alternative service', 'ru', [('alternative_service.min_agee', 18)],
         ('alternative_service.min_agee', 'unknown key (known keys here: appeal_route, deciding_body, decision_deadline, decision_extension, durations, filing_windows, grounds, hearing, in_person, legal_reference, max_age, min_age, refusal_grounds)')),
    case('unknown key in a filing window', 'ru', [('alternative_service.filing_windows[0].until', '04-01')],
         ('alternative_service.filing_windows[0].until', 'unknown key (known keys here: by, for_period)')),
    case('unknown key in a service duration', 'ru', [('alternative_service.durations[0].days', 1)],
         ('alternative_service.durations[0].days', 'unknown key (known keys here: kind, months)')),
    case('unknown key in an alternative-service ground', 'ru', [('alternative_service.grounds[0].renew', True)],
         ('alternative_service.grounds[0].renew', 'unknown key (known keys here: code, discretionary, evidence, legal_reference, must_attend, name, once_per, registers, renewable)')),
    case('unknown key in a decision deadline', 'ru', [('alternative_service.decision_deadline.extendable', True)],
         ('alternative_service.decision_deadline.extendable', 'unknown key (known keys here: after, count, unit)')),
    case('unknown key in an appeal level', 'ru', [('appeals[0].deciding_body', 'x')],
         ('appeals[0].deciding_body', 'unknown key (known keys here: body, deadline, decide_within, entry, legal_reference, level, measure_kinds, recorded_by_officer, suspends, suspension)')),
    case('unknown key in an appeal deadline', 'ru', [('appeals[0].deadline.from', 'decision')],
         ('appeals[0].deadline.from', 'unknown key (known keys here: after, count, unit)')),
    case("unknown key in an appeal's decide_within", 'ru', [('appeals[0].decide_within.calendar', 'ru')],
         ('appeals[0].decide_within.calendar', 'unknown key (known keys here: after, count, unit)')),
    case('unknown key in service levels', 'ru', [('service_levels.urgent_days', 3)],
         ('service_levels.urgent_days', 'unknown key (known keys here: by_kind, decide_within_working_days, urgent_within_working_days)')),
    case('unknown key in the calendar', 'ru', [('calendar.holidays', [])],
         ('calendar.holidays', 'unknown key (known keys here: extra_holidays, library, working_days)')),
    case('unknown key in a straight-through rule', 'ru', [('straight_through[0].enabled', True)],
         ('straight_through[0].enabled', 'unknown key (known keys here: action, code, criteria, ground, kind, name, source)')),
    case('unknown key in a criterion', 'ru', [('straight_through[0].criteria[0].values', ['x'])],
         ('straight_through[0].criteria[0].values', 'unknown key (known keys here: field, name, other_field, test, value)')),
    case('unknown key in a second-officer rule', 'ru', [('second_officer[0].officers', 2)],
         ('second_officer[0].officers', 'unknown key (known keys here: ground, kind, outcome)')),
    case('deferment without a duration', 'ru', [('deferments[0].duration', DELETE)],
         ('deferments[0].duration', 'is missing (a deferment states how long it lasts: fixed, until_evidence_date or while_condition)')),
    case('duration that is not a table', 'ru', [('deferments[0].duration', 12)],
         ('deferments[0].duration', 'expected a table, got an integer 12')),
    case('unknown duration rule', 'ru', [('deferments[0].duration.rule', 'forever')],
         ('deferments[0].duration.rule', "must be one of fixed, until_evidence_date, while_condition; got 'forever'")),
    case('until_evidence_date without evidence_date', 'ru', [('deferments[6].duration.evidence_date', DELETE)],
         ('deferments[6].duration.evidence_date', 'is missing (the evidence field holding the end date, such as expected_end)')),
    case('evidence_date naming a non-date field', 'ru', [('deferments[6].duration.evidence_date', 'level')],
         ('deferments[6].duration.evidence_date', "'level' is not a date field of the registers enrolment (their date fields: started_on, expected_end)")),
    case('evidence_date naming no field of the registers', 'ru', [('deferments[6].duration.evidence_date', 'expected_ned')],
         ('deferments[6].duration.evidence_date', "'expected_ned' is not a date field of the registers enrolment (their date fields: started_on, expected_end)")),
    case('evidence_date on a fixed duration', 'ru', [('deferments[0].duration.evidence_date', 'examined_on')],
         ('deferments[0].duration.evidence_date', 'only for rule until_evidence_date (this is fixed)')),
    case('fixed without a maximum', 'ru', [('deferments[0].duration.max_months', DELETE)],
         ('deferments[0].duration.rule', 'a fixed duration needs max_months or max_days')),
    case('both max_months and max_days', 'ru', [('deferments[0].duration.max_days', 365)],
         ('deferments[0].duration.max_days', 'give max_months or max_days, not both')),
    case('max_months of zero', 'ru', [('deferments[0].duration.max_months', 0)],
         ('deferments[0].duration.max_months', 'must be at least 1; got 0'),
         ('deferments[0].duration.rule', 'a fixed duration needs max_months or max_days')),
    case('while_condition without the condition', 'ru', [('deferments[1].duration.condition', DELETE)],
         ('deferments[1].duration.condition', 'is missing (the condition, in words, whose end ends the deferment)')),
    case('once_per on a renewable ground', 'ru', [('deferments[6].renewable', True)],
         ('deferments[6].once_per', 'only for a ground that is not renewable (renewable = false)')),
    case('once_per naming no field of the registers', 'ru', [('deferments[6].once_per', 'programme_level')],
         ('deferments[6].once_per', "'programme_level' is not a field of the registers enrolment (institution, programme, level, full_time, started_on, expected_end, status)")),
    case('duplicate deferment code', 'ru', [('deferments[1].code', 'temporary_unfitness')],
         ('deferments[1].code', "duplicate deferment ground 'temporary_unfitness'")),
    case('duplicate exemption code', 'ru', [('exemptions[1].code', 'category_v')],
         ('exemptions[1].code', "duplicate exemption ground 'category_v'")),
    case('duplicate excuse code', 'ru', [('excuses.grounds[1].code', 'illness')],
         ('excuses.grounds[1].code', "duplicate excuse ground 'illness'")),
    case('code with capitals', 'ru', [('exemptions[0].code', 'Category_V')],
         ('exemptions[0].code', "must be lower-case letters, digits, '-' or '_'")),
    case('deferment without legal_reference', 'ru', [('deferments[2].legal_reference', DELETE)],
         ('deferments[2].legal_reference', 'is missing (cite the article and the act it rests on, such as "Federal Law 53-FZ Art. 24 para 1(a)")')),
    case('exemption without legal_reference', 'ru', [('exemptions[3].legal_reference', DELETE)],
         ('exemptions[3].legal_reference', 'is missing (cite the article and the act it rests on, such as "Federal Law 53-FZ Art. 24 para 1(a)")')),
    case('excuse without legal_reference', 'ru', [('excuses.grounds[0].legal_reference', DELETE)],
         ('excuses.grounds[0].legal_reference', 'is missing (cite the article and the act it rests on, such as "Federal Law 53-FZ Art. 24 para 1(a)")')),
    case('alternative-service ground without legal_reference', 'ru', [('alternative_service.grounds[0].legal_reference', DELETE)],
         ('alternative_service.grounds[0].legal_reference', 'is missing (cite the article and the act it rests on, such as "Federal Law 53-FZ Art. 24 para 1(a)")')),
    case('blank legal_reference', 'ru', [('corrections[0].legal_reference', '   ')],
         ('corrections[0].legal_reference', 'must cite the law (article and act) it rests on')),
    case('legal_reference too long', 'ru', [('deferments[0].legal_reference', "z" * 1001)],
         ('deferments[0].legal_reference', 'at most 1,000 characters, got 1,001')),
    case('unknown register', 'ru', [('deferments[0].registers', ['medical', 'tax'])],
         ('deferments[0].registers[1]', "must be one of enrolment, medical, employment; got 'tax'")),
    case('ground without a name', 'ru', [('exemptions[1].name', DELETE)],
         ('exemptions[1].name', 'is missing (expected a string)')),
    case('fitness category duplicated', 'ru', [('fitness[1].category', 'A')],
         ('fitness[1].category', "duplicate fitness category 'A'")),
    case('fitness category unknown', 'ru', [('fitness[4].category', 'E')],
         ('fitness[4].category', "must be one of A, B, V, G, D; got 'E'")),
    case('deferred without defer_months', 'ru', [('fitness[3].defer_months', DELETE)],
         ('fitness[3].defer_months', 'is missing (a category that defers says for how many months)')),
    case('defer_months on another outcome', 'ru', [('fitness[0].defer_months', 6)],
         ('fitness[0].defer_months', 'only for outcome deferred (this is liable)')),
    case('unknown fitness outcome', 'ru', [('fitness[2].outcome', 'reserve')],
         ('fitness[2].outcome', "must be one of liable, exempt_reserve, deferred, released; got 'reserve'")),
    case('open list not ending with a discretionary ground', 'ru', [('excuses.grounds[3].discretionary', False)],
         ('excuses.grounds', 'an open list ends with a discretionary ground (discretionary = true), such as other circumstances accepted by the commission')),
    case('closed list with a discretionary ground', 'ru', [('excuses.open_list', False)],
         ('excuses.open_list', 'a closed list has no discretionary ground')),
    case('excuses without grounds', 'ru', [('excuses.grounds', [])],
         ('excuses.grounds', 'must list at least one excuse'),
         ('second_officer[0].ground', "'other' is not an excuse ground of this version (its excuse grounds: none)")),
    case('excuses without the duty to appear', 'ru', [('excuses.duty_after', DELETE)],
         ('excuses.duty_after', 'is missing (expected a string)')),
    case('filing deadline not MM-DD', 'ru', [('alternative_service.filing_windows[0].by', '4-1')],
         ('alternative_service.filing_windows[0].by', "must be a day of the year as MM-DD, such as 04-01; got '4-1'")),
    case('filing deadline on no real day', 'ru', [('alternative_service.filing_windows[1].by', '02-30')],
         ('alternative_service.filing_windows[1].by', "must be a day of the year as MM-DD, such as 04-01; got '02-30'")),
    case('dispatch period malformed', 'ru', [('alternative_service.filing_windows[0].for_period', '10-01-12-31')],
         ('alternative_service.filing_windows[0].for_period', "must be two days of the year as MM-DD/MM-DD, such as 10-01/12-31; got '10-01-12-31'")),
    case('dispatch period on no real day', 'ru', [('alternative_service.filing_windows[0].for_period', '10-01/11-31')],
         ('alternative_service.filing_windows[0].for_period', "must be two days of the year as MM-DD/MM-DD, such as 10-01/12-31; got '10-01/11-31'")),
    case('max_age equal to min_age', 'ru', [('alternative_service.max_age', 18)],
         ('alternative_service.max_age', 'must be greater than min_age (18); got 18')),
    case('max_age below min_age', 'ru', [('alternative_service.max_age', 17)],
         ('alternative_service.max_age', 'must be greater than min_age (18); got 17')),
    case('alternative service without grounds', 'ru', [('alternative_service.grounds', [])],
         ('alternative_service.grounds', 'must list at least one ground')),
    case('decision deadline in weeks', 'ru', [('alternative_service.decision_deadline.unit', 'weeks')],
         ('alternative_service.decision_deadline.unit', "must be one of days, working_days, months; got 'weeks'")),
    case('decision deadline after an unknown event', 'ru', [('alternative_service.decision_deadline.after', 'hearing')],
         ('alternative_service.decision_deadline.after', "must be one of decision, filing, filing_deadline, notice_mailed, summons_served, measure_applied; got 'hearing'")),
    case('service duration of zero months', 'ru', [('alternative_service.durations[1].months', 0)],
         ('alternative_service.durations[1].months', 'must be at least 1; got 0')),
    case('appeal levels out of order', 'ru', [('appeals[0].level', 2), ('appeals[1].level', 1)],
         ('appeals[0].level', 'levels are numbered 1, 2, ... in order; expected 1, got 2'),
         ('appeals[1].level', 'levels are numbered 1, 2, ... in order; expected 2, got 1')),
    case('previous_level_decided on level 1', 'ru', [('appeals[0].entry', ['previous_level_decided'])],
         ('appeals[0].entry', 'level 1 has no previous level')),
    case('previous_level_dismissed on level 1', 'registration-only', [('appeals[0].entry', ['previous_level_dismissed'])],
         ('appeals[0].entry', 'level 1 has no previous level')),
    case('unknown entry condition', 'ru', [('appeals[1].entry', ['leave_to_appeal'])],
         ('appeals[1].entry[0]', "must be one of previous_level_decided, previous_level_dismissed, against_refusal; got 'leave_to_appeal'")),
    case('measure_kinds naming a measure the version lacks', 'ru', [('appeals[0].suspends', 'measures'), ('appeals[0].measure_kinds', ['exit_ban', 'gun_ban'])],
         ('appeals[0].measure_kinds[1]', "'gun_ban' is not a measure of this version (exit_ban, sole_proprietor_ban, self_employed_ban, real_estate_ban, vehicle_registration_ban, driving_ban, credit_ban)")),
    case('measure_kinds without suspends = measures', 'ru', [('appeals[0].measure_kinds', ['exit_ban'])],
         ('appeals[0].measure_kinds', 'only when suspends = "measures" (this is \'nothing\')')),
    case('suspends measures in a version without measures', 'registration-only', [('appeals[0].suspends', 'measures')],
         ('appeals[0].suspends', 'this version has no measures to suspend')),
    case('unknown suspends', 'ru', [('appeals[1].suspends', 'everything')],
         ('appeals[1].suspends', "must be one of nothing, decision, measures; got 'everything'")),
    case('unknown suspension mode', 'ru', [('appeals[1].suspension', 'sometimes')],
         ('appeals[1].suspension', "must be one of automatic, discretionary; got 'sometimes'")),
    case('level without decide_within, not recorded_by_officer', 'ru', [('appeals[1].recorded_by_officer', False)],
         ('appeals[1].decide_within', 'is missing (only a body outside Muster, recorded_by_officer = true, sets its own time)')),
    case('appeal deadline of zero', 'ru', [('appeals[0].deadline.count', 0)],
         ('appeals[0].deadline.count', 'must be at least 1; got 0')),
    case('appeal without a deadline', 'ru', [('appeals[0].deadline', DELETE)],
         ('appeals[0].deadline', 'is missing (expected a table)')),
    case('appeal without legal_reference', 'ru', [('appeals[0].legal_reference', DELETE)],
         ('appeals[0].legal_reference', 'is missing (cite the article and the act it rests on, such as "Federal Law 53-FZ Art. 24 para 1(a)")')),
    case('service level for an unknown kind', 'ru', [('service_levels.by_kind', {'pension': 5})],
         ('service_levels.by_kind.pension', 'unknown application kind; kinds are deferment, exemption, alternative_service, excuse, correction')),
    case('service level of zero working days', 'ru', [('service_levels.by_kind', {'excuse': 0})],
         ('service_levels.by_kind.excuse', 'expected a number of working days (at least 1), got an integer 0')),
    case('service level as a string', 'ru', [('service_levels.decide_within_working_days', '10')],
         ('service_levels.decide_within_working_days', "expected an integer, got a string '10'")),
    case('negative urgency threshold', 'ru', [('service_levels.urgent_within_working_days', -1)],
         ('service_levels.urgent_within_working_days', 'must be at least 0; got -1')),
    case('calendar date in both lists', 'ru', [('calendar.extra_holidays', [date(2025, 11, 1)])],
         ('calendar.working_days', '2025-11-01 is also listed in extra_holidays')),
    case('calendar entry that is not a date', 'ru', [('calendar.working_days', ['2025-11-01'])],
         ('calendar.working_days[0]', "expected a date (YYYY-MM-DD), got a string '2025-11-01'")),
    case('calendar library not a boolean', 'ru', [('calendar.library', 'yes')],
         ('calendar.library', "expected a boolean (true/false), got a string 'yes'")),
    case('straight-through with an unknown ground', 'ru', [('straight_through[0].ground', 'studies')],
         ('straight_through[0].ground', "'studies' is not a deferment ground of this version (its deferment grounds: temporary_unfitness, care_of_relative, child_without_mother, two_or_more_children, disabled_child_under_3, child_and_pregnant_wife, study, it_employee)")),
    case('straight-through with a ground of another kind', 'ru', [('straight_through[0].kind', 'exemption')],
         ('straight_through[0].ground', "'study' is a deferment ground, not an exemption ground (the exemption grounds of this version: category_v, served, alternative_service_done, academic_degree, family_of_fallen)")),
    case('straight-through with an unknown kind', 'ru', [('straight_through[0].kind', 'benefit')],
         ('straight_through[0].kind', "must be one of deferment, exemption, alternative_service, excuse, correction; got 'benefit'")),
    case('straight-through from a source the ground does not take', 'ru', [('straight_through[2].source', 'enrolment'), ('straight_through[2].criteria', [{'name': 'enrolled', 'field': 'status', 'test': 'equals', 'value': 'enrolled'}])],
         ('straight_through[2].source', 'ground temporary_unfitness does not take enrolment from a register (its registers: medical)')),
    case('straight-through from an unknown source', 'ru', [('straight_through[0].source', 'tax')],
         ('straight_through[0].source', "must be one of enrolment, medical, employment; got 'tax'")),
    case('straight-through renewing a ground that is not renewable', 'ru', [('straight_through[0].action', 'renew')],
         ('straight_through[0].action', 'ground study is not renewable (renewable = false): a rule may grant or end it, not renew it')),
    case('straight-through with an unknown action', 'ru', [('straight_through[0].action', 'suspend')],
         ('straight_through[0].action', "must be one of grant, renew, end; got 'suspend'")),
    case('straight-through without criteria', 'ru', [('straight_through[0].criteria', [])],
         ('straight_through[0].criteria', 'must name at least one criterion')),
    case('duplicate straight-through code', 'ru', [('straight_through[1].code', 'study_enrolment')],
         ('straight_through[1].code', "duplicate straight-through rule 'study_enrolment'")),
    case('criterion on an unknown field', 'ru', [('straight_through[0].criteria[0].field', 'state')],
         ('straight_through[0].criteria[0].field', "'state' is not a field of this source (institution, programme, level, full_time, started_on, expected_end, status)")),
    case('duplicate criterion name', 'ru', [('straight_through[0].criteria[1].name', 'enrolled')],
         ('straight_through[0].criteria[1].name', "duplicate criterion 'enrolled'")),
    case('unknown test', 'ru', [('straight_through[0].criteria[0].test', 'matches')],
         ('straight_through[0].criteria[0].test', "must be one of is_true, is_false, equals, one_of, at_least, at_most, after_today, on_or_before_today, within_days_after; got 'matches'")),
    case('is_true on a string field', 'ru', [('straight_through[0].criteria[1].field', 'level')],
         ('straight_through[0].criteria[1].test', 'test is_true needs a boolean field; level is a string')),
    case('after_today on a boolean field', 'ru', [('straight_through[0].criteria[3].field', 'full_time')],
         ('straight_through[0].criteria[3].test', 'test after_today needs a date field; full_time is a boolean')),
    case('at_least on a string field', 'ru', [('straight_through[3].criteria[1].field', 'employer')],
         ('straight_through[3].criteria[1].test', 'test at_least needs an integer or date field; employer is a string')),
    case('is_true with a value', 'ru', [('straight_through[0].criteria[1].value', True)],
         ('straight_through[0].criteria[1].value', 'test is_true takes no value')),
    case('equals without a value', 'ru', [('straight_through[0].criteria[0].value', DELETE)],
         ('straight_through[0].criteria[0].value', 'test equals needs a value')),
    case('equals with a wrong value type', 'ru', [('straight_through[0].criteria[0].value', 1)],
         ('straight_through[0].criteria[0].value', 'expected string value(s) for field status, got an integer 1')),
    case('at_least with a string for an integer field', 'ru', [('straight_through[3].criteria[1].value', '334')],
         ('straight_through[3].criteria[1].value', "expected integer value(s) for field days_employed, got a string '334'")),
    case('at_least with a boolean for an integer field', 'ru', [('straight_through[3].criteria[1].value', True)],
         ('straight_through[3].criteria[1].value', 'expected integer value(s) for field days_employed, got a boolean (true)')),
    case('one_of with a single value', 'ru', [('straight_through[0].criteria[2].value', 'bachelor')],
         ('straight_through[0].criteria[2].value', "test one_of needs an array, got a string 'bachelor'")),
    case('one_of with an empty list', 'ru', [('straight_through[0].criteria[2].value', [])],
         ('straight_through[0].criteria[2].value', 'test one_of needs at least one value')),
    case('one_of with a value of the wrong type', 'ru', [('straight_through[0].criteria[2].value', ['bachelor', 2])],
         ('straight_through[0].criteria[2].value', 'expected string value(s) for field level, got an integer 2')),
    case('within_days_after without other_field', 'ru', [('straight_through[4].criteria[1].other_field', DELETE)],
         ('straight_through[4].criteria[1].other_field', 'is missing (test within_days_after counts the days from this date field of the source, such as diploma_on)')),
    case('within_days_after counting from a non-date field', 'ru', [('straight_through[4].criteria[1].other_field', 'employer')],
         ('straight_through[4].criteria[1].other_field', "'employer' is not a date field of this source (hired_on, diploma_on)")),
    case('within_days_after without a number of days', 'ru', [('straight_through[4].criteria[1].value', 'a year')],
         ('straight_through[4].criteria[1].value', "test within_days_after needs a number of days, got a string 'a year'")),
    case('within_days_after on a non-date field', 'ru', [('straight_through[4].criteria[1].field', 'days_employed')],
         ('straight_through[4].criteria[1].test', 'test within_days_after needs a date field; days_employed is an integer')),
    case('other_field on another test', 'ru', [('straight_through[3].criteria[1].other_field', 'hired_on')],
         ('straight_through[3].criteria[1].other_field', 'only for test within_days_after')),
    case('second officer naming an unknown ground', 'ru', [('second_officer[0].ground', 'others')],
         ('second_officer[0].ground', "'others' is not an excuse ground of this version (its excuse grounds: illness, relative, force_majeure, other)")),
    case("second officer naming another kind's ground", 'ru', [('second_officer[0].ground', 'study')],
         ('second_officer[0].ground', "'study' is a deferment ground, not an excuse ground (the excuse grounds of this version: illness, relative, force_majeure, other)")),
    case('second officer with an unknown outcome', 'ru', [('second_officer[0].outcome', 'approved')],
         ('second_officer[0].outcome', "must be one of granted, refused; got 'approved'")),
    case('second officer with an unknown kind', 'ru', [('second_officer[0].kind', 'appeal')],
         ('second_officer[0].kind', "must be one of deferment, exemption, alternative_service, excuse, correction; got 'appeal'")),
]


@pytest.mark.parametrize(("base", "edits", "problems"), CASES)
def test_a_bad_casework_section_is_refused_with_file_key_and_message(base, edits, problems):
    with pytest.raises(PolicyError) as info:
        parse_version(FILES[base], edited(base, edits))
    assert info.value.problems == [Problem(FILES[base], key, message) for key, message in problems]
    assert f"{FILES[base]}: key '{problems[0][0]}': {problems[0][1]}" in str(info.value)


@pytest.mark.parametrize("base", list(FILES))
def test_the_shipped_versions_parse_so_each_problem_comes_from_its_edit(base):
    assert parse_version(FILES[base], edited(base, [])).code


def test_every_casework_section_has_an_unknown_key_case():
    """An unknown key is refused in every section the casework parser reads (a typo never passes
    silently as a default)."""
    covered = {edits[0][0].split(".")[0].split("[")[0]
               for _base, edits, problems in (c.values for c in CASES)
               if problems[0][1].startswith("unknown key") and "." in edits[0][0]}
    assert covered == set(SECTIONS)
