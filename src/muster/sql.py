"""The few SQL spellings that differ between PostgreSQL and SQLite, in one place."""

from __future__ import annotations

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def add_days(date_expr: str, days_expr: str) -> str:
    """A date plus a whole number of days, as a date."""
    if is_postgres():
        return f"(({date_expr})::date + ({days_expr})::int)"
    return f"date({date_expr}, '+' || ({days_expr}) || ' days')"


def date_text(date_expr: str) -> str:
    """A date as YYYY-MM-DD text."""
    if is_postgres():
        return f"to_char({date_expr}, 'YYYY-MM-DD')"
    return f"({date_expr})"


def json_object(pairs: dict[str, str]) -> str:
    """A JSON object from SQL expressions, for a JSONField column."""
    args = ", ".join(f"'{key}', {expr}" for key, expr in pairs.items())
    return f"jsonb_build_object({args})" if is_postgres() else f"json_object({args})"


def number_from_id(id_expr: str) -> str:
    """muster.rules.notice_numbers.summons_number, in SQL (for a statement with parameters)."""
    return f"({id_expr} * 100 + 98 - ({id_expr} * 100) %% 97)"


def dt(value: object) -> object:
    """A datetime as the backend stores it (SQLite keeps naive UTC text), for raw SQL parameters."""
    return connection.ops.adapt_datetimefield_value(value)
