"""Straight-through processing, the pure rule: does a partner register's fact meet a policy's
straight-through rule, criterion by criterion, and which of a source's rules decides it.

Facts are the JSON values a partner submitted (muster.rules.casework_policy.STP_SOURCES: dates as
"YYYY-MM-DD" text). A missing or mistyped fact makes its criterion fail with a sentence saying so,
never an exception: a register's odd record goes to an officer, it does not stop a batch. The
batch SQL (muster.partners.stp_sql) computes the same verdicts for many facts at once; a property
test holds the two together.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from muster.rules.casework_policy import (
    APPLICATION_KINDS,
    STP_SOURCES,
    Casework,
    Criterion,
    Ground,
    StraightThroughRule,
)

OFFICER = "officer"  # decide_action's answer when no rule decides: the fact goes to an officer's queue
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Finding:
    """One criterion applied to one fact: the value found and whether it meets the criterion."""

    criterion: str
    field: str
    value: object  # as submitted; None when missing
    holds: bool
    sentence: str  # e.g. "days_employed: 300 (must be at least 334)"


@dataclass(frozen=True)
class Verdict:
    rule: str  # the rule's code
    holds: bool  # every criterion holds
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Action:
    """What comes of a fact: a rule that decides it (grant, renew or end), or an officer."""

    action: str  # "grant" | "renew" | "end" | OFFICER
    rule: StraightThroughRule | None
    reasons: tuple[str, ...]  # readable sentences: the rule and each criterion with its value


def typed(ftype: str, value: object) -> object | None:
    """The fact as its type (STP_SOURCES) says, or None when it is missing or of another type.
    Whole numbers are ints but not booleans; dates are ISO "YYYY-MM-DD" text (or a date)."""
    if ftype == "bool":
        return value if isinstance(value, bool) else None
    if ftype == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if ftype == "str":
        return value if isinstance(value, str) else None
    if ftype == "date":
        if isinstance(value, date):
            return value
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None
        return None
    raise ValueError(f"unknown fact type {ftype!r}")


def shown(value: object) -> str:
    """A value as a reason shows it: true/false, numbers and dates as written, text as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return "missing" if value is None else repr(value)


_TYPE_WORDS = {"bool": "true or false", "int": "a whole number", "str": "text", "date": "a date (YYYY-MM-DD)"}


def requirement(criterion: Criterion, today: date) -> str:
    """What a criterion asks of its field, in words."""
    test, value = criterion.test, criterion.value
    if test == "is_true":
        return "must be true"
    if test == "is_false":
        return "must be false"
    if test == "equals":
        return f"must be {shown(value)}"
    if test == "one_of":
        return "must be one of " + ", ".join(shown(v) for v in _items(value))
    if test == "at_least":
        return f"must be at least {shown(value)}"
    if test == "at_most":
        return f"must be at most {shown(value)}"
    if test == "after_today":
        return f"must be after today, {today.isoformat()}"
    if test == "on_or_before_today":
        return f"must be on or before today, {today.isoformat()}"
    if test == "within_days_after":
        return f"must be within {value} days after {criterion.other_field}"
    raise ValueError(f"unknown straight-through test {test!r}")


def _items(value: object) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _as_date(value: object) -> object:
    return date.fromisoformat(value) if isinstance(value, str) and _ISO_DATE.fullmatch(value) else value


def _meets(criterion: Criterion, ftype: str, got: object, facts: Mapping[str, object], today: date
           ) -> tuple[bool, str]:
    """(holds, a note on another field when the test reads one) for a well-typed value."""
    test, value = criterion.test, criterion.value
    want = _as_date if ftype == "date" else (lambda v: v)
    if test == "is_true":
        return got is True, ""
    if test == "is_false":
        return got is False, ""
    if test == "equals":
        return got == want(value), ""
    if test == "one_of":
        return got in [want(v) for v in _items(value)], ""
    if test == "at_least":
        return got >= want(value), ""  # type: ignore[operator]
    if test == "at_most":
        return got <= want(value), ""  # type: ignore[operator]
    if test == "after_today":
        return got > today, ""  # type: ignore[operator]
    if test == "on_or_before_today":
        return got <= today, ""  # type: ignore[operator]
    if test == "within_days_after":
        other_name = criterion.other_field or ""
        other = typed("date", facts.get(other_name))
        if not isinstance(other, date) or not isinstance(value, int):
            raw = facts.get(other_name)
            return False, f"; {other_name}: {shown(raw)}" + ("" if raw is None else " is not a date (YYYY-MM-DD)")
        return other <= got <= other + timedelta(days=value), f"; {other_name}: {other.isoformat()}"  # type: ignore[operator]
    raise ValueError(f"unknown straight-through test {test!r}")


