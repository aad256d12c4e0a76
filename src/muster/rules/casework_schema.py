"""Parse and validate the casework sections of a policy version (already-parsed TOML).

Every problem is recorded with its file and key on the caller's problem list, so a version file
is refused whole (muster.rules.policy_schema.parse_version). The sections and their meaning are in
muster.rules.casework_policy; docs/jurisdiction-ru.md shows them filled in.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from muster.rules.casework_policy import (
    APPEAL_SUSPENDS,
    APPLICATION_KINDS,
    DEADLINE_EVENTS,
    DEADLINE_UNITS,
    DECISION_OUTCOMES,
    DURATION_RULES,
    ENTRY_CONDITIONS,
    FITNESS_CATEGORIES,
    FITNESS_OUTCOMES,
    STP_ACTIONS,
    STP_SOURCES,
    STP_TESTS,
    SUSPENSION_MODES,
    AlternativeService,
    AppealLevel,
    CalendarRules,
    Casework,
    Criterion,
    Deadline,
    Duration,
    Excuses,
    FilingWindow,
    FitnessCategory,
    Ground,
    SecondOfficer,
    ServiceDuration,
    ServiceLevels,
    StraightThroughRule,
)
from muster.rules.toml_reader import TableReader, describe

_CODE = re.compile(r"^[a-z][a-z0-9_\-]*$")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
MAX_REFERENCE = 1000

# The top-level keys of a version file this module reads.
SECTIONS = ("deferments", "exemptions", "fitness", "excuses", "corrections", "alternative_service",
            "appeals", "service_levels", "calendar", "straight_through", "second_officer")


def _reference(t: TableReader, required: bool = True) -> str:
    if required and "legal_reference" not in t.data:
        t.seen.add("legal_reference")
        t.problem("legal_reference", "is missing (cite the article and the act it rests on, such as "
                                     "\"Federal Law 53-FZ Art. 24 para 1(a)\")")
        return ""
    text: str = t.req("legal_reference", str, "") if required else t.opt("legal_reference", str, "")
    if isinstance(t.data.get("legal_reference"), str):
        if required and not text.strip():
            t.problem("legal_reference", "must cite the law (article and act) it rests on")
        elif len(text) > MAX_REFERENCE:
            t.problem("legal_reference", f"at most {MAX_REFERENCE:,} characters, got {len(text):,}")
    return text


def _code(t: TableReader, key: str, seen: set[str], what: str) -> str:
    code: str = t.req(key, str, "")
    if code and not _CODE.match(code):
        t.problem(key, "must be lower-case letters, digits, '-' or '_'")
    elif code in seen:
        t.problem(key, f"duplicate {what} {code!r}")
    seen.add(code)
    return code


def _month_day(text: str) -> bool:
    """Whether `text` is MM-DD of a real day (02-29 counts: it exists in leap years)."""
    if not _MONTH_DAY.match(text):
        return False
    try:
        date(2000, int(text[:2]), int(text[3:]))
    except ValueError:
        return False
    return True


def _register_fields(registers: tuple[str, ...]) -> dict[str, str]:
    """The fields the ground's registers supply, with their types."""
    fields: dict[str, str] = {}
    for r in registers:
        fields.update(STP_SOURCES.get(r, {}))
    return fields


def _duration(t: TableReader, registers: tuple[str, ...]) -> Duration | None:
    d = t.table("duration", required=False)
    if d is None:
        return None
    rule = d.choice("rule", DURATION_RULES) or ""
    max_months = d.positive("max_months", required=False, minimum=1)
    max_days = d.positive("max_days", required=False, minimum=1)
    evidence_date = d.opt("evidence_date", str)
    condition = d.opt("condition", str, "")
    if rule == "fixed" and max_months is None and max_days is None:
        d.problem("rule", "a fixed duration needs max_months or max_days")
    if max_months is not None and max_days is not None:
        d.problem("max_days", "give max_months or max_days, not both")
    if rule == "until_evidence_date":
        if not evidence_date:
            d.problem("evidence_date", "is missing (the evidence field holding the end date, such as expected_end)")
        elif registers and not any(STP_SOURCES[r].get(evidence_date) == "date" for r in registers if r in STP_SOURCES):
            dates = [f for f, typ in _register_fields(registers).items() if typ == "date"]
            d.problem("evidence_date", f"{evidence_date!r} is not a date field of the registers "
                                       f"{', '.join(registers)} (their date fields: {', '.join(dates) or 'none'})")
    elif evidence_date is not None:
        d.problem("evidence_date", f"only for rule until_evidence_date (this is {rule})")
    if rule == "while_condition" and not condition.strip():
        d.problem("condition", "is missing (the condition, in words, whose end ends the deferment)")
    d.done()
    return Duration(rule=rule, max_months=max_months, max_days=max_days, evidence_date=evidence_date,
                    condition=condition)


