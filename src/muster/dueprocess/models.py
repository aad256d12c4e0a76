"""What the person is told: messages in their electronic account, each also announced by email."""

from django.db import models


class PersonMessage(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               related_name="messages")
    event_id = models.BigIntegerField(unique=True)  # the ledger event it tells of: never told twice
    topic = models.CharField(max_length=40)  # measure.applied | measure.lifted
    details = models.JSONField()  # kind, dates, legal basis, reason, summons number: shown in the account
    created_at = models.DateTimeField()
    # The email that says "there is a new message in your account" (no details by email):
    # none (no address) | queued | sent | failed
    email_state = models.CharField(max_length=10)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "id"], name="message_person"),
                   models.Index(fields=["email_state", "next_attempt_at"], name="message_email_due")]

    def __str__(self) -> str:
        return f"{self.topic} #{self.event_id}"


class MessageCursor(models.Model):
    """How far the ledger has been turned into messages (one row)."""

    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"messages made up to event {self.last_event_id}"
