"""The one place that reads the wall clock, in a pack's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from muster.rules.policy import Pack


def now() -> datetime:
    return timezone.now()


def today_in(pack: Pack, at: datetime | None = None) -> date:
    """The local date in the pack's time zone: every date the rules use is a local date
    (docs/jurisdiction-ru.md, "Counting days")."""
    return (at or now()).astimezone(ZoneInfo(pack.time_zone)).date()
