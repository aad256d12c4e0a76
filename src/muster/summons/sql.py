"""The summons number in SQL: the batch mirror of muster.rules.notice_numbers, written once.

A summons number is its id followed by two ISO 7064 MOD 97-10 check digits, printed in groups
(0000-0001-95). Batches that write events or feed entries compute it in the statement itself;
tests/unit/test_notice_numbers.py and the feed and message tests hold the SQL to the pure rule.
"""

from __future__ import annotations

from muster.kernel import db


def number(id_expr: str) -> str:
    """`summons_number(id)` as an SQL integer expression (for a statement with parameters: %% is %)."""
    return f"({id_expr} * 100 + 98 - ({id_expr} * 100) %% 97)"


def printed(id_expr: str) -> str:
    """`format_summons_number(summons_number(id))` as SQL text: at least 10 digits, grouped 4-4-2
    from the right (the leading group grows past 10 digits)."""
    t = db.lpad_digits(f"CAST({number(id_expr)} AS text)", 10)
    return (f"(substr({t}, 1, length({t}) - 6) || '-' || substr({t}, length({t}) - 5, 4) || '-' "
            f"|| substr({t}, length({t}) - 1, 2))")
