"""Instants that come from outside (a receipt's date, an officer's `--at`, a partner's
`observed_at`, an operator's `--now`): the window they must lie in before a legal date may hang on
them. "Now" and the allowed clock skew are passed in; nothing here reads a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# Nothing Muster records happened before this; older instants are typing errors (year 1, 0001-...).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def instant_problem(at: datetime, *, now: datetime, skew: timedelta,
                    not_before: datetime | None = None, not_before_what: str = "") -> str | None:
    """Why `at` may not be taken, or None. It may lie neither before `not_before` (e.g. the
    summons's placement) nor before 1900, nor after `now` plus the clock skew."""
    if at < EARLIEST:
        return f"{at.isoformat()} is before {EARLIEST.year}"
    if not_before is not None and at < not_before:
        what = f" ({not_before_what})" if not_before_what else ""
        return f"{at.isoformat()} is before {not_before.isoformat()}{what}"
    latest = now + skew
    if at > latest:
        return f"{at.isoformat()} is in the future (after {latest.isoformat()}, the clock plus {skew})"
    return None
