"""One retry machine for everything Muster sends out: email and SMS notices, the emails that
announce account messages, and partners' webhooks.

Each kind of message is an Outbox (which rows are due, how one is sent, how each outcome is
written); `drain` is the loop they share, so backoff, giving up and crash safety behave the
same everywhere and are fixed in one place. The decision itself, retry at T or give up, is the
pure rule `muster.rules.delivery.after_failure`.

A send happens outside any transaction (it may wait on a network); its outcome is then settled
in a transaction of its own, so a crash loses nothing: a message is either recorded or still
due. An outbox that is also an AttemptRecorder (the email and SMS notices) records each attempt
before it sends, and on meeting an attempt a crash left unsettled asks the port whether the
message left (the folder outbox can tell): if so it is recorded as sent without a second send,
otherwise it is sent again with the same idempotency key, for the provider to drop the copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeVar, runtime_checkable

from django.db import transaction

from muster.delivery.ports import SendFailed
from muster.rules.delivery import Retry, after_failure

Outcome = Literal["sent", "retried", "gave_up"]

Item = TypeVar("Item")
Taken = TypeVar("Taken", contravariant=True)  # an item a method only takes


class Outbox(Protocol[Item]):
    """A queue of outbound messages of one kind. `attempts` on each method counts the attempt just
    made; the recording methods run inside the transaction that settles the item."""

    max_attempts: int
    base_seconds: int  # the first retry waits this long, doubling after each failure

    def due(self, now: datetime) -> Iterable[Item]:
        """The items to try now, in the order to try them."""
        ...

    def hold_key(self, item: Item) -> Hashable | None:
        """Items sharing a key with one that failed this round wait for the next (a receiver that
        is down is not hammered, and its messages keep their order); None: never held."""
        ...

    def attempts(self, item: Item) -> int:
        """Attempts made before this one."""
        ...

    def send(self, item: Item) -> str:
        """Send it through a port: the provider's reference, or SendFailed."""
        ...

    def sent(self, item: Item, attempts: int, ref: str, now: datetime) -> None: ...

    def retry(self, item: Item, attempts: int, reason: str, at: datetime) -> None: ...

    def give_up(self, item: Item, attempts: int, reason: str, now: datetime) -> None: ...

    def count_key(self, item: Item, outcome: Outcome) -> str:
        """The key under which `drain` counts this outcome (each kind keeps its own names)."""
        ...


@runtime_checkable
class AttemptRecorder(Protocol[Taken]):
    """An outbox that records an attempt before making it, so a crash between a send and its
    record is found and reconciled rather than sent blindly again."""

    def begin(self, item: Taken, now: datetime) -> None:
        """Record that an attempt starts now (inside its own transaction, committed before the send)."""
        ...

    def sent_before(self, item: Taken) -> str | None:
        """For an item whose last attempt was recorded but never settled: the provider's reference
        if the message is known to have left, else None (then it is sent again, same key)."""
        ...


def drain(outbox: Outbox[Item], now: datetime) -> Counter[str]:
    """Try every due item once; returns how many were sent, retried or given up, by count key."""
    counts: Counter[str] = Counter()
    held: set[Hashable] = set()
    recorder = outbox if isinstance(outbox, AttemptRecorder) else None
    for item in outbox.due(now):
        key = outbox.hold_key(item)
        if key is not None and key in held:
            continue
        attempts = outbox.attempts(item) + 1
        outcome: Outcome
        if recorder is not None:
            left = recorder.sent_before(item)
            if left is not None:  # a crash came between its send and its record: record it now
                with transaction.atomic():
                    outbox.sent(item, attempts, left, now)
                counts[outbox.count_key(item, "sent")] += 1
                continue
            with transaction.atomic():
                recorder.begin(item, now)
        try:
            ref = outbox.send(item)
        except SendFailed as exc:
            decision = after_failure(attempts, exc.temporary, outbox.max_attempts, outbox.base_seconds)
            with transaction.atomic():
                if isinstance(decision, Retry):
                    outbox.retry(item, attempts, str(exc), now + timedelta(seconds=decision.delay_seconds))
                    outcome = "retried"
                else:
                    outbox.give_up(item, attempts, str(exc), now)
                    outcome = "gave_up"
            if key is not None:
                held.add(key)
        else:
            with transaction.atomic():
                outbox.sent(item, attempts, ref, now)
            outcome = "sent"
        counts[outbox.count_key(item, outcome)] += 1
    return counts