def _grounds(root: TableReader, name: str, kind: str, *, deferment: bool = False) -> tuple[Ground, ...]:
    out = []
    seen: set[str] = set()
    for t in root.tables(name):
        code = _code(t, "code", seen, f"{kind} ground")
        ground_name = t.req("name", str, "")
        reference = _reference(t)
        evidence = t.str_list("evidence", required=False)
        registers = t.str_list("registers", required=False, choices=tuple(STP_SOURCES))
        duration = _duration(t, registers) if deferment else None
        if deferment and duration is None and "duration" not in t.data:
            t.problem("duration", "is missing (a deferment states how long it lasts: fixed, until_evidence_date "
                                  "or while_condition)")
        renewable = t.opt("renewable", bool, True)
        once_per = t.opt("once_per", str)
        if once_per is not None and renewable:
            t.problem("once_per", "only for a ground that is not renewable (renewable = false)")
        elif once_per is not None and registers and once_per not in _register_fields(registers):
            t.problem("once_per", f"{once_per!r} is not a field of the registers {', '.join(registers)} "
                                  f"({', '.join(_register_fields(registers))})")
        must_attend = t.opt("must_attend", bool, False)
        discretionary = t.opt("discretionary", bool, False)
        t.done()
        out.append(Ground(code=code, name=ground_name, legal_reference=reference, evidence=evidence,
                          registers=registers, duration=duration, renewable=renewable, once_per=once_per,
                          must_attend=must_attend, discretionary=discretionary))
    return tuple(out)


def _fitness(root: TableReader) -> tuple[FitnessCategory, ...]:
    out = []
    seen: set[str] = set()
    for t in root.tables("fitness"):
        category = t.choice("category", FITNESS_CATEGORIES) or ""
        if category in seen:
            t.problem("category", f"duplicate fitness category {category!r}")
        seen.add(category)
        outcome = t.choice("outcome", FITNESS_OUTCOMES) or ""
        months = t.positive("defer_months", required=False, minimum=1)
        if outcome == "deferred" and months is None:
            t.problem("defer_months", "is missing (a category that defers says for how many months)")
        elif outcome != "deferred" and months is not None:
            t.problem("defer_months", f"only for outcome deferred (this is {outcome})")
        out.append(FitnessCategory(category=category, name=t.req("name", str, ""), outcome=outcome,
                                   defer_months=months, legal_reference=_reference(t, required=False)))
        t.done()
    return tuple(out)


def _excuses(root: TableReader) -> Excuses | None:
    t = root.table("excuses", required=False)
    if t is None:
        return None
    open_list = t.req("open_list", bool, False)
    grounds = _grounds(t, "grounds", "excuse")
    if not grounds:
        t.problem("grounds", "must list at least one excuse")
    if open_list and grounds and not grounds[-1].discretionary:
        t.problem("grounds", "an open list ends with a discretionary ground (discretionary = true), such as "
                             "other circumstances accepted by the commission")
    if not open_list and any(g.discretionary for g in grounds):
        t.problem("open_list", "a closed list has no discretionary ground")
    excuses = Excuses(open_list=open_list, grounds=grounds, duty_after=t.req("duty_after", str, ""),
                      appear_within_working_days=t.positive("appear_within_working_days", required=False,
                                                            minimum=1))
    t.done()
    return excuses


def _deadline(t: TableReader, name: str, required: bool = True,
              after: tuple[str, ...] = DEADLINE_EVENTS) -> Deadline | None:
    d = t.table(name, required=required)
    if d is None:
        return None
    deadline = Deadline(count=d.positive("count", default=0, minimum=1) or 0,
                        unit=d.choice("unit", DEADLINE_UNITS) or "",
                        after=d.choice("after", after) or "")
    d.done()
    return deadline