def finding(criterion: Criterion, source: str, facts: Mapping[str, object], today: date) -> Finding:
    """One criterion applied to one fact, with its sentence."""
    ftype = STP_SOURCES.get(source, {}).get(criterion.field)
    raw = facts.get(criterion.field)
    need = requirement(criterion, today)
    if ftype is None:
        return Finding(criterion.name, criterion.field, raw, False,
                       f"{criterion.field}: not a fact of {source} ({need})")
    got = typed(ftype, raw)
    if got is None:
        what = "missing" if raw is None else f"{raw!r} is not {_TYPE_WORDS[ftype]}"
        return Finding(criterion.name, criterion.field, raw, False, f"{criterion.field}: {what} ({need})")
    holds, note = _meets(criterion, ftype, got, facts, today)
    return Finding(criterion.name, criterion.field, raw, holds, f"{criterion.field}: {shown(got)} ({need}{note})")


def evaluate(rule: StraightThroughRule, facts: Mapping[str, object], today: date) -> Verdict:
    """The rule applied to one fact: it holds when every criterion holds."""
    findings = tuple(finding(c, rule.source, facts, today) for c in rule.criteria)
    return Verdict(rule.code, all(f.holds for f in findings), findings)


def rules_for(casework: Casework, source: str) -> tuple[StraightThroughRule, ...]:
    """The straight-through rules a submission kind feeds, in the policy's order."""
    return tuple(r for r in casework.straight_through if r.source == source)


def decide_action(rules: Iterable[StraightThroughRule], facts: Mapping[str, object], today: date,
                  switched_off: Collection[str] = ()) -> Action:
    """Which of a source's rules decides a fact. Rules switched off (the kill switch) are not
    applied. When a rule that ends a deferment holds together with one that grants or renews it,
    the register contradicts itself and an officer decides; otherwise the first rule that holds,
    in the policy's order, decides; when none holds, an officer does. Whether the person has a
    deferment to renew or end is casework's to know: the action is the rule's."""
    rules = tuple(rules)
    reasons: list[str] = []
    holding = []
    for rule in rules:
        if rule.code in switched_off:
            reasons.append(f"{rule.code} ({rule.name}): switched off, not applied")
            continue
        verdict = evaluate(rule, facts, today)
        reasons.append(f"{rule.code} ({rule.name}): {'holds' if verdict.holds else 'does not hold'}")
        reasons.extend(f"  {f.sentence}" for f in verdict.findings)
        if verdict.holds:
            holding.append(rule)
    ends = [r for r in holding if r.action == "end"]
    if ends and len(ends) < len(holding):
        return Action(OFFICER, None, (*reasons, "rules that end and rules that grant or renew hold at once: "
                                                "an officer decides"))
    if holding:
        return Action(holding[0].action, holding[0], tuple(reasons))
    return Action(OFFICER, None, (*reasons, "no straight-through rule holds: an officer decides"))


def implied_ground(casework: Casework, source: str, facts: Mapping[str, object]) -> tuple[str, Ground] | None:
    """The (application kind, ground) a register's fact asks about when no rule decides it, so that
    it goes to an officer as an application on that ground: the ground of the source's rules
    (granting ones first), else a ground whose evidence the register can supply (`registers`),
    deferments first. A medical fact's category picks the kind its fitness outcome gives (category V:
    an exemption). None when the policy has no ground this register feeds."""
    prefer = "deferment"
    category = facts.get("category") if source == "medical" else None
    fitness = next((f for f in casework.fitness if f.category == category), None)
    if fitness is not None and fitness.outcome.startswith("exempt"):
        prefer = "exemption"
    by_rule = [(r.kind, casework.ground(r.kind, r.ground))
               for r in sorted(rules_for(casework, source), key=lambda r: r.action != "grant")]
    by_register = [(k, g) for k in APPLICATION_KINDS for g in casework.grounds(k) if source in g.registers]
    found = [(k, g) for k, g in by_rule + by_register if g is not None]
    return next(((k, g) for k, g in found if k == prefer), found[0] if found else None)


def officer_note(rules: Iterable[StraightThroughRule], facts: Mapping[str, object], today: date,
                 switched_off: Collection[str] = ()) -> str:
    """Why no rule decided a fact, in one line for the officer's queue: each rule of the source with
    the criteria that failed (or that it was switched off), or that the policy has none."""
    rules = tuple(rules)
    if not rules:
        return "no straight-through rule of the policy takes this register's facts"
    parts = []
    holding = []
    for rule in rules:
        if rule.code in switched_off:
            parts.append(f"{rule.code}: switched off")
            continue
        verdict = evaluate(rule, facts, today)
        if verdict.holds:
            holding.append(rule)
            parts.append(f"{rule.code}: holds")
        else:
            parts.append(f"{rule.code}: " + "; ".join(f.sentence for f in verdict.findings if not f.holds))
    ends = [r for r in holding if r.action == "end"]
    head = ("rules that end and rules that grant or renew hold at once" if ends and len(ends) < len(holding)
            else "no straight-through rule holds")
    return f"{head} ({' | '.join(parts)})"
