"""Partner agencies, their API keys, and the feed of measures each one enforces.

The feed is also the webhook outbox: one row per (partner, event), numbered
without gaps per partner, carrying the state of its webhook delivery.
"""

from django.conf import settings
from django.db import models

from muster.rules.vocabulary import EventType, WebhookState, choices


def default_pack() -> str:
    """The pack a fact is kept under when none is named: the API's (settings.MUSTER_DEFAULT_PACK)."""
    return str(settings.MUSTER_DEFAULT_PACK)


class Partner(models.Model):
    name = models.CharField(max_length=100, unique=True)
    kinds = models.JSONField(default=list)  # the measure kinds it enforces, and the only ones it sees
    # The submission fields it may send (muster.rules.submissions.GRANTABLE): `partner add --submit`,
    # `partner grant`. Empty: it submits nothing.
    submit = models.JSONField(default=list)
    webhook_url = models.CharField(max_length=500, blank=True)
    # A Standard Webhooks secret ("whsec_" + base64). Kept in the clear: signing needs it.
    webhook_secret = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    feed_length = models.BigIntegerField(default=0)  # the last sequence number given to this partner

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A bearer key, kept only as a SHA-256 digest (the key is random, so no slow hash is needed)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=16, unique=True)  # the public part of the key, for lookup
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.partner} {self.key_id}" + (" (revoked)" if self.revoked_at else "")


class FeedEntry(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    seq = models.BigIntegerField()  # 1, 2, 3, ... per partner
    event_id = models.BigIntegerField()  # the ledger event it carries
    # The person the event is about: the page that discloses it logs the read under this id.
    person_id = models.BigIntegerField(null=True)
    type = models.CharField(max_length=40, choices=choices(EventType))
    payload = models.JSONField()
    occurred_at = models.DateTimeField()
    # Webhook delivery: none (no webhook) | pending | delivered | dead (gave up; `webhooks replay`)
    webhook_state = models.CharField(max_length=10, choices=choices(WebhookState))
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "seq"], name="feed_partner_seq"),
                       models.UniqueConstraint(fields=["partner", "event_id"], name="feed_partner_event")]
        indexes = [models.Index(fields=["webhook_state", "next_attempt_at"], name="feed_webhook_due"),
                   # A person's entries, for their access log (muster.audit.access.reads_of).
                   models.Index(fields=["person_id"], name="feed_person", condition=models.Q(person_id__isnull=False))]

    def __str__(self) -> str:
        return f"{self.partner_id}#{self.seq} {self.type}"


class Publication(models.Model):
    """How far the ledger has been fanned out to partners (one row)."""

    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"published up to event {self.last_event_id}"


class Submission(models.Model):
    """A partner's data submission, kept with its Idempotency-Key and the first answer."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=200)
    body_digest = models.CharField(max_length=64)
    status_code = models.IntegerField()
    answer = models.JSONField()
    received_at = models.DateTimeField()
    # What came of it, for operators (never told to the partner, whose answer is the same for a
    # registered and an unknown national id): applied fields, the review, or "no such person".
    outcome = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "idempotency_key"],
                                               name="submission_idempotency")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.idempotency_key}"


class RegisterFact(models.Model):
    """A partner register's fact about a person (enrolment, medical, employment: muster.rules.
    casework_policy.STP_SOURCES), kept for straight-through processing. A fact about a national id
    the registry does not hold is kept too, with no person, and processed in the same statements as
    the rest (it matches no one), so neither the answer nor the timing tells the two apart.

    The batch (muster.partners.stp_batch) takes unprocessed facts of one source in id order and
    sets, in one statement: the rule that decides the fact (empty when none does), the outcome, the
    policy version and day it was evaluated on, and the rules switched off at the time. The reasons
    are the pure rule's sentences for those (muster.rules.straight_through), so they are computed
    again when shown rather than stored a hundred thousand times."""

    person = models.ForeignKey("registry.Person", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20)  # the submission kind
    # The pack whose policy decides it (the API's pack when submitted): each pack's batches take only
    # their own facts.
    pack_code = models.CharField(max_length=40, blank=True, default=default_pack)
    facts = models.JSONField()  # field -> value as submitted (dates as YYYY-MM-DD)
    observed_at = models.DateTimeField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    processed_on = models.DateField(null=True, blank=True)  # "today" for the criteria
    policy_version = models.CharField(max_length=80, blank=True)
    rule = models.CharField(max_length=80, blank=True)  # the straight-through rule that decides it
    # "" (not processed) | ready (a rule decides it: for system:stp) | officer (for the queue: an
    # application once casework took it) | no_person (the national id is not in the registry)
    # | decided (casework took it) | no_ground (no rule decides it and the policy has no ground its register feeds)
    outcome = models.CharField(max_length=10, blank=True)
    switched_off = models.JSONField(default=list)  # the source's rules switched off when it was processed
    # The application casework made of it (muster.casework.stp): decided by system:stp, or queued
    # for an officer when the action does not fit the person. Its number is the decision's.
    application_number = models.CharField(max_length=20, blank=True)
    # Why casework sent it to an officer: the rule's action does not fit the person (e.g. a deferment
    # in force already), its rule was switched off, or no rule holds (the criteria that failed); with
    # the criteria (muster.partners.stp_batch.reasons_of) it is the queued application's note.
    note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["source", "id"], name="register_fact_unprocessed",
                                condition=models.Q(processed_at__isnull=True)),
                   models.Index(fields=["outcome", "id"], name="register_fact_ready",
                                condition=models.Q(outcome="ready")),
                   # Facts no rule decides, not yet an application in the officer's queue (casework's next batch).
                   models.Index(fields=["id"], name="register_fact_unqueued",
                                condition=models.Q(outcome="officer", application_number="")),
                   # The facts behind an application (`application show`).
                   models.Index(fields=["application_number"], name="register_fact_application",
                                condition=~models.Q(application_number=""))]

    def __str__(self) -> str:
        return f"{self.source} fact #{self.pk} ({self.outcome or 'unprocessed'})"


class PendingChange(models.Model):
    """A partner's change to a field that decides liability or service (death, district,
    citizenship, contact channel), waiting for an officer of the person's district. A death needs
    two different officers (`needed`); each acceptance is in `approvals` with who and when."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20)  # the submission's kind
    changes = models.JSONField()  # field -> normalised value
    source = models.CharField(max_length=100)  # as registry_source names it, e.g. "partner:Border"
    observed_at = models.DateTimeField()
    reference = models.CharField(max_length=300)
    state = models.CharField(max_length=10, default="pending")  # pending | accepted | rejected
    needed = models.PositiveSmallIntegerField(default=1)
    approvals = models.JSONField(default=list)  # [{"who": ..., "at": ...}]
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    changed_fields = models.JSONField(default=list)  # what the merge changed on acceptance
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="pending_change_state")]

    def __str__(self) -> str:
        return f"change #{self.pk} ({self.kind}, {self.state})"