def _alternative_service(root: TableReader) -> AlternativeService | None:
    t = root.table("alternative_service", required=False)
    if t is None:
        return None
    windows = []
    for w in t.tables("filing_windows", required=True):
        by = w.req("by", str, "")
        if by and not _month_day(by):
            w.problem("by", f"must be a day of the year as MM-DD, such as 04-01; got {by!r}")
        period = w.req("for_period", str, "")
        parts = period.split("/")
        if period and (len(parts) != 2 or not all(_month_day(p) for p in parts)):
            w.problem("for_period", f"must be two days of the year as MM-DD/MM-DD, such as 10-01/12-31; "
                                    f"got {period!r}")
        windows.append(FilingWindow(by=by, for_period=period))
        w.done()
    durations = []
    for d in t.tables("durations", required=True):
        durations.append(ServiceDuration(kind=d.req("kind", str, ""),
                                         months=d.positive("months", default=0, minimum=1) or 0))
        d.done()
    min_age = t.positive("min_age", default=0) or 0
    max_age = t.positive("max_age", default=0) or 0
    if max_age and max_age <= min_age:
        t.problem("max_age", f"must be greater than min_age ({min_age}); got {max_age}")
    grounds = _grounds(t, "grounds", "alternative service")
    if not grounds:
        t.problem("grounds", "must list at least one ground")
    service = AlternativeService(
        legal_reference=_reference(t), grounds=grounds, min_age=min_age, max_age=max_age,
        in_person=t.req("in_person", bool, False), filing_windows=tuple(windows),
        deciding_body=t.req("deciding_body", str, ""),
        decision_deadline=_deadline(t, "decision_deadline") or Deadline(1, "months", "filing_deadline"),
        decision_extension=_deadline(t, "decision_extension", required=False),
        hearing=t.req("hearing", str, ""), refusal_grounds=t.str_list("refusal_grounds"),
        appeal_route=t.req("appeal_route", str, ""), durations=tuple(durations))
    t.done()
    return service


def _appeals(root: TableReader, measure_kinds: tuple[str, ...]) -> tuple[AppealLevel, ...]:
    out = []
    for i, t in enumerate(root.tables("appeals")):
        level = t.positive("level", default=0, minimum=1) or 0
        if level and level != i + 1:
            t.problem("level", f"levels are numbered 1, 2, ... in order; expected {i + 1}, got {level}")
        entry = t.str_list("entry", required=False, choices=ENTRY_CONDITIONS)
        if level == 1 and any(e.startswith("previous_level") for e in entry):
            t.problem("entry", "level 1 has no previous level")
        suspends = t.choice("suspends", APPEAL_SUSPENDS) or "nothing"
        kinds = t.str_list("measure_kinds", required=False)
        for k, kind in enumerate(kinds):
            if kind not in measure_kinds:
                t.problem(f"measure_kinds[{k}]", f"{kind!r} is not a measure of this version "
                                                 f"({', '.join(measure_kinds) or 'none'})")
        if kinds and suspends != "measures":
            t.problem("measure_kinds", f"only when suspends = \"measures\" (this is {suspends!r})")
        if suspends == "measures" and not measure_kinds:
            t.problem("suspends", "this version has no measures to suspend")
        recorded = t.opt("recorded_by_officer", bool, False)
        decide_within = _deadline(t, "decide_within", required=False)
        if decide_within is None and not recorded:
            t.problem("decide_within", "is missing (only a body outside Muster, recorded_by_officer = true, "
                                       "sets its own time)")
        out.append(AppealLevel(
            level=level, body=t.req("body", str, ""), legal_reference=_reference(t),
            deadline=_deadline(t, "deadline") or Deadline(1, "days", "decision"), entry=entry,
            decide_within=decide_within, suspends=suspends, measure_kinds=kinds,
            suspension=t.choice("suspension", SUSPENSION_MODES, required=False, default="automatic") or "automatic",
            recorded_by_officer=recorded))
        t.done()
    return tuple(out)


