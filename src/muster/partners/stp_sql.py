"""Straight-through rules as SQL over a JSON column of register facts: the set-based twin of
muster.rules.straight_through (evaluate, decide_action), held to it by
tests/functional/test_stp_submissions.py::test_the_sql_verdicts_agree_with_the_pure_rule.

Each criterion becomes a CASE that yields 1 or 0, guarded by the fact's JSON type so that no cast
ever meets a value of another type (a missing or mistyped fact fails, as in the pure rule). Dates
are compared as their YYYY-MM-DD text, which orders as the dates do; the facts table holds only
dates the submission validated. Values from the policy are parameters, never spliced in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from muster.kernel import db
from muster.rules.casework_policy import STP_SOURCES, Criterion, StraightThroughRule

Sql = tuple[str, list[Any]]


def _param(ftype: str, value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _typed_is(column: str, field: str, ftype: str, inner: str) -> str:
    """`inner` (1 or 0) only for a value of the field's type; 0 otherwise."""
    kind = db.json_type(column, field)
    guard = {"bool": f"{kind} IN ('true', 'false')", "int": f"{kind} = 'integer'",
             "str": f"{kind} = 'string'", "date": f"{kind} = 'string'"}[ftype]
    return f"(CASE WHEN {guard} THEN {inner} ELSE 0 END)"


def _value(column: str, field: str, ftype: str) -> str:
    text = db.json_text(column, field)
    return f"CAST({text} AS BIGINT)" if ftype == "int" else text


def criterion_sql(criterion: Criterion, source: str, column: str, today: date) -> Sql:
    """1 when the criterion holds for the facts in `column`, else 0."""
    ftype = STP_SOURCES.get(source, {}).get(criterion.field)
    if ftype is None:
        return "0", []
    field, test, value = criterion.field, criterion.test, criterion.value
    kind = db.json_type(column, field)
    if test in ("is_true", "is_false"):
        want = "true" if test == "is_true" else "false"
        return f"(CASE WHEN {kind} = '{want}' THEN 1 ELSE 0 END)", []
    if ftype == "bool":  # equals / one_of on a boolean field: its JSON type is its value
        wanted = [("true" if v else "false") for v in (value if isinstance(value, tuple | list) else (value,))]
        marks = ", ".join(["%s"] * len(wanted))
        return f"(CASE WHEN {kind} IN ({marks}) THEN 1 ELSE 0 END)", wanted
    got = _value(column, field, ftype)
    if test == "equals":
        return _typed_is(column, field, ftype, f"CASE WHEN {got} = %s THEN 1 ELSE 0 END"), [_param(ftype, value)]
    if test == "one_of":
        items = [_param(ftype, v) for v in (value if isinstance(value, tuple | list) else (value,))]
        marks = ", ".join(["%s"] * len(items))
        return _typed_is(column, field, ftype, f"CASE WHEN {got} IN ({marks}) THEN 1 ELSE 0 END"), items
    if test in ("at_least", "at_most", "after_today", "on_or_before_today"):
        op = {"at_least": ">=", "at_most": "<=", "after_today": ">", "on_or_before_today": "<="}[test]
        bound = today.isoformat() if test in ("after_today", "on_or_before_today") else _param(ftype, value)
        return _typed_is(column, field, ftype, f"CASE WHEN {got} {op} %s THEN 1 ELSE 0 END"), [bound]
    if test == "within_days_after":
        other = criterion.other_field or ""
        if STP_SOURCES[source].get(other) != "date" or not isinstance(value, int):
            return "0", []
        since = db.json_text(column, other)
        until = db.date_text(db.add_days(since, str(int(value))))
        inner = f"CASE WHEN {got} >= {since} AND {got} <= {until} THEN 1 ELSE 0 END"
        return (f"(CASE WHEN {db.json_type(column, other)} = 'string' THEN {_typed_is(column, field, ftype, inner)} "
                f"ELSE 0 END)"), []
    raise ValueError(f"unknown straight-through test {test!r}")


def rule_sql(rule: StraightThroughRule, column: str, today: date) -> Sql:
    """1 when every criterion of the rule holds, else 0."""
    parts, params = [], []
    for c in rule.criteria:
        sql, p = criterion_sql(c, rule.source, column, today)
        parts.append(f"{sql} = 1")
        params += p
    return f"(CASE WHEN {' AND '.join(parts) or '1 = 0'} THEN 1 ELSE 0 END)", params


def decision_sql(rules: Sequence[StraightThroughRule], column: str, today: date) -> Sql:
    """The code of the rule that decides the facts ('' when an officer does), as decide_action
    chooses among the rules that are on: none when an ending rule holds with a granting one, else
    the first that holds in the policy's order."""
    if not rules:
        return "''", []
    holds = [rule_sql(r, column, today) for r in rules]

    def any_of(actions: tuple[str, ...]) -> Sql:
        chosen = [h for h, r in zip(holds, rules, strict=True) if r.action in actions]
        if not chosen:
            return "1 = 0", []
        return " OR ".join(f"{s} = 1" for s, _ in chosen), [p for _, ps in chosen for p in ps]

    ends, end_params = any_of(("end",))
    gives, give_params = any_of(("grant", "renew"))
    whens = " ".join(f"WHEN {s} = 1 THEN %s" for s, _ in holds)
    params: list[Any] = [*end_params, *give_params]
    for (_, p), r in zip(holds, rules, strict=True):
        params += [*p, r.code]
    return f"(CASE WHEN ({ends}) AND ({gives}) THEN '' {whens} ELSE '' END)", params
