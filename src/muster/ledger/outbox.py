"""Reading the ledger as a transactional outbox: each consumer (partners' feeds, people's
messages) takes the events after its mark, and no event is ever skipped.

A sequence number is taken when a row is inserted, not when its transaction commits, so
a reader could see event 11 before event 10 commits and move its mark past 10. To rule
that out on PostgreSQL, writers of measure events outside the tick hold locks.LEDGER in
shared mode (`hold_for_writing`), the tick holds its own lock, and a consumer takes both
exclusively: while it reads, no writer is in flight. SQLite has one writer at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction

from muster.kernel import locks

# What partners' feeds, people's messages and the checks' replica follow.
MEASURE_EVENTS = ("measure.applied", "measure.lifted", "measure.suspended", "measure.reinstated")


def hold_for_writing() -> None:
    """Call inside a transaction that writes measure events outside the tick."""
    with connection.cursor() as cur:
        locks.hold(cur, locks.LEDGER, shared=True)


def lock_out_writers(cur: Any) -> None:
    """Wait until no ledger writer is in flight, and keep new ones out until this transaction ends."""
    locks.hold(cur, locks.TICK, locks.LEDGER)


def consumed_so_far(cur: Any, mark_model: type[models.Model]) -> int:
    """In the caller's transaction, with writers locked out: the last event the consumer has taken."""
    lock_out_writers(cur)
    mark, _ = mark_model.objects.select_for_update().get_or_create(pk=1)  # type: ignore[attr-defined]
    return int(mark.last_event_id)


@contextmanager
def new_events(mark_model: type[models.Model]) -> Iterator[tuple[Any, int, int | None]]:
    """In one transaction: (cursor, last event consumed, last event now in the ledger or None).
    The consumer's mark (a one-row model with `last_event_id`) moves on when the block succeeds."""
    with transaction.atomic(), connection.cursor() as cur:
        lock_out_writers(cur)
        mark, _ = mark_model.objects.select_for_update().get_or_create(pk=1)  # type: ignore[attr-defined]
        cur.execute("SELECT MAX(id) FROM events_event WHERE id > %s", [mark.last_event_id])
        upto = cur.fetchone()[0]
        yield cur, mark.last_event_id, upto
        if upto is not None:
            mark.last_event_id = upto
            mark.save(update_fields=["last_event_id"])