def _service_levels(root: TableReader) -> ServiceLevels:
    t = root.table("service_levels", required=False)
    if t is None:
        return ServiceLevels(decide_within_working_days=10)
    by_kind = []
    k = t.table("by_kind", required=False)
    if k is not None:
        for kind, days in k.data.items():
            k.seen.add(kind)
            if kind not in APPLICATION_KINDS:
                k.problem(kind, f"unknown application kind; kinds are {', '.join(APPLICATION_KINDS)}")
            elif not isinstance(days, int) or isinstance(days, bool) or days < 1:
                k.problem(kind, f"expected a number of working days (at least 1), got {describe(days)}")
            else:
                by_kind.append((kind, days))
        k.done()
    levels = ServiceLevels(
        decide_within_working_days=t.positive("decide_within_working_days", default=10, minimum=1) or 10,
        by_kind=tuple(by_kind),
        urgent_within_working_days=t.positive("urgent_within_working_days", required=False, default=10,
                                              minimum=0))
    t.done()
    return levels


def _dates(t: TableReader, name: str) -> tuple[date, ...]:
    value = t.opt(name, list, [])
    out = []
    for i, item in enumerate(value):
        if isinstance(item, date) and not hasattr(item, "hour"):
            out.append(item)
        else:
            t.problem(f"{name}[{i}]", f"expected a date (YYYY-MM-DD), got {describe(item)}")
    return tuple(sorted(out))


def _calendar(root: TableReader) -> CalendarRules:
    t = root.table("calendar", required=False)
    if t is None:
        return CalendarRules()
    rules = CalendarRules(library=t.opt("library", bool, True), extra_holidays=_dates(t, "extra_holidays"),
                          working_days=_dates(t, "working_days"))
    both = set(rules.extra_holidays) & set(rules.working_days)
    if both:
        t.problem("working_days", f"{', '.join(str(d) for d in sorted(both))} is also listed in extra_holidays")
    t.done()
    return rules


_VALUE_TYPES = {"str": str, "bool": bool, "int": int, "date": date}
_TYPE_WORDS = {"str": "string value(s)", "bool": "a boolean", "int": "integer value(s)",
               "date": "date value(s) (YYYY-MM-DD)"}
_FIELD_TYPES = {"str": "a string", "bool": "a boolean", "int": "an integer", "date": "a date"}


def _typed(value: Any, ftype: str) -> bool:
    if ftype == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if ftype == "date":
        return isinstance(value, date) and not isinstance(value, datetime)
    return isinstance(value, _VALUE_TYPES[ftype])


def _criterion(t: TableReader, fields: dict[str, str] | None, seen: set[str]) -> Criterion:
    """One criterion; `fields` is None when the rule's source is unknown (its own problem)."""
    name = _code(t, "name", seen, "criterion")
    field = t.req("field", str, "")
    ftype = (fields or {}).get(field)
    if field and ftype is None and fields is not None:
        t.problem("field", f"{field!r} is not a field of this source ({', '.join(fields)})")
    test = t.choice("test", STP_TESTS) or ""
    value: Any = t.data.get("value")
    t.seen.add("value")
    other = t.opt("other_field", str)
    needs = {"is_true": None, "is_false": None, "after_today": None, "on_or_before_today": None}
    if test in needs:
        if value is not None:
            t.problem("value", f"test {test} takes no value")
        wanted = "bool" if test.startswith("is_") else "date"
        if ftype and ftype != wanted:
            t.problem("test", f"test {test} needs {_FIELD_TYPES[wanted]} field; {field} is {_FIELD_TYPES[ftype]}")
    elif test == "within_days_after":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            t.problem("value", f"test within_days_after needs a number of days, got {describe(value)}")
        if other is None:
            t.problem("other_field", "is missing (test within_days_after counts the days from this date field "
                                     "of the source, such as diploma_on)")
        elif fields is not None and fields.get(other) != "date":
            t.problem("other_field", f"{other!r} is not a date field of this source "
                                     f"({', '.join(f for f, typ in fields.items() if typ == 'date')})")
        if ftype and ftype != "date":
            t.problem("test", f"test within_days_after needs a date field; {field} is {_FIELD_TYPES[ftype]}")
    elif test:
        if value is None:
            t.problem("value", f"test {test} needs a value")
        elif ftype:
            items = value if test == "one_of" else [value]
            if test == "one_of" and not isinstance(value, list):
                t.problem("value", f"test one_of needs an array, got {describe(value)}")
            elif test in ("at_least", "at_most") and ftype not in ("int", "date"):
                t.problem("test", f"test {test} needs an integer or date field; {field} is {_FIELD_TYPES[ftype]}")
            elif test == "one_of" and not items:
                t.problem("value", "test one_of needs at least one value")
            elif any(not _typed(v, ftype) for v in items):
                bad = next(v for v in items if not _typed(v, ftype))
                t.problem("value", f"expected {_TYPE_WORDS[ftype]} for field {field}, got {describe(bad)}")
        if isinstance(value, list):
            value = tuple(value)
    if other is not None and test != "within_days_after":
        t.problem("other_field", "only for test within_days_after")
    t.done()
    return Criterion(name=name, field=field, test=test, value=value, other_field=other)


