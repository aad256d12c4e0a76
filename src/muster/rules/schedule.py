"""Campaign windows and appearance dates, spread by each office's daily capacity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from muster.rules.policy import PolicyVersion


@dataclass(frozen=True)
class Window:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def window_problems(version: PolicyVersion, purpose: str, appear_from: date, appear_to: date) -> list[str]:
    """Why a campaign window breaks the policy (empty when it does not)."""
    problems = []
    if version.summons is None or version.campaigns is None:
        return [f"policy {version.code} has no summonses: campaigns are not possible"]
    limits = version.campaigns
    if purpose not in limits.purposes:
        problems.append(f"purpose {purpose!r} is not one of {', '.join(limits.purposes)} under {version.code}")
    if appear_to < appear_from:
        problems.append(f"the window ends ({appear_to}) before it starts ({appear_from})")
        return problems
    if limits.max_days_after_placement is not None:
        span = (appear_to - appear_from).days
        if span >= limits.max_days_after_placement:
            problems.append(
                f"the window is {span + 1} days long, but under {version.code} the appearance date is at "
                f"most {limits.max_days_after_placement} days after placement, so no summons placed on one "
                f"day could use it all")
    if (purpose == "call_up" and not limits.call_up_all_year and limits.call_up_seasons
            and not any(_within_season(appear_from, appear_to, s) for s in limits.call_up_seasons)):
        seasons = ", ".join(f"{a} to {b}" for a, b in limits.call_up_seasons)
        problems.append(f"under {version.code} call-up happens only in the seasons {seasons}")
    return problems


def _within_season(first: date, last: date, season: tuple[str, str]) -> bool:
    if first.year != last.year:
        return False
    start = date.fromisoformat(f"{first.year}-{season[0]}")
    end = date.fromisoformat(f"{first.year}-{season[1]}")
    return start <= first and last <= end


def usable_window(version: PolicyVersion, appear_from: date, appear_to: date, placed_on: date) -> Window | None:
    """The appearance dates a summons placed on `placed_on` may get (None: none)."""
    first = max(appear_from, placed_on + timedelta(days=1))
    last = appear_to
    limits = version.campaigns
    if limits is not None and limits.max_days_after_placement is not None:
        last = min(last, placed_on + timedelta(days=limits.max_days_after_placement))
    return Window(first, last) if first <= last else None


def appearance_date(position: int, window: Window, daily_capacity: int) -> date | None:
    """The date for the person at 0-based `position` in the office's queue (None: no room left).
    The issuing SQL dates a whole district at once by the same arithmetic; a property test holds
    the two together."""
    day = position // daily_capacity
    return window.first + timedelta(days=day) if day < window.days else None


def room(window: Window, daily_capacity: int, already_issued: int) -> int:
    """How many more people the office can see in the window when `already_issued` are ahead of
    them in its queue: the positions from `already_issued` on that appearance_date gives a date.
    The issue's plan takes its room from here, and the SQL summons no more than the plan allows."""
    return max(0, window.days * daily_capacity - already_issued)
