"""Campaigns, summonses and their delivery attempts."""

from django.db import models

from muster.rules.notice_numbers import summons_number


class Campaign(models.Model):
    code = models.CharField(max_length=40, unique=True)
    purpose = models.CharField(max_length=30)
    pack_code = models.CharField(max_length=40)
    policy_version = models.CharField(max_length=80, help_text="in force when the campaign was created")
    place = models.CharField(max_length=300)
    appear_from = models.DateField()
    appear_to = models.DateField()
    appear_time = models.TimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)

    def __str__(self) -> str:
        return self.code


class CampaignDistrict(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="districts")
    district = models.CharField(max_length=20)
    quota = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "district"], name="campaign_district_once")]

    def __str__(self) -> str:
        return f"{self.campaign}:{self.district}"


class Run(models.Model):
    """One run of `campaign issue` or `tick`: what it did, and the clock it ran at."""

    kind = models.CharField(max_length=10)  # issue | tick
    now = models.DateTimeField()
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT)
    counts = models.JSONField(default=dict)
    actor = models.CharField(max_length=150)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "now"], name="run_kind_now")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.now}"


class Summons(models.Model):
    """A summons. Its number is derived from its id (the id followed by two ISO 7064 check
    digits), so it is never stored and never needs a second write."""

    # No database-level foreign keys on the rows the batches write by the million (a deferred check per
    # row at commit cost more than the insert): the set-based statements take the ids from the rows they
    # join, and the ORM still protects on delete. No single-column indexes that a composite one covers.
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="summonses",
                                 db_constraint=False, db_index=False)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="summonses",
                               db_constraint=False, db_index=False)
    district = models.CharField(max_length=20)
    placed_at = models.DateTimeField()
    placed_on = models.DateField()
    appearance_date = models.DateField()
    status = models.CharField(max_length=12)
    served_on = models.DateField(null=True, blank=True)
    served_how = models.CharField(max_length=40, blank=True)
    served_evidence = models.TextField(blank=True)
    missed_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)
    policy_version = models.CharField(max_length=80)
    issue_run = models.BigIntegerField()
    changed_run = models.BigIntegerField(null=True, blank=True)  # the tick that last changed its status

    class Meta:
        verbose_name_plural = "summonses"
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="one_summons_per_campaign")]
        # The engine looks up open summonses only; a summons that closes or is missed leaves this
        # index rather than taking a new entry in it.
        indexes = [models.Index(fields=["status", "appearance_date"], name="summons_open",
                                condition=models.Q(status__in=["placed", "served"])),
                   models.Index(fields=["issue_run"], name="summons_issue_run"),
                   models.Index(fields=["changed_run"], name="summons_changed_run",
                                condition=models.Q(changed_run__isnull=False)),
                   models.Index(fields=["person"], name="summons_person")]

    def __str__(self) -> str:
        return f"summons {self.number}"

    @property
    def number(self) -> int:
        return summons_number(self.pk)


class Delivery(models.Model):
    summons = models.ForeignKey(Summons, on_delete=models.CASCADE, related_name="deliveries",
                                db_constraint=False, db_index=False)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               db_index=False, related_name="+")
    channel = models.CharField(max_length=12)
    state = models.CharField(max_length=12)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)  # tracking number, message id
    last_error = models.TextField(blank=True)
    print_batch = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "next_attempt_at"], name="delivery_due",
                                condition=models.Q(state="queued")),
                   models.Index(fields=["provider_ref"], name="delivery_provider_ref",
                                condition=~models.Q(provider_ref="")),
                   models.Index(fields=["summons"], name="delivery_summons")]

    def __str__(self) -> str:
        return f"{self.channel} {self.state}"


class DeliveryEvent(models.Model):
    """Something that happened to a delivery, with its evidence; service is computed from these."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events",
                                 db_constraint=False, db_index=False)
    summons = models.ForeignKey(Summons, on_delete=models.CASCADE, db_constraint=False, db_index=False,
                                related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               db_index=False, related_name="+")
    channel = models.CharField(max_length=12)
    event = models.CharField(max_length=12)
    happened_on = models.DateField()
    at = models.DateTimeField()
    evidence = models.TextField(blank=True)

    class Meta:
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

    def __str__(self) -> str:
        return f"print batch {self.pk} ({self.letters} letters)"
