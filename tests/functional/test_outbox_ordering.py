"""No event is skipped when a writer commits after a later-numbered event was published (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction
from django.utils import timezone

from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.ledger.outbox import hold_for_writing
from muster.measures.models import LegalBasis, Measure
from muster.partners import feed, keys
from muster.partners.models import FeedEntry
from muster.registry.models import Person


def _measure_event(person: Person, summons_id: int) -> None:
    m = Measure.objects.create(person=person, summons_id=summons_id, kind="exit_ban", status="active",
                               basis=LegalBasis.objects.get(text="x"), effective_from=date(2026, 3, 2), policy_version="v")
    Event.objects.create(type="measure.applied", person=person, summons_id=summons_id, measure_id=m.pk,
                         payload={"kind": "exit_ban", "summons_number": summons_id * 100 + 97},
                         occurred_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_publishing_waits_for_writers_in_flight_so_no_event_is_skipped(packs):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: the case cannot arise")
    keys.add("Border", ["exit_ban"], "", actor=Actor.officer("t"))
    person = Person.objects.create(national_id="10000000100", sex="M", birth_date=date(2000, 1, 1))
    LegalBasis.objects.create(text="x")  # before the writers: a new text would make one wait for the other
    inserted, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            hold_for_writing()
            _measure_event(person, 1)  # takes the lower event id ...
            inserted.set()
            release.wait(10)  # ... and commits late
        connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert inserted.wait(10)
    with transaction.atomic():
        hold_for_writing()
        _measure_event(person, 2)  # a later id, committed first
    published: dict[str, int] = {}
    publisher = threading.Thread(target=lambda: (published.update(feed.publish(timezone.now())),
                                                 connection.close()))
    publisher.start()
    time.sleep(0.5)
    assert publisher.is_alive(), "the publisher must wait for the writer in flight"
    release.set()
    writer.join(10)
    publisher.join(10)
    assert published == {"Border": 2}
    events = list(FeedEntry.objects.order_by("seq").values_list("seq", "payload__kind"))
    assert [seq for seq, _ in events] == [1, 2]
    assert sorted(FeedEntry.objects.values_list("event_id", flat=True)) == sorted(
        Event.objects.values_list("id", flat=True))
