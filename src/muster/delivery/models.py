"""Delivery attempts of summonses and their events, print batches (Django label "notices"), and the
messages in a person's electronic account (label "dueprocess")."""

from django.db import models

from muster.rules.vocabulary import (
    Channel,
    DeliveryEventKind,
    DeliveryState,
    EmailState,
    EventType,
    choices,
)


class Delivery(models.Model):
    summons = models.ForeignKey("notices.Summons", on_delete=models.CASCADE, related_name="deliveries",
                                db_constraint=False, db_index=False)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               db_index=False, related_name="+")
    channel = models.CharField(max_length=12, choices=choices(Channel))
    state = models.CharField(max_length=12, choices=choices(DeliveryState))
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)  # tracking number, message id
    last_error = models.TextField(blank=True)
    print_batch = models.BigIntegerField(null=True, blank=True)
    # When an email or SMS attempt began; cleared when its outcome is recorded. Set on a queued
    # delivery, it marks an attempt a crash cut off: muster.delivery.outbound reconciles it.
    sending_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "notices"
        indexes = [models.Index(fields=["channel", "next_attempt_at"], name="delivery_due",
                                condition=models.Q(state=DeliveryState.QUEUED)),
                   models.Index(fields=["provider_ref"], name="delivery_provider_ref",
                                condition=~models.Q(provider_ref="")),
                   models.Index(fields=["summons"], name="delivery_summons")]

    def __str__(self) -> str:
        return f"{self.channel} {self.state}"


class DeliveryEvent(models.Model):
    """Something that happened to a delivery, with its evidence; service is computed from these."""

    delivery = models.ForeignKey("notices.Delivery", on_delete=models.CASCADE, related_name="events",
                                 db_constraint=False, db_index=False)
    summons = models.ForeignKey("notices.Summons", on_delete=models.CASCADE, db_constraint=False, db_index=False,
                                related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               db_index=False, related_name="+")
    channel = models.CharField(max_length=12, choices=choices(Channel))
    event = models.CharField(max_length=12, choices=choices(DeliveryEventKind))
    happened_on = models.DateField()
    at = models.DateTimeField()
    evidence = models.TextField(blank=True)

    class Meta:
        app_label = "notices"
        indexes = [models.Index(fields=["summons", "happened_on"], name="delivery_event_summons")]
        constraints = [models.UniqueConstraint(fields=["delivery", "event"], name="delivery_event_once")]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} on {self.happened_on}"


class PrintBatch(models.Model):
    created_at = models.DateTimeField()
    for_date = models.DateField()
    letters = models.PositiveIntegerField()
    pdf_path = models.CharField(max_length=500)
    manifest_path = models.CharField(max_length=500)


    class Meta:
        app_label = "notices"

    def __str__(self) -> str:
        return f"print batch {self.pk} ({self.letters} letters)"



class PersonMessage(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               related_name="messages")
    event_id = models.BigIntegerField(unique=True)  # the ledger event it tells of: never told twice
    topic = models.CharField(max_length=40, choices=choices(EventType))
    details = models.JSONField()  # kind, dates, legal basis, reason, summons number: shown in the account
    created_at = models.DateTimeField()
    # The email that says "there is a new message in your account" (no details by email):
    # none (no address) | queued | sent | failed
    email_state = models.CharField(max_length=10, choices=choices(EmailState))
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)  # as Delivery.sending_at: an attempt in flight
    read_at = models.DateTimeField(null=True, blank=True)  # first opened by the person (muster.delivery.inbox)

    class Meta:
        indexes = [models.Index(fields=["person", "id"], name="message_person"),
                   models.Index(fields=["person"], name="message_unread", condition=models.Q(read_at__isnull=True)),
                   models.Index(fields=["email_state", "next_attempt_at"], name="message_email_due")]

    def __str__(self) -> str:
        return f"{self.topic} #{self.event_id}"


class MessageCursor(models.Model):
    """How far the ledger has been turned into messages (one row)."""

    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"messages made up to event {self.last_event_id}"


from muster.delivery.contact_models import ContactChange, NoticeConsent  # noqa: E402,F401  (muster.delivery.contacts)