def _not_a_ground(casework: Casework, kind: str, code: str) -> str:
    """Why `code` is not a ground of `kind`: unknown, or another kind's."""
    known = ", ".join(g.code for g in casework.grounds(kind)) or "none"
    other = next((k for k in APPLICATION_KINDS if k != kind and casework.ground(k, code) is not None), None)
    kind_words = kind.replace("_", " ")
    if other is not None:
        return (f"{code!r} is {_a(other.replace('_', ' '))} ground, not {_a(kind_words)} ground "
                f"(the {kind_words} grounds of this version: {known})")
    return f"{code!r} is not {_a(kind_words)} ground of this version (its {kind_words} grounds: {known})"


def _a(words: str) -> str:
    return f"an {words}" if words[:1] in ("a", "e", "i", "o", "u") else f"a {words}"


def _straight_through(root: TableReader, casework: Casework) -> tuple[StraightThroughRule, ...]:
    out = []
    seen: set[str] = set()
    for t in root.tables("straight_through"):
        code = _code(t, "code", seen, "straight-through rule")
        kind = t.choice("kind", APPLICATION_KINDS) or ""
        ground_code = t.req("ground", str, "")
        source = t.choice("source", tuple(STP_SOURCES)) or ""
        ground = casework.ground(kind, ground_code) if kind else None
        action = t.choice("action", STP_ACTIONS) or ""
        if kind and ground_code and ground is None:
            t.problem("ground", _not_a_ground(casework, kind, ground_code))
        elif ground is not None and source and source not in ground.registers:
            t.problem("source", f"ground {ground_code} does not take {source} from a register "
                                f"(its registers: {', '.join(ground.registers) or 'none'})")
        if ground is not None and action == "renew" and not ground.renewable:
            t.problem("action", f"ground {ground_code} is not renewable (renewable = false): a rule may grant or "
                                f"end it, not renew it")
        criteria = []
        names: set[str] = set()
        for c in t.tables("criteria", required=True):
            criteria.append(_criterion(c, STP_SOURCES.get(source) if source else None, names))
        if not criteria and "criteria" in t.data:
            t.problem("criteria", "must name at least one criterion")
        out.append(StraightThroughRule(code=code, name=t.req("name", str, ""), kind=kind, ground=ground_code,
                                       source=source, action=action,
                                       criteria=tuple(criteria)))
        t.done()
    return tuple(out)


def _second_officer(root: TableReader, casework: Casework) -> tuple[SecondOfficer, ...]:
    out = []
    for t in root.tables("second_officer"):
        kind = t.choice("kind", APPLICATION_KINDS) or ""
        ground = t.opt("ground", str)
        if kind and ground is not None and casework.ground(kind, ground) is None:
            t.problem("ground", _not_a_ground(casework, kind, ground))
        out.append(SecondOfficer(kind=kind, outcome=t.choice("outcome", DECISION_OUTCOMES) or "", ground=ground))
        t.done()
    return tuple(out)


def parse_casework(root: TableReader, measure_kinds: tuple[str, ...]) -> Casework:
    """The casework sections of one version document (problems go on the reader's list)."""
    casework = Casework(
        deferments=_grounds(root, "deferments", "deferment", deferment=True),
        exemptions=_grounds(root, "exemptions", "exemption"),
        fitness=_fitness(root),
        excuses=_excuses(root),
        corrections=_grounds(root, "corrections", "correction"),
        alternative_service=_alternative_service(root),
        appeals=_appeals(root, measure_kinds),
        service_levels=_service_levels(root),
        calendar=_calendar(root),
    )
    return replace(casework, straight_through=_straight_through(root, casework),
                   second_officer=_second_officer(root, casework))
