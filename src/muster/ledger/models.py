"""The append-only event ledger: a person's timeline and partners' feeds are views of it."""

from django.db import models

from muster.rules.vocabulary import EventType, choices


class Event(models.Model):
    # The id is the ledger's sequence number.
    type = models.CharField(max_length=40, choices=choices(EventType))
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               db_index=False, related_name="+")  # indexed by event_person_seq
    summons_id = models.BigIntegerField(null=True, blank=True)
    measure_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        # Readers of one type (partners' feeds, messages, the checks' replica) read a range of
        # ids, by the primary key; an index by type would cost every batch of a million events
        # an eighth of its time.
        indexes = [models.Index(fields=["person", "id"], name="event_person_seq")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type}"
