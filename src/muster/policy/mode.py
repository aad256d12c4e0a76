"""Whether this database is live or a simulation, chosen once at `muster init` and then kept.

On a live database the clock is the wall clock: an operator's `--now` may not lie after it plus
the allowed skew (settings.MUSTER_CLOCK_SKEW), because one tick run ahead would serve, miss and ban
people on dates that have not come. A simulation (the demo, benchmarks, tests) may move its clock
at will. A live database never becomes a simulation, nor a simulation live: start another database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from muster.kernel import clock
from muster.policy.models import ClosedTick, DatabaseMode
from muster.rules.instants import EARLIEST, instant_problem

LIVE, SIMULATION = "live", "simulation"
MODES = (LIVE, SIMULATION)


class ModeError(ValueError):
    """A mode change or an instant the database's mode does not allow; the message says why."""


def current() -> str:
    """The database's mode; a database nobody has chosen a mode for is live (the safe side)."""
    row = DatabaseMode.objects.order_by("id").first()
    return row.mode if row else LIVE


def choose(requested: str | None, who: str) -> str:
    """Record the mode at the first `muster init` (default live); later, keep it. Asking for the
    other mode of a database that has one is refused: nothing changes it silently."""
    if requested is not None and requested not in MODES:
        raise ModeError(f"the mode must be one of {', '.join(MODES)}; got {requested!r}")
    with transaction.atomic():
        row = DatabaseMode.objects.select_for_update().order_by("id").first()
        if row is None:
            mode = requested or LIVE
            DatabaseMode.objects.create(mode=mode, chosen_at=clock.now(), chosen_by=who)
            return mode
    if requested is not None and requested != row.mode:
        if row.mode == LIVE:
            raise ModeError(f"this database is live (chosen {row.chosen_at:%Y-%m-%d} by {row.chosen_by}): a live "
                            "database never becomes a simulation; set up another database with "
                            "`muster init --simulation` (MUSTER_DATABASE_URL) to simulate")
        raise ModeError(f"this database is a simulation (chosen {row.chosen_at:%Y-%m-%d} by {row.chosen_by}): "
                        "its dates are made up, so it never becomes live; set up another database with "
                        "`muster init` for live use")
    return row.mode


def skew() -> timedelta:
    return timedelta(seconds=settings.MUSTER_CLOCK_SKEW)


def check_now(now: datetime) -> None:
    """Refuse an operator's `--now` the database's mode does not allow (ModeError says why)."""
    if current() == LIVE:
        problem = instant_problem(now, now=clock.now(), skew=skew())
        if problem:
            raise ModeError(f"--now {problem}: this database is live, its clock is the wall clock; "
                            "simulated time needs a database set up with `muster init --simulation`")
    elif now < EARLIEST:
        raise ModeError(f"--now {now.isoformat()} is before {EARLIEST.year}")


def closed_runs() -> QuerySet[ClosedTick, int]:
    """The ids of tick runs closed as run ahead: the tick no longer measures time from them."""
    return ClosedTick.objects.values_list("run_id", flat=True)
